#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// The recent snapshots of one cluster, oldest first, for the windowed rules.
///
/// Invariants: `snapshots` is ordered by `takenAt` (an append older than the newest is ignored) and
/// holds only snapshots taken at most `retentionSeconds` before the newest. Give it at least
/// `ClusterRules.retentionSeconds` (the longest window an enabled rule reads). Each snapshot's
/// `leaderName` is computed once on append, so rules scanning the window don't recompute it.
public struct SnapshotWindow: Sendable {
    public let retentionSeconds: Double
    public private(set) var snapshots: [ClusterSnapshot] = []
    /// `snapshots[i].leaderName`, cached.
    private(set) var leaders: [String?] = []

    public init(retentionSeconds: Double) {
        self.retentionSeconds = retentionSeconds
    }

    /// A window holding `snapshots` (appended in order).
    public init(retentionSeconds: Double, snapshots: [ClusterSnapshot]) {
        self.init(retentionSeconds: retentionSeconds)
        for s in snapshots { append(s) }
    }

    public mutating func append(_ s: ClusterSnapshot) {
        if let last = snapshots.last, s.takenAt < last.takenAt { return }
        snapshots.append(s)
        leaders.append(s.leaderName)
        let cutoff = s.takenAt.addingTimeInterval(-retentionSeconds)
        var drop = 0
        while drop < snapshots.count - 1 && snapshots[drop].takenAt < cutoff { drop += 1 }
        if drop > 0 {
            snapshots.removeFirst(drop)
            leaders.removeFirst(drop)
        }
    }

    public var latest: ClusterSnapshot? { snapshots.last }
    public var isEmpty: Bool { snapshots.isEmpty }
}
