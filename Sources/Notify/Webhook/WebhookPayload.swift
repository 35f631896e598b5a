import ClusterModel

/// Alertmanager's webhook message, version "4", so existing webhook consumers work unchanged.
///
/// - SeeAlso: https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
public struct WebhookPayload: Sendable {
    public var receiver: String
    /// `externalURL` of the message; Sealwatch has no external URL setting yet, so "" by default.
    public var externalURL: String
    /// `max_alerts` (0 = all).
    public var maxAlerts: Int
    public init(receiver: String, externalURL: String = "", maxAlerts: Int = 0) {
        self.receiver = receiver; self.externalURL = externalURL; self.maxAlerts = maxAlerts
    }

    /// The message for events of one cluster (the group).
    ///
    /// Every label and annotation value is cut to 4,096 characters (keys to 256), tightened until
    /// the message is at most 1,000,000 bytes; cut texts end with "…[truncated]".
    public func body(for events: [AlertEvent]) -> JSONValue {
        typealias L = PayloadLimits.Labels
        return PayloadLimits.fit(maxBytes: L.maxWebhookBody, caps: [L.value, 512, 64], { body(for: events, cap: $0) },
                                 fallback: { body(for: events, cap: 16) })
    }

    func body(for events: [AlertEvent], cap: Int) -> JSONValue {
        let events = events.map { AlertEvent(kind: $0.kind, alert: Self.capped($0.alert, cap)) }
        let alerts = events.map(\.alert)
        let kept = maxAlerts > 0 ? Array(events.prefix(maxAlerts)) : events
        let cluster = alerts.first?.cluster ?? ""
        let firing = events.contains { !$0.kind.isResolve }
        return .object([
            ("version", .string("4")),
            ("groupKey", .string("{}:{cluster=\"\(cluster)\"}")),
            ("truncatedAlerts", .integer(events.count - kept.count)),
            ("status", .string(firing ? "firing" : "resolved")),
            ("receiver", .string(receiver)),
            ("groupLabels", .sortedObject(["cluster": cluster])),
            ("commonLabels", .sortedObject(Self.common(alerts.map(\.labels)))),
            ("commonAnnotations", .sortedObject(Self.common(alerts.map(\.annotations)))),
            ("externalURL", .string(externalURL)),
            ("alerts", .array(kept.map(Self.alert))),
        ])
    }

    static func alert(_ event: AlertEvent) -> JSONValue {
        let alert = event.alert
        let resolved = event.kind.isResolve
        return .object([
            ("status", .string(resolved ? "resolved" : "firing")),
            ("labels", .sortedObject(alert.labels)),
            ("annotations", .sortedObject(alert.annotations)),
            ("startsAt", .string(TimeFormat.rfc3339(AlertText.startsAt(alert)))),
            ("endsAt", .string(resolved ? TimeFormat.rfc3339(alert.resolvedAt ?? AlertText.startsAt(alert)) : TimeFormat.zeroTime)),
            ("generatorURL", .string("")),
            ("fingerprint", .string(alert.fingerprint)),
        ])
    }

    /// `alert` with its labels and annotations cut to `cap` characters per value.
    static func capped(_ alert: Alert, _ cap: Int) -> Alert {
        var a = alert
        a.labels = PayloadLimits.cut(alert.labels, value: cap, key: PayloadLimits.Labels.key)
        a.annotations = PayloadLimits.cut(alert.annotations, value: cap, key: PayloadLimits.Labels.key)
        return a
    }

    /// The pairs every map shares.
    static func common(_ maps: [[String: String]]) -> [String: String] {
        guard var result = maps.first else { return [:] }
        for map in maps.dropFirst() { result = result.filter { map[$0.key] == $0.value } }
        return result
    }
}
