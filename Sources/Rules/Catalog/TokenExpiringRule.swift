#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// TokenExpiring (cluster): the monitoring token's TTL is below `threshold` (default 24 h), or the
/// token is unusable (lookup failed with 403, revoked…). No token configured (`token == nil`) or a
/// token that never expires is fine. Only the failure reason is shown, never the token.
struct TokenExpiringRule: Rule {
    let name = "TokenExpiring"
    let readsNodeSamples = false
    let defaults = RuleSettings(name: "TokenExpiring", forSeconds: 0, severity: .warning, threshold: 86_400)
    var parameters: Set<RuleParameter> { [.threshold] }

    func evaluate(_ input: RuleInput) -> Evaluation {
        guard let token = input.latest.token else { return Evaluation() }
        let threshold = input.settings.threshold ?? 86_400
        let description = "The monitoring token of cluster \(input.cluster) must be renewed or replaced, or Raft checks stop working."
        if let failure = token.failure {
            return Evaluation(findings: [Finding(node: nil, value: 0,
                summary: "monitoring token is unusable (\(failure.reason))", description: description)])
        }
        guard let ttl = token.ttlSeconds, ttl < threshold else { return Evaluation() }
        return Evaluation(findings: [Finding(
            node: nil, value: ttl,
            summary: "monitoring token TTL \(Format.duration(ttl)) < \(Format.duration(threshold))\(token.renewable ? "" : " (not renewable)")",
            description: description)])
    }
}
