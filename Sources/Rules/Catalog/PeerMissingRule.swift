#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// PeerMissing (cluster): an expected Raft peer (configured node_ids, or the set learned from the first
/// fully healthy view) is absent from the Raft configuration. Unknown without a Raft configuration
/// this round or without an expected set.
///
/// Severity warning (not critical): the cluster still serves; when the loss threatens quorum,
/// FailureToleranceLow / RaftUnhealthy / NoLeader carry the urgency. Override to critical per cluster if wanted.
struct PeerMissingRule: Rule {
    let name = "PeerMissing"
    let readsNodeSamples = false
    let defaults = RuleSettings(name: "PeerMissing", forSeconds: 30, severity: .warning)

    func evaluate(_ input: RuleInput) -> Evaluation {
        guard let expected = input.expectedPeers, let config = input.latest.raft?.configuration else {
            return Evaluation(unknown: [nil])
        }
        let present = Set(config.map(\.nodeID))
        let missing = expected.filter { !present.contains($0) }.sorted()
        guard !missing.isEmpty else { return Evaluation() }
        return Evaluation(findings: [Finding(
            node: nil, value: Double(missing.count),
            summary: "Raft configuration lacks \(Format.list(missing)) (\(present.count) of \(expected.count) expected peers present)",
            description: "Expected peers of cluster \(input.cluster) are not Raft members: they were removed or never joined.")])
    }
}
