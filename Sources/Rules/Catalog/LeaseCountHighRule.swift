#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// LeaseCountHigh (node): `vault_expire_num_leases` at the node's latest telemetry read exceeds
/// `threshold` (default 250,000). Many leases slow unseal, leader election and revocation.
/// Unknown without telemetry.
struct LeaseCountHighRule: Rule {
    let name = "LeaseCountHigh"
    let readsNodeSamples = false
    let defaults = RuleSettings(name: "LeaseCountHigh", forSeconds: 300, severity: .warning, threshold: 250_000)
    var parameters: Set<RuleParameter> { [.threshold] }

    func evaluate(_ input: RuleInput) -> Evaluation {
        let threshold = input.settings.threshold ?? 250_000
        var ev = Evaluation()
        for node in input.latest.nodes {
            guard let telemetry = input.recentTelemetry(node, seconds: nil) else { ev.unknown.insert(node.node.name); continue }
            guard let leases = telemetry.leases, leases > threshold else { continue }
            ev.findings.append(Finding(
                node: node.node.name, value: leases,
                summary: "\(Format.number(leases, decimals: 0)) leases > \(Format.number(threshold, decimals: 0)) (vault_expire_num_leases)",
                description: "Cluster \(input.cluster) holds many leases: unseal, leader election and revocation slow down as the count grows."))
        }
        return ev
    }
}
