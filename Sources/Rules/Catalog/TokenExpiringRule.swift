#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// TokenExpiring (cluster): the monitoring token will really stop working. That is one of:
/// - the token is refused (lookup 403: expired, revoked, or lacking the policy);
/// - Vault refused to renew it (renew-self 4xx), or renewal has failed for a quarter of its span;
/// - it is not renewable and its TTL is below `threshold` (default 24 h);
/// - it is renewable but renewal no longer restores it (capped by its max TTL) and its TTL is below `threshold`.
///
/// A periodic or renewable token that renews is fine, whatever its TTL: a `-period=1h` token always
/// has less than a day left, and Sealwatch renews it at half its period. No token configured is
/// fine; a token lookup that got no answer this round (the Raft view without a token status) is
/// unknown, so a hiccup neither pages nor resolves. Only the failure reason is shown, never the token.
struct TokenExpiringRule: Rule {
    let name = "TokenExpiring"
    let readsNodeSamples = false
    let defaults = RuleSettings(name: "TokenExpiring", forSeconds: 0, severity: .warning, threshold: 86_400)
    var parameters: Set<RuleParameter> { [.threshold] }

    func evaluate(_ input: RuleInput) -> Evaluation {
        let snap = input.latest
        guard let token = snap.token else {
            // With a token configured the snapshot always has a Raft view; without one, nothing to judge.
            return snap.raft == nil ? Evaluation() : Evaluation(unknown: [nil])
        }
        let threshold = input.settings.threshold ?? 86_400
        let description = "The monitoring token of cluster \(input.cluster) must be renewed or replaced, or Raft checks stop working."
        func fire(_ summary: String, _ value: Double?) -> Evaluation {
            Evaluation(findings: [Finding(node: nil, value: value, summary: summary, description: description)])
        }
        if let failure = token.failure {
            return fire("monitoring token is unusable (\(failure.reason))", 0)
        }
        let ttl = token.ttlSeconds
        let left = ttl.map { ", \(Format.duration($0)) left" } ?? ""
        if let renewal = token.renewalFailure {
            if ["permission_denied", "refused"].contains(renewal.reason) {
                return fire("monitoring token renewal was refused (\(renewal.reason))\(left)", ttl)
            }
            if let ttl, let span = token.renewalSpanSeconds, ttl < span / 4 {
                return fire("monitoring token renewal keeps failing (\(renewal.reason))\(left)", ttl)
            }
        }
        guard let ttl, ttl < threshold else { return Evaluation() }
        if !token.renewable {
            return fire("monitoring token TTL \(Format.duration(ttl)) < \(Format.duration(threshold)) (not renewable)", ttl)
        }
        if token.renewalCapped {
            return fire("monitoring token TTL \(Format.duration(ttl)) < \(Format.duration(threshold)): renewal is capped by its max TTL", ttl)
        }
        return Evaluation()
    }
}
