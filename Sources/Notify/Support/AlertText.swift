import ClusterModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The words every integration shares, so Slack, PagerDuty and the webhook say the same thing.
enum AlertText {
    /// "prod/vault-2" or "prod".
    static func location(_ alert: Alert) -> String {
        alert.node.map { "\(alert.cluster)/\($0)" } ?? alert.cluster
    }

    static func summary(_ alert: Alert) -> String {
        alert.annotations["summary"] ?? alert.annotations["description"] ?? alert.name
    }

    /// When it started firing (falls back to when it went pending).
    static func startsAt(_ alert: Alert) -> Date { alert.firedAt ?? alert.activeAt }

    /// "FIRING", "RESOLVED", "STILL FIRING", "TEST", "TEST RESOLVED".
    static func verb(_ kind: EventKind) -> String {
        switch kind {
        case .trigger: "FIRING"
        case .resolve: "RESOLVED"
        case .repeat: "STILL FIRING"
        case .test: "TEST FIRING"
        case .testResolve: "TEST RESOLVED"
        }
    }

    /// 🔴 critical, 🟠 warning, 🔵 info, ✅ resolved.
    static func emoji(_ event: AlertEvent) -> String {
        if event.kind.isResolve { return "✅" }
        switch event.alert.severity {
        case .critical: return "🔴"
        case .warning: return "🟠"
        case .info: return "🔵"
        }
    }

    /// "resolved after 4m12s", from firedAt to resolvedAt (nil when either is missing).
    static func lasted(_ alert: Alert) -> String? {
        guard let end = alert.resolvedAt else { return nil }
        return "resolved after " + TimeFormat.humanDuration(end.timeIntervalSince(startsAt(alert)))
    }

    /// One line: "🔴 FIRING VaultSealed prod/vault-2: vault-2 is sealed".
    static func line(_ event: AlertEvent) -> String {
        var text = "\(emoji(event)) \(verb(event.kind)) \(event.alert.name) \(location(event.alert)): \(summary(event.alert))"
        if event.kind.isResolve, let lasted = lasted(event.alert) { text += " (\(lasted))" }
        return text
    }

    /// Cuts `text` to at most `limit` characters, ending with "…[truncated]" when cut
    /// (alertmanager's TruncateInRunes, with a marker a reader cannot miss).
    static func truncate(_ text: String, to limit: Int) -> String {
        PayloadLimits.cut(text, to: limit)
    }

    /// The labels beyond the identity ones (alertname, cluster, node, severity), as
    /// "env=prod, team=vault", sorted; nil when there are none (so normal payloads do not change).
    static func extraLabels(_ alert: Alert) -> String? {
        let identity: Set<String> = ["alertname", "cluster", "node", "severity"]
        let extra = alert.labels.filter { !identity.contains($0.key) }.sorted { $0.key < $1.key }
        guard !extra.isEmpty else { return nil }
        return extra.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }
}
