#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// CanaryRefused (cluster): a read or write canary was refused (401, 403 or 404): the configured
/// `canary.read_path` / `write_path` does not exist or the token's policy lacks the capability.
/// A configuration problem on the monitor's side, never a Vault outage: while it holds, that
/// canary measures nothing. (A refused token lookup is TokenExpiring's.) Unknown in a cycle
/// without such canaries.
struct CanaryRefusedRule: Rule {
    let name = "CanaryRefused"
    let readsNodeSamples = false
    let defaults = RuleSettings(name: "CanaryRefused", forSeconds: 0, severity: .warning)

    func evaluate(_ input: RuleInput) -> Evaluation {
        let canaries = input.latest.nodes.flatMap(\.canaries).filter { $0.kind != .lookup }
        guard !canaries.isEmpty else { return .allUnknown }
        let refused = canaries.filter { $0.outcome == .refused }
        guard let first = refused.first else { return Evaluation() }
        let kinds = Set(refused.map(\.kind)).sorted().map(\.rawValue).joined(separator: " and ")
        var ev = Evaluation()
        ev.findings.append(Finding(
            node: nil, value: Double(refused.count),
            summary: "the \(kinds) canary was refused (HTTP \(first.status ?? 0)): check canary paths and the sealwatch policy",
            description: "\(first.detail ?? "") — the monitoring token may not use the configured canary path, so that canary measures nothing until the path or the policy is fixed (config/sealwatch-policy.hcl)."))
        return ev
    }
}
