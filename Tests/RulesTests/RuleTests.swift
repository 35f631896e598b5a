import ClusterModel
import Foundation
import Rules
import Testing
import TestSupport

/// One snapshot judged by `instantAlerts` (every `for` 0, min samples 1).
struct InstantCase: Sendable, CustomTestStringConvertible {
    var label: String
    var snapshot: SnapshotBuilder
    var expected: [String]
    var summary: String? = nil
    /// Which alert `summary` belongs to (default: the first expected).
    var summaryOf: String? = nil
    var testDescription: String { label }
}

let base = SnapshotBuilder(cluster: "prod", nodes: 3)
let now = SnapshotBuilder.epoch
let day = 86_400.0

let instantCases: [InstantCase] = [
    .init(label: "healthy cluster", snapshot: base.raft().token(ttl: 30 * day), expected: []),
    .init(label: "sealed node", snapshot: base.node(1, .sealed), expected: ["VaultSealed{vault-1}"], summary: "vault-1 is sealed"),
    .init(label: "sealed node with unseal progress",
          snapshot: base.node(1, .sealed).with(1) { o in var s = SealStatus(); s.threshold = 3; s.progress = 1; o.sealStatus = s },
          expected: ["VaultSealed{vault-1}"], summary: "vault-1 is sealed (unseal progress 1/3)"),
    .init(label: "two actives", snapshot: base.node(1, .active), expected: ["SplitBrain"],
          summary: "vault-0, vault-1 all claim to be active"),
    .init(label: "different cluster_id", snapshot: base.node(2, .standby, clusterID: "cid-other"), expected: ["SplitBrain"],
          summary: "nodes report different cluster_id: cid-other (vault-2) vs cid-prod (vault-0, vault-1)"),
    .init(label: "sealed node's cluster_id is ignored", snapshot: base.node(2, .sealed, clusterID: "cid-other"), expected: ["VaultSealed{vault-2}"]),
    .init(label: "429 standbys naming no leader", snapshot: base.node(0, .standby).leaderAddress(0, nil).leaderAddress(1, nil).leaderAddress(2, nil),
          expected: ["NoLeader"], summary: "no active node in prod (3 unsealed standbys name no leader)"),
    .init(label: "standbys naming a dead leader",
          snapshot: base.node(0, .unreachable).leaderAddress(1, SnapshotBuilder.address(0)).leaderAddress(2, SnapshotBuilder.address(0)),
          // NoLeader (firing at once with for 0) mutes NodeUnreachable; an unreachable node counts no
          // probe for ErrorRate (it is NodeUnreachable's business), so no cluster ErrorRate either.
          expected: ["NoLeader"]),
    .init(label: "standbys agree on a live leader (no claimant seen)",
          snapshot: base.node(0, .standby).leaderAddress(0, nil).leaderAddress(1, SnapshotBuilder.address(2)).leaderAddress(2, nil)
              .with(2) { o in o.leader?.isSelf = false },
          expected: []),
    .init(label: "raft unhealthy", snapshot: base.raft(healthy: false), expected: ["RaftUnhealthy"]),
    .init(label: "failure tolerance 0", snapshot: base.raft(failureTolerance: 0), expected: ["FailureToleranceLow"],
          summary: "Raft failure tolerance 0 < 1 (3 voters)"),
    .init(label: "failure tolerance 1", snapshot: base.raft(failureTolerance: 1), expected: []),
    .init(label: "versions differ", snapshot: base.node(2, .standby, version: "1.16.0"), expected: ["VersionSkew"],
          summary: "nodes run 2 versions: 1.15.4 (vault-0, vault-1), 1.16.0 (vault-2)"),
    .init(label: "clock skew 1.5 s", snapshot: base.node(1, .standby, clockSkewMs: -1500), expected: ["ClockSkew{vault-1}"],
          summary: "vault-1 clock is 1.5s behind (> 1s)"),
    .init(label: "clock skew 0.9 s", snapshot: base.node(1, .standby, clockSkewMs: 900), expected: []),
    .init(label: "server time 5 s ahead", snapshot: base.node(1, .standby, serverTimeUTC: Int64(now.timeIntervalSince1970) + 5),
          expected: ["ClockSkew{vault-1}"], summary: "vault-1 clock is 5s ahead (> 1s)"),
    .init(label: "server time same second", snapshot: base.node(1, .standby, serverTimeUTC: Int64(now.timeIntervalSince1970)), expected: []),
    .init(label: "server time 1 s behind (resolution)", snapshot: base.node(1, .standby, serverTimeUTC: Int64(now.timeIntervalSince1970) - 1), expected: []),
    .init(label: "certificate expires in 13 days", snapshot: base.node(0, .active, certificateExpiry: now.addingTimeInterval(13 * day)),
          expected: ["CertExpiring{vault-0}"], summary: "TLS certificate of vault-0 expires in 13d (< 14d)"),
    .init(label: "certificate expired", snapshot: base.node(0, .active, certificateExpiry: now.addingTimeInterval(-7200)),
          expected: ["CertExpiring{vault-0}"], summary: "TLS certificate of vault-0 expired 2h ago (< 14d)"),
    .init(label: "certificate expires in 15 days", snapshot: base.node(0, .active, certificateExpiry: now.addingTimeInterval(15 * day)), expected: []),
    // TokenExpiring fires only when the token will really stop working.
    .init(label: "periodic token, 1 h period, 59 min left", snapshot: base.raft().token(ttl: 3540, span: 3600), expected: []),
    .init(label: "periodic token, 24 h period, just created", snapshot: base.raft().token(ttl: 86_340, span: 86_400), expected: []),
    .init(label: "renewable token just renewed", snapshot: base.raft().token(ttl: 3600, span: 3600, renewed: true), expected: []),
    .init(label: "non-renewable token TTL 1 h", snapshot: base.token(ttl: 3600, renewable: false), expected: ["TokenExpiring"],
          summary: "monitoring token TTL 1h < 1d (not renewable)"),
    .init(label: "renewal capped by max TTL", snapshot: base.raft().token(ttl: 600, span: 3600, renewed: true), expected: ["TokenExpiring"],
          summary: "monitoring token TTL 10m < 1d: renewal is capped by its max TTL"),
    .init(label: "renewal refused", snapshot: base.raft().token(ttl: 1700, span: 3600, renewalFailure: ProbeFailure(reason: "permission_denied", detail: "403")),
          expected: ["TokenExpiring"], summary: "monitoring token renewal was refused (permission_denied), 28m20s left"),
    .init(label: "renewal timed out once", snapshot: base.raft().token(ttl: 1700, span: 3600, renewalFailure: ProbeFailure(reason: "timeout", detail: "t")),
          expected: []),
    .init(label: "renewal failing for a quarter of the span", snapshot: base.raft().token(ttl: 800, span: 3600, renewalFailure: ProbeFailure(reason: "timeout", detail: "t")),
          expected: ["TokenExpiring"], summary: "monitoring token renewal keeps failing (timeout), 13m20s left"),
    .init(label: "token never expires", snapshot: base.token(ttl: nil), expected: []),
    .init(label: "token unusable", snapshot: base.token(ttl: nil, failure: ProbeFailure(reason: "permission_denied", detail: "403")),
          expected: ["TokenExpiring"], summary: "monitoring token is unusable (permission_denied)"),
    .init(label: "follower lag 1001", snapshot: base.node(0, .active, appliedIndex: 3001).node(1, .standby, appliedIndex: 2000).node(2, .standby, appliedIndex: 3001),
          expected: ["FollowerLag{vault-1}"]),
    .init(label: "follower lag 1000", snapshot: base.node(0, .active, appliedIndex: 3000).node(1, .standby, appliedIndex: 2000).node(2, .standby, appliedIndex: 3000),
          expected: []),
    .init(label: "unreachable node", snapshot: base.node(2, .unreachable), expected: ["NodeUnreachable{vault-2}"],
          summary: "vault-2 is unreachable (timeout)", summaryOf: "NodeUnreachable{vault-2}"),
    .init(label: "every node unreachable", snapshot: base.node(0, .unreachable).node(1, .unreachable).node(2, .unreachable),
          expected: ["ClusterUnreachable"], summary: "all 3 nodes of prod are unreachable (timeout)"),
    .init(label: "every node sealed", snapshot: base.node(0, .sealed).node(1, .sealed).node(2, .sealed), expected: ["ClusterSealed"]),
    .init(label: "slow single canary", snapshot: base.canary(1, seconds: 0.2), expected: ["HighLatency{vault-1}"],
          summary: "canary p99 latency 200 ms > 50 ms over 5m (1 requests)"),
    .init(label: "slow health probe alone is not HighLatency", snapshot: base.node(1, .standby, latency: 0.2), expected: []),
    .init(label: "slow server-side handling", snapshot: base.telemetry(1) { $0.requestMs = TelemetrySummary(p99: 80) },
          expected: ["HighLatency{vault-1}"], summary: "server-side p99 request time 80 ms > 50 ms (vault_core_handle_request)"),
    .init(label: "canary 500 while health is fine", snapshot: base.canary(2, outcome: .httpStatus, status: 500),
          expected: ["AuditDeviceFailing{vault-2}", "ErrorRate", "ErrorRate{vault-2}"], summaryOf: "AuditDeviceFailing{vault-2}"),
    .init(label: "refused read canary", snapshot: base.canary(0).canary(0, .read, outcome: .refused), expected: ["CanaryRefused"],
          summary: "the read canary was refused (HTTP 403): check canary paths and the sealwatch policy"),
    .init(label: "write fails while reads work", snapshot: base.canary(1).canary(0, .write, outcome: .timeout),
          expected: ["ErrorRate", "ErrorRate{vault-0}", "WritesFailing"],
          summary: "the canary write to vault-0 failed (timeout) while reads work", summaryOf: "WritesFailing"),
    .init(label: "write and reads fail: not WritesFailing", snapshot: base.canary(1, outcome: .timeout).canary(0, .write, outcome: .timeout),
          expected: ["ErrorRate", "ErrorRate{vault-0}", "ErrorRate{vault-1}"]),
    .init(label: "slow raft commit", snapshot: base.telemetry(0) { $0.raftCommitMs = TelemetrySummary(p99: 120) },
          expected: ["RaftCommitSlow{vault-0}"], summary: "Raft commit p99 120 ms > 50 ms (vault_raft_commitTime)"),
    .init(label: "many leases", snapshot: base.telemetry(0) { $0.leases = 300_000 }, expected: ["LeaseCountHigh{vault-0}"],
          summary: "300000 leases > 250000 (vault_expire_num_leases)"),
    .init(label: "healthy telemetry and canaries", snapshot: base.canary(0).canary(1).canary(2).canary(0, .write)
              .telemetry(0) { $0.requestMs = TelemetrySummary(p99: 3); $0.raftCommitMs = TelemetrySummary(p99: 2); $0.leases = 10; $0.auditRequestFailures = 4 },
          expected: []),
]

