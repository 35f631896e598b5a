#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// HighLatency (node): the p99 (nearest rank) of the health-probe latencies of the node within
/// `window` exceeds `threshold`. Fewer than `min_samples` latencies is unknown: no new alert, and
/// an existing one keeps its state (a node that stops answering is NodeUnreachable's business).
struct HighLatencyRule: Rule {
    let name = "HighLatency"
    let defaults = RuleSettings(name: "HighLatency", forSeconds: 60, severity: .warning,
                                threshold: 0.050, windowSeconds: 300, minSamples: 30)
    var parameters: Set<RuleParameter> { [.threshold, .window, .minSamples] }
    var readsNodeSamples: Bool { true }

    func evaluate(_ input: RuleInput) -> Evaluation {
        let s = input.settings
        let threshold = s.threshold ?? 0.050, minSamples = max(1, s.minSamples ?? 1)
        var ev = Evaluation()
        for n in input.latest.nodes.indices {
            let name = input.latest.nodes[n].node.name
            guard let (p99, count) = nearestRankLatency(0.99, input.evidence(of: name, seconds: s.windowSeconds)),
                  count >= minSamples else {
                ev.unknown.insert(name)
                continue
            }
            guard p99 > threshold else { continue }
            let over = s.windowSeconds.map { " over \(Format.duration($0))" } ?? ""
            ev.findings.append(Finding(
                node: name, value: p99,
                summary: "p99 latency \(Format.milliseconds(p99)) > \(Format.milliseconds(threshold))\(over) (\(count) samples)",
                description: "Health requests to \(name) of cluster \(input.cluster) are slow; clients likely see the same latency."))
        }
        return ev
    }
}
