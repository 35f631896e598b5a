import ClusterModel
import Config
import Foundation
import Testing

/// Rule vocabulary used by these tests: a few names and one validation, like the real catalogue.
let testRules = RuleVocabulary(names: ["ErrorRate", "HighLatency", "VaultSealed", "VersionSkew"]) { name, o in
    if name == "ErrorRate", let t = o.threshold, !(0...1).contains(t) { return ["threshold: must be between 0 and 1 (a ratio; 0.01 is 1 %)"] }
    return []
}

func testdata(_ name: String) -> String {
    Bundle.module.path(forResource: "testdata/\(name)", ofType: nil)!
}

func load(_ name: String, environment: [String: String] = [:]) throws(ConfigError) -> SealwatchConfig {
    try ConfigLoader(rules: testRules, environment: environment).load(path: testdata(name))
}

@Suite struct ConfigLoaderTests {
    @Test func goodConfigDecodesWithDefaults() throws {
        let c = try load("good.yml")
        #expect(c.global.interval == 10)
        #expect(c.global.timeout == 1.5)
        #expect(c.global.stateDir == "/var/lib/sealwatch")
        #expect(c.listen.address == "127.0.0.1:9742")
        #expect(c.clusters.count == 1)
        let prod = c.clusters[0]
        #expect(prod.labels == ["env": "prod"])
        #expect(prod.nodes.map(\.address) == ["https://10.0.0.11:8200", "https://10.0.0.12:8200"])
        #expect(prod.nodes[0].raftNodeID == "vault-1")
        #expect(prod.rules["HighLatency"] == RuleOverride(forSeconds: 120, threshold: 0.075, windowSeconds: 600, minSamples: 20))
        #expect(prod.rules["ErrorRate"]?.threshold == 0.02)
        #expect(prod.rules["VersionSkew"]?.enabled == false)
        if case .alertmanager(let am) = c.receivers[0].kind { #expect(am.urls == ["http://127.0.0.1:9093"]) } else { Issue.record("kind") }
        // No routes: critical goes to every receiver, warning to every receiver but PagerDuty.
        #expect(c.routes.map(\.receivers) == [["am"], ["am"], ["am"]])
    }

    @Test func stateDirectoryComesFromSystemd() throws {
        let c = try load("good.yml", environment: ["STATE_DIRECTORY": "/var/lib/private/sealwatch"])
        #expect(c.global.stateDir == "/var/lib/private/sealwatch")
    }

    static let invalid: [(String, [String])] = [
        ("invalid-unknown-key.yml", ["clusters[0].slak: unknown key (allowed here: allow_insecure_token_file_mode, allow_plaintext, canary, expected_peers, labels, name, nodes, rules, telemetry, timeout, tls, token, token_file) (line 7, column 5)"]),
        ("invalid-duration.yml", ["global.interval: must be a duration like 500ms, 5s, 1m or 4h, not \"five seconds\" (line 2, column 13)"]),
        ("invalid-timeout.yml", ["global.timeout: must be shorter than global.interval (2s) so cycles never overlap (line 3, column 12)"]),
        ("invalid-address.yml", ["clusters[0].nodes[0].address: must be an http:// or https:// URL (line 4, column 34)",
                                 "clusters[0].nodes[1].address: must be a base URL without a path (e.g. https://10.0.0.11:8200) (line 5, column 34)"]),
        ("invalid-no-clusters.yml", ["clusters: at least one cluster is required (line 1, column 1)"]),
        ("invalid-duplicate-node.yml", ["clusters[0].nodes[1].name: duplicate node name \"vault-1\" (line 5, column 16)"]),
        ("invalid-unknown-rule.yml", ["clusters[0].rules.VaultSeald: unknown rule (known: ErrorRate, HighLatency, VaultSealed, VersionSkew) (line 6, column 19)"]),
        ("invalid-rule-threshold.yml", ["clusters[0].rules.ErrorRate.threshold: must be between 0 and 1 (a ratio; 0.01 is 1 %) (line 6, column 30)"]),
        ("invalid-route-receiver.yml", ["routes[0].receivers[0]: no receiver named \"pager\" (defined: am) (line 9, column 47)"]),
        ("invalid-token-file.yml", ["clusters[0].token_file: cannot read /nonexistent/sealwatch-token (line 3, column 17)"]),
        ("invalid-receiver-kind.yml", ["receivers[0]: needs exactly one of slack, pagerduty, webhook, alertmanager (line 6, column 5)"]),
        ("invalid-syntax.yml", ["YAML syntax error: did not find expected ',' or '}' (while parsing a flow mapping at line 4, column 9) (line 5, column 1)"]),
        ("invalid-bool.yml", ["clusters[0].tls.insecure_skip_verify: must be true or false, not \"maybe\" (line 3, column 33)"]),
        ("invalid-slack-http.yml", ["receivers[0].slack.url: must be an https:// URL (line 7, column 12)"]),
        ("invalid-plaintext-token.yml", [
            "clusters[0].nodes[1].address: plain http:// to a host that is not loopback would expose the Vault token (token_file); use https://, or set allow_plaintext: true on this node or its cluster (line 6, column 34)",
            "clusters[0].nodes[4].address: plain http:// to a host that is not loopback would expose the Vault token (token_file); use https://, or set allow_plaintext: true on this node or its cluster (line 9, column 34)",
        ]),
        ("invalid-huge-numbers.yml", [
            "global.interval: must be at most 36500d (100 years), not \"99999999999999999999999999w\" (line 2, column 13)",
            "global.outage_tolerance: must be at most 36500d (100 years), not \"36501d\" (line 3, column 21)",
            "clusters[0].rules.ErrorRate.threshold: must be a finite number between -1e15 and 1e15, not \"1e308\" (line 8, column 30)",
            "clusters[0].rules.HighLatency.threshold: must be a finite number between -1e15 and 1e15, not \"inf\" (line 9, column 32)",
            "clusters[0].rules.HighLatency.for: must be a duration like 500ms, 5s, 1m or 4h, not \"1e300s\" (line 9, column 42)",
            "clusters[0].rules.VaultSealed.for: must be a duration like 500ms, 5s, 1m or 4h, not \"1\(String(repeating: "0", count: 400))s\" (line 10, column 26)",
        ]),
    ]

    @Test(arguments: invalid)
    func invalidConfigsNameKeyAndLine(_ file: String, _ expected: [String]) throws {
        let environment = ["CREDENTIALS_DIRECTORY": try TestCredentials.directory()]
        do {
            _ = try load(file, environment: environment)
            Issue.record("\(file) was accepted")
        } catch {
            #expect(error.issues.map(\.description) == expected)
            #expect(error.description.hasPrefix(testdata(file)))
        }
    }

    @Test func missingFileIsAnError() {
        #expect(throws: ConfigError.self) { try ConfigLoader(rules: testRules, environment: [:]).load(path: "/nonexistent.yml") }
    }

    @Test func everyProblemIsReportedAtOnce() {
        let yaml = """
        global: {interval: 0s, bogus: 1}
        clusters:
          - name: "bad name"
            nodes: []
        """
        do { _ = try ConfigLoader(rules: testRules, environment: [:]).parse(yaml); Issue.record("accepted") } catch {
            #expect(error.issues.map(\.path) == ["global.interval", "global.bogus", "clusters[0].name", "clusters[0].nodes"])
        }
    }

    @Test func secretsResolveFromCredentialsDirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sw-creds-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "s.3cr3t-token\n".write(toFile: dir + "/vault-token", atomically: true, encoding: .utf8)
        chmod(dir + "/vault-token", 0o400)   // as systemd leaves a credential
        let yaml = """
        clusters:
          - name: prod
            token_file: vault-token
            nodes: [{name: a, address: "http://127.0.0.1:8200"}]
        """
        let env = ["CREDENTIALS_DIRECTORY": dir]
        let c = try ConfigLoader(rules: testRules, environment: env).parse(yaml)
        let token = try #require(c.clusters[0].token)
        #expect(try token.load(environment: env).reveal() == "s.3cr3t-token")
        // Secrets never print.
        #expect("\(try token.load(environment: env))" == "<redacted>")
        #expect(!String(reflecting: c).contains("s.3cr3t"))
        // Without $CREDENTIALS_DIRECTORY the error names the key, not the value.
        do { _ = try ConfigLoader(rules: testRules, environment: [:]).parse(yaml); Issue.record("accepted") } catch {
            #expect(error.issues.first?.path == "clusters[0].token_file")
            #expect(!error.description.contains("s.3cr3t"))
        }
    }

