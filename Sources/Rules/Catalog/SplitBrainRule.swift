#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// SplitBrain (cluster): more than one unsealed node claims active, or unsealed nodes report
/// different cluster_ids (a node joined to, or re-initialised as, another cluster).
///
/// Default `for: 5s`, not 0: a leader that was paused (SIGSTOP, a GC pause, a VM stall or live
/// migration) while the others elected a new one still answers as active for a moment after it
/// resumes, until it sees the new term: up to 0.4–0.8 s reported, 0–73 ms measured here (docs/rules.md). Five
/// seconds never spans two observations of that moment at any interval of 1 s or more, and a real
/// second active node or a foreign cluster_id, which persist, still page within `for` + interval.
struct SplitBrainRule: Rule {
    let name = "SplitBrain"
    let readsNodeSamples = false
    let defaults = RuleSettings(name: "SplitBrain", forSeconds: 5, severity: .critical)

    func evaluate(_ input: RuleInput) -> Evaluation {
        let s = input.latest
        let actives = s.nodes.indices.filter { s.nodes[$0].claimsActive }.map { s.nodes[$0].node.name }
        var ids: [String: [String]] = [:]
        for n in s.nodes where n.state.isUnsealed {
            if let id = n.clusterID, !id.isEmpty { ids[id, default: []].append(n.node.name) }
        }
        var parts: [String] = []
        if actives.count > 1 { parts.append("\(Format.list(actives)) all claim to be active") }
        if ids.count > 1 {
            let groups = ids.keys.sorted().map { "\($0) (\(Format.list(ids[$0]!)))" }
            parts.append("nodes report different cluster_id: \(groups.joined(separator: " vs "))")
        }
        guard !parts.isEmpty else { return Evaluation() }
        return Evaluation(findings: [Finding(
            node: nil, value: Double(max(actives.count, ids.count)),
            summary: parts.joined(separator: "; "),
            description: "Cluster \(input.cluster) does not agree on one active node or one cluster identity; clients may see diverging data.")])
    }
}
