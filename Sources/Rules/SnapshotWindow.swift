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
/// `ClusterRules.retentionSeconds` (the longest window an enabled rule reads).
///
/// On append, what the windowed rules read is extracted once: each snapshot's time and
/// `leaderName`, and per node a compact series of (time, health latency, probe count, failed
/// probes). Only the newest full snapshot is kept: the rules scan those plain values instead of
/// copying `NodeObservation`s, which keeps a step over 100 clusters × 5 nodes with full windows in
/// the low milliseconds and the memory of a window at about 24 bytes per node per cycle.
public struct SnapshotWindow: Sendable {
    public private(set) var retentionSeconds: Double
    /// The newest snapshot.
    public private(set) var latest: ClusterSnapshot?
    /// `takenAt` of every snapshot in the window, oldest first.
    public private(set) var times: [Date] = []
    /// `snapshots[i].leaderName`, cached.
    private(set) var leaders: [String?] = []
    /// Per node name, one sample per snapshot that listed the node, oldest first.
    private(set) var series: [String: [NodeSample]] = [:]

    /// What the windowed rules need from one observation of one node.
    struct NodeSample: Sendable {
        /// `takenAt` as seconds since the reference date.
        var at: Double
        /// Health-probe latency in seconds; NaN when the probe failed or was not made.
        var latency: Double
        var probes: Int32
        var failed: Int32
    }

    public init(retentionSeconds: Double) {
        self.retentionSeconds = retentionSeconds
    }

    /// A window holding `snapshots` (appended in order).
    public init(retentionSeconds: Double, snapshots: [ClusterSnapshot]) {
        self.init(retentionSeconds: retentionSeconds)
        for s in snapshots { append(s) }
    }

    /// The same samples under another retention (after a reload changed the longest window).
    public func rewindowed(retentionSeconds: Double) -> SnapshotWindow {
        var w = self
        w.retentionSeconds = retentionSeconds
        if let newest = times.last { w.drop(before: newest.timeIntervalSinceReferenceDate - retentionSeconds) }
        return w
    }

    public mutating func append(_ s: ClusterSnapshot) {
        if let last = times.last, s.takenAt < last { return }
        latest = s
        times.append(s.takenAt)
        leaders.append(s.leaderName)
        let at = s.takenAt.timeIntervalSinceReferenceDate
        for n in s.nodes {
            var failed: Int32 = 0
            for p in n.probes where p.failure != nil { failed += 1 }
            series[n.node.name, default: []].append(
                NodeSample(at: at, latency: n.latency ?? .nan, probes: Int32(n.probes.count), failed: failed))
        }
        drop(before: at - retentionSeconds)
    }

    /// Forgets samples taken before `cutoff` (seconds since the reference date), keeping the newest.
    private mutating func drop(before cutoff: Double) {
        var drop = 0
        while drop < times.count - 1 && times[drop].timeIntervalSinceReferenceDate < cutoff { drop += 1 }
        if drop > 0 {
            times.removeFirst(drop)
            leaders.removeFirst(drop)
            for name in Array(series.keys) {
                let old = series[name]!.prefix { $0.at < cutoff }.count
                if old == series[name]!.count {
                    series[name] = nil
                } else if old > 0 {
                    series[name]!.removeFirst(old)
                }
            }
        }
    }

    public var isEmpty: Bool { times.isEmpty }
    /// Snapshots in the window.
    public var count: Int { times.count }

    /// The samples of `node` taken within `[from, to]` (seconds since the reference date).
    func samples(of node: String, from: Double, to: Double) -> ArraySlice<NodeSample> {
        guard let all = series[node] else { return [] }
        var end = all.endIndex
        while end > all.startIndex && all[end - 1].at > to { end -= 1 }
        var start = end
        while start > all.startIndex && all[start - 1].at >= from { start -= 1 }
        return all[start..<end]
    }
}