    @Test func exampleConfigDocumentsAValidFile() throws {
        // config/sealwatch.example.yml is valid once the files it names exist.
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var text = try String(contentsOf: repo.appendingPathComponent("config/sealwatch.example.yml"), encoding: .utf8)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sw-example-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["vault-token", "pagerduty-routing-key", "ca.pem"] { try "x".write(toFile: "\(dir)/\(name)", atomically: true, encoding: .utf8) }
        try "https://hooks.slack.com/services/T0/B0/X".write(toFile: "\(dir)/slack-webhook-url", atomically: true, encoding: .utf8)
        for name in ["vault-token", "pagerduty-routing-key", "slack-webhook-url"] { chmod("\(dir)/\(name)", 0o400) }
        text = text.replacingOccurrences(of: "/etc/sealwatch/vault-ca.pem", with: "\(dir)/ca.pem")
        let c = try ConfigLoader(rules: .permissive, environment: ["CREDENTIALS_DIRECTORY": dir]).parse(text)
        #expect(c.clusters[0].nodes.count == 3)
        #expect(c.receivers.map(\.kindName) == ["pagerduty", "slack", "webhook", "alertmanager"])
        #expect(c.routes.count == 2)
        #expect(c.clusters[0].rules.count == 22)   // every built-in rule, documented
        #expect(c.clusters[0].canary.enabled && c.clusters[0].canary.readPath == nil)
        #expect(c.clusters[0].telemetry.interval == 10 && c.clusters[0].telemetry.maxBytes == 4 << 20)
    }
}

