import ClusterModel
import Foundation
import Rules
import Testing
import TestSupport

@Suite struct LifecycleTests {
    let base = SnapshotBuilder(cluster: "prod", nodes: 3)

    @Test(arguments: [(0.0, AlertState.pending), (29, .pending), (30, .firing), (31, .firing)])
    func sealedAgainstFor30s(seconds: Double, expected: AlertState) {
        var h = Harness(overrides: ["VaultSealed": RuleOverride(forSeconds: 30)])
        h.step(base.at(0).node(1, .sealed))
        if seconds > 0 { h.step(base.at(seconds).node(1, .sealed)) }
        #expect(h.state("VaultSealed", node: "vault-1") == expected)
    }

    @Test func sealedTransitionsWithFor30s() {
        var h = Harness(overrides: ["VaultSealed": RuleOverride(forSeconds: 30)])
        #expect(describe(h.step(base.at(0).node(1, .sealed))) == ["VaultSealed{vault-1}: inactive→pending"])
        #expect(describe(h.step(base.at(29).node(1, .sealed))) == [])
        #expect(describe(h.step(base.at(31).node(1, .sealed))) == ["VaultSealed{vault-1}: pending→firing"])
        let a = try! #require(h.alert("VaultSealed", node: "vault-1"))
        #expect(a.activeAt == SnapshotBuilder.date(0))
        #expect(a.firedAt == SnapshotBuilder.date(31))
    }

    @Test func sealedForZeroFiresInOneStepAndResolvesOnce() throws {
        var h = Harness()
        let fired = h.step(base.at(0).node(2, .sealed))
        #expect(describe(fired) == ["VaultSealed{vault-2}: inactive→firing"])
        let alert = try #require(fired.first?.alert)
        #expect(alert.labels == ["alertname": "VaultSealed", "cluster": "prod", "node": "vault-2", "severity": "critical"])
        #expect(alert.annotations["summary"] == "vault-2 is sealed")
        #expect(alert.annotations["runbook_url"] == "https://runbooks.example/sw/VaultSealed.md")
        #expect(fired.first?.isNotifiable == true)

        #expect(describe(h.step(base.at(5).node(2, .sealed))) == [])
        let resolved = h.step(base.at(10))
        #expect(describe(resolved) == ["VaultSealed{vault-2}: firing→resolved"])
        #expect(resolved.first?.alert.resolvedAt == SnapshotBuilder.date(10))
        #expect(resolved.first?.alert.state == .resolved)
        #expect(h.book.alerts.isEmpty)
        #expect(describe(h.step(base.at(15))) == [])
    }

    @Test func electionShorterThanForNeverFires() {
        var h = Harness()
        // Leader vault-0 killed: standbys keep naming it for ~14 s, then vault-1 wins.
        let dead = { (t: Double) in
            base.at(t).node(0, .unreachable)
                .leaderAddress(1, SnapshotBuilder.address(0)).leaderAddress(2, SnapshotBuilder.address(0))
        }
        #expect(describe(h.step(dead(0))) == ["NoLeader: inactive→pending", "NodeUnreachable{vault-0}: inactive→pending"])
        #expect(describe(h.step(dead(10))) == [])
        let elected = base.at(15).node(0, .unreachable).node(1, .active).leaderAddress(2, SnapshotBuilder.address(1))
        #expect(describe(h.step(elected)) == ["NoLeader: pending→inactive"])
        #expect(h.state("NoLeader") == .inactive)
        #expect(h.state("NodeUnreachable", node: "vault-0") == .pending)
    }

    @Test func keepFiringFor() {
        var h = Harness(overrides: ["VaultSealed": RuleOverride(keepFiringForSeconds: 60)])
        h.step(base.at(0).node(1, .sealed))
        #expect(describe(h.step(base.at(10))) == [])            // cleared at 10, last true at 0
        #expect(h.state("VaultSealed", node: "vault-1") == .firing)
        #expect(describe(h.step(base.at(59))) == [])
        #expect(describe(h.step(base.at(60))) == ["VaultSealed{vault-1}: firing→resolved"])
    }

