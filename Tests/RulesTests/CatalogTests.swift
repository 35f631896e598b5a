import ClusterModel
import Foundation
@testable import Rules
import Testing
import TestSupport

@Suite struct CatalogTests {
    @Test func names() {
        #expect(RuleCatalog.names == [
            "AuditDeviceFailing", "CanaryRefused", "CertExpiring", "ClockSkew", "ClusterSealed", "ClusterUnreachable",
            "ErrorRate", "FailureToleranceLow", "FollowerLag", "HighLatency", "LeaderFlapping", "LeaseCountHigh",
            "NoLeader", "NodeUnreachable", "PeerMissing", "RaftCommitSlow", "RaftUnhealthy", "SplitBrain",
            "TokenExpiring", "VaultSealed", "VersionSkew", "WritesFailing",
        ])
    }

    @Test func defaults() throws {
        let h = try #require(RuleCatalog.defaults("HighLatency"))
        #expect(h == RuleSettings(name: "HighLatency", forSeconds: 60, severity: .warning, threshold: 0.05, windowSeconds: 300,
                                  minSamples: 30, runbookURL: RuleCatalog.defaultRunbookBase + "/HighLatency.md"))
        let e = try #require(RuleCatalog.defaults("ErrorRate"))
        #expect((e.threshold, e.windowSeconds, e.minSamples, e.forSeconds) == (0.01, 300, 50, 60))
        #expect(RuleCatalog.defaults("NoLeader")?.forSeconds == 30)
        #expect(RuleCatalog.defaults("NoLeader")?.severity == .critical)
        #expect(RuleCatalog.defaults("Nope") == nil)
    }

    @Test(arguments: [
        ("ErrorRate", RuleOverride(threshold: 1.5), ["threshold: must be between 0 and 1"]),
        ("ErrorRate", RuleOverride(threshold: 0.05, windowSeconds: 0, minSamples: 0),
         ["window: must be a duration > 0", "min_samples: must be >= 1"]),
        ("VaultSealed", RuleOverride(threshold: 2), ["threshold: not used by VaultSealed"]),
        ("NoLeader", RuleOverride(forSeconds: -1, keepFiringForSeconds: .infinity),
         ["for: must be a duration >= 0", "keep_firing_for: must be a duration >= 0"]),
        ("HighLatency", RuleOverride(threshold: 0), ["threshold: must be > 0"]),
        ("LeaderFlapping", RuleOverride(maxChanges: -1), ["max_changes: must be >= 0"]),
        ("FailureToleranceLow", RuleOverride(minFailureTolerance: 2), []),
        ("HighLatency", RuleOverride(enabled: false, forSeconds: 120, severity: .critical, threshold: 0.1, windowSeconds: 600, minSamples: 10), []),
        ("Unknown", RuleOverride(threshold: -5), []),
    ])
    func validate(name: String, override: RuleOverride, expected: [String]) {
        #expect(RuleCatalog.validate(name, override) == expected)
    }

    @Test func resolveAppliesOverridesAndRunbookBase() {
        let all = RuleCatalog.resolve(["NoLeader": RuleOverride(forSeconds: 10), "VersionSkew": RuleOverride(enabled: false)],
                                      runbookBase: "https://wiki.example/runbooks/")
        #expect(all.map(\.name) == RuleCatalog.names)
        let noLeader = all.first { $0.name == "NoLeader" }
        #expect(noLeader?.forSeconds == 10)
        #expect(noLeader?.runbookURL == "https://wiki.example/runbooks/NoLeader.md")
        #expect(all.first { $0.name == "VersionSkew" }?.enabled == false)
    }

    @Test func retentionCoversTheLongestWindow() {
        let rules = ClusterRules(cluster: "prod", nodes: [], expectedPeers: nil, settings: RuleCatalog.resolve([:]))
        #expect(rules.retentionSeconds == 600)
        // Only HighLatency and ErrorRate read per-node samples (5 minutes each by default).
        #expect(rules.sampleRetentionSeconds == 300)
        let noSampleRules = ClusterRules(cluster: "prod", nodes: [], expectedPeers: nil, settings: RuleCatalog.resolve([
            "HighLatency": RuleOverride(enabled: false), "ErrorRate": RuleOverride(enabled: false)]))
        #expect(noSampleRules.retentionSeconds == 600)
        #expect(noSampleRules.sampleRetentionSeconds == 0)
    }
}

