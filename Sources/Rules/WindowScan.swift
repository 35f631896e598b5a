#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Checked
import ClusterModel

extension RuleInput {
    /// The samples of `node` within `[now - seconds, now]` (all retained samples when `seconds` is nil).
    func samples(of node: String, seconds: Double?) -> ArraySlice<SnapshotWindow.NodeSample> {
        let to = now.timeIntervalSinceReferenceDate
        return window.samples(of: node, from: seconds.map { to - $0 } ?? -.infinity, to: to)
    }

    /// The evidence a windowed warning may use about `node`: its samples within the window, less
    /// those taken during an incident that paged for this node or for the whole cluster (see
    /// `AlertBook.incidents`). The ripple of an outage is the outage's page, not a second one.
    func evidence(of node: String, seconds: Double?) -> [SnapshotWindow.NodeSample] {
        let all = samples(of: node, seconds: seconds)
        let spans = incidents.filter { $0.node == nil || $0.node == node }.map { incident in
            (incident.from.timeIntervalSinceReferenceDate, incident.to?.timeIntervalSinceReferenceDate ?? .infinity)
        }
        guard !spans.isEmpty else { return Array(all) }
        return all.filter { sample in !spans.contains { sample.at >= $0.0 && sample.at <= $0.1 } }
    }
}

/// Nearest-rank quantile (`q` in 0...1) of `values` (NaN skipped), and their count. With fewer
/// than 100 values the nearest-rank p99 is the maximum, so one slow request would decide it: the
/// `atLeast` largest values must all be above a threshold for it to matter, which is what taking
/// the `atLeast`-th largest when the rank lands higher does (2 for the latency rules).
///
/// The nearest rank r = ⌈q·n⌉ is the (n − r + 1)-th largest value, so the k largest are kept in a
/// tiny sorted buffer instead of sorting everything.
func nearestRank(_ q: Double, _ values: some Sequence<Double>, atLeast: Int = 1) -> (value: Double, count: Int)? {
    var n = 0
    for v in values where !v.isNaN { n += 1 }
    guard n > 0 else { return nil }
    let rank = min(max(Int(saturating: (q * Double(n)).rounded(.up)), 1), n)
    let k = min(max(n - rank + 1, atLeast), n)
    var top: [Double] = []          // ascending, at most k values: the k largest seen so far
    top.reserveCapacity(k + 1)
    for v in values where !v.isNaN {
        if top.count < k {
            top.insert(v, at: top.firstIndex { $0 > v } ?? top.count)
        } else if v > top[0] {
            top.removeFirst()
            top.insert(v, at: top.firstIndex { $0 > v } ?? top.count)
        }
    }
    return (top[0], n)
}
