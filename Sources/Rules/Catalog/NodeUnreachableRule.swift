#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// NodeUnreachable (node): the health probe fails at the transport level (state `unreachable`); with
/// the default `for: 30s` that means for the whole 30 s. Inhibits HighLatency/ErrorRate of the same node.
struct NodeUnreachableRule: Rule {
    let name = "NodeUnreachable"
    let readsNodeSamples = false
    let defaults = RuleSettings(name: "NodeUnreachable", forSeconds: 30, severity: .critical)

    func evaluate(_ input: RuleInput) -> Evaluation {
        var ev = Evaluation()
        for n in input.latest.nodes where n.state == .unreachable {
            let reason = n.failure.map { " (\($0.reason))" } ?? ""
            ev.findings.append(Finding(
                node: n.node.name, value: 1, summary: "\(n.node.name) is unreachable\(reason)",
                description: "\(n.node.name) of cluster \(input.cluster) does not answer \(n.node.address)/v1/sys/health."))
        }
        return ev
    }
}