@Suite struct DurationTextTests {
    @Test(arguments: [("50ms", 0.05), ("5s", 5.0), ("1m30s", 90.0), ("4h", 14400.0), ("14d", 1_209_600.0), ("1w", 604_800.0), ("0", 0.0), ("1.5s", 1.5)])
    func parses(_ text: String, _ seconds: Double) { #expect(DurationText.seconds(text) == seconds) }

    @Test(arguments: ["", "5", "five", "5x", "ms", "-1s", "1s 2s"])
    func rejects(_ text: String) { #expect(DurationText.seconds(text) == nil) }

    @Test func formats() {
        #expect(DurationText.format(0.05) == "50ms")
        #expect(DurationText.format(90) == "1m30s")
        #expect(DurationText.format(86400 + 3600) == "1d1h")
    }
}

/// `canary:` and `telemetry:` keys: paths are Vault API paths, intervals no shorter than the cycle.
@Suite struct ServiceConfigTests {
    func parse(_ extra: String, token: Bool = true) throws(ConfigError) -> SealwatchConfig {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sw-svc-cfg-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir + "/token", contents: Data("t\n".utf8), attributes: [.posixPermissions: 0o600])
        let text = """
        global: {interval: 5s}
        clusters:
          - name: prod
        \(token ? "    token_file: \(dir)/token\n" : "")    nodes: [{name: a, address: "http://127.0.0.1:8200"}]
        \(extra)
        """
        return try ConfigLoader(rules: .permissive, environment: [:]).parse(text)
    }

    @Test func pathsAreNormalised() throws {
        let c = try parse("    canary: {read_path: /v1/secret/data/sealwatch/canary/, write_path: secret/data/w, interval: 10s}\n    telemetry: {interval: 30s, max_bytes: 65536}")
        #expect(c.clusters[0].canary.readPath == "secret/data/sealwatch/canary")
        #expect(c.clusters[0].canary.writePath == "secret/data/w")
        #expect(c.clusters[0].canary.interval == 10)
        #expect(c.clusters[0].telemetry.interval == 30 && c.clusters[0].telemetry.maxBytes == 65536)
    }

    @Test(arguments: [
        ("    canary: {read_path: \"secret/data/x?list=true\"}", "clusters[0].canary.read_path: must be a path without a query or fragment"),
        ("    canary: {write_path: sys/policies/acl/x}", "clusters[0].canary.write_path: must not be under sys/"),
        ("    canary: {read_path: secret/../sys/x}", "clusters[0].canary.read_path: must not contain '.' or '..' segments"),
        ("    canary: {interval: 1s}", "clusters[0].canary.interval: must be at least global.interval (5s)"),
        ("    telemetry: {interval: 2s}", "clusters[0].telemetry.interval: must be at least global.interval (5s)"),
        ("    telemetry: {max_bytes: 10}", "clusters[0].telemetry.max_bytes"),
        ("    canary: {reed_path: x}", "clusters[0].canary.reed_path: unknown key"),
    ])
    func refused(_ yaml: String, _ message: String) {
        do {
            _ = try parse(yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.issues.contains { $0.description.hasPrefix(message) }, "\(error.issues.map(\.description))")
        }
    }

    @Test func pathsNeedAToken() {
        do {
            _ = try parse("    canary: {read_path: secret/data/x}", token: false)
            Issue.record("accepted a read_path without a token")
        } catch {
            #expect(error.issues.contains { $0.description.contains("need the cluster's token_file") }, "\(error.issues.map(\.description))")
        }
    }
}