@Suite struct InstantTests {
    @Test(arguments: instantCases)
    func instant(_ c: InstantCase) {
        let engine = Harness().engine
        let alerts = engine.instantAlerts(c.snapshot.build(), now: now)
        #expect(names(alerts) == c.expected)
        #expect(alerts.allSatisfy { $0.state == .firing })
        if let summary = c.summary {
            let target = c.summaryOf ?? c.expected.first
            #expect(alerts.first { names([$0]).first == target }?.annotations["summary"] == summary)
        }
    }

    @Test func instantUsesConfiguredPeers() {
        let engine = Harness(expectedPeers: ["vault-0", "vault-1", "vault-2"]).engine
        let alerts = engine.instantAlerts(base.raft(failureTolerance: 1, peers: ["vault-0", "vault-1"]).build(), now: now)
        #expect(names(alerts) == ["PeerMissing"])
        #expect(alerts.first?.annotations["summary"] == "Raft configuration lacks vault-2 (2 of 3 expected peers present)")
    }
}

@Suite struct WindowedRuleTests {
    /// 40 canaries at 5 s intervals: 38 fast, the last two `last` s.
    @Test(arguments: [(0.049, false), (0.050, false), (0.0501, true), (0.073, true)])
    func p99AroundThreshold(last: Double, fires: Bool) {
        var h = Harness(overrides: ["HighLatency": RuleOverride(forSeconds: 0)])
        for i in 0..<40 { h.step(base.at(Double(i) * 5).canary(1, seconds: i >= 38 ? last : 0.004)) }
        #expect(h.state("HighLatency", node: "vault-1") == (fires ? .firing : .inactive))
        if last == 0.073 {
            #expect(h.alert("HighLatency", node: "vault-1")?.annotations["summary"] == "canary p99 latency 73 ms > 50 ms over 5m (40 requests)")
            #expect(h.alert("HighLatency", node: "vault-1")?.labels["source"] == "canary")
        }
    }

