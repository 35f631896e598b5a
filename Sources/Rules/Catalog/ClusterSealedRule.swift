#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// ClusterSealed (cluster): every configured node is sealed — one cluster-level page instead of one
/// VaultSealed per node (those are inhibited while this fires, see `Inhibition`).
/// Some nodes sealed and the rest unreachable is unknown (the state is kept): a node restarting
/// during a full seal must not resolve and re-fire the alert.
struct ClusterSealedRule: Rule {
    let name = "ClusterSealed"
    let readsNodeSamples = false
    let defaults = RuleSettings(name: "ClusterSealed", forSeconds: 0, severity: .critical)

    func evaluate(_ input: RuleInput) -> Evaluation {
        let nodes = input.latest.nodes
        guard !nodes.isEmpty else { return Evaluation(unknown: [nil]) }
        var sealed = 0, unknown = 0
        for n in nodes {
            switch n.sealedVerdict {
            case true?: sealed += 1
            case nil: unknown += 1
            case false?: return Evaluation()
            }
        }
        if unknown > 0 { return sealed > 0 ? Evaluation(unknown: [nil]) : Evaluation() }
        return Evaluation(findings: [Finding(
            node: nil, value: Double(sealed),
            summary: "all \(sealed) nodes of \(input.cluster) are sealed",
            description: "Every configured node of cluster \(input.cluster) is sealed: the cluster serves no requests until a quorum is unsealed.")])
    }
}
