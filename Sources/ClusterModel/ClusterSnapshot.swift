#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One probe round of one cluster: immutable, produced by Probing, consumed by Rules and metrics.
/// Every configured node is present, in configuration order, reachable or not.
public struct ClusterSnapshot: Sendable, Hashable, Codable {
    public var cluster: String
    /// Wall-clock time the round started (rules and persisted state compare across restarts).
    public var takenAt: Date
    /// Wall time the round took, in seconds.
    public var seconds: Double
    public var nodes: [NodeObservation]
    /// Nil when no token is configured.
    public var raft: RaftView?
    public var token: TokenStatus?

    public init(cluster: String, takenAt: Date, seconds: Double = 0, nodes: [NodeObservation],
                raft: RaftView? = nil, token: TokenStatus? = nil) {
        self.cluster = cluster; self.takenAt = takenAt; self.seconds = seconds; self.nodes = nodes
        self.raft = raft; self.token = token
    }

    public func node(_ name: String) -> NodeObservation? { nodes.first { $0.node.name == name } }
    /// Unsealed nodes that claim to be active.
    public var activeNodes: [NodeObservation] { nodes.filter(\.claimsActive) }

    /// The node standbys agree is active, by name, when that node is reachable and unsealed.
    /// A single unsealed node claiming active wins; otherwise the leader address most standbys name,
    /// if it belongs to a reachable unsealed configured node.
    public var leaderName: String? {
        let actives = activeNodes
        if actives.count == 1 { return actives[0].node.name }
        if actives.count > 1 { return nil }
        var votes: [String: Int] = [:]
        for n in nodes where n.state.isUnsealed {
            if let addr = n.leader?.leaderAddress, !addr.isEmpty { votes[addr, default: 0] += 1 }
        }
        guard let (addr, _) = votes.max(by: { $0.value < $1.value }) else { return nil }
        return nodes.first { ClusterSnapshot.sameEndpoint($0.node.address, addr) && $0.state.isUnsealed }?.node.name
    }

    /// True when two API addresses name the same host and port (scheme, case and trailing slash ignored).
    public static func sameEndpoint(_ a: String, _ b: String) -> Bool {
        func norm(_ s: String) -> String {
            var t = s.lowercased()
            if let r = t.firstRange(of: "://") { t = String(t[r.upperBound...]) }
            while t.hasSuffix("/") { t.removeLast() }
            return t
        }
        return norm(a) == norm(b)
    }
}