    @Test func keepFiringForRestartsWhenConditionReturns() {
        var h = Harness(overrides: ["VaultSealed": RuleOverride(keepFiringForSeconds: 60)])
        h.step(base.at(0).node(1, .sealed))
        h.step(base.at(30))
        h.step(base.at(50).node(1, .sealed))                     // true again: lastTrueAt = 50
        #expect(describe(h.step(base.at(100))) == [])
        #expect(describe(h.step(base.at(110))) == ["VaultSealed{vault-1}: firing→resolved"])
    }

    @Test func valuesUpdateWhilePendingAndFiring() throws {
        var h = Harness(overrides: ["FollowerLag": RuleOverride(forSeconds: 10)])
        h.step(base.at(0).node(0, .active, appliedIndex: 5000).node(2, .standby, appliedIndex: 2000))
        #expect(h.alert("FollowerLag", node: "vault-2")?.value == 3000)
        h.step(base.at(10).node(0, .active, appliedIndex: 6000).node(2, .standby, appliedIndex: 2000))
        let a = try #require(h.alert("FollowerLag", node: "vault-2"))
        #expect(a.state == .firing)
        #expect(a.value == 4000)
        #expect(a.lastTrueAt == SnapshotBuilder.date(10))
        #expect(a.annotations["summary"] == "vault-2 applied index 2000 is 4000 entries behind vault-0 (6000) > 1000")
    }

    @Test func disabledRuleProducesNothingAndRetiresExisting() {
        var h = Harness()
        h.step(base.at(0).node(1, .sealed))
        #expect(h.state("VaultSealed", node: "vault-1") == .firing)
        var disabled = Harness(overrides: ["VaultSealed": RuleOverride(enabled: false)])
        disabled.book = h.book
        disabled.window = h.window
        #expect(describe(disabled.step(base.at(5).node(1, .sealed))) == ["VaultSealed{vault-1}: firing→resolved"])
        #expect(describe(disabled.step(base.at(10).node(1, .sealed))) == [])
    }

    @Test func absentDataKeepsState() {
        // RaftUnhealthy firing; then a round without a Raft view (token failed) neither resolves nor re-fires it.
        var h = Harness(overrides: ["RaftUnhealthy": RuleOverride(forSeconds: 0)])
        #expect(describe(h.step(base.at(0).raft(healthy: false))) == ["RaftUnhealthy: inactive→firing"])
        #expect(describe(h.step(base.at(5))) == [])
        #expect(h.state("RaftUnhealthy") == .firing)
        #expect(describe(h.step(base.at(10).raft(healthy: true))) == ["RaftUnhealthy: firing→resolved"])
    }

    @Test func transitionsAreSortedByKey() {
        var h = Harness()
        let t = h.step(base.at(0).node(2, .sealed).node(1, .sealed).node(0, .active, clusterID: "other"))
        #expect(describe(t) == ["VaultSealed{vault-1}: inactive→firing", "VaultSealed{vault-2}: inactive→firing"])
    }
}

@Suite struct InhibitionTests {
    let base = SnapshotBuilder(cluster: "prod", nodes: 3)

    @Test func noLeaderSuppressesNodeLevelAlerts() {
        var h = Harness(overrides: [
            "HighLatency": RuleOverride(minSamples: 3),
            "ErrorRate": RuleOverride(forSeconds: 0, minSamples: 3),
        ])
        // Phase 1 (0–75 s): the cluster works, but vault-2 is slow and flaky: HighLatency and ErrorRate fire for it.
        for t in stride(from: 0.0, through: 75, by: 5) {
            h.step(base.at(t).canary(2, seconds: 0.2).canary(2, .read, outcome: .timeout))
        }
        #expect(h.state("HighLatency", node: "vault-2") == .firing)
        #expect(h.state("ErrorRate", node: "vault-2") == .firing)
        // Phase 2 (80–115 s): leader vault-0 gone, standbys name nobody, everything slow.
        var all: [String] = []
        for t in stride(from: 80.0, through: 115, by: 5) {
            let b = base.at(t).node(0, .unreachable).canary(1, seconds: 0.2).canary(2, seconds: 0.2)
                .leaderAddress(1, nil).leaderAddress(2, nil)
            all += describe(h.step(b))
        }
        #expect(h.state("NoLeader") == .firing)
        // Pending node-level alerts were dropped when NoLeader fired (at 110 s) ...
        // (vault-1's slow canaries mid-election count nothing: no HighLatency{vault-1} at all.)
        #expect(!all.contains { $0.hasPrefix("HighLatency{vault-1}") })
        #expect(all.contains("NodeUnreachable{vault-0}: pending→inactive"))
        #expect(h.state("HighLatency", node: "vault-1") == .inactive)
        #expect(h.state("NodeUnreachable", node: "vault-0") == .inactive)
        // ... and none is created while it fires; firing ones stay firing, frozen and marked.
        #expect(!all.contains { $0.contains("→firing") && !$0.hasPrefix("NoLeader") && !$0.hasPrefix("ErrorRate{vault-0}") })
        #expect(h.alert("HighLatency", node: "vault-2")?.annotations["inhibited_by"] == "NoLeader")
        #expect(h.alert("ErrorRate", node: "vault-2")?.state == .firing)
        #expect(h.alert("ErrorRate", node: "vault-2")?.annotations["inhibited_by"] == "NoLeader")
        // The cluster-level ErrorRate is not muted by NoLeader.
        #expect(h.state("ErrorRate") == .firing)
        #expect(h.alert("ErrorRate")?.annotations["inhibited_by"] == nil)
    }

