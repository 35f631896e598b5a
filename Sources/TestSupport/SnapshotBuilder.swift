#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// Builds `ClusterSnapshot`s concisely for rule tests:
/// `SnapshotBuilder(cluster: "prod", nodes: 3).at(31).node(1, .sealed).node(0, .active, latency: 0.004).build()`.
///
/// Defaults: nodes `vault-0…vault-(n-1)` at `https://vault-i:8200`; node 0 active, the others healthy
/// standbys naming the first active node's address; each node has one successful health probe of
/// 5 ms, version "1.15.4", cluster_id "cid-<cluster>", raft applied index 1000; no Raft view and no
/// token unless `raft(...)`/`token(...)` is called. Times are seconds after `SnapshotBuilder.epoch`.
public struct SnapshotBuilder: Sendable {
    /// 2027-01-15T08:00:00Z: a fixed origin so tests never read the clock.
    public static let epoch = Date(timeIntervalSince1970: 1_800_000_000)

    public var cluster: String
    public var time: Date
    public private(set) var observations: [NodeObservation]
    public var raftView: RaftView?
    public var tokenStatus: TokenStatus?
    /// Per node: an explicit leader address (nil inside = none); absent = name the first active node.
    private var leaderAddresses: [Int: String?] = [:]

    public init(cluster: String = "prod", nodes count: Int = 3) {
        self.cluster = cluster
        self.time = Self.epoch
        self.observations = (0..<count).map { i in
            NodeObservation(node: NodeRef(cluster: cluster, name: Self.nodeName(i), address: Self.address(i)), state: .standby)
        }
        for i in 0..<count { set(i, i == 0 ? .active : .standby) }
    }

    public static func nodeName(_ i: Int) -> String { "vault-\(i)" }
    public static func address(_ i: Int) -> String { "https://vault-\(i):8200" }
    public static func date(_ seconds: Double) -> Date { epoch.addingTimeInterval(seconds) }

    public var nodeRefs: [NodeRef] { observations.map(\.node) }

    /// Snapshot time: `epoch + seconds`.
    public func at(_ seconds: Double) -> Self { var b = self; b.time = Self.date(seconds); return b }
    public func at(_ date: Date) -> Self { var b = self; b.time = date; return b }

    /// Resets node `i` to `state` (with a consistent health body, leader status and health probe), then
    /// applies the given details. `failure` is a probe failure reason for the health probe
    /// ("timeout" by default for `.unreachable`).
    public func node(_ i: Int, _ state: NodeState, latency: Double? = nil, failure: String? = nil,
                     version: String? = nil, clusterID: String? = nil, appliedIndex: UInt64? = nil,
                     certificateExpiry: Date? = nil, clockSkewMs: Int64? = nil, serverTimeUTC: Int64? = nil) -> Self {
        var b = self
        b.set(i, state, latency: latency, failure: failure)
        var o = b.observations[i]
        if let version { o.health?.version = version }
        if let clusterID { o.health?.clusterID = clusterID }
        if let appliedIndex { o.leader?.raftAppliedIndex = appliedIndex }
        if let certificateExpiry { o.certificateExpiry = certificateExpiry }
        if let clockSkewMs { o.health?.clockSkewMs = clockSkewMs }
        if let serverTimeUTC { o.health?.serverTimeUTC = serverTimeUTC }
        b.observations[i] = o
        return b
    }

    /// Sets the latency of node `i`'s health probe (keeping its state).
    public func latency(_ i: Int, _ seconds: Double) -> Self {
        var b = self
        b.mapHealthProbe(i) { $0.seconds = seconds }
        return b
    }

    /// Replaces node `i`'s probes: one successful health probe plus `ok - 1` more successes and `failed`
    /// failures (reason "timeout") on other endpoints.
    public func probes(_ i: Int, ok: Int, failed: Int) -> Self {
        var b = self
        let health = b.observations[i].probe(.health) ?? ProbeResult(endpoint: .health, status: 200, seconds: 0.005, failure: nil)
        var list = ok > 0 ? [health] : []
        list += Array(repeating: ProbeResult(endpoint: .sealStatus, status: 200, seconds: 0.005, failure: nil), count: max(0, ok - 1))
        list += Array(repeating: ProbeResult(endpoint: .leader, status: nil, seconds: 2,
                                             failure: ProbeFailure(reason: "timeout", detail: "no answer within 2s")), count: failed)
        b.observations[i].probes = list
        return b
    }

    /// Adds a canary of `kind` through node `i` (replacing one of the same kind).
    public func canary(_ i: Int, _ kind: CanaryKind = .lookup, seconds: Double = 0.004, outcome: CanaryOutcome = .ok, status: Int? = nil) -> Self {
        var b = self
        b.observations[i].canaries.removeAll { $0.kind == kind }
        let code = status ?? (outcome == .ok ? 200 : outcome == .refused ? 403 : outcome == .httpStatus ? 500 : nil)
        b.observations[i].canaries.append(CanaryResult(kind: kind, outcome: outcome, status: code, seconds: seconds,
                                                       detail: outcome == .ok ? nil : "\(observations[i].node.address)/v1/x: \(outcome.rawValue)"))
        return b
    }

