#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// FailureToleranceLow (cluster): autopilot's failure_tolerance is below `min_failure_tolerance`.
/// Autopilot reports 0 for ~10 s after a node joins or unseals, hence the default `for: 30s`.
struct FailureToleranceLowRule: Rule {
    let name = "FailureToleranceLow"
    let readsNodeSamples = false
    let defaults = RuleSettings(name: "FailureToleranceLow", forSeconds: 30, severity: .warning, minFailureTolerance: 1)
    var parameters: Set<RuleParameter> { [.minFailureTolerance] }

    func evaluate(_ input: RuleInput) -> Evaluation {
        guard let ap = input.latest.raft?.autopilot else { return Evaluation(unknown: [nil]) }
        let minimum = input.settings.minFailureTolerance ?? 1
        guard ap.failureTolerance < minimum else { return Evaluation() }
        return Evaluation(findings: [Finding(
            node: nil, value: Double(ap.failureTolerance),
            summary: "Raft failure tolerance \(ap.failureTolerance) < \(minimum) (\(ap.voters.count) voters)",
            description: "Cluster \(input.cluster) can lose only \(ap.failureTolerance) voter(s) before losing quorum.")])
    }
}
