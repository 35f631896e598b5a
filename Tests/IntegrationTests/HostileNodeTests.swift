import Foundation
import HTTPTransport
import Testing
import TestSupport

/// What a node sends may never crash, stall or mislead the real binary (issue: hostile input).
/// Fake nodes on loopback: these answers are what no real OpenBao sends.
@Suite(.serialized, .enabled(if: IT.enabled), .timeLimit(.minutes(3)))
struct HostileNodeTests {
    static let health = #"{"initialized":true,"sealed":false,"standby":%@,"performance_standby":false,"server_time_utc":1795364400,"version":"2.7.2","cluster_name":"c","cluster_id":"cid"}"#

    /// An active node whose unauthenticated sys/leader reports `raft_applied_index` 1e19 (it used
    /// to kill `check` and `run` with SIGILL in the first cycle: an Int64 of the FollowerLag value),
    /// a normal standby, and a node answering `200 {}` (it used to be taken for a second active
    /// node: a false SplitBrain critical).
    func fakeCluster() throws -> [LoopbackHTTPServer] {
        let active = try LoopbackHTTPServer(), standby = try LoopbackHTTPServer(), empty = try LoopbackHTTPServer()
        active.route("/v1/sys/health", .json(Self.health.replacingOccurrences(of: "%@", with: "false")))
        active.route("/v1/sys/leader", .json(#"{"ha_enabled":true,"is_self":true,"leader_address":"\#(active.baseURL)","raft_committed_index":10000000000000000000,"raft_applied_index":10000000000000000000}"#))
        standby.route("/v1/sys/health", .json(Self.health.replacingOccurrences(of: "%@", with: "true"), status: 429))
        standby.route("/v1/sys/leader", .json(#"{"ha_enabled":true,"is_self":false,"leader_address":"\#(active.baseURL)","raft_committed_index":5,"raft_applied_index":5}"#))
        empty.route("/v1/sys/health", .json("{}"))
        empty.route("/v1/sys/leader", .json(#"{"ha_enabled":true,"is_self":true,"leader_address":"\#(empty.baseURL)"}"#))
        return [active, standby, empty]
    }

    func config(_ nodes: [LoopbackHTTPServer], dir: String) throws -> String {
        let yaml = """
        global: {interval: 1s, timeout: 500ms, state_dir: \(dir)/state}
        listen: {address: "127.0.0.1:0"}
        clusters:
          - name: hostile
            nodes:
              - {name: active, address: "\(nodes[0].baseURL)"}
              - {name: standby, address: "\(nodes[1].baseURL)"}
              - {name: empty, address: "\(nodes[2].baseURL)"}
            rules:
              FollowerLag: {for: 0s}
        """
        let path = dir + "/sealwatch.yml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func checkSurvivesAndJudgesRight() throws {
        let nodes = try fakeCluster()
        defer { nodes.forEach { $0.stop() } }
        let path = try config(nodes, dir: IT.tempDir("hostile-check"))
        let json = try sh([IT.binary, "check", "--config", path, "-o", "json"])
        #expect(json.status == 1, "FollowerLag warning, not a crash (132) and not a SplitBrain critical (2): \(json.output)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let cluster = try #require((doc["clusters"] as? [[String: Any]])?.first)
        let nodeDocs = try #require(cluster["nodes"] as? [[String: Any]])
        #expect(nodeDocs.map { $0["state"] as? String } == ["active", "standby", "invalid_response"])
        #expect((nodeDocs[2]["error"] as? String)?.contains("missing initialized, sealed, standby") == true)
        let alerts = (cluster["alerts"] as? [[String: Any]] ?? []).compactMap { $0["alertname"] as? String }
        #expect(alerts.contains("FollowerLag") && !alerts.contains("SplitBrain"), "\(alerts)")
        let table = try sh([IT.binary, "check", "--config", path])
        #expect(table.status == 1, "\(table.output)")
        #expect(table.output.contains("9999999999999999995 entries behind") && table.output.contains("invalid_response"), "\(table.output)")
    }

    @Test func runSurvivesAndServesEveryView() async throws {
        let nodes = try fakeCluster()
        defer { nodes.forEach { $0.stop() } }
        let dir = IT.tempDir("hostile-run")
        let daemon = try DaemonProcess(config: try config(nodes, dir: dir))
        defer { daemon.stop() }
        let base = try await daemon.address()
        try await daemon.waitFor("FollowerLag", "firing")
        try await Task.sleep(for: .seconds(3))                  // a few more cycles on the same answers
        #expect(daemon.isRunning, "\(daemon.log.suffix(2000))")
        for path in ["/metrics", "/", "/api/v1/status"] {
            let (status, body) = try httpGet("http://\(base)\(path)")
            #expect(status == 200, "\(path)")
            #expect(body.contains("invalid_response"), "\(path) shows the state")
        }
        #expect(daemon.count("SplitBrain") == 0, "\(daemon.log.suffix(2000))")
    }
}