    /// Below 100 samples the nearest-rank p99 is the maximum: one slow canary among 40 is not enough.
    @Test func oneSlowCanaryIsNotHighLatency() {
        var h = Harness(overrides: ["HighLatency": RuleOverride(forSeconds: 0)])
        for i in 0..<40 { h.step(base.at(Double(i) * 5).canary(1, seconds: i == 39 ? 0.3 : 0.004)) }
        #expect(h.state("HighLatency", node: "vault-1") == .inactive)
    }

    @Test func tooFewLatencySamples() {
        var h = Harness(overrides: ["HighLatency": RuleOverride(forSeconds: 0)])
        for i in 0..<29 { h.step(base.at(Double(i) * 5).canary(1, seconds: 0.5)) }
        #expect(h.state("HighLatency", node: "vault-1") == .inactive)
        h.step(base.at(145).canary(1, seconds: 0.5))
        #expect(h.state("HighLatency", node: "vault-1") == .firing)
    }

    @Test func oldSamplesLeaveTheWindow() {
        var h = Harness(overrides: ["HighLatency": RuleOverride(forSeconds: 0, windowSeconds: 60, minSamples: 5)])
        for i in 0..<10 { h.step(base.at(Double(i) * 5).canary(1, seconds: i < 2 ? 0.5 : 0.004)) }
        #expect(h.state("HighLatency", node: "vault-1") == .firing)      // t=45: the slow canaries at t=0 and 5 are inside 60 s
        for i in 10..<14 { h.step(base.at(Double(i) * 5).canary(1)) }
        #expect(h.state("HighLatency", node: "vault-1") == .inactive)    // t=65: the first left, one slow is not enough
    }

