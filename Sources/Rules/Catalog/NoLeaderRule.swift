#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// NoLeader (cluster): no unsealed node claims active, and the unsealed standbys do not agree on a
/// reachable unsealed active node (`ClusterSnapshot.leaderName`). A 429 standby without a
/// `leader_address` (a leader cut off from its peers steps down to this) does not vouch for any leader,
/// and standbys naming a dead leader (for ~14 s after it is killed) do not either, because that node
/// is not reachable and unsealed. Two or more claimants is SplitBrain, not NoLeader.
struct NoLeaderRule: Rule {
    let name = "NoLeader"
    let readsNodeSamples = false
    let defaults = RuleSettings(name: "NoLeader", forSeconds: 30, severity: .critical)

    func evaluate(_ input: RuleInput) -> Evaluation {
        let s = input.latest
        // `window.leaders.last` is the newest snapshot's cached `leaderName`.
        guard !s.nodes.contains(where: \.claimsActive), (input.window.leaders.last ?? nil) == nil else { return Evaluation() }
        let unsealed = s.nodes.filter { $0.state.isUnsealed }
        let named = Set(unsealed.compactMap { n -> String? in
            guard let a = n.leader?.leaderAddress, !a.isEmpty else { return nil }
            return a
        }).sorted()
        var summary = "no active node in \(input.cluster)"
        if unsealed.isEmpty {
            summary += " (no unsealed node answers)"
        } else if named.isEmpty {
            summary += " (\(unsealed.count) unsealed standbys name no leader)"
        } else {
            summary += " (standbys name \(Format.list(named)), which is not a reachable unsealed node)"
        }
        return Evaluation(findings: [Finding(
            node: nil, value: 0, summary: summary,
            description: "Cluster \(input.cluster) has no reachable active node: writes and most reads fail until a leader is elected.")])
    }
}
