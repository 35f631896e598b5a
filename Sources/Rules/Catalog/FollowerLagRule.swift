#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// FollowerLag (node): a node's `raft_applied_index` (sys/leader) is behind the active node's by more
/// than `threshold` entries. Unknown without an agreed leader or without both indices.
struct FollowerLagRule: Rule {
    let name = "FollowerLag"
    let readsNodeSamples = false
    let defaults = RuleSettings(name: "FollowerLag", forSeconds: 60, severity: .warning, threshold: 1000)
    var parameters: Set<RuleParameter> { [.threshold] }

    func evaluate(_ input: RuleInput) -> Evaluation {
        let s = input.latest
        let threshold = input.settings.threshold ?? 1000
        guard let leaderName = input.window.leaders.last ?? nil, let leader = s.node(leaderName),
              let leaderIndex = leader.leader?.raftAppliedIndex else { return .allUnknown }
        var ev = Evaluation()
        for n in s.nodes where n.node.name != leaderName {
            guard n.state.isUnsealed, let index = n.leader?.raftAppliedIndex else {
                ev.unknown.insert(n.node.name)
                continue
            }
            let lag = leaderIndex > index ? Double(leaderIndex - index) : 0
            guard lag > threshold else { continue }
            ev.findings.append(Finding(
                node: n.node.name, value: lag,
                summary: "\(n.node.name) applied index \(index) is \(leaderIndex - index) entries behind \(leaderName) (\(leaderIndex)) > \(Format.number(threshold, decimals: 0))",
                description: "\(n.node.name) of cluster \(input.cluster) is not keeping up with the leader's Raft log; reads from it may be stale."))
        }
        return ev
    }
}
