import ClusterModel

/// Route coverage, for `sealwatch config check`: warnings (not errors) about a route that can match
/// no alert this configuration can produce, and about alerts that match no route and so are never
/// sent. Pure: Config does not depend on Rules, so the caller passes the rule catalogue.
///
/// An alert carries `alertname` (a rule), `cluster`, `severity` (the rule's, or the cluster's
/// `rules.<Rule>.severity`), `node` for node-scoped rules, and the cluster's `labels`. Which rules
/// are node-scoped is not known here, so every rule is taken to produce both a cluster-level alert
/// and one per node: a route is reported only when no such alert matches it, and a rule's alerts
/// only when none of them, in that cluster, matches any route. Disabled rules produce nothing.
/// Matching is `RouteConfig.matches`, exactly as the router applies it.
public enum RouteCoverage {
    /// One rule of the catalogue, as the configuration can override it.
    public struct Rule: Sendable, Hashable {
        public var alertname: String
        public var defaultSeverity: Severity
        public var enabledByDefault: Bool
        public init(alertname: String, defaultSeverity: Severity, enabledByDefault: Bool = true) {
            self.alertname = alertname; self.defaultSeverity = defaultSeverity; self.enabledByDefault = enabledByDefault
        }
    }

    /// Warnings in file order: routes first (each at its `match`), then uncovered alerts (at `routes`).
    /// None without receivers (alerts are then only exported as metrics, on purpose).
    public static func warnings(config: SealwatchConfig, rules: [Rule]) -> [ConfigIssue] {
        guard !config.receivers.isEmpty else { return [] }
        var alerts: [(rule: String, cluster: String, severity: Severity, variants: [[String: String]])] = []
        for c in config.clusters {
            for rule in rules {
                let o = c.rules[rule.alertname]
                guard o?.enabled ?? rule.enabledByDefault else { continue }
                let severity = o?.severity ?? rule.defaultSeverity
                var base = c.labels
                base["alertname"] = rule.alertname; base["cluster"] = c.name; base["severity"] = severity.rawValue
                var variants = [base]
                for n in c.nodes { var v = base; v["node"] = n.name; variants.append(v) }
                alerts.append((rule.alertname, c.name, severity, variants))
            }
        }
        let all = alerts.flatMap(\.variants)
        var out: [ConfigIssue] = []

        // Routes written in the file (the default routes are not the user's to fix).
        if config.locations["routes"] != nil {
            for (i, route) in config.routes.enumerated() where !all.contains(where: route.matches) {
                let path = "routes[\(i)].match"
                let mark = config.locations[path] ?? config.locations["routes[\(i)]"]
                out.append(ConfigIssue(path: path, message: "matches no alert this configuration can produce (\(reason(route, all, config, rules)))",
                                       line: mark?.line, column: mark?.column))
            }
        }

        // Alerts no route takes, grouped by rule (catalogue order) and severity.
        var uncovered: [String: [String]] = [:]   // "Rule (severity)" → clusters
        var order: [String] = []
        for a in alerts where !a.variants.contains(where: { labels in config.routes.contains { $0.matches(labels) } }) {
            let key = "\(a.rule) (\(a.severity.rawValue))"
            if uncovered[key] == nil { order.append(key) }
            uncovered[key, default: []].append(a.cluster)
        }
        let mark = config.locations["routes"]
        let defaults = mark == nil ? " by the default routes (no routes: in the file)" : ""
        for key in order {
            let clusters = uncovered[key]!
            let from = clusters.count == 1 ? "cluster \(clusters[0])" : "clusters \(clusters.joined(separator: ", "))"
            out.append(ConfigIssue(path: "routes", message: "alerts of \(key) from \(from) match no route\(defaults) and will not be sent",
                                   line: mark?.line, column: mark?.column))
        }
        return out
    }

    /// Why `route` matches nothing: the first `match` pair no alert has, or the combination.
    static func reason(_ route: RouteConfig, _ all: [[String: String]], _ config: SealwatchConfig, _ rules: [Rule]) -> String {
        for (key, value) in route.match.sorted(by: { $0.key < $1.key }) where !all.contains(where: { $0[key] == value }) {
            switch key {
            case "alertname":
                return rules.contains { $0.alertname == value } ? "rule \(value) is disabled in every cluster" : "no rule is named \"\(value)\""
            case "cluster":
                return "no cluster is named \"\(value)\""
            case "severity":
                return "no enabled rule has severity \(value)"
            case "node":
                return "no cluster has a node named \"\(value)\""
            default:
                if !config.clusters.contains(where: { $0.labels[key] != nil }) {
                    return "no alert has a label \"\(key)\"; alerts carry alertname, cluster, severity, node and the cluster's labels"
                }
                return "no cluster has label \(key)=\(value)"
            }
        }
        let pairs = route.match.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        return "no alert has all of \(pairs)"
    }
}
