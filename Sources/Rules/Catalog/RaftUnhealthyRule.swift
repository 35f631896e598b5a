#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// RaftUnhealthy (cluster): autopilot reports `healthy: false`. No autopilot view this round (no
/// token, request failed) is unknown.
struct RaftUnhealthyRule: Rule {
    let name = "RaftUnhealthy"
    let readsNodeSamples = false
    let defaults = RuleSettings(name: "RaftUnhealthy", forSeconds: 30, severity: .critical)

    func evaluate(_ input: RuleInput) -> Evaluation {
        guard let ap = input.latest.raft?.autopilot else { return Evaluation(unknown: [nil]) }
        guard !ap.healthy else { return Evaluation() }
        let sick = ap.servers.filter { $0.healthy == false }.map { s -> String in
            let who = s.name.flatMap { $0.isEmpty ? nil : $0 } ?? s.id   // OpenBao sends "name": ""
            return s.lastContactSeconds.map { "\(who) (last contact \(Format.duration($0)))" } ?? who
        }
        let detail = sick.isEmpty ? "" : ": unhealthy servers \(Format.list(sick))"
        return Evaluation(findings: [Finding(
            node: nil, value: 0, summary: "autopilot reports the Raft cluster unhealthy\(detail)",
            description: "Autopilot of cluster \(input.cluster) considers the Raft cluster unhealthy (failure tolerance \(ap.failureTolerance)).")])
    }
}
