import ClusterModel
import Config
import CurlTransport
import Foundation
import HTTPTransport
import Logging
import Probing
import TestSupport
import Testing

/// A fake Vault node on loopback for what a real OpenBao server cannot produce.
func fakeNode(health status: Int, _ file: String, leader: String? = "leader-standby.json") throws -> LoopbackHTTPServer {
    let server = try LoopbackHTTPServer()
    server.route("/v1/sys/health", LoopbackResponse(status: status, bytes: fixture(file)))
    if let leader { server.route("/v1/sys/leader", LoopbackResponse(status: 200, bytes: fixture(leader))) }
    server.route("/v1/sys/seal-status", LoopbackResponse(status: 200, bytes: fixture("seal-status-sealed.json")))
    return server
}

func prober(_ servers: [LoopbackHTTPServer], timeout: Double = 1, transport: CurlTransport, token: SecretSource? = nil) -> ClusterProber {
    var cluster = ClusterConfig(name: "test", nodes: servers.enumerated().map { NodeConfig(name: "n\($0.offset + 1)", address: $0.element.baseURL) })
    cluster.token = token
    var global = GlobalConfig()
    global.timeout = timeout
    return ClusterProber(cluster: cluster, global: global, transport: transport, environment: [:], logger: Logger(label: "test"))
}

@Suite(.serialized) struct ClusterProberTests {
    let transport = CurlTransport(logger: Logger(label: "test"))

    @Test(arguments: [
        (473, "health-perf-standby.json", NodeState.perfStandby),
        (472, "health-dr-secondary.json", .drSecondary),
        (474, "health-474.json", .standbyDisconnected),
        (530, "health-530.json", .removed),
    ])
    func vaultOnlyCodes(_ status: Int, _ file: String, _ expected: NodeState) async throws {
        let node = try fakeNode(health: status, file)
        defer { node.stop() }
        let snap = await prober([node], transport: transport).snapshot(now: Date())
        #expect(snap.nodes[0].state == expected)
        #expect(snap.nodes[0].failure == nil)          // a mapped code is not a probe error
        #expect(snap.nodes[0].probes.map(\.endpoint) == [.health, .leader])
    }

