#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// A bounded per-cluster history of things a person wants to read later ("vault-2 sealed (was standby)",
/// leader changes, reachability), for the status page and `sealwatch check`.
///
/// Invariants: at most `capacityPerCluster` events per cluster, oldest dropped first; events are kept
/// in the order recorded. Pure: the events carry the snapshot's time.
public struct EventLog: Sendable {
    public let capacityPerCluster: Int
    private var events: [String: [ClusterEvent]] = [:]

    public init(capacityPerCluster: Int = 200) {
        self.capacityPerCluster = max(1, capacityPerCluster)
    }

    /// Compares two consecutive snapshots of one cluster, records and returns the events:
    /// node state changes ("vault-2 sealed (was standby)"), reachability ("vault-1 unreachable: timeout
    /// (was active)", "vault-1 reachable again: standby") and leader changes. The first snapshot
    /// (`previous == nil`) and nodes absent from `previous` produce nothing.
    @discardableResult
    public mutating func observe(previous: ClusterSnapshot?, current: ClusterSnapshot) -> [ClusterEvent] {
        guard let previous else { return [] }
        var out: [ClusterEvent] = []
        let at = current.takenAt, cluster = current.cluster
        for n in current.nodes {
            guard let before = previous.node(n.node.name), before.state != n.state else { continue }
            let name = n.node.name
            if n.state == .unreachable {
                let reason = n.failure.map { ": \($0.reason)" } ?? ""
                out.append(ClusterEvent(at: at, cluster: cluster, node: name, kind: .reachability,
                                        message: "\(name) unreachable\(reason) (was \(before.state.rawValue))"))
            } else if before.state == .unreachable {
                out.append(ClusterEvent(at: at, cluster: cluster, node: name, kind: .reachability,
                                        message: "\(name) reachable again: \(n.state.rawValue)"))
            } else {
                out.append(ClusterEvent(at: at, cluster: cluster, node: name, kind: .stateChange,
                                        message: "\(name) \(n.state.rawValue) (was \(before.state.rawValue))"))
            }
        }
        let oldLeader = previous.leaderName, newLeader = current.leaderName
        if oldLeader != newLeader {
            let message: String
            switch (oldLeader, newLeader) {
            case let (old?, new?): message = "leader changed: \(old) → \(new)"
            case let (nil, new?): message = "leader elected: \(new)"
            case let (old?, nil): message = "leader lost (was \(old))"
            case (nil, nil): message = ""
            }
            out.append(ClusterEvent(at: at, cluster: cluster, node: newLeader, kind: .leaderChange, message: message))
        }
        for e in out { record(e) }
        return out
    }

    public mutating func record(_ e: ClusterEvent) {
        var list = events[e.cluster, default: []]
        list.append(e)
        if list.count > capacityPerCluster { list.removeFirst(list.count - capacityPerCluster) }
        events[e.cluster] = list
    }

    /// Up to `limit` events of a cluster, newest first.
    public func recent(cluster: String, limit: Int) -> [ClusterEvent] {
        Array((events[cluster] ?? []).suffix(max(0, limit)).reversed())
    }

    /// The newest state or reachability change of a node.
    public func lastChange(cluster: String, node: String) -> ClusterEvent? {
        events[cluster]?.last { $0.node == node && ($0.kind == .stateChange || $0.kind == .reachability) }
    }

    /// Forgets the events of clusters no longer configured.
    public mutating func prune(keeping clusters: Set<String>) {
        events = events.filter { clusters.contains($0.key) }
    }
}
