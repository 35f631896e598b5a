import ClusterModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// What the config layer needs to know about rules, injected so Config does not depend on Rules.
public struct RuleVocabulary: Sendable {
    public var names: [String]
    /// Messages for one override, each starting with the field name; empty = valid.
    public var validate: @Sendable (String, RuleOverride) -> [String]
    public init(names: [String], validate: @escaping @Sendable (String, RuleOverride) -> [String]) {
        self.names = names; self.validate = validate
    }
    /// Accepts any rule name and override (for tools that only need the rest of the file).
    public static let permissive = RuleVocabulary(names: [], validate: { _, _ in [] })
}

/// Loads and validates a configuration: parse, read every key with its line, reject unknown keys,
/// check cross-field rules and that secret files are readable. Pure but for reading files.
public struct ConfigLoader: Sendable {
    public var rules: RuleVocabulary
    public var environment: [String: String]
    public init(rules: RuleVocabulary, environment: [String: String]) { self.rules = rules; self.environment = environment }

    /// Largest configuration file accepted (4 MiB): a real one is a few KiB, and a larger file is
    /// refused before it is parsed, so a mistaken or hostile file cannot make the daemon balloon.
    public static let maxFileBytes = 4 << 20

    public func load(path: String) throws(ConfigError) -> SealwatchConfig {
        let bytes: [UInt8]
        switch BoundedRead.read(path, limit: ConfigLoader.maxFileBytes) {
        case .success(let b): bytes = b
        case .failure(.tooLarge):
            throw ConfigError(file: path, issues: [ConfigLoader.tooLargeIssue])
        case .failure(.system(let call, let code)):
            throw ConfigError(file: path, issues: [ConfigIssue(path: "", message: "cannot read the file (\(call): \(String(cString: strerror(code))))")])
        }
        return try parse(String(decoding: bytes, as: UTF8.self), file: path)
    }

    static let tooLargeIssue = ConfigIssue(
        path: "", message: "the file is larger than 4 MiB (4194304 bytes), the limit for a configuration file; it was not parsed")

    public func parse(_ text: String, file: String = "<config>") throws(ConfigError) -> SealwatchConfig {
        if text.utf8.count > ConfigLoader.maxFileBytes { throw ConfigError(file: file, issues: [ConfigLoader.tooLargeIssue]) }
        let root: YAMLNode?
        do { root = try YAMLParser.parse(text) } catch {
            throw ConfigError(file: file, issues: [ConfigLoader.syntaxIssue(error)])
        }
        let r = YAMLReader()
        guard let root, let doc = r.mapping(root, "") else {
            throw ConfigError(file: file, issues: [ConfigIssue(path: "", message: "the file is empty; at least one cluster is required")])
        }
        let config = read(doc, r)
        if !r.issues.isEmpty || config == nil {
            throw ConfigError(file: file, issues: r.issues.sorted { ($0.line ?? 0, $0.column ?? 0) < ($1.line ?? 0, $1.column ?? 0) })
        }
        return config!
    }