    @Test func inhibitedFiringAlertResumesAfterSourceClears() {
        var h = Harness(overrides: ["NoLeader": RuleOverride(forSeconds: 0)])
        h.step(base.at(0).node(0, .unreachable).node(1, .active))          // vault-0 down, vault-1 leads
        h.step(base.at(30).node(0, .unreachable).node(1, .active))
        #expect(h.state("NodeUnreachable", node: "vault-0") == .firing)
        // Leader lost: NoLeader fires; NodeUnreachable{vault-0} stays firing, muted.
        let noLeader = base.at(35).node(0, .unreachable).node(1, .standby).leaderAddress(1, nil).leaderAddress(2, nil)
        #expect(describe(h.step(noLeader)) == ["NoLeader: inactive→firing"])
        #expect(h.alert("NodeUnreachable", node: "vault-0")?.annotations["inhibited_by"] == "NoLeader")
        // Leader back and vault-0 back: both resolve.
        #expect(describe(h.step(base.at(40))) == ["NoLeader: firing→resolved", "NodeUnreachable{vault-0}: firing→resolved"])
    }

    @Test func allSealedIsOneClusterAlert() {
        var h = Harness()
        let t = h.step(base.at(0).node(0, .sealed).node(1, .sealed).node(2, .sealed))
        #expect(describe(t) == ["ClusterSealed: inactive→firing"])
        #expect(t.first?.alert.annotations["summary"] == "all 3 nodes of prod are sealed")
        #expect(describe(h.step(base.at(40).node(0, .sealed).node(1, .sealed).node(2, .sealed))) == [])
        // Two nodes unsealed: the cluster alert resolves, the remaining sealed node pages on its own.
        let partly = base.at(45).node(2, .sealed)
        #expect(describe(h.step(partly)) == ["ClusterSealed: firing→resolved", "VaultSealed{vault-2}: inactive→firing"])
    }

    @Test func sealedOneByOneThenAll() {
        var h = Harness()
        h.step(base.at(0).node(2, .sealed))
        let t = h.step(base.at(5).node(0, .sealed).node(1, .sealed).node(2, .sealed))
        #expect(describe(t) == ["ClusterSealed: inactive→firing"])
        #expect(h.alert("VaultSealed", node: "vault-2")?.annotations["inhibited_by"] == "ClusterSealed")
        #expect(h.state("NoLeader") == .inactive)
    }

    @Test func clusterUnreachableSuppressesNodeAlertsAndNoLeader() {
        var h = Harness()
        let down = { (t: Double) in base.at(t).node(0, .unreachable).node(1, .unreachable).node(2, .unreachable) }
        #expect(describe(h.step(down(0))) == [
            "ClusterUnreachable: inactive→pending", "NoLeader: inactive→pending",
            "NodeUnreachable{vault-0}: inactive→pending", "NodeUnreachable{vault-1}: inactive→pending",
            "NodeUnreachable{vault-2}: inactive→pending",
        ])
        #expect(describe(h.step(down(30))) == [
            "ClusterUnreachable: pending→firing", "NoLeader: pending→inactive",
            "NodeUnreachable{vault-0}: pending→inactive", "NodeUnreachable{vault-1}: pending→inactive",
            "NodeUnreachable{vault-2}: pending→inactive",
        ])
        #expect(describe(h.step(down(35))) == [])
        #expect(describe(h.step(base.at(40))) == ["ClusterUnreachable: firing→resolved"])
    }
}