    @Test func sealedNodeGetsSealStatusAndLeader503IsNoError() async throws {
        let node = try LoopbackHTTPServer()
        defer { node.stop() }
        node.route("/v1/sys/health", LoopbackResponse(status: 503, bytes: fixture("health-sealed.json")))
        node.route("/v1/sys/leader", .json(#"{"errors":["Vault is sealed"]}"#, status: 503))
        node.route("/v1/sys/seal-status", LoopbackResponse(status: 200, bytes: fixture("seal-status-sealed.json")))
        let o = await prober([node], transport: transport).snapshot(now: Date()).nodes[0]
        #expect(o.state == .sealed)
        #expect(o.sealStatus?.progress == 1)
        #expect(o.probes.allSatisfy { $0.failure == nil })
    }

    @Test func malformedAndUnmappedAreProbeErrors() async throws {
        let garbage = try LoopbackHTTPServer()
        garbage.route("/v1/sys/health", LoopbackResponse(status: 200, bytes: fixture("garbage.html")))
        let bad5xx = try LoopbackHTTPServer()
        bad5xx.route("/v1/sys/health", LoopbackResponse(status: 502, bytes: fixture("garbage.html")))
        let notHTTP = try LoopbackHTTPServer()
        notHTTP.route("/v1/sys/health", .garbage)
        defer { [garbage, bad5xx, notHTTP].forEach { $0.stop() } }
        let snap = await prober([garbage, bad5xx, notHTTP], transport: transport).snapshot(now: Date())
        #expect(snap.nodes.map(\.state) == [.invalidResponse, .unknown, .unreachable])
        #expect(snap.nodes[0].failure?.reason == "bad_body")
        #expect(snap.nodes[1].failure?.reason == "unexpected_status")
        #expect(snap.nodes[2].failure?.reason == "protocol_error")
    }

    /// A node answering `200 {}` or `200` with wrong-typed fields, next to the real active node, is
    /// `invalid_response` with its reason and never a second active node (no false SplitBrain);
    /// a 418 is `unknown` with a reason. None of them is asked for sys/leader.
    @Test func answersThatDoNotConfirmTheirCodeDoNotVote() async throws {
        let active = try LoopbackHTTPServer()
        active.route("/v1/sys/health", LoopbackResponse(status: 200, bytes: fixture("health-active.json")))
        active.route("/v1/sys/leader", LoopbackResponse(status: 200, bytes: fixture("leader-active.json")))
        let empty = try LoopbackHTTPServer()
        empty.route("/v1/sys/health", .json("{}", status: 200))
        empty.route("/v1/sys/leader", LoopbackResponse(status: 200, bytes: fixture("leader-active.json")))
        let wrongTypes = try LoopbackHTTPServer()
        wrongTypes.route("/v1/sys/health", .json(#"{"initialized":true,"sealed":"yes","standby":1e999999}"#, status: 200))
        let teapot = try LoopbackHTTPServer()
        teapot.route("/v1/sys/health", LoopbackResponse(status: 418, bytes: fixture("health-standby.json")))
        defer { [active, empty, wrongTypes, teapot].forEach { $0.stop() } }
        let snap = await prober([active, empty, wrongTypes, teapot], transport: transport).snapshot(now: Date())
        #expect(snap.nodes.map(\.state) == [.active, .invalidResponse, .invalidResponse, .unknown])
        #expect(snap.activeNodes.map(\.node.name) == ["n1"])
        #expect(snap.leaderName == "n1")
        #expect(snap.nodes[1].failure?.detail.contains("missing initialized, sealed, standby") == true)
        #expect(snap.nodes[2].failure?.detail.contains(#"sealed: expected a boolean, got "yes""#) == true)
        #expect(snap.nodes[3].failure?.reason == "unexpected_status")
        #expect(snap.nodes.dropFirst().allSatisfy { $0.probe(.leader) == nil })
    }

    /// `sys/leader` with a wrong-typed field is not half-used: no leader data, `invalid_response`.
    @Test func leaderBodyWithWrongTypesIsNotUsed() async throws {
        let node = try LoopbackHTTPServer()
        defer { node.stop() }
        node.route("/v1/sys/health", LoopbackResponse(status: 429, bytes: fixture("health-standby.json")))
        node.route("/v1/sys/leader", .json(#"{"is_self":"true","leader_address":"http://x"}"#, status: 200))
        let o = await prober([node], transport: transport).snapshot(now: Date()).nodes[0]
        #expect(o.state == .standby && o.leader == nil)
        #expect(o.probe(.leader)?.failure?.reason == "invalid_response")
    }

    @Test func oversizedBodyIsCutOff() async throws {
        let node = try LoopbackHTTPServer()
        defer { node.stop() }
        node.route("/v1/sys/health", .huge(byteCount: 4 << 20))
        let o = await prober([node], transport: transport).snapshot(now: Date()).nodes[0]
        #expect(o.state == .unreachable)
        #expect(o.failure?.reason == "response_too_large")
    }

    @Test func hungNodesDelayNobodyElse() async throws {
        let healthy = try fakeNode(health: 200, "health-active.json", leader: "leader-active.json")
        let standby = try fakeNode(health: 429, "health-standby.json")
        let hung = try (0..<3).map { _ in try LoopbackHTTPServer() }
        hung.forEach { $0.setFallback { _ in .hang } }
        let slow = try fakeNode(health: 429, "health-standby.json")
        slow.route("/v1/sys/health", LoopbackResponse(status: 429, bytes: fixture("health-standby.json"), delay: .milliseconds(100)))
        defer { ([healthy, standby, slow] + hung).forEach { $0.stop() } }
        let started = ContinuousClock.now
        let snap = await prober([healthy, standby] + hung + [slow], timeout: 0.5, transport: transport).snapshot(now: Date())
        let elapsed = ContinuousClock.now - started
        #expect(snap.nodes.map(\.state) == [.active, .standby, .unreachable, .unreachable, .unreachable, .standby])
        #expect(snap.nodes[2...4].allSatisfy { $0.failure?.reason == "timeout" })
        // Concurrent: about one timeout (0.5 s). Sequential would be at least 3 × 0.5 s = 1.5 s.
        #expect(elapsed >= .milliseconds(450) && elapsed < .milliseconds(1400), "cycle took \(elapsed)")
        // The answering nodes' latencies are their own, not the hung nodes'.
        #expect((snap.nodes[0].latency ?? 1) < 0.3)
        #expect((snap.nodes[5].latency ?? 0) >= 0.1 && (snap.nodes[5].latency ?? 1) < 0.4)
        #expect(snap.leaderName == "n1")
    }

    @Test func tokenEndpointsAskTheLeaderAndReadTheTokenFile() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sw-tok-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "old-token\n".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        let leader = try fakeNode(health: 200, "health-active.json", leader: "leader-active.json")
        defer { leader.stop() }
        // Only the rotated token is accepted: the prober re-reads the file after a 403.
        let guarded: @Sendable (RecordedRequest, String) -> LoopbackResponse = { req, file in
            req.headers["X-Vault-Token"] == "new-token" ? LoopbackResponse(status: 200, bytes: fixture(file))
                                                        : .json(#"{"errors":["permission denied"]}"#, status: 403)
        }
        leader.route("/v1/sys/storage/raft/configuration") { guarded($0, "raft-configuration.json") }
        leader.route("/v1/sys/storage/raft/autopilot/state") { guarded($0, "autopilot-state.json") }
        leader.route("/v1/auth/token/lookup-self") { guarded($0, "token-lookup.json") }
        let p = prober([leader], transport: transport, token: SecretSource(.file(dir + "/token"), keyPath: "clusters[0].token_file"))
        let first = await p.snapshot(now: Date())
        #expect(first.raft?.autopilot == nil)
        #expect(first.raft?.failure?.reason == "permission_denied")
        try "new-token\n".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        let second = await p.snapshot(now: Date())
        #expect(second.raft?.autopilot?.failureTolerance == 1)
        #expect(second.raft?.configuration?.count == 3)
        #expect(second.raft?.source == "n1")
        #expect(second.token?.ttlSeconds == 3512)
        #expect(leader.requests.allSatisfy { !($0.headers["X-Vault-Token"] ?? "").isEmpty || !$0.path.contains("raft") })
    }
}
