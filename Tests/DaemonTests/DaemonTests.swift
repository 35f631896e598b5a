import ClusterModel
import Config
import CurlTransport
@testable import Daemon
import Foundation
import Logging
import Rules
import TestSupport
import Testing

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Three fake nodes (one sealed) probed by a real Monitor cycle, for metrics and page tests.
/// Every curated telemetry family, as OpenBao writes them (plus Vault 1.20's status codes).
let telemetryBody = """
    vault_core_handle_request{quantile="0.5"} 0.13
    vault_core_handle_request{quantile="0.9"} 0.29
    vault_core_handle_request{quantile="0.99"} 0.31
    vault_core_handle_request_sum 6.9
    vault_core_handle_request_count 10
    vault_audit_log_request_failure 0
    vault_audit_log_response_failure 0
    vault_raft_commitTime{quantile="0.99"} 2.7
    vault_raft_leader_lastContact{quantile="0.99"} 75
    vault_core_leadership_lost_count 1
    vault_expire_num_leases 12
    vault_runtime_alloc_bytes 2.0e+07
    vault_runtime_sys_bytes 3.6e+07
    vault_runtime_num_goroutines 571
    vault_raft_storage_stats_applied_index{cluster="c",peer_id="bao-1"} 35
    vault_route_read_secret_count 4
    vault_route_create_secret_count 2
    vault_core_response_status_code{code="200",type="2xx"} 90

    """

