#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

extension RuleInput {
    /// Calls `body` with each observation of `node` (index `hint` in the newest snapshot) in `range`,
    /// oldest first. Snapshots list nodes in configuration order, so the index is tried before a search.
    func forEachObservation(of node: String, hint: Int, in range: Range<Int>, _ body: (NodeObservation) -> Void) {
        let snaps = window.snapshots
        for i in range {
            let nodes = snaps[i].nodes
            if hint < nodes.count, nodes[hint].node.name == node {
                body(nodes[hint])
            } else if let n = nodes.first(where: { $0.node.name == node }) {
                body(n)
            }
        }
    }
}

/// Nearest-rank quantile (`q` in 0...1) of unsorted samples; sorts `samples` in place. Nil when empty.
func nearestRankQuantile(_ q: Double, _ samples: inout [Double]) -> Double? {
    guard !samples.isEmpty else { return nil }
    samples.sort()
    let rank = Int((q * Double(samples.count)).rounded(.up))
    return samples[min(max(rank, 1), samples.count) - 1]
}
