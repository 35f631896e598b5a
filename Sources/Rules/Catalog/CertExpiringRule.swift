#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// CertExpiring (node): the node's TLS leaf certificate expires in less than `threshold` (default
/// 14 days), or has expired. Unknown when the node could not be reached this round; a plain-http node
/// (no expiry and reachable) never fires.
struct CertExpiringRule: Rule {
    let name = "CertExpiring"
    let readsNodeSamples = false
    let defaults = RuleSettings(name: "CertExpiring", forSeconds: 0, severity: .warning, threshold: 14 * 86_400)
    var parameters: Set<RuleParameter> { [.threshold] }

    func evaluate(_ input: RuleInput) -> Evaluation {
        let threshold = input.settings.threshold ?? 14 * 86_400
        var ev = Evaluation()
        for n in input.latest.nodes {
            guard let expiry = n.certificateExpiry else {
                if !n.reachable { ev.unknown.insert(n.node.name) }
                continue
            }
            let left = expiry.timeIntervalSince(input.now)
            guard left < threshold else { continue }
            let when = left > 0 ? "expires in \(Format.duration(left))" : "expired \(Format.duration(-left)) ago"
            ev.findings.append(Finding(
                node: n.node.name, value: left,
                summary: "TLS certificate of \(n.node.name) \(when) (< \(Format.duration(threshold)))",
                description: "Renew the TLS certificate of \(n.node.name) in cluster \(input.cluster) before clients reject it."))
        }
        return ev
    }
}
