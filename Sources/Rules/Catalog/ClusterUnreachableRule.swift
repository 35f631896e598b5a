#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// ClusterUnreachable (cluster): every configured node is unreachable (transport failures) — a
/// whole-cluster outage or a network partition of the monitor. Inhibits NoLeader and the node-level
/// NodeUnreachable/HighLatency/ErrorRate alerts of the cluster.
struct ClusterUnreachableRule: Rule {
    let name = "ClusterUnreachable"
    let readsNodeSamples = false
    let defaults = RuleSettings(name: "ClusterUnreachable", forSeconds: 30, severity: .critical)

    func evaluate(_ input: RuleInput) -> Evaluation {
        let nodes = input.latest.nodes
        guard !nodes.isEmpty, nodes.allSatisfy({ $0.state == .unreachable }) else { return Evaluation() }
        let reasons = Set(nodes.compactMap { $0.failure?.reason }).sorted()
        return Evaluation(findings: [Finding(
            node: nil, value: Double(nodes.count),
            summary: "all \(nodes.count) nodes of \(input.cluster) are unreachable" + (reasons.isEmpty ? "" : " (\(Format.list(reasons)))"),
            description: "No node of cluster \(input.cluster) answers: the cluster is down or this monitor is cut off from it.")])
    }
}