    /// Canaries of vault-1, three a second (lookup, read, write kinds), the failed ones last.
    @Test(arguments: [(297, 3, false), (289, 11, true), (30, 19, false)])
    func errorRate(ok: Int, failed: Int, fires: Bool) {
        var h = Harness(overrides: ["ErrorRate": RuleOverride(forSeconds: 0)])
        var okLeft = ok, failedLeft = failed, t = 0.0
        while okLeft + failedLeft > 0 {
            let o = min(3, okLeft), f = min(3 - o, failedLeft)
            h.step(base.at(t).canaries(1, ok: o, failed: f))
            okLeft -= o; failedLeft -= f; t += 1
        }
        #expect(h.state("ErrorRate", node: "vault-1") == (fires ? .firing : .inactive))
        if fires {
            #expect(h.alert("ErrorRate", node: "vault-1")?.annotations["summary"] == "error rate 3.67 % > 1 % over 5m (11 of 300 canary requests failed)")
        }
    }

    /// A refused canary is our own configuration, never an error of Vault's.
    @Test func refusedCanariesAreNoErrors() {
        var h = Harness(overrides: ["ErrorRate": RuleOverride(forSeconds: 0, minSamples: 1)])
        for t in 0..<60 { h.step(base.at(Double(t)).canary(1).canary(1, .read, outcome: .refused)) }
        #expect(h.state("ErrorRate", node: "vault-1") == .inactive)
        #expect(h.state("CanaryRefused") == .firing)
    }

    /// Canaries of a sealed node or of a cycle without a leader count nothing (VaultSealed's and NoLeader's).
    @Test func canariesCountOnlyWithALeaderAndUnsealed() {
        var h = Harness(overrides: ["ErrorRate": RuleOverride(forSeconds: 0, minSamples: 1)])
        for t in 0..<30 {
            h.step(base.at(Double(t)).node(1, .sealed).canary(1, outcome: .httpStatus, status: 503)
                .canary(2, outcome: .timeout).leaderAddress(1, nil).node(0, .standby).leaderAddress(0, nil).leaderAddress(2, nil))
        }
        #expect(h.state("ErrorRate", node: "vault-1") == .inactive)
        #expect(h.state("ErrorRate", node: "vault-2") == .inactive)
    }

    /// Audit failure counters that rise between two telemetry reads fire at once; no rise resolves.
    @Test func auditFailuresRising() {
        var h = Harness()
        h.step(base.at(0).telemetry(1) { $0.auditRequestFailures = 2; $0.auditResponseFailures = 2 })
        #expect(h.state("AuditDeviceFailing", node: "vault-1") == .inactive)   // a first read: no rise yet
        h.step(base.at(10).telemetry(1) { $0.auditRequestFailures = 5; $0.auditResponseFailures = 6 })
        #expect(h.state("AuditDeviceFailing", node: "vault-1") == .firing)
        #expect(h.alert("AuditDeviceFailing", node: "vault-1")?.annotations["summary"] == "audit failures rose by 7 since the last telemetry read on vault-1")
        h.step(base.at(15).canary(1).with(1) { o in o.telemetry = .carried(NodeTelemetry(takenAt: SnapshotBuilder.date(10))) })
        #expect(h.state("AuditDeviceFailing", node: "vault-1") == .firing)     // carried: the last two reads still differ
        h.step(base.at(20).canary(1).telemetry(1) { $0.auditRequestFailures = 5; $0.auditResponseFailures = 6 })
        #expect(h.state("AuditDeviceFailing", node: "vault-1") != .firing)
    }

