import ClusterModel
import Foundation
@testable import Probing
import Testing

func fixture(_ name: String) -> [UInt8] {
    let path = Bundle.module.path(forResource: "Fixtures/\(name)", ofType: nil)!
    return Array(FileManager.default.contents(atPath: path)!)
}

@Suite struct DecoderTests {
    /// Status code and recorded body → node state (DESIGN.md §2; 429/473 are never "down").
    static let states: [(Int, String, NodeState)] = [
        (200, "health-active.json", .active),
        (429, "health-standby.json", .standby),
        (503, "health-sealed.json", .sealed),          // sealed OpenBao says standby:true too: still sealed
        (501, "health-uninitialized.json", .uninitialized),
        (473, "health-perf-standby.json", .perfStandby),
        (472, "health-dr-secondary.json", .drSecondary),
        (474, "health-474.json", .standbyDisconnected),
        (530, "health-530.json", .removed),
        (200, "health-sealed.json", .sealed),          // the body wins over an odd code
        (418, "health-standby.json", .unknown),        // unknown code: unknown, never a crash
        (502, "garbage.html", .unknown),
        (200, "garbage.html", .unknown),
    ]

    @Test(arguments: states)
    func healthCodeAndBodyGiveState(_ status: Int, _ file: String, _ expected: NodeState) {
        #expect(HealthVerdict.state(status: status, health: Decoders.health(fixture(file))) == expected)
    }

    @Test func healthFields() throws {
        let h = try #require(Decoders.health(fixture("health-perf-standby.json")))
        #expect(h.version == "1.15.4+ent")
        #expect(h.performanceStandby == true)
        #expect(h.clockSkewMs == -3)
        #expect(h.lastWAL == 81347)
        #expect(h.clusterID == "0f0e0d0c-0b0a-0908-0706-050403020100")
        let removed = try #require(Decoders.health(fixture("health-530.json")))
        #expect(removed.removedFromCluster == true)
        #expect(try #require(Decoders.health(fixture("health-474.json"))).haConnectionHealthy == false)
    }

    @Test func missingFieldsAreTolerated() throws {
        let h = try #require(Decoders.health(Array(#"{"sealed": false}"#.utf8)))
        #expect(h.sealed == false && h.version == nil && h.initialized == nil)
        #expect(Decoders.health(Array("[1,2]".utf8)) == nil)
        #expect(Decoders.health(Array("".utf8)) == nil)
        #expect(Decoders.health(fixture("garbage.html")) == nil)
        // Wrong types are ignored, not fatal.
        #expect(try #require(Decoders.health(Array(#"{"sealed": "yes", "version": 3}"#.utf8))).sealed == nil)
    }

    @Test func sealStatus() throws {
        let s = try #require(Decoders.sealStatus(fixture("seal-status-sealed.json")))
        #expect(s.type == "shamir" && s.threshold == 3 && s.shares == 5 && s.progress == 1 && s.storageType == "raft")
    }

    @Test func leader() throws {
        let a = try #require(Decoders.leader(fixture("leader-active.json")))
        #expect(a.isSelf == true && a.leaderAddress == "http://127.0.0.1:8200" && a.raftAppliedIndex == 1234)
        let down = try #require(Decoders.leader(fixture("leader-stepped-down.json")))
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