@Suite struct SnapshotWindowTests {
    @Test func dropsSnapshotsOlderThanRetention() {
        var w = SnapshotWindow(retentionSeconds: 10)
        for t in [0.0, 5, 10, 15, 12] { w.append(SnapshotBuilder().at(t).build()) }   // 12 is out of order: ignored
        #expect(w.times == [5, 10, 15].map(SnapshotBuilder.date))
        #expect(w.latest?.takenAt == SnapshotBuilder.date(15))
    }

    @Test func nodeSampleIsThirtyTwoBytesAndKeepsMicroseconds() {
        #expect(MemoryLayout<SnapshotWindow.NodeSample>.stride == 32)
        #expect(SnapshotWindow.NodeSample(at: 0, latency: 0.0501, probes: 2, failed: 1).latency == 0.0501)
        #expect(SnapshotWindow.NodeSample(at: 0, latency: 0.05, probes: 2, failed: 0).latency == 0.05)
        #expect(SnapshotWindow.NodeSample(at: 0, latency: nil, probes: 2, failed: 2).latency.isNaN)
        #expect(SnapshotWindow.NodeSample(at: 0, latency: 1e9, probes: 70_000, failed: 0).probes == UInt16.max)
    }

    @Test func nodeSamplesHaveTheirOwnShorterRetention() {
        var w = SnapshotWindow(retentionSeconds: 600, sampleRetentionSeconds: 300)
        let base = SnapshotBuilder(cluster: "prod", nodes: 2)
        for t in stride(from: 0.0, through: 700, by: 1) { w.append(base.at(t).latency(0, t / 1000).build()) }
        #expect(w.count == 601)                                          // leaders and times: 100...700
        let samples = w.samples(of: "vault-0", from: -.infinity, to: .infinity)
        #expect(samples.count == 301)                                    // node samples: 400...700
        #expect(samples.first?.latency == 0.4)
        #expect(samples.last?.latency == 0.7)
        // A reload that lengthens the sample window keeps what is there; one that shortens it cuts.
        let shorter = w.rewindowed(retentionSeconds: 600, sampleRetentionSeconds: 60)
        #expect(shorter.samples(of: "vault-0", from: -.infinity, to: .infinity).count == 61)
        #expect(shorter.count == 601)
        // Without a rule reading samples only the newest snapshot's samples stay.
        let none = w.rewindowed(retentionSeconds: 600, sampleRetentionSeconds: 0)
        #expect(none.samples(of: "vault-1", from: -.infinity, to: .infinity).count == 1)
    }
}

@Suite struct EventLogTests {
    let base = SnapshotBuilder(cluster: "prod", nodes: 3)

    @Test func messages() {
        var log = EventLog()
        #expect(log.observe(previous: nil, current: base.at(0).build()).isEmpty)
        let e1 = log.observe(previous: base.at(0).build(), current: base.at(5).node(2, .sealed).build())
        #expect(e1.map(\.message) == ["vault-2 sealed (was standby)"])
        let e2 = log.observe(previous: base.at(5).node(2, .sealed).build(),
                             current: base.at(10).node(0, .unreachable, failure: "connection_refused").node(1, .active).build())
        #expect(e2.map(\.message) == ["vault-0 unreachable: connection_refused (was active)", "vault-1 active (was standby)",
                                      "vault-2 standby (was sealed)", "leader changed: vault-0 → vault-1"])
        #expect(e2.map(\.kind) == [.reachability, .stateChange, .stateChange, .leaderChange])
        let e3 = log.observe(previous: base.at(10).node(0, .unreachable).node(1, .active).build(),
                             current: base.at(15).node(0, .standby).node(1, .standby).leaderAddress(0, nil).leaderAddress(1, nil).leaderAddress(2, nil).build())
        #expect(e3.map(\.message) == ["vault-0 reachable again: standby", "vault-1 standby (was active)", "leader lost (was vault-1)"])
        #expect(log.recent(cluster: "prod", limit: 2).map(\.message) == ["leader lost (was vault-1)", "vault-1 standby (was active)"])
        #expect(log.lastChange(cluster: "prod", node: "vault-2")?.message == "vault-2 standby (was sealed)")
        #expect(log.lastChange(cluster: "prod", node: "vault-2")?.at == SnapshotBuilder.date(10))
        #expect(log.recent(cluster: "other", limit: 5).isEmpty)
    }

    @Test func capacityIsBounded() {
        var log = EventLog(capacityPerCluster: 3)
        for i in 0..<5 { log.record(ClusterEvent(at: SnapshotBuilder.date(Double(i)), cluster: "prod", kind: .alert, message: "e\(i)")) }
        #expect(log.recent(cluster: "prod", limit: 10).map(\.message) == ["e4", "e3", "e2"])
    }
}