    /// The server-side 5xx ratio (Vault 1.20's response status codes) feeds ErrorRate too.
    @Test func serverSideErrorRate() {
        var h = Harness(overrides: ["ErrorRate": RuleOverride(forSeconds: 0)])
        h.step(base.at(0).telemetry(1) { $0.responseCodes = ["200": 1000, "500": 0] })
        h.step(base.at(10).telemetry(1) { $0.responseCodes = ["200": 1900, "500": 100] })
        #expect(h.state("ErrorRate", node: "vault-1") == .firing)
        #expect(h.alert("ErrorRate", node: "vault-1")?.labels["source"] == "server")
        #expect(h.alert("ErrorRate", node: "vault-1")?.annotations["summary"] == "server-side 5xx rate 10 % > 1 % over 5m (100 of 1000 responses)")
    }

    @Test func clusterErrorRateHasNoNodeLabel() throws {
        var h = Harness(overrides: ["ErrorRate": RuleOverride(forSeconds: 0, minSamples: 6)])
        h.step(base.at(0).canaries(0, ok: 2, failed: 1))
        h.step(base.at(5).canaries(0, ok: 2, failed: 1))
        let a = try #require(h.alert("ErrorRate"))
        #expect(a.labels == ["alertname": "ErrorRate", "cluster": "prod", "severity": "warning", "source": "canary"])
        #expect(a.annotations["summary"] == "cluster error rate 33.33 % > 1 % over 5m (2 of 6 canary requests failed)")
    }

    @Test func leaderFlapping() {
        var h = Harness()
        // Alternate the leader every 30 s: a change at 30, 60, 90 (3 = max, fine), 120 (4 > 3: fires).
        for i in 0...3 {
            h.step(base.at(Double(i) * 30).node(0, i % 2 == 0 ? .active : .standby).node(1, i % 2 == 0 ? .standby : .active))
        }
        #expect(h.state("LeaderFlapping") == .inactive)
        h.step(base.at(120).node(0, .standby).node(1, .active).with(0) { _ in })   // same as 90: no change
        #expect(h.state("LeaderFlapping") == .inactive)
        h.step(base.at(150))
        #expect(h.state("LeaderFlapping") == .firing)
        #expect(h.alert("LeaderFlapping")?.annotations["summary"] == "4 leader changes within 10m > 3")
    }

    @Test func nodeUnreachableNeedsTheWholeFor() {
        var h = Harness()
        h.step(base.at(0).node(2, .unreachable))
        h.step(base.at(25).node(2, .unreachable))
        #expect(h.state("NodeUnreachable", node: "vault-2") == .pending)
        h.step(base.at(27))
        #expect(h.state("NodeUnreachable", node: "vault-2") == .inactive)
        h.step(base.at(30).node(2, .unreachable))
        h.step(base.at(60).node(2, .unreachable))
        #expect(h.state("NodeUnreachable", node: "vault-2") == .firing)
    }

    @Test func peerMissingAgainstLearnedPeers() {
        var h = Harness()
        h.step(base.at(0).raft())
        #expect(h.book.learnedPeers["prod"] == ["vault-0", "vault-1", "vault-2"])
        let shrunk = { (t: Double) in base.at(t).raft(peers: ["vault-0", "vault-1"]) }
        h.step(shrunk(5))
        #expect(h.state("PeerMissing") == .pending)
        h.step(shrunk(35))
        #expect(h.state("PeerMissing") == .firing)
        #expect(h.book.learnedPeers["prod"] == ["vault-0", "vault-1", "vault-2"])   // a short view is not learned
    }

    @Test func peerMissingUnknownWithoutRaftView() {
        var h = Harness(expectedPeers: ["vault-0", "vault-1", "vault-2"])
        h.step(base.at(0))
        #expect(h.state("PeerMissing") == .inactive)
        h.step(base.at(5).raft(peers: ["vault-0"]))
        #expect(h.state("PeerMissing") == .pending)
    }

    @Test func versionSkewWaitsAnHour() {
        var h = Harness()
        h.step(base.at(0).node(2, .standby, version: "1.16.0"))
        h.step(base.at(3599).node(2, .standby, version: "1.16.0"))
        #expect(h.state("VersionSkew") == .pending)
        h.step(base.at(3600).node(2, .standby, version: "1.16.0"))
        #expect(h.state("VersionSkew") == .firing)
    }
}
