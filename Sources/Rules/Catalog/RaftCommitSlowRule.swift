#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// RaftCommitSlow (node): the p99 of `vault_raft_commitTime` at the node's latest telemetry read
/// (the active node's: only a leader commits) exceeds `threshold`. Every write waits for a commit,
/// so this is the storage and network half of write latency. Unknown without telemetry.
struct RaftCommitSlowRule: Rule {
    let name = "RaftCommitSlow"
    let readsNodeSamples = false
    let defaults = RuleSettings(name: "RaftCommitSlow", forSeconds: 120, severity: .warning, threshold: 0.050)
    var parameters: Set<RuleParameter> { [.threshold] }

    func evaluate(_ input: RuleInput) -> Evaluation {
        let threshold = input.settings.threshold ?? 0.050
        var ev = Evaluation()
        for node in input.latest.nodes {
            guard let p99ms = input.recentTelemetry(node, seconds: nil)?.raftCommitMs?.p99 else {
                // Followers export no commit time: nothing to say, not unknown, once telemetry was read.
                if input.recentTelemetry(node, seconds: nil) == nil { ev.unknown.insert(node.node.name) }
                continue
            }
            let p99 = p99ms / 1000
            guard p99 > threshold else { continue }
            ev.findings.append(Finding(
                node: node.node.name, value: p99,
                summary: "Raft commit p99 \(Format.milliseconds(p99)) > \(Format.milliseconds(threshold)) (vault_raft_commitTime)",
                description: "Raft commits on \(node.node.name) of cluster \(input.cluster) are slow: every write waits for them (disk fsync, follower network)."))
        }
        return ev
    }
}