    /// Why a canary path is unusable, or nil: a relative Vault API path (`secret/data/x`), no
    /// query, no `..`, no `sys/` (never write there), printable ASCII.
    static func apiPathProblem(_ path: String) -> String? {
        var p = Substring(path)
        if p.hasPrefix("/v1/") { p = p.dropFirst(4) } else if p.hasPrefix("/") { p = p.dropFirst() }
        if p.isEmpty { return "must name a Vault API path, e.g. secret/data/sealwatch/canary" }
        if p.contains("?") || p.contains("#") { return "must be a path without a query or fragment" }
        if p.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) { return "must not contain '.' or '..' segments" }
        if p.hasPrefix("sys/") { return "must not be under sys/ (use a KV path such as secret/data/sealwatch/canary)" }
        if !p.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) { return "must be printable ASCII without spaces" }
        return nil
    }

    /// `secret/data/x` for `/v1/secret/data/x`, `/secret/data/x/` and `secret/data/x`.
    static func trimAPIPath(_ path: String) -> String {
        var p = Substring(path)
        if p.hasPrefix("/v1/") { p = p.dropFirst(4) }
        while p.hasPrefix("/") { p = p.dropFirst() }
        while p.hasSuffix("/") { p = p.dropLast() }
        return String(p)
    }

    static func syntaxIssue(_ error: YAMLSyntaxError) -> ConfigIssue {
        ConfigIssue(path: "", message: "YAML syntax error: \(error.problem)", line: error.line, column: error.column)
    }

    // MARK: - Sections

    private func read(_ doc: MappingReader, _ r: YAMLReader) -> SealwatchConfig? {
        var global = GlobalConfig()
        if let env = environment["STATE_DIRECTORY"], !env.isEmpty {
            global.stateDir = String(env.split(separator: ":").first ?? Substring(env))
        }
        if let g = doc.mapping("global") {
            global.interval = g.duration("interval", positive: true) ?? global.interval
            global.timeout = g.duration("timeout", positive: true) ?? global.timeout
            global.connectTimeout = g.duration("connect_timeout", positive: true)
            global.stateDir = g.nonEmptyString("state_dir") ?? global.stateDir
            if let level = g.string("log_level") {
                let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
                if levels.contains(level) { global.logLevel = level } else {
                    r.issue(g.keyPath("log_level"), "must be one of \(levels.joined(separator: ", "))", at: g.mark("log_level"))
                }
            }
            global.runbookBaseURL = g.nonEmptyString("runbook_base_url") ?? global.runbookBaseURL
            global.outageTolerance = g.duration("outage_tolerance") ?? global.outageTolerance
            global.maxResponseBytes = g.int("max_response_bytes", min: 1024) ?? global.maxResponseBytes
            global.historySize = g.int("history_size", min: 1, max: 100_000) ?? global.historySize
            if global.timeout >= global.interval {
                r.issue(g.keyPath("timeout"), "must be shorter than global.interval (\(DurationText.format(global.interval))) so cycles never overlap", at: g.mark("timeout"))
            }
            if let c = global.connectTimeout, c > global.timeout {
                r.issue(g.keyPath("connect_timeout"), "must not exceed global.timeout", at: g.mark("connect_timeout"))
            }
            g.finish()
        }

        var listen = ListenConfig()
        if let l = doc.mapping("listen") {
            if let a = l.nonEmptyString("address") {
                if ConfigLoader.isListenAddress(a) { listen.address = a } else {
                    r.issue(l.keyPath("address"), "must be host:port or [ipv6]:port, e.g. 127.0.0.1:9742 or [::]:9742", at: l.mark("address"))
                }
            }
            listen.maxConnections = l.int("max_connections", min: 1, max: 100_000) ?? listen.maxConnections
            listen.maxHeaderBytes = l.int("max_header_bytes", min: 512, max: 1 << 20) ?? listen.maxHeaderBytes
            listen.readTimeout = l.duration("read_timeout", positive: true) ?? listen.readTimeout
            listen.idleTimeout = l.duration("idle_timeout", positive: true) ?? listen.idleTimeout
            listen.responseWriteTimeout = l.duration("response_write_timeout", positive: true) ?? listen.responseWriteTimeout
            listen.maxQueuedBytesPerConnection = l.int("max_queued_bytes_per_connection", min: 4096, max: 1 << 30) ?? listen.maxQueuedBytesPerConnection
            listen.maxPipelinedRequests = l.int("max_pipelined_requests", min: 1, max: 10_000) ?? listen.maxPipelinedRequests
            listen.maxRequestsPerConnection = l.int("max_requests_per_connection", min: 1, max: 1_000_000_000) ?? listen.maxRequestsPerConnection
            listen.authCheckBurst = l.int("auth_check_burst", min: 1, max: 100_000) ?? listen.authCheckBurst
            listen.authChecksPerSecond = l.duration("auth_check_interval", positive: true).map { 1 / $0 } ?? listen.authChecksPerSecond
            listen.basicAuthUsers = l.stringMap("basic_auth_users")
            for (user, hash) in listen.basicAuthUsers where !(hash.hasPrefix("$2b$") || hash.hasPrefix("$2y$") || hash.hasPrefix("$2a$")) {
                r.issue(l.keyPath("basic_auth_users.\(user)"), "must be a bcrypt hash ($2b$…), e.g. from `htpasswd -nbBC 10 user password`", at: l.mark("basic_auth_users"))
            }
            l.finish()
        }

        var clusters: [ClusterConfig] = []
        let clusterNodes = doc.sequence("clusters")
        if clusterNodes.isEmpty {
            r.issue("clusters", "at least one cluster is required", at: doc.mark("clusters"))
        }
        var clusterNames: Set<String> = []
        for (path, node) in clusterNodes {
            guard let c = r.mapping(node, path) else {
                if YAMLReader.isNull(node) { r.issue(path, "must be a mapping (key: value pairs)", at: node) }
                continue
            }
            if let cluster = readCluster(c, r, global: global) {
                if !clusterNames.insert(cluster.name).inserted {
                    r.issue(c.keyPath("name"), "duplicate cluster name \"\(cluster.name)\"", at: c.mark("name"))
                }
                clusters.append(cluster)
            }
            c.finish()
        }

        var receivers: [ReceiverConfig] = []
        for (path, node) in doc.sequence("receivers") {
            guard let m = r.mapping(node, path) else { continue }
            if let rc = readReceiver(m, r) {
                if receivers.contains(where: { $0.name == rc.name }) {
                    r.issue(m.keyPath("name"), "duplicate receiver name \"\(rc.name)\"", at: m.mark("name"))
                }
                receivers.append(rc)
            }
            m.finish()
        }

        var routes: [RouteConfig] = []
        var locations = SourceLocations()
        func locate(_ path: String, _ node: YAMLNode?) {
            if let node { locations[path] = SourceLocations.Mark(line: node.mark.line, column: node.mark.column) }
        }
        if doc.has("routes") { locate("routes", doc.mark("routes")) }
        for (path, node) in doc.sequence("routes") {
            locate(path, node)
            guard let m = r.mapping(node, path) else { continue }
            locate(m.keyPath("match"), m.mark("match"))
            let match = m.stringMap("match")
            let entries = m.sequence("receivers")
            let names = entries.compactMap { r.string($0.1, $0.0) }
            if names.isEmpty { r.issue(m.keyPath("receivers"), "at least one receiver is required", at: m.mark("receivers")) }
            for (path, node) in entries {
                guard let n = node.scalar?.text, !receivers.contains(where: { $0.name == n }) else { continue }
                let known = receivers.map(\.name).joined(separator: ", ")
                r.issue(path, "no receiver named \"\(n)\" (defined: \(known.isEmpty ? "none" : known))", at: node)
            }
            if let sev = match["severity"], Severity(rawValue: sev) == nil {
                r.issue(m.keyPath("match.severity"), "must be critical, warning or info", at: m.mark("match"))
            }
            var route = RouteConfig(match: match, receivers: names)
            route.repeatInterval = m.duration("repeat_interval") ?? route.repeatInterval
            route.sendResolved = m.bool("send_resolved") ?? route.sendResolved
            routes.append(route)
            m.finish()
        }
        if routes.isEmpty {
            routes = ConfigLoader.defaultRoutes(receivers)
            locations["routes"] = nil   // no location: the routes are the defaults (`RouteCoverage` tells them apart)
        }

        var notify = NotifySettings()
        if let n = doc.mapping("notify") {
            notify.maxAge = n.duration("max_age", positive: true) ?? notify.maxAge
            notify.initialBackoff = n.duration("initial_backoff", positive: true) ?? notify.initialBackoff
            notify.maxBackoff = n.duration("max_backoff", positive: true) ?? notify.maxBackoff
            notify.slackMinInterval = n.duration("slack_min_interval") ?? notify.slackMinInterval
            notify.alertmanagerResendInterval = n.duration("alertmanager_resend_interval", positive: true) ?? notify.alertmanagerResendInterval
            if notify.maxBackoff < notify.initialBackoff {
                r.issue(n.keyPath("max_backoff"), "must not be shorter than initial_backoff", at: n.mark("max_backoff"))
            }
            n.finish()
        }
        doc.finish()
        var config = SealwatchConfig(global: global, listen: listen, clusters: clusters, receivers: receivers, routes: routes, notify: notify)
        config.locations = locations
        return config
    }

    /// Without `routes:`: critical → every receiver; warning and info → every receiver but PagerDuty
    /// (the operations plan: critical pages, warnings go to chat).
    public static func defaultRoutes(_ receivers: [ReceiverConfig]) -> [RouteConfig] {
        guard !receivers.isEmpty else { return [] }
        var critical = RouteConfig(match: ["severity": "critical"], receivers: receivers.map(\.name))
        critical.repeatInterval = 4 * 3600
        let nonPaging = receivers.filter { if case .pagerduty = $0.kind { return false }; return true }.map(\.name)
        var routes = [critical]
        if !nonPaging.isEmpty {
            routes.append(RouteConfig(match: ["severity": "warning"], receivers: nonPaging))
            routes.append(RouteConfig(match: ["severity": "info"], receivers: nonPaging))
        }
        return routes
    }

    private func readCluster(_ c: MappingReader, _ r: YAMLReader, global: GlobalConfig) -> ClusterConfig? {
        let name = c.nonEmptyString("name")
        if name == nil && !c.has("name") { r.issue(c.path, "missing name", at: c.node) }
        if let name, !ConfigLoader.isLabelValueSafe(name) {
            r.issue(c.keyPath("name"), "must be letters, digits, '-', '_' or '.'", at: c.mark("name"))
        }
        var nodes: [NodeConfig] = []
        var plaintext: [(path: String, mark: YAMLNode?)] = []   // http:// nodes off this machine
        let nodeList = c.sequence("nodes")
        if nodeList.isEmpty { r.issue(c.keyPath("nodes"), "at least one node is required", at: c.mark("nodes")) }
        for (path, n) in nodeList {
            guard let m = r.mapping(n, path) else { continue }
            let nodeName = m.nonEmptyString("name")
            if nodeName == nil && !m.has("name") { r.issue(path, "missing name", at: n) }
            let address = m.nonEmptyString("address")
            if address == nil && !m.has("address") { r.issue(path, "missing address", at: n) }
            if let address, let problem = ConfigLoader.addressProblem(address) {
                r.issue(m.keyPath("address"), problem, at: m.mark("address"))
            }
            let raftID = m.nonEmptyString("raft_node_id")
            let allowPlaintext = m.bool("allow_plaintext") ?? false
            if let address, address.hasPrefix("http://"), !allowPlaintext, !URLHost.isLoopbackURL(address) {
                plaintext.append((m.keyPath("address"), m.mark("address")))
            }
            if let nodeName, let address {
                if nodes.contains(where: { $0.name == nodeName }) {
                    r.issue(m.keyPath("name"), "duplicate node name \"\(nodeName)\"", at: m.mark("name"))
                }
                if nodes.contains(where: { ClusterSnapshot.sameEndpoint($0.address, address) }) {
                    r.issue(m.keyPath("address"), "duplicate node address \(address)", at: m.mark("address"))
                }
                var node = NodeConfig(name: nodeName, address: ConfigLoader.trimSlash(address), raftNodeID: raftID)
                node.allowPlaintext = allowPlaintext
                nodes.append(node)
            }
            m.finish()
        }
        var cluster = ClusterConfig(name: name ?? "", nodes: nodes)
        cluster.labels = c.stringMap("labels")
        for key in cluster.labels.keys where ["cluster", "node", "alertname", "severity"].contains(key) {
            r.issue(c.keyPath("labels.\(key)"), "is reserved; Sealwatch sets it", at: c.mark("labels"))
        }
        cluster.token = c.secret("token", required: false)
        if let t = cluster.token, case .literal = t.origin {
            r.issue(t.keyPath, "inline tokens are not allowed; use token_file (a path or a systemd credential name)", at: c.mark("token"))
        }
        cluster.allowInsecureTokenFileMode = c.bool("allow_insecure_token_file_mode") ?? false
        if let token = cluster.token {
            checkSecretReadable(token, r, at: c.mark(token.keyPath.hasSuffix("_file") ? "token_file" : "token"),
                                mode: FileModePolicy(allowInsecure: cluster.allowInsecureTokenFileMode, override: "allow_insecure_token_file_mode: true on the cluster"))
        }
        cluster.allowPlaintext = c.bool("allow_plaintext") ?? false
        if cluster.token != nil && !cluster.allowPlaintext {
            for p in plaintext {
                r.issue(p.path, "plain http:// to a host that is not loopback would expose the Vault token (token_file); use https://, or set allow_plaintext: true on this node or its cluster", at: p.mark)
            }
        }
        if let t = c.mapping("tls") {
            cluster.tls = readTLS(t, r)
            t.finish()
        }
        if nodes.contains(where: { $0.address.hasPrefix("http://") }) && (cluster.tls.caFile != nil || cluster.tls.certFile != nil) {
            r.issue(c.keyPath("tls"), "is set but some nodes use http:// addresses", at: c.mark("tls"))
        }
        cluster.timeout = c.duration("timeout", positive: true)
        if let t = cluster.timeout, t >= global.interval {
            r.issue(c.keyPath("timeout"), "must be shorter than global.interval (\(DurationText.format(global.interval)))", at: c.mark("timeout"))
        }
        if c.has("expected_peers") { cluster.expectedPeers = c.stringList("expected_peers") }
        if let m = c.mapping("canary") {
            cluster.canary.enabled = m.bool("enabled") ?? true
            cluster.canary.interval = m.duration("interval", positive: true)
            if let i = cluster.canary.interval, i < global.interval {
                r.issue(m.keyPath("interval"), "must be at least global.interval (\(DurationText.format(global.interval))): a canary round is part of a cycle", at: m.mark("interval"))
            }
            for key in ["read_path", "write_path"] {
                guard let path = m.nonEmptyString(key) else { continue }
                if let problem = ConfigLoader.apiPathProblem(path) { r.issue(m.keyPath(key), problem, at: m.mark(key)); continue }
                if key == "read_path" { cluster.canary.readPath = ConfigLoader.trimAPIPath(path) } else { cluster.canary.writePath = ConfigLoader.trimAPIPath(path) }
            }
            if cluster.token == nil && (cluster.canary.readPath != nil || cluster.canary.writePath != nil) {
                r.issue(m.path, "read_path and write_path need the cluster's token_file: Vault refuses them without a token", at: c.mark("canary"))
            }
            m.finish()
        }
        if let m = c.mapping("telemetry") {
            cluster.telemetry.enabled = m.bool("enabled") ?? true
            cluster.telemetry.interval = m.duration("interval", positive: true) ?? cluster.telemetry.interval
            if cluster.telemetry.interval < global.interval {
                r.issue(m.keyPath("interval"), "must be at least global.interval (\(DurationText.format(global.interval)))", at: m.mark("interval"))
            }
            cluster.telemetry.maxBytes = m.int("max_bytes", min: 4096, max: 64 << 20) ?? cluster.telemetry.maxBytes
            m.finish()
        }
        if let rules = c.mapping("rules") {
            for (ruleName, node) in rules.all() {
                let path = rules.keyPath(ruleName)
                if !self.rules.names.isEmpty && !self.rules.names.contains(ruleName) {
                    r.issue(path, "unknown rule (known: \(self.rules.names.joined(separator: ", ")))", at: node)
                    continue
                }
                guard let m = r.mapping(node, path) else { continue }
                var o = RuleOverride()
                o.enabled = m.bool("enabled")
                o.forSeconds = m.duration("for")
                o.keepFiringForSeconds = m.duration("keep_firing_for")
                if let s = m.string("severity") {
                    if let sev = Severity(rawValue: s) { o.severity = sev } else {
                        r.issue(m.keyPath("severity"), "must be critical, warning or info", at: m.mark("severity"))
                    }
                }
                o.threshold = m.number("threshold")
                o.windowSeconds = m.duration("window", positive: true)
                o.minSamples = m.int("min_samples", min: 1)
                o.maxChanges = m.int("max_changes", min: 0)
                o.minFailureTolerance = m.int("min_failure_tolerance", min: 0)
                o.runbookURL = m.nonEmptyString("runbook_url")
                for message in self.rules.validate(ruleName, o) {
                    let field = message.split(separator: ":").first.map(String.init) ?? ""
                    let mark = m.has(field) ? m.mark(field) : node
                    r.issue(path + "." + message.split(separator: ":", maxSplits: 1).first!, String(message.split(separator: ":", maxSplits: 1).last ?? "").trimmingBlanks(), at: mark)
                }
                cluster.rules[ruleName] = o
                m.finish()
            }
        }
        return name == nil ? nil : cluster
    }

    private func readTLS(_ t: MappingReader, _ r: YAMLReader) -> TLSConfig {
        var tls = TLSConfig()
        for (key, keyPath) in [("ca_file", \TLSConfig.caFile), ("cert_file", \TLSConfig.certFile), ("key_file", \TLSConfig.keyFile)] {
            if let f = t.nonEmptyString(key) {
                if !FileManager.default.isReadableFile(atPath: f) {
                    r.issue(t.keyPath(key), "cannot read \(f)", at: t.mark(key))
                }
                tls[keyPath: keyPath] = f
            }
        }
        tls.serverName = t.nonEmptyString("server_name")
        tls.insecureSkipVerify = t.bool("insecure_skip_verify") ?? false
        if (tls.certFile == nil) != (tls.keyFile == nil) {
            r.issue(t.keyPath(tls.certFile == nil ? "key_file" : "cert_file"), "cert_file and key_file must be set together", at: t.node)
        }
        return tls
    }

    private func readReceiver(_ m: MappingReader, _ r: YAMLReader) -> ReceiverConfig? {
        let name = m.nonEmptyString("name")
        let allowInsecureMode = m.bool("allow_insecure_secret_file_mode") ?? false
        let mode = FileModePolicy(allowInsecure: allowInsecureMode, override: "allow_insecure_secret_file_mode: true on the receiver")
        if name == nil && !m.has("name") { r.issue(m.path, "missing name", at: m.node) }
        var kinds: [ReceiverConfig.Kind] = []
        if let s = m.mapping("slack") {
            if let url = s.secret("url", required: true) {
                checkSecretReadable(url, r, at: s.node, mode: mode)
                checkURLSecret(url, r, at: s.node, httpsOnly: true)
                var c = SlackConfig(url: url)
                c.channel = s.nonEmptyString("channel"); c.username = s.nonEmptyString("username")
                kinds.append(.slack(c))
            }
            s.finish()
        }
        if let p = m.mapping("pagerduty") {
            if let key = p.secret("routing_key", required: true) {
                checkSecretReadable(key, r, at: p.node, mode: mode)
                var c = PagerDutyConfig(routingKey: key)
                if let url = p.nonEmptyString("url") {
                    if let problem = ConfigLoader.urlProblem(url) { r.issue(p.keyPath("url"), problem, at: p.mark("url")) }
                    c.url = url
                }
                c.client = p.nonEmptyString("client") ?? c.client
                c.clientURL = p.nonEmptyString("client_url")
                kinds.append(.pagerduty(c))
            }
            p.finish()
        }
        if let w = m.mapping("webhook") {
            if let url = w.secret("url", required: true) {
                checkSecretReadable(url, r, at: w.node, mode: mode)
                checkURLSecret(url, r, at: w.node, httpsOnly: false)
                var c = WebhookConfig(url: url)
                c.hmacSecret = w.secret("hmac_secret", required: false)
                c.bearerToken = w.secret("bearer_token", required: false)
                [c.hmacSecret, c.bearerToken].compactMap { $0 }.forEach { checkSecretReadable($0, r, at: w.node, mode: mode) }
                c.maxAlerts = w.int("max_alerts", min: 0) ?? 0
                kinds.append(.webhook(c))
            }
            w.finish()
        }
        if let a = m.mapping("alertmanager") {
            let urls = a.stringList("urls")
            if urls.isEmpty { r.issue(a.keyPath("urls"), "at least one Alertmanager URL is required", at: a.node) }
            for (i, u) in urls.enumerated() {
                if let problem = ConfigLoader.urlProblem(u) { r.issue(a.keyPath("urls[\(i)]"), problem, at: a.mark("urls")) }
            }
            var c = AlertmanagerConfig(urls: urls.map(ConfigLoader.trimSlash))
            c.bearerToken = a.secret("bearer_token", required: false)
            if let b = c.bearerToken { checkSecretReadable(b, r, at: a.node, mode: mode) }
            kinds.append(.alertmanager(c))
            a.finish()
        }
        var tls = TLSConfig()
        if let t = m.mapping("tls") { tls = readTLS(t, r); t.finish() }
        let timeout = m.duration("timeout", positive: true)
        if kinds.count != 1 {
            r.issue(m.path, kinds.isEmpty ? "needs exactly one of slack, pagerduty, webhook, alertmanager"
                                          : "has more than one kind; use one receiver per kind", at: m.node)
            return nil
        }
        guard let name else { return nil }
        var rc = ReceiverConfig(name: name, kind: kinds[0])
        rc.allowInsecureSecretFileMode = allowInsecureMode
        rc.tls = tls
        rc.timeout = timeout ?? rc.timeout
        return rc
    }

    /// Whether a secret file that every user may read or write is accepted, and which key says so.
    private struct FileModePolicy {
        var allowInsecure: Bool
        /// How to accept it anyway, for the message ("allow_insecure_token_file_mode: true on the cluster").
        var override: String
    }

    /// Reports a secret file that cannot be read, or (unless `mode` allows it) that every user may
    /// read or write: ssh and PostgreSQL refuse such key files, and so does Sealwatch. A group-readable
    /// file (0640) is fine; systemd credentials are 0400. Messages name the key and file, never the content.
    private func checkSecretReadable(_ s: SecretSource, _ r: YAMLReader, at node: YAMLNode?, mode: FileModePolicy) {
        do { _ = try s.load(environment: environment) } catch {
            r.add(ConfigIssue(path: s.keyPath, message: String(error.message.dropFirst(s.keyPath.count + 2)),
                                        line: node?.mark.line, column: node?.mark.column))
            return
        }
        guard !mode.allowInsecure, let path = s.path(environment: environment) else { return }
        var st = stat()
        guard stat(path, &st) == 0 else { return }
        let bits = st.st_mode & 0o7777
        let other: String
        switch (bits & 0o004 != 0, bits & 0o002 != 0) {
        case (true, true): other = "readable and writable"
        case (true, false): other = "readable"
        case (false, true): other = "writable"
        case (false, false): return
        }
        let octal = String(bits, radix: 8)
        r.add(ConfigIssue(path: s.keyPath,
                          message: "\(path) is \(other) by every user (mode \(String(repeating: "0", count: max(0, 4 - octal.count)) + octal)); restrict it (chmod o-rwx \(path); 0600 or 0640), or set \(mode.override)",
                          line: node?.mark.line, column: node?.mark.column))
    }

    private func checkURLSecret(_ s: SecretSource, _ r: YAMLReader, at node: YAMLNode?, httpsOnly: Bool) {
        guard let secret = try? s.load(environment: environment) else { return }
        if let problem = ConfigLoader.urlProblem(secret.reveal()) {
            r.add(ConfigIssue(path: s.keyPath, message: problem, line: node?.mark.line, column: node?.mark.column))
        } else if httpsOnly && !secret.reveal().hasPrefix("https://") && !URLHost.isLoopbackURL(secret.reveal()) {
            r.add(ConfigIssue(path: s.keyPath, message: "must be an https:// URL", line: node?.mark.line, column: node?.mark.column))
        }
    }
}