@Suite struct RestartTests {
    let base = SnapshotBuilder(cluster: "prod", nodes: 3)

    @Test func firingSurvivesRestartWithoutRenotifying() {
        var h = Harness()
        h.step(base.at(0).node(1, .sealed))
        let restored = h.engine.restored(h.book, now: SnapshotBuilder.date(7200), outageToleranceSeconds: 3600)
        #expect(restored.alerts == h.book.alerts)
        h.book = restored
        #expect(describe(h.step(base.at(7200).node(1, .sealed))) == [])
        #expect(h.alert("VaultSealed", node: "vault-1")?.firedAt == SnapshotBuilder.date(0))
    }

    @Test(arguments: [(600.0, 0.0, AlertState.firing), (7200, 7200, .pending)])
    func pendingAcrossRestart(downFor: Double, expectedActiveAt: Double, stateAfterFirstStep: AlertState) {
        var h = Harness(overrides: ["VaultSealed": RuleOverride(forSeconds: 30)])
        h.step(base.at(0).node(1, .sealed))
        let now = SnapshotBuilder.date(downFor)
        h.book = h.engine.restored(h.book, now: now, outageToleranceSeconds: 3600)
        #expect(h.alert("VaultSealed", node: "vault-1")?.activeAt == SnapshotBuilder.date(expectedActiveAt))
        h.step(base.at(downFor).node(1, .sealed))
        #expect(h.state("VaultSealed", node: "vault-1") == stateAfterFirstStep)
    }

    @Test func conditionClearedWhileDownResolvesAtFirstStep() {
        var h = Harness()
        h.step(base.at(0).node(1, .sealed))
        h.book = h.engine.restored(h.book, now: SnapshotBuilder.date(900), outageToleranceSeconds: 3600)
        var fresh = Harness()   // a new process: empty window
        fresh.book = h.book
        #expect(describe(fresh.step(base.at(900))) == ["VaultSealed{vault-1}: firing→resolved"])
    }

    @Test func prunedResolvesAlertsOfRemovedClusters() {
        var h = Harness(cluster: "old")
        h.step(SnapshotBuilder(cluster: "old", nodes: 3).at(0).node(1, .sealed).node(0, .unreachable))
        let (book, t) = h.engine.pruned(h.book, keeping: ["prod"], now: SnapshotBuilder.date(10))
        #expect(describe(t) == ["NoLeader: pending→inactive", "NodeUnreachable{vault-0}: pending→inactive", "VaultSealed{vault-1}: firing→resolved"])
        #expect(book.alerts.isEmpty)
    }

    @Test func clustersWithoutWindowKeepTheirAlerts() {
        var h = Harness()
        h.step(base.at(0).node(1, .sealed))
        let (book, t) = h.engine.step(h.book, windows: [:], now: SnapshotBuilder.date(100))
        #expect(t.isEmpty)
        #expect(book.alerts == h.book.alerts)
        #expect(book.lastEvaluation == SnapshotBuilder.date(100))
    }
}

/// Cluster labels are alert labels (routes, silences and payloads match them), never identity.
@Suite struct ClusterLabelTests {
    @Test func clusterLabelsReachEveryAlertWithoutChangingItsIdentity() throws {
        var h = Harness(labels: ["env": "prod", "team": "vault-sre"])
        let transitions = h.step(SnapshotBuilder(cluster: "prod", nodes: 3).at(0).node(1, .sealed))
        let fired = try #require(transitions.first { $0.alert.name == "VaultSealed" }).alert
        #expect(fired.labels == ["alertname": "VaultSealed", "cluster": "prod", "node": "vault-1", "severity": "critical",
                                 "env": "prod", "team": "vault-sre"])
        var plain = Harness()
        let same = try #require(plain.step(SnapshotBuilder(cluster: "prod", nodes: 3).at(0).node(1, .sealed)).first).alert
        #expect(fired.fingerprint == same.fingerprint)
    }
}
