import ClusterModel
import Config
import CurlTransport
import Foundation
import HTTPTransport
import Logging
@testable import Probing
import TestSupport
import Testing

/// Canary requests and telemetry reads through the real prober and curl, against loopback nodes
/// that answer what a real server rarely does on cue (500s, refusals, bad bodies, hangs).
@Suite(.serialized) struct ServiceProbeTests {
    let transport = CurlTransport(logger: Logger(label: "test"))

    struct LookupCase: Sendable, CustomTestStringConvertible {
        var label: String
        var response: LoopbackResponse
        var expected: CanaryOutcome
        var testDescription: String { label }
    }

    static let lookupCases: [LookupCase] = [
        .init(label: "200 JSON", response: .json(#"{"data":{"ttl":0}}"#), expected: .ok),
        .init(label: "500 internal error (audit down)", response: .json(#"{"errors":["internal error"]}"#, status: 500), expected: .httpStatus),
        .init(label: "403 permission denied", response: .json(#"{"errors":["permission denied"]}"#, status: 403), expected: .refused),
        .init(label: "200 with an HTML body", response: LoopbackResponse(status: 200, body: "<html>proxy</html>"), expected: .badBody),
        .init(label: "429 rate limited", response: .json(#"{"errors":["rate limit"]}"#, status: 429), expected: .httpStatus),
        .init(label: "hang", response: .hang, expected: .timeout),
    ]

    func tokenFile() throws -> (SecretSource, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sw-svc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir + "/token", contents: Data("canary-token\n".utf8), attributes: [.posixPermissions: 0o600])
        return (SecretSource(.file(dir + "/token"), keyPath: "clusters[0].token_file"), dir)
    }

    func prober(_ nodes: [LoopbackHTTPServer], token: SecretSource?, canary: CanaryConfig = CanaryConfig(),
                telemetry: TelemetryConfig = TelemetryConfig(), timeout: Double = 0.5) -> ClusterProber {
        var cluster = ClusterConfig(name: "test", nodes: nodes.enumerated().map { NodeConfig(name: "n\($0.offset + 1)", address: $0.element.baseURL) })
        cluster.token = token
        cluster.canary = canary
        cluster.telemetry = telemetry
        var global = GlobalConfig()
        global.timeout = timeout
        return ClusterProber(cluster: cluster, global: global, transport: transport, environment: [:], logger: Logger(label: "test"))
    }

    @Test(arguments: lookupCases)
    func lookupCanaryOutcome(_ c: LookupCase) async throws {
        let node = try fakeNode(health: 200, "health-active.json", leader: "leader-active.json")
        defer { node.stop() }
        node.route("/v1/auth/token/lookup-self", c.response)
        let (token, dir) = try tokenFile()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let started = ContinuousClock.now
        let snap = await prober([node], token: token).snapshot(now: Date())
        let canary = try #require(snap.nodes[0].canary(.lookup))
        #expect(canary.outcome == c.expected)
        #expect((canary.detail == nil) == (c.expected == .ok))
        #expect(!(canary.detail ?? "").contains("canary-token"))      // the token is a header, never in a detail
        #expect(ContinuousClock.now - started < .seconds(2))           // a hung canary costs one deadline
        let sent = node.requests.filter { $0.path == "/v1/auth/token/lookup-self" }
        #expect(sent.allSatisfy { $0.headers["X-Vault-Token"] == "canary-token" })
    }

    /// Read through every node, write only to the node that last answered as leader, and only from
    /// the second cycle (the first has no leader learned yet).
    @Test func readThroughEveryNodeWriteToTheLeader() async throws {
        let active = try fakeNode(health: 200, "health-active.json", leader: "leader-active.json")
        let standby = try fakeNode(health: 429, "health-standby.json")
        defer { active.stop(); standby.stop() }
        for n in [active, standby] {
            n.route("/v1/auth/token/lookup-self", .json(#"{"data":{}}"#))
            n.route("/v1/secret/data/sealwatch/canary", .json(#"{"data":{"data":{"v":"1"}}}"#))
            n.route("/v1/sys/storage/raft/configuration", .json(#"{"data":{"config":{"servers":[]}}}"#))
        }
        active.route("/v1/secret/data/sealwatch/canary-write", .json(#"{"data":{"version":3}}"#))
        var canary = CanaryConfig()
        canary.readPath = "secret/data/sealwatch/canary"
        canary.writePath = "secret/data/sealwatch/canary-write"
        let (token, dir) = try tokenFile()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The standby's address is the leader it names: make the active node n1 by its leader body.
        let p = prober([active, standby], token: token, canary: canary)
        let first = await p.snapshot(now: Date())
        #expect(first.nodes.map { $0.canaries.map(\.kind) } == [[.lookup, .read], [.lookup, .read]])
        let second = await p.snapshot(now: Date())
        #expect(second.nodes[0].canaries.map(\.kind) == [.lookup, .read, .write])
        #expect(second.nodes[0].canary(.write)?.outcome == .ok)
        #expect(second.nodes[1].canary(.write) == nil)
        let write = try #require(active.requests.first { $0.path == "/v1/secret/data/sealwatch/canary-write" })
        #expect(write.method == "PUT")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(write.body)) as? [String: Any])
        #expect((body["data"] as? [String: Any])?["by"] as? String == "sealwatch")   // KV v2 shape
    }

    @Test func writeBodyFollowsTheKVVersion() {
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(String(decoding: ClusterProber.canaryWriteBody(path: "secret/data/x", at: at), as: UTF8.self)
                == #"{"data":{"checked_at":"1800000000","by":"sealwatch"}}"#)
        #expect(String(decoding: ClusterProber.canaryWriteBody(path: "kv1/x", at: at), as: UTF8.self)
                == #"{"checked_at":"1800000000","by":"sealwatch"}"#)
    }

    @Test func noTokenNoCanary() async throws {
        let node = try fakeNode(health: 200, "health-active.json", leader: "leader-active.json")
        defer { node.stop() }
        let snap = await prober([node], token: nil).snapshot(now: Date())
        #expect(snap.nodes[0].canaries.isEmpty)
        #expect(!node.requests.contains { $0.path.contains("lookup-self") })
    }

    /// A refused or disabled telemetry source is unavailable with its reason, not an outage; a read
    /// is carried to the cycles between reads.
    @Test func telemetrySourceStates() async throws {
        let refusing = try fakeNode(health: 200, "health-active.json", leader: "leader-active.json")
        let disabled = try fakeNode(health: 429, "health-standby.json")
        let json = try fakeNode(health: 429, "health-standby.json")
        let good = try fakeNode(health: 429, "health-standby.json")
        defer { for n in [refusing, disabled, json, good] { n.stop() } }
        refusing.route("/v1/sys/metrics", .json(#"{"errors":["permission denied"]}"#, status: 403))
        disabled.route("/v1/sys/metrics", .json(#"{"errors":["prometheus is not enabled"]}"#, status: 400))
        json.route("/v1/sys/metrics", .json(#"{"Gauges":[]}"#))
        good.route("/v1/sys/metrics", LoopbackResponse(status: 200, headers: ["Content-Type": "text/plain; version=0.0.4"],
                                                     bytes: fixture("telemetry-audit-failing.prom")))
        var telemetry = TelemetryConfig()
        telemetry.interval = 3600
        let p = prober([refusing, disabled, json, good], token: nil, telemetry: telemetry)
        let first = await p.snapshot(now: Date())
        #expect(first.nodes[0].telemetry.failure?.reason == "forbidden")
        #expect(first.nodes[1].telemetry.failure?.reason == "disabled")
        #expect(first.nodes[2].telemetry.failure?.reason == "not_prometheus")
        #expect(first.nodes[3].telemetry.isFresh)
        #expect(first.nodes[3].telemetry.telemetry?.auditRequestFailures == 1)
        #expect(first.nodes.allSatisfy { $0.state != .unreachable })           // telemetry never decides reachability
        let second = await p.snapshot(now: Date())
        guard case .carried(let t) = second.nodes[3].telemetry else { Issue.record("not carried: \(second.nodes[3].telemetry)"); return }
        #expect(t.auditResponseFailures == 1)
        #expect(second.nodes[0].telemetry.failure?.reason == "forbidden")
        #expect(good.requests.filter { $0.path.hasPrefix("/v1/sys/metrics") }.count == 1)   // not due again within the hour
        #expect(good.requests.first { $0.path.hasPrefix("/v1/sys/metrics") }?.target.contains("format=prometheus") == true)
    }
}
