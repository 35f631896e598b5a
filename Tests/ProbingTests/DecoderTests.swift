import ClusterModel
import Foundation
@testable import Probing
import Testing

func fixture(_ name: String) -> [UInt8] {
    let path = Bundle.module.path(forResource: "Fixtures/\(name)", ofType: nil)!
    return Array(FileManager.default.contents(atPath: path)!)
}

/// A named body, so a table row prints as its name rather than its bytes.
struct Body: CustomTestStringConvertible, Sendable {
    var name: String
    var bytes: [UInt8]
    var testDescription: String { name }
    static func file(_ f: String) -> Body { Body(name: f, bytes: fixture(f)) }
    static func json(_ text: String) -> Body { Body(name: text.count > 60 ? String(text.prefix(57)) + "..." : text, bytes: Array(text.utf8)) }
}

@Suite struct DecoderTests {
    /// Status code and recorded body → node state (DESIGN.md §2; 429/473 are never "down").
    static let states: [(Int, Body, NodeState)] = [
        (200, .file("health-active.json"), .active),
        (429, .file("health-standby.json"), .standby),
        (503, .file("health-sealed.json"), .sealed),          // sealed OpenBao says standby:true too: still sealed
        (501, .file("health-uninitialized.json"), .uninitialized),
        (473, .file("health-perf-standby.json"), .perfStandby),
        (472, .file("health-dr-secondary.json"), .drSecondary),
        (474, .file("health-474.json"), .standbyDisconnected),
        (530, .file("health-530.json"), .removed),
        (418, .file("health-standby.json"), .unknown),        // unmapped code: unknown with a reason, never a crash
        (502, .file("garbage.html"), .unknown),
    ]

    @Test(arguments: states)
    func healthCodeAndBodyGiveState(_ status: Int, _ body: Body, _ expected: NodeState) {
        let verdict = HealthVerdict.judge(status: status, body: body.bytes)
        #expect(verdict.state == expected)
        #expect((verdict.failure == nil) == !expected.isUnknown, "every unusable answer carries a reason")
    }

