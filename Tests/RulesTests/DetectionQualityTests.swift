import ClusterModel
import Foundation
import Rules
import Testing
import TestSupport

/// No false page from the moments around a real fault, with time as a parameter (issue: detection quality).
@Suite struct DetectionQualityTests {
    let base = SnapshotBuilder(cluster: "prod", nodes: 3)

    func fired(_ ts: [AlertTransition], _ name: String) -> [AlertTransition] {
        ts.filter { $0.alert.name == name && $0.to == .firing }
    }

    /// The recorded sequence of a resumed leader (OpenBao 2.7, default Raft timing, 1 s interval):
    /// vault-0 paused until vault-1 was elected, then resumed and still answered active for one
    /// observation (0.4–0.8 s measured) before it saw the new term.
    @Test func resumedLeaderIsNoSplitBrain() {
        var h = Harness()
        var all: [AlertTransition] = []
        for t in 0..<5 { all += h.step(base.at(Double(t))) }
        for t in 5..<20 {   // paused: no answer; vault-1 wins the election at 19
            var s = base.at(Double(t)).node(0, .unreachable)
            if t >= 19 { s = s.node(1, .active).node(2, .standby).leaderAddress(2, SnapshotBuilder.address(1)) }
            else { s = s.node(1, .standby).node(2, .standby).leaderAddress(1, SnapshotBuilder.address(0)).leaderAddress(2, SnapshotBuilder.address(0)) }
            all += h.step(s)
        }
        // Resumed: one observation with two claimants, then vault-0 follows vault-1.
        all += h.step(base.at(20).node(1, .active).node(0, .active).node(2, .standby).leaderAddress(2, SnapshotBuilder.address(1)))
        #expect(h.state("SplitBrain") == .pending)
        for t in 21..<40 {
            all += h.step(base.at(Double(t)).node(1, .active).node(0, .standby).node(2, .standby)
                .leaderAddress(0, SnapshotBuilder.address(1)).leaderAddress(2, SnapshotBuilder.address(1)))
        }
        #expect(fired(all, "SplitBrain").isEmpty)
        #expect(fired(all, "NoLeader").isEmpty, "the 14 s election is inside NoLeader's 30 s")
    }

    /// Two actives that persist, or a foreign cluster_id, still page within `for` (5 s) + one interval.
    @Test(arguments: [("two actives", true), ("foreign cluster_id", false)])
    func realSplitBrainPagesWithinForPlusInterval(_ label: String, _ twoActives: Bool) {
        var h = Harness()
        var firedAt: Double?
        for t in 0..<12 {
            let s = twoActives ? base.at(Double(t)).node(1, .active) : base.at(Double(t)).node(2, .standby, clusterID: "other")
            if !fired(h.step(s), "SplitBrain").isEmpty { firedAt = Double(t) }
        }
        #expect(firedAt == 5, "\(label): fires 5 s after the first observation")
    }

    /// A node restart shorter than NodeUnreachable's `for` pages nothing: its unreachable cycles are
    /// no evidence for ErrorRate (5 failed of 300 used to be 1.7 % > 1 %: a warning per restart).
    @Test func shortRestartPagesNothing() {
        var h = Harness()
        var all: [AlertTransition] = []
        for t in 0..<600 {
            let s = (300..<305).contains(t) ? base.at(Double(t)).node(2, .unreachable) : base.at(Double(t))
            all += h.step(s)
        }
        #expect(all.filter { $0.to == .firing }.isEmpty, "\(describe(all))")
    }

    /// An incident that paged and resolved leaves no warning behind: samples taken during NoLeader
    /// (slow standbys while the cluster had no leader) are not HighLatency's evidence afterwards.
    @Test func rippleOfAResolvedIncidentStaysQuiet() {
        var h = Harness()
        var all: [AlertTransition] = []
        for t in 0..<100 { all += h.step(base.at(Double(t))) }
        for t in 100..<140 {   // no leader for 40 s; the standbys answer slowly meanwhile
            all += h.step(base.at(Double(t)).node(0, .standby).leaderAddress(0, nil).leaderAddress(1, nil).leaderAddress(2, nil)
                .canary(1, seconds: 0.2).canary(2, seconds: 0.2).canary(1, .read, outcome: .timeout))
        }
        #expect(fired(all, "NoLeader").count == 1)
        for t in 140..<400 { all += h.step(base.at(Double(t))) }
        #expect(fired(all, "HighLatency").isEmpty, "\(describe(all))")
        #expect(fired(all, "ErrorRate").isEmpty)
        #expect(h.book.incidents.map(\.alertname) == ["NoLeader"] && h.book.incidents[0].to != nil)
    }

    /// Slow answers outside any incident still page: the exclusion is only the incident's span.
    @Test func slownessOutsideAnIncidentStillPages() {
        var h = Harness()
        var all: [AlertTransition] = []
        for t in 0..<200 { all += h.step(t < 100 ? base.at(Double(t)).canary(1) : base.at(Double(t)).canary(1, seconds: 0.2)) }
        #expect(fired(all, "HighLatency").map(\.alert.node) == ["vault-1"])
    }

    /// A firing TokenExpiring never resolves into an all-clear on revocation, and a lookup without an
    /// answer (timeout) keeps its state.
    @Test func revokedTokenKeepsTheAlertFiring() {
        var h = Harness()
        let revoked = ProbeFailure(reason: "permission_denied", detail: "403")
        #expect(fired(h.step(base.at(0).raft().token(ttl: 3600, renewable: false)), "TokenExpiring").count == 1)
        let afterRevocation = h.step(base.at(1).raft().token(ttl: nil, failure: revoked))
        #expect(afterRevocation.isEmpty && h.state("TokenExpiring") == .firing)
        #expect(h.alert("TokenExpiring")?.annotations["summary"] == "monitoring token is unusable (permission_denied)")
        #expect(h.step(base.at(2).raft()).isEmpty, "no token status this round: unknown, no resolve")
        #expect(h.state("TokenExpiring") == .firing)
    }

    /// A periodic token created as docs/operations.md says (`-period=24h`) never fires; revoked, it
    /// fires within one cycle.
    @Test func periodicTokenIsQuietUntilRevoked() {
        var h = Harness()
        var all: [AlertTransition] = []
        for t in 0..<120 { all += h.step(base.at(Double(t)).raft().token(ttl: 86_400 - Double(t), span: 86_400)) }
        #expect(all.isEmpty)
        let revoked = h.step(base.at(120).raft().token(ttl: nil, failure: ProbeFailure(reason: "permission_denied", detail: "403")))
        #expect(fired(revoked, "TokenExpiring").count == 1)
    }
}
