#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Identity of one configured node: the cluster it belongs to and its configured name.
public struct NodeRef: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var cluster: String
    public var name: String
    /// Base URL as configured, e.g. `https://10.0.0.11:8200` (never holds credentials).
    public var address: String
    public init(cluster: String, name: String, address: String) {
        self.cluster = cluster; self.name = name; self.address = address
    }
    public static func < (a: NodeRef, b: NodeRef) -> Bool { (a.cluster, a.name) < (b.cluster, b.name) }
    public var description: String { "\(cluster)/\(name)" }
}

/// What a node is, as judged from `sys/health` (status code confirmed by the body).
///
/// Status codes without query overrides: 200 active · 429 unsealed standby · 472 DR secondary ·
/// 473 performance standby · 474 standby that cannot reach the active node · 501 not initialized ·
/// 503 sealed · 530 removed from the Raft cluster. An answer whose body does not confirm its code
/// (`200 {}`, `"sealed": "yes"`, a non-finite number, invalid UTF-8) is `invalidResponse`; a code
/// with no documented meaning (418, 502…) is `unknown`; no answer is `unreachable`. Neither of the
/// first two is ever counted as active or standby.
public enum NodeState: String, Sendable, Hashable, Codable, CaseIterable {
    case active
    case standby
    case perfStandby = "perf_standby"
    case drSecondary = "dr_secondary"
    /// 474: a standby that cannot reach the active node.
    case standbyDisconnected = "standby_disconnected"
    case sealed
    case uninitialized
    /// 530: removed from the Raft cluster.
    case removed
    case unreachable
    /// The answer does not prove what its status code claims; the health probe's failure says why.
    case invalidResponse = "invalid_response"
    case unknown

    /// Unsealed and serving (as active or some kind of standby).
    public var isUnsealed: Bool {
        switch self {
        case .active, .standby, .perfStandby, .drSecondary, .standbyDisconnected: return true
        case .sealed, .uninitialized, .removed, .unreachable, .invalidResponse, .unknown: return false
        }
    }
    public var isStandby: Bool { self == .standby || self == .perfStandby || self == .standbyDisconnected }
    /// Sealwatch could not tell what the node is (an unmapped code, or an answer that contradicts itself).
    public var isUnknown: Bool { self == .unknown || self == .invalidResponse }
}

/// Body of `GET /v1/sys/health`. Every field is optional: older servers and OpenBao omit some.
public struct HealthInfo: Sendable, Hashable, Codable {
    public var initialized: Bool?
    public var sealed: Bool?
    public var standby: Bool?
    public var performanceStandby: Bool?
    public var replicationDRMode: String?
    public var replicationPerformanceMode: String?
    public var version: String?
    public var clusterName: String?
    public var clusterID: String?
    /// Seconds since the epoch, as the node reports it.
    public var serverTimeUTC: Int64?
    public var clockSkewMs: Int64?
    public var echoDurationMs: Int64?
    public var haConnectionHealthy: Bool?
    public var removedFromCluster: Bool?
    public var lastWAL: UInt64?
    public init() {}
}

/// Body of `GET /v1/sys/seal-status`.
public struct SealStatus: Sendable, Hashable, Codable {
    public var type: String?
    public var initialized: Bool?
    public var sealed: Bool?
    /// Unseal threshold (`t`) and key shares (`n`).
    public var threshold: Int?
    public var shares: Int?
    /// Unseal keys supplied so far.
    public var progress: Int?
    public var version: String?
    public var clusterName: String?
    public var clusterID: String?
    public var storageType: String?
    public init() {}
}

/// Body of `GET /v1/sys/leader`.
public struct LeaderStatus: Sendable, Hashable, Codable {
    public var haEnabled: Bool?
    public var isSelf: Bool?
    /// API address of the node this node believes is active; empty/nil when it knows none.
    public var leaderAddress: String?
    public var leaderClusterAddress: String?
    public var activeTime: String?
    public var raftCommittedIndex: UInt64?
    public var raftAppliedIndex: UInt64?
    public init() {}
}