extension ConfigLoader {
    static func trimSlash(_ s: String) -> String {
        var t = s; while t.hasSuffix("/") { t.removeLast() }; return t
    }

    /// Problem with a URL, in words that never repeat the URL itself (it may hold a secret).
    static func urlProblem(_ url: String) -> String? {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else { return "must be an http:// or https:// URL" }
        let rest = url.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        if rest.count < 3 || rest[2].isEmpty { return "has no host" }
        return nil
    }

    static func addressProblem(_ address: String) -> String? {
        if let p = urlProblem(address) { return p }
        let afterScheme = address.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        if afterScheme.count > 3 && !afterScheme[3].isEmpty { return "must be a base URL without a path (e.g. https://10.0.0.11:8200)" }
        if afterScheme[2].contains("@") { return "must not contain credentials" }
        return nil
    }

    static func isListenAddress(_ a: String) -> Bool {
        let hostPort: (Substring, Substring)
        if a.hasPrefix("[") {
            guard let close = a.firstIndex(of: "]"), a[a.index(after: close)...].hasPrefix(":") else { return false }
            hostPort = (a[a.index(after: a.startIndex)..<close], a[a.index(close, offsetBy: 2)...])
        } else {
            let parts = a.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2 else { return false }
            hostPort = (parts[0], parts[1])
        }
        guard let port = Int(hostPort.1), (0...65535).contains(port) else { return false }
        return true
    }

    static func isLabelValueSafe(_ s: String) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }
    }
}
