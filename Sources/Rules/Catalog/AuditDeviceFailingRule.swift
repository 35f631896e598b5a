#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// AuditDeviceFailing (node, critical): Vault refuses every request it cannot audit, so a node whose
/// audit devices fail answers `500 internal error` to clients while `sys/health` (never audited)
/// still says it is fine. Fires when the node's audit failure counters
/// (`vault_audit_log_request_failure` + `…_response_failure`) rose between its last two telemetry
/// reads, or when a canary through it answered 500 this cycle while its health answer is unsealed.
/// Unknown when neither source says anything this cycle (no canary, fewer than two reads).
struct AuditDeviceFailingRule: Rule {
    let name = "AuditDeviceFailing"
    let readsNodeSamples = true   // the telemetry points
    let defaults = RuleSettings(name: "AuditDeviceFailing", forSeconds: 0, severity: .critical)

    func evaluate(_ input: RuleInput) -> Evaluation {
        var ev = Evaluation()
        for node in input.latest.nodes {
            let name = node.node.name
            let failing500 = node.state.isUnsealed ? node.canaries.filter(\.isInternalError) : []
            let points = input.window.telemetryPoints(of: name)
            var rise: Double?
            if points.count >= 2, let last = points.last?.auditFailures, let before = points[points.count - 2].auditFailures {
                rise = last >= before ? last - before : last   // lower: reset, count from zero
            }
            if let rise, rise > 0 {
                ev.findings.append(Finding(
                    node: name, value: rise,
                    summary: "audit failures rose by \(Format.number(rise)) since the last telemetry read on \(name)",
                    description: "Vault could not write to its audit devices; it refuses requests it cannot audit, so clients of \(name) get 500 errors while sys/health looks fine.",
                    labels: ["source": "telemetry"]))
            } else if let first = failing500.first {
                ev.findings.append(Finding(
                    node: name, value: Double(failing500.count),
                    summary: "\(failing500.map(\.kind.rawValue).joined(separator: " and ")) \(failing500.count == 1 ? "canary" : "canaries") answered HTTP 500 while \(name) reports \(node.state.rawValue)",
                    description: "Requests through \(name) fail with an internal error while its health endpoint (not audited) is fine: most often every audit device is unreachable. \(first.detail ?? "")",
                    labels: ["source": "canary"]))
            } else if rise == nil && node.canaries.isEmpty {
                ev.unknown.insert(name)
            }
        }
        return ev
    }
}