    /// Answers that do not prove what their code claims: `invalid_response`, with the reason.
    static let invalid: [(Int, Body, String)] = [
        (200, .json("{}"), "missing initialized, sealed, standby"),
        (200, .json(#"{"initialized":true,"sealed":"yes","standby":false}"#), #"sealed: expected a boolean, got "yes""#),
        (200, .json(#"{"initialized":true,"sealed":1e999999,"standby":false}"#), "sealed: expected a boolean, got a non-finite number"),
        (200, .json(#"{"initialized":true,"sealed":false,"standby":false,"server_time_utc":1e999}"#), "server_time_utc: expected an integer in range"),
        (200, .json(#"{"initialized":true,"sealed":false,"standby":false,"clock_skew_ms":"inf"}"#), "clock_skew_ms: expected an integer in range"),
        (200, .json(#"{"initialized":true,"sealed":false,"standby":false,"last_wal":-1}"#), "last_wal: expected a non-negative integer"),
        (200, .file("health-standby.json"), "200 claims an initialized, unsealed active node"),
        (200, .file("health-sealed.json"), "200 claims an initialized, unsealed active node"),   // the code and the body disagree
        (429, .file("health-active.json"), "429 claims an unsealed standby"),
        (503, .file("health-active.json"), "503 claims a sealed node"),
        (501, .file("health-active.json"), "501 claims an uninitialized node"),
        (200, .file("garbage.html"), "not Vault health JSON"),
        (200, Body(name: "invalid UTF-8", bytes: Array(#"{"initialized":true,"sealed":false,"standby":false,"version":""#.utf8) + [0xC3, 0x28, 0x22, 0x7D]), "not valid UTF-8"),
    ]

    @Test(arguments: invalid)
    func answersMustConfirmTheirCode(_ status: Int, _ body: Body, _ reason: String) throws {
        let verdict = HealthVerdict.judge(status: status, body: body.bytes)
        #expect(verdict.state == .invalidResponse)
        let failure = try #require(verdict.failure)
        #expect(failure.detail.contains(reason), "\(failure.detail)")
        #expect(failure.reason == (body.name == "garbage.html" ? "bad_body" : "invalid_response"))
        #expect(!verdict.state.isUnsealed && !verdict.state.isStandby)
    }

    @Test func healthFields() throws {
        let h = try #require(Decoders.health(fixture("health-perf-standby.json"))).value
        #expect(h.version == "1.15.4+ent")
        #expect(h.performanceStandby == true)
        #expect(h.clockSkewMs == -3)
        #expect(h.lastWAL == 81347)
        #expect(h.clusterID == "0f0e0d0c-0b0a-0908-0706-050403020100")
        let removed = try #require(Decoders.health(fixture("health-530.json"))).value
        #expect(removed.removedFromCluster == true)
        #expect(try #require(Decoders.health(fixture("health-474.json"))).value.haConnectionHealthy == false)
    }

    @Test func missingFieldsAreNilWrongTypesAreProblems() throws {
        let h = try #require(Decoders.health(Array(#"{"sealed": false}"#.utf8)))
        #expect(h.value.sealed == false && h.value.version == nil && h.value.initialized == nil && h.problems.isEmpty)
        #expect(Decoders.health(Array("[1,2]".utf8)) == nil)
        #expect(Decoders.health(Array("".utf8)) == nil)
        #expect(Decoders.health(fixture("garbage.html")) == nil)
        let wrong = try #require(Decoders.health(Array(#"{"sealed": "yes", "version": 3}"#.utf8)))
        #expect(wrong.value.sealed == nil && wrong.value.version == nil)
        #expect(wrong.problems == [#"sealed: expected a boolean, got "yes""#, "version: expected a string, got 3.0"])
    }

    /// Numbers from a body never trap: out of range or non-finite is "no value" with a problem.
    @Test func hostileNumbers() throws {
        let leader = try #require(Decoders.leader(Array(#"{"is_self":true,"raft_applied_index":10000000000000000000,"raft_committed_index":1e300}"#.utf8)))
        #expect(leader.value.raftAppliedIndex == 10_000_000_000_000_000_000)     // fits a UInt64
        #expect(leader.value.raftCommittedIndex == nil && leader.problems.count == 1)
        let seal = try #require(Decoders.sealStatus(Array(#"{"t":1e19,"n":"nan","progress":-1e308}"#.utf8)))
        #expect(seal.value.threshold == nil && seal.value.shares == nil && seal.value.progress == nil && seal.problems.count == 3)
        let token = try #require(Decoders.tokenLookup(Array(#"{"data":{"ttl":"inf","period":1e999,"renewable":true,"expire_time":"x"}}"#.utf8)))
        #expect(token.ttlSeconds == 0 && token.renewalSpanSeconds == nil)
        #expect(Decoders.renewedTTL(Array(#"{"auth":{"lease_duration":"nan"}}"#.utf8)) == nil)
    }

    @Test func sealStatus() throws {
        let s = try #require(Decoders.sealStatus(fixture("seal-status-sealed.json"))).value
        #expect(s.type == "shamir" && s.threshold == 3 && s.shares == 5 && s.progress == 1 && s.storageType == "raft")
    }

    @Test func leader() throws {
        let a = try #require(Decoders.leader(fixture("leader-active.json"))).value
        #expect(a.isSelf == true && a.leaderAddress == "http://127.0.0.1:8200" && a.raftAppliedIndex == 1234)
        let down = try #require(Decoders.leader(fixture("leader-stepped-down.json"))).value
        #expect(down.isSelf == false && down.leaderAddress == nil)   // empty address = knows no leader
    }

    @Test func raftConfiguration() throws {
        let servers = try #require(Decoders.raftConfiguration(fixture("raft-configuration.json")))
        #expect(servers.map(\.nodeID) == ["bao-1", "bao-2", "bao-3"])
        #expect(servers.map(\.leader) == [true, false, false])
        #expect(servers.allSatisfy { $0.voter })
    }

    @Test func autopilotSnakeCase() throws {
        let a = try #require(Decoders.autopilot(fixture("autopilot-state.json")))
        #expect(a.healthy && a.failureTolerance == 1 && a.leader == "bao-1" && a.voters.count == 3)
        let bao2 = try #require(a.servers.first { $0.id == "bao-2" })
        #expect(abs((bao2.lastContactSeconds ?? 0) - 0.001472637) < 1e-9)
        #expect(a.servers.first { $0.id == "bao-3" }?.healthy == false)
        #expect(a.servers.first { $0.id == "bao-3" }?.lastContactSeconds == 12.5)
    }

    @Test func autopilotCamelCaseFromOlderVault() throws {
        let a = try #require(Decoders.autopilot(fixture("autopilot-state-camelcase.json")))
        #expect(!a.healthy && a.failureTolerance == 0 && a.leader == "vault-1" && a.voters == ["vault-1", "vault-2"])
        let v2 = try #require(a.servers.first { $0.id == "vault-2" })
        #expect(v2.lastContactSeconds == 123.5 && v2.healthy == false && v2.lastIndex == 420 && v2.status == "voter")
    }

    @Test func tokenLookup() throws {
        let t = try #require(Decoders.tokenLookup(fixture("token-lookup.json")))
        #expect(t.ttlSeconds == 3512 && t.renewable)
        let root = try #require(Decoders.tokenLookup(Array(#"{"data":{"ttl":0,"expire_time":null,"renewable":false}}"#.utf8)))
        #expect(root.ttlSeconds == nil)   // a root token never expires
    }

    @Test(arguments: [("0s", 0.0), ("1.5ms", 0.0015), ("2m3.5s", 123.5), ("4.3µs", 4.3e-6), ("1h", 3600.0)])
    func goDurations(_ text: String, _ seconds: Double) {
        #expect(abs((Decoders.goDuration(text) ?? -1) - seconds) < 1e-12)
    }
}
