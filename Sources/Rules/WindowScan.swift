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
}

/// Nearest-rank quantile (`q` in 0...1) of the non-NaN latencies in `samples`, and their count.
///
/// The nearest rank r = ⌈q·n⌉ is the (n − r + 1)-th largest value; for p99 over at most 100 samples
/// that is the maximum, so the k largest are kept in a tiny sorted buffer instead of sorting everything.
func nearestRankLatency(_ q: Double, _ samples: ArraySlice<SnapshotWindow.NodeSample>) -> (value: Double, count: Int)? {
    var n = 0
    for s in samples where !s.latency.isNaN { n += 1 }
    guard n > 0 else { return nil }
    let rank = min(max(Int(saturating: (q * Double(n)).rounded(.up)), 1), n)
    let k = n - rank + 1
    var top: [Double] = []          // ascending, at most k values: the k largest seen so far
    top.reserveCapacity(k + 1)
    for s in samples where !s.latency.isNaN {
        let v = s.latency
        if top.count < k {
            top.insert(v, at: top.firstIndex { $0 > v } ?? top.count)
        } else if v > top[0] {
            top.removeFirst()
            top.insert(v, at: top.firstIndex { $0 > v } ?? top.count)
        }
    }
    return (top[0], n)
}