func sealedClusterCycle() async throws -> (DaemonMetrics, StatusView, [LoopbackHTTPServer]) {
    let servers = try (0..<3).map { _ in try LoopbackHTTPServer() }
    let leader = servers[0].baseURL
    for (i, s) in servers.enumerated() {
        let sealed = i == 2
        s.route("/v1/sys/health", .json(sealed ? #"{"initialized":true,"sealed":true,"standby":true,"version":"2.7.2"}"#
                                               : #"{"initialized":true,"sealed":false,"standby":\#(i != 0),"version":"2.7.2","cluster_id":"c1","cluster_name":"vault \"x\""}"#,
                                        status: sealed ? 503 : (i == 0 ? 200 : 429)))
        s.route("/v1/sys/leader", .json(#"{"ha_enabled":true,"is_self":\#(i == 0),"leader_address":"\#(leader)","raft_applied_index":\#(100 + i)}"#))
        s.route("/v1/sys/seal-status", .json(#"{"type":"shamir","sealed":true,"t":3,"n":5,"progress":1}"#))
        // Canary and telemetry: the unsealed nodes answer, the sealed one refuses (503, 404).
        s.route("/v1/auth/token/lookup-self", sealed ? .json(#"{"errors":["Vault is sealed"]}"#, status: 503) : .json(#"{"data":{"ttl":0}}"#))
        if !sealed { s.route("/v1/sys/metrics", LoopbackResponse(status: 200, body: telemetryBody)) }
    }
    let tokenDir = FileManager.default.temporaryDirectory.appendingPathComponent("sw-golden-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: tokenDir, withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: tokenDir + "/token", contents: Data("golden-token\n".utf8), attributes: [.posixPermissions: 0o600])
    var cluster = ClusterConfig(name: "prod", nodes: servers.enumerated().map { NodeConfig(name: "vault-\($0.offset + 1)", address: $0.element.baseURL) })
    cluster.labels = ["env": "prod"]
    cluster.token = SecretSource(.file(tokenDir + "/token"), keyPath: "clusters[0].token_file")
    let config = SealwatchConfig(clusters: [cluster])
    let metrics = DaemonMetrics(version: "test")
    let transport = CurlTransport(logger: Logger(label: "t"))
    let monitor = Monitor(config: config, transport: transport, environment: [:], metrics: metrics, logger: Logger(label: "t"))
    _ = await monitor.cycle(now: Date())
    var view = StatusView()
    view.ready = true
    view.version = "test"
    view.lastCycleAt = Date()
    view.clusters = await monitor.statusView()
    transport.shutdown()
    return (metrics, view, servers)
}

@Suite(.serialized) struct DaemonTests {
    @Test func everyRuleHasARunbookPage() {
        for name in RuleCatalog.names {
            let url = RuleCatalog.defaults(name)!.runbookURL
            #expect(url.hasSuffix("/docs/runbooks/\(name).md"))
            #expect(FileManager.default.fileExists(atPath: repoRoot.appendingPathComponent("docs/runbooks/\(name).md").path), "missing runbook for \(name)")
        }
    }

    @Test func exportedExpositionIsValidAndHasTheDesignNames() async throws {
        let (metrics, _, servers) = try await sealedClusterCycle()
        defer { servers.forEach { $0.stop() } }
        metrics.publish()
        let text = String(decoding: metrics.emit(), as: UTF8.self)
        for line in [
            #"sealwatch_node_up{cluster="prod",node="vault-1"} 1.0"#,
            #"sealwatch_node_sealed{cluster="prod",node="vault-3"} 1.0"#,
            #"sealwatch_node_active{cluster="prod",node="vault-1"} 1.0"#,
            #"sealwatch_node_state{cluster="prod",node="vault-3",state="sealed"} 1.0"#,
            #"sealwatch_node_state{cluster="prod",node="vault-2",state="standby"} 1.0"#,
            #"sealwatch_cluster_leader_known{cluster="prod"} 1.0"#,
            #"sealwatch_cluster_active_nodes{cluster="prod"} 1.0"#,
            #"sealwatch_node_unseal_progress{cluster="prod",node="vault-3"} 1.0"#,
            #"sealwatch_raft_applied_index{cluster="prod",node="vault-2"} 101.0"#,
            #"sealwatch_alerts{alertname="VaultSealed",cluster="prod",node="vault-3",severity="critical",state="firing"} 1.0"#,
        ] {
            #expect(text.contains(line), "missing \(line)")
        }
        for name in ["sealwatch_build_info", "sealwatch_probe_duration_seconds_bucket", "sealwatch_cluster_leader_changes_total",
                     "sealwatch_poll_cycle_duration_seconds", "sealwatch_config_last_reload_successful", "sealwatch_node_info"] {
            #expect(text.contains(name), "missing \(name)")
        }
        // 50 ms is a bucket boundary, so HighLatency's threshold is resolved exactly.
        #expect(text.contains(#"le="0.05""#))
        // promtool's linter, when installed (make test installs it).
        let promtool = "/usr/bin/promtool"
        if FileManager.default.isExecutableFile(atPath: promtool) {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("sw-metrics-\(UUID().uuidString).txt").path
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", "\(promtool) check metrics < \(file) 2>&1"]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0 && out.isEmpty, "promtool check metrics: \(out)")
        }
    }

    @Test func statusPageShowsTheSealedNodeAndItsAlert() async throws {
        let (_, view, servers) = try await sealedClusterCycle()
        defer { servers.forEach { $0.stop() } }
        let html = StatusPage.render(view, now: Date(), refreshSeconds: 5)
        #expect(html.contains(#"<span class="v critical">CRITICAL</span>"#))
        #expect(html.contains(#"<td class="s-sealed">sealed (unseal 1/3)</td>"#))
        #expect(html.contains("<b>VaultSealed</b> · vault-3"))
        #expect(html.contains("http-equiv=\"refresh\""))
        #expect(!html.contains("<script"))
        // Label values are escaped.
        let json = String(decoding: StatusDocument(view).json(), as: UTF8.self)
        let doc = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(doc?["verdict"] as? String == "critical")
        #expect(doc?["exit_code"] as? Int == 2)
    }

    @Test func checkTableAndVerdicts() async throws {
        let (_, view, servers) = try await sealedClusterCycle()
        defer { servers.forEach { $0.stop() } }
        let table = CheckReport(view: view, color: false).render()
        #expect(table.contains("vault-3  sealed (unseal 1/3)"))
        #expect(table.contains("CRITICAL VaultSealed [vault-3]: vault-3 is sealed"))
        #expect(table.hasSuffix("CRITICAL: prod critical\n"))
        #expect(!table.contains("\u{1B}["))
        #expect(CheckReport(view: view, color: true).render().contains("\u{1B}[31;1m"))
        #expect(view.verdict.exitCode == 2)
        #expect(view.summaryLine == "prod: 2/3 unsealed, leader vault-1 · 1 firing")
    }

    @Test(arguments: [(0.05, 1, "0.1"), (1.23456, 2, "1.23"), (12.0, 0, "12"), (-0.5, 1, "-0.5"), (0.004, 1, "0.0")])
    func fixedFormatting(_ v: Double, _ digits: Int, _ expected: String) {
        #expect(CheckReport.fixed(v, digits) == expected)
    }

    @Test func gaugesNotSetBetweenTwoSweepsAreUnregistered() {
        let metrics = DaemonMetrics(version: "test")
        func series() -> Set<String> {
            Set(String(decoding: metrics.emit(), as: UTF8.self).split(separator: "\n")
                .filter { $0.hasPrefix("sealwatch_node_up{") }.map { String($0.split(separator: " ")[0]) })
        }
        metrics.set("sealwatch_node_up", ["cluster": "c", "node": "a"], 1)
        metrics.set("sealwatch_node_up", ["cluster": "c", "node": "b"], 1)
        metrics.endCycle()
        #expect(series().count == 2)
        metrics.set("sealwatch_node_up", ["cluster": "c", "node": "a"], 1)      // during the next cycle
        metrics.endCycle()
        metrics.set("sealwatch_node_up", ["cluster": "c", "node": "c"], 0)      // after it (like queue gauges)
        #expect(series() == ["sealwatch_node_up{cluster=\"c\",node=\"a\"}", "sealwatch_node_up{cluster=\"c\",node=\"c\"}"])
        metrics.set("sealwatch_node_up", ["cluster": "c", "node": "a"], 1)
        metrics.endCycle()                                                        // c was set after the last sweep: kept
        #expect(series() == ["sealwatch_node_up{cluster=\"c\",node=\"a\"}", "sealwatch_node_up{cluster=\"c\",node=\"c\"}"])
        metrics.endCycle()                                                        // nothing set: all per-cycle gauges go
        #expect(series().isEmpty)
        // Process-lifetime gauges are never swept.
        #expect(String(decoding: metrics.emit(), as: UTF8.self).contains("sealwatch_build_info{"))
    }

    @Test func mailboxDeliversBetweenCyclesAndTimesOut() async {
        let box = Mailbox()
        let start = ContinuousClock.now
        #expect(await box.wait(until: .now + .milliseconds(50)) == nil)
        #expect(ContinuousClock.now - start >= .milliseconds(50))
        box.post(.reload)
        #expect(await box.wait(until: .now + .seconds(5)) == .reload)
        Task { try? await Task.sleep(for: .milliseconds(20)); box.post(.stop) }
        #expect(await box.wait(until: .now + .seconds(5)) == .stop)
    }
}

/// Telemetry is read every 10 s and canaries may be sparser than cycles: between reads, the
/// re-exported series stay (kept, not dropped by the per-cycle sweep) with the values of the last read.
@Suite(.serialized) struct CarriedSeriesTests {
    @Test func telemetrySeriesSurviveTheCyclesBetweenReads() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        server.route("/v1/sys/health", .json(#"{"initialized":true,"sealed":false,"standby":false,"version":"2.7.2"}"#))
        server.route("/v1/sys/leader", .json(#"{"ha_enabled":true,"is_self":true,"leader_address":"\#(server.baseURL)"}"#))
        server.route("/v1/sys/metrics", LoopbackResponse(status: 200, body: telemetryBody))
        let config = SealwatchConfig(clusters: [ClusterConfig(name: "prod", nodes: [NodeConfig(name: "n1", address: server.baseURL)])])
        let metrics = DaemonMetrics(version: "test")
        let transport = CurlTransport(logger: Logger(label: "t"))
        defer { transport.shutdown() }
        let monitor = Monitor(config: config, transport: transport, environment: [:], metrics: metrics, logger: Logger(label: "t"))
        var texts: [String] = []
        for i in 0..<3 {
            _ = await monitor.cycle(now: Date().addingTimeInterval(Double(i)))
            metrics.publish()
            texts.append(String(decoding: metrics.emit(), as: UTF8.self))
        }
        #expect(server.requests.filter { $0.path == "/v1/sys/metrics" }.count == 1)   // read once: the next is due in 10 s
        for text in texts {
            #expect(text.contains(#"sealwatch_vault_leases{cluster="prod",node="n1"} 12.0"#), "\(text.split(separator: "\n").filter { $0.contains("vault_") })")
            #expect(text.contains(#"sealwatch_vault_request_duration_seconds{cluster="prod",node="n1",quantile="0.99"} 0.00031"#))
            #expect(text.contains(#"sealwatch_vault_request_duration_seconds_count{cluster="prod",node="n1"} 10.0"#))
            #expect(text.contains(#"sealwatch_node_telemetry_up{cluster="prod",node="n1"} 1.0"#))
        }
    }
}
