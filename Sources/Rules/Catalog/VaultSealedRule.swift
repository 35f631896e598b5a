#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// VaultSealed (node): the node reports sealed (503 / `sealed: true`). Unreachable nodes are unknown.
struct VaultSealedRule: Rule {
    let name = "VaultSealed"
    let readsNodeSamples = false
    let defaults = RuleSettings(name: "VaultSealed", forSeconds: 0, severity: .critical)

    func evaluate(_ input: RuleInput) -> Evaluation {
        var ev = Evaluation()
        for n in input.latest.nodes {
            switch n.sealedVerdict {
            case nil: ev.unknown.insert(n.node.name)
            case false?: continue
            case true?:
                var summary = "\(n.node.name) is sealed"
                if let s = n.sealStatus, let t = s.threshold, let p = s.progress {
                    summary += " (unseal progress \(p)/\(t))"
                }
                ev.findings.append(Finding(
                    node: n.node.name, value: 1, summary: summary,
                    description: "\(n.node.name) of cluster \(input.cluster) answers sealed; it serves no requests until unsealed."))
            }
        }
        return ev
    }
}