    /// Replaces node `i`'s canaries: `ok` successful ones (4 ms) and `failed` timeouts, of kinds
    /// lookup, read, write in turn (at most 3 in all: one per kind and cycle).
    public func canaries(_ i: Int, ok: Int, failed: Int) -> Self {
        var b = self
        b.observations[i].canaries = []
        let kinds = CanaryKind.allCases
        for k in 0..<min(3, ok + failed) {
            b = b.canary(i, kinds[k], seconds: k < ok ? 0.004 : 2, outcome: k < ok ? .ok : .timeout)
        }
        return b
    }

    /// Gives node `i` telemetry read this cycle, as `change` makes it.
    public func telemetry(_ i: Int, _ change: (inout NodeTelemetry) -> Void) -> Self {
        var b = self
        var t = observations[i].telemetry.telemetry ?? NodeTelemetry(takenAt: time)
        t.takenAt = time
        change(&t)
        b.observations[i].telemetry = .fresh(t)
        return b
    }

    /// Makes node `i` name `address` (nil = none) as the leader in sys/leader.
    public func leaderAddress(_ i: Int, _ address: String?) -> Self {
        var b = self
        b.leaderAddresses[i] = .some(address)
        return b
    }

    /// Arbitrary change to node `i`.
    public func with(_ i: Int, _ change: (inout NodeObservation) -> Void) -> Self {
        var b = self
        change(&b.observations[i])
        return b
    }

    /// Adds a Raft view: configuration listing `peers` (default: every node name) and autopilot state.
    public func raft(healthy: Bool = true, failureTolerance: Int? = nil, peers: [String]? = nil) -> Self {
        var b = self
        let ids = peers ?? observations.map(\.node.name)
        let leader = observations.first { $0.state == .active }?.node.name
        let config = ids.enumerated().map { i, id in
            RaftServer(nodeID: id, address: "vault-\(i):8201", leader: id == leader, voter: true)
        }
        let servers = ids.map { id -> AutopilotServer in
            var s = AutopilotServer(id: id)
            s.name = id; s.healthy = healthy; s.status = id == leader ? "leader" : "voter"
            return s
        }
        let tolerance = failureTolerance ?? (ids.count - 1) / 2
        b.raftView = RaftView(configuration: config,
                              autopilot: AutopilotState(healthy: healthy, failureTolerance: tolerance, leader: leader,
                                                        voters: ids, servers: servers),
                              source: leader)
        return b
    }

    /// Sets the monitoring token status.
    public func token(ttl: Double?, renewable: Bool = true, failure: ProbeFailure? = nil, span: Double? = nil,
                      renewed: Bool = false, renewalFailure: ProbeFailure? = nil) -> Self {
        var b = self
        b.tokenStatus = TokenStatus(ttlSeconds: ttl, renewable: renewable, failure: failure, renewalSpanSeconds: span)
        b.tokenStatus?.renewed = renewed
        b.tokenStatus?.renewalFailure = renewalFailure
        return b
    }

    public func build() -> ClusterSnapshot {
        let activeAddress = observations.first { $0.state == .active }?.node.address
        var nodes = observations
        for i in nodes.indices where nodes[i].leader != nil && nodes[i].leader?.isSelf != true {
            nodes[i].leader?.leaderAddress = leaderAddresses[i] ?? activeAddress
        }
        for (i, address) in leaderAddresses where nodes.indices.contains(i) && nodes[i].leader?.isSelf == true {
            nodes[i].leader?.leaderAddress = address
        }
        return ClusterSnapshot(cluster: cluster, takenAt: time, seconds: 0.01, nodes: nodes, raft: raftView, token: tokenStatus)
    }

    // MARK: - Private

    private mutating func set(_ i: Int, _ state: NodeState, latency: Double? = nil, failure: String? = nil) {
        var o = NodeObservation(node: observations[i].node, state: state)
        let seconds = latency ?? 0.005
        if state == .unreachable {
            o.probes = [ProbeResult(endpoint: .health, status: nil, seconds: latency ?? 2,
                                    failure: ProbeFailure(reason: failure ?? "timeout", detail: "no answer"))]
        } else {
            var h = HealthInfo()
            h.initialized = state != .uninitialized
            h.sealed = state == .sealed || state == .uninitialized
            h.standby = state != .active
            h.performanceStandby = state == .perfStandby
            h.version = "1.15.4"
            h.clusterName = "vault-cluster-\(cluster)"
            h.clusterID = "cid-\(cluster)"
            o.health = h
            if state.isUnsealed {
                var l = LeaderStatus()
                l.haEnabled = true
                l.isSelf = state == .active
                l.leaderAddress = state == .active ? o.node.address : nil
                l.raftAppliedIndex = 1000
                l.raftCommittedIndex = 1000
                o.leader = l
            }
            o.probes = [ProbeResult(endpoint: .health, status: Self.status(state), seconds: seconds,
                                    failure: failure.map { ProbeFailure(reason: $0, detail: "injected") })]
        }
        observations[i] = o
        leaderAddresses[i] = nil
    }

    private mutating func mapHealthProbe(_ i: Int, _ change: (inout ProbeResult) -> Void) {
        for j in observations[i].probes.indices where observations[i].probes[j].endpoint == .health {
            change(&observations[i].probes[j])
        }
    }

    private static func status(_ state: NodeState) -> Int {
        switch state {
        case .active: 200
        case .standby: 429
        case .perfStandby: 473
        case .drSecondary: 472
        case .standbyDisconnected: 474
        case .sealed: 503
        case .uninitialized: 501
        case .removed: 530
        case .unknown: 418
        case .invalidResponse: 200
        case .unreachable: 0
        }
    }
}
