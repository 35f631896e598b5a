#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One server of `sys/storage/raft/configuration`.
public struct RaftServer: Sendable, Hashable, Codable {
    public var nodeID: String
    public var address: String
    public var leader: Bool
    public var voter: Bool
    public init(nodeID: String, address: String, leader: Bool, voter: Bool) {
        self.nodeID = nodeID; self.address = address; self.leader = leader; self.voter = voter
    }
}

/// One server of `sys/storage/raft/autopilot/state`.
public struct AutopilotServer: Sendable, Hashable, Codable {
    public var id: String
    public var name: String?
    public var address: String?
    /// "leader", "voter", "non-voter", "staging"…
    public var status: String?
    public var nodeStatus: String?
    public var healthy: Bool?
    /// Seconds since the leader last heard from it.
    public var lastContactSeconds: Double?
    public var lastIndex: UInt64?
    public var lastTerm: UInt64?
    public var stableSince: String?
    public var version: String?
    public var nodeType: String?
    public init(id: String) { self.id = id }
}

/// Autopilot's view of the cluster.
public struct AutopilotState: Sendable, Hashable, Codable {
    public var healthy: Bool
    public var failureTolerance: Int
    public var leader: String?
    public var voters: [String]
    public var servers: [AutopilotServer]
    public init(healthy: Bool, failureTolerance: Int, leader: String?, voters: [String], servers: [AutopilotServer]) {
        self.healthy = healthy; self.failureTolerance = failureTolerance; self.leader = leader
        self.voters = voters; self.servers = servers
    }
}

/// The cluster-level Raft view of one round (needs a token); absent fields mean "not known this round".
public struct RaftView: Sendable, Hashable, Codable {
    public var configuration: [RaftServer]?
    public var autopilot: AutopilotState?
    /// Name of the node that answered.
    public var source: String?
    public var failure: ProbeFailure?
    public init(configuration: [RaftServer]? = nil, autopilot: AutopilotState? = nil, source: String? = nil,
                failure: ProbeFailure? = nil) {
        self.configuration = configuration; self.autopilot = autopilot; self.source = source; self.failure = failure
    }
}

/// The monitoring token's state, from `auth/token/lookup-self`.
public struct TokenStatus: Sendable, Hashable, Codable {
    /// Remaining TTL in seconds; nil for a token that never expires.
    public var ttlSeconds: Double?
    public var renewable: Bool
    /// When the token is unusable (403, revoked): why.
    public var failure: ProbeFailure?
    /// The token's period (periodic tokens) or creation TTL: the span a renewal restores.
    public var renewalSpanSeconds: Double?
    /// Set when this round renewed the token.
    public var renewed: Bool = false
    /// Set when this round tried to renew the token and could not: `permission_denied` or
    /// `refused` (Vault said no: the token will expire), or a transport reason (it may work next time).
    public var renewalFailure: ProbeFailure?
    public init(ttlSeconds: Double?, renewable: Bool, failure: ProbeFailure? = nil, renewalSpanSeconds: Double? = nil) {
        self.ttlSeconds = ttlSeconds; self.renewable = renewable; self.failure = failure
        self.renewalSpanSeconds = renewalSpanSeconds
    }
    /// Renew once less than half of the span is left (Vault Agent renews at about two thirds).
    public var needsRenewal: Bool {
        guard renewable, failure == nil, let ttl = ttlSeconds else { return false }
        let span = renewalSpanSeconds ?? ttl
        return span > 0 && ttl < span / 2
    }

    /// This round's renewal did not bring the TTL back above half the span: the token's max TTL
    /// (or the mount's) caps it, and it will expire however often it is renewed.
    public var renewalCapped: Bool {
        guard renewed, let ttl = ttlSeconds, let span = renewalSpanSeconds, span > 0 else { return false }
        return ttl < span / 2
    }
}
