#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// VersionSkew (cluster): reachable nodes report different versions. Default `for: 1h`: a rolling
/// upgrade legitimately mixes versions for a while; an upgrade left half done should not.
struct VersionSkewRule: Rule {
    let name = "VersionSkew"
    let readsNodeSamples = false
    let defaults = RuleSettings(name: "VersionSkew", forSeconds: 3600, severity: .warning)

    func evaluate(_ input: RuleInput) -> Evaluation {
        var byVersion: [String: [String]] = [:]
        for n in input.latest.nodes where n.reachable {
            if let v = n.version, !v.isEmpty { byVersion[v, default: []].append(n.node.name) }
        }
        guard byVersion.count > 1 else { return Evaluation() }
        let groups = byVersion.keys.sorted().map { "\($0) (\(Format.list(byVersion[$0]!)))" }
        return Evaluation(findings: [Finding(
            node: nil, value: Double(byVersion.count),
            summary: "nodes run \(byVersion.count) versions: \(groups.joined(separator: ", "))",
            description: "Cluster \(input.cluster) runs mixed versions; finish or roll back the upgrade.")])
    }
}
