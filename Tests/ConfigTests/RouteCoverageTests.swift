import ClusterModel
import Config
import Foundation
import Testing

/// The catalogue these tests pass in (the daemon passes `RuleCatalog`'s).
let coverageRules: [RouteCoverage.Rule] = [
    .init(alertname: "VaultSealed", defaultSeverity: .critical),
    .init(alertname: "HighLatency", defaultSeverity: .warning),
    .init(alertname: "ErrorRate", defaultSeverity: .warning),
    .init(alertname: "VersionSkew", defaultSeverity: .warning),
    .init(alertname: "Quiet", defaultSeverity: .info, enabledByDefault: false),
]
let coverageVocabulary = RuleVocabulary(names: coverageRules.map(\.alertname), validate: { _, _ in [] })

@Suite struct RouteCoverageTests {
    func warnings(_ yaml: String) throws -> [String] {
        let c = try ConfigLoader(rules: coverageVocabulary, environment: [:]).parse(yaml)
        return RouteCoverage.warnings(config: c, rules: coverageRules).map(\.description)
    }

    @Test func routesThatMatchNothingAndAlertsThatGoNowhere() throws {
        let c = try ConfigLoader(rules: coverageVocabulary, environment: [:]).load(path: testdata("warn-route-coverage.yml"))
        #expect(RouteCoverage.warnings(config: c, rules: coverageRules).map(\.description) == [
            "routes[1].match: matches no alert this configuration can produce (no cluster has label env=prod) (line 20, column 13)",
            "routes[2].match: matches no alert this configuration can produce (no alert has a label \"team\"; alerts carry alertname, cluster, severity, node and the cluster's labels) (line 21, column 13)",
            "routes[3].match: matches no alert this configuration can produce (no rule is named \"VaultSeald\") (line 22, column 13)",
            "routes[4].match: matches no alert this configuration can produce (no alert has all of alertname=VersionSkew, cluster=prod) (line 23, column 13)",
            "routes[5].match: matches no alert this configuration can produce (no enabled rule has severity info) (line 24, column 13)",
            "routes[6].match: matches no alert this configuration can produce (no cluster has a node named \"vault-9\") (line 25, column 13)",
            "routes[7].match: matches no alert this configuration can produce (no cluster is named \"staging\") (line 26, column 13)",
            "routes[8].match: matches no alert this configuration can produce (rule Quiet is disabled in every cluster) (line 27, column 13)",
            "routes: alerts of ErrorRate (warning) from clusters prod, edge match no route and will not be sent (line 19, column 3)",
            "routes: alerts of HighLatency (warning) from cluster edge match no route and will not be sent (line 19, column 3)",
        ])
    }

    @Test func fullCoverageIsQuiet() throws {
        #expect(try warnings("""
        clusters:
          - name: prod
            nodes: [{name: a, address: "https://10.0.0.1:8200"}]
        receivers:
          - {name: am, alertmanager: {urls: ["http://127.0.0.1:9093"]}}
        routes:
          - {match: {}, receivers: [am]}
        """) == [])
    }

    @Test func defaultRoutesAreNotBlamedButGapsAreReported() throws {
        // Only PagerDuty: the default routes page critical alerts, and warnings go nowhere.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sw-cov-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "R0UT1NG".write(toFile: dir + "/pd", atomically: true, encoding: .utf8)
        chmod(dir + "/pd", 0o600)
        #expect(try warnings("""
        clusters:
          - name: prod
            nodes: [{name: a, address: "https://10.0.0.1:8200"}]
            rules: {ErrorRate: {severity: critical}}
        receivers:
          - {name: pager, pagerduty: {routing_key_file: \(dir)/pd}}
        """) == [
            "routes: alerts of HighLatency (warning) from cluster prod match no route by the default routes (no routes: in the file) and will not be sent",
            "routes: alerts of VersionSkew (warning) from cluster prod match no route by the default routes (no routes: in the file) and will not be sent",
        ])
    }

    @Test func noReceiversNoWarnings() throws {
        #expect(try warnings("clusters:\n  - name: prod\n    nodes: [{name: a, address: \"https://10.0.0.1:8200\"}]\n") == [])
    }

    @Test func layoutIsNotPartOfTheConfiguration() throws {
        let a = try ConfigLoader(rules: coverageVocabulary, environment: [:]).parse("clusters:\n  - name: p\n    nodes: [{name: a, address: \"https://10.0.0.1:8200\"}]\nreceivers:\n  - {name: am, alertmanager: {urls: [\"http://127.0.0.1:9093\"]}}\nroutes:\n  - {match: {}, receivers: [am]}\n")
        let b = try ConfigLoader(rules: coverageVocabulary, environment: [:]).parse("\n\nclusters:\n  - name: p\n    nodes: [{name: a, address: \"https://10.0.0.1:8200\"}]\nreceivers:\n  - {name: am, alertmanager: {urls: [\"http://127.0.0.1:9093\"]}}\nroutes:\n\n  - {match: {}, receivers: [am]}\n")
        #expect(a.locations["routes[0]"] != b.locations["routes[0]"])
        #expect(a == b)
    }
}
