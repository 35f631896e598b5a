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
    /// the message is at most 1,000,000 bytes; cut texts end with "…[truncated]". If even the
    /// tightest cut does not fit, fewer alerts are sent and `truncatedAlerts` counts the rest.
    public func body(for events: [AlertEvent]) -> JSONValue {
        typealias L = PayloadLimits.Labels
        for cap in [L.value, 512, 64] where Self.lowerBound(events, cap: cap) <= L.maxWebhookBody {
            let value = message(Self.capped(events, cap))
            if value.serialized().utf8.count <= L.maxWebhookBody { return value }
        }
        let tightest = Self.capped(events, 16)
        var keep = maxAlerts > 0 ? min(maxAlerts, events.count) : events.count
        // Start from the most alerts whose texts alone fit, then halve until the message does.
        var bound = 0
        for (i, event) in tightest.prefix(keep).enumerated() {
            bound += Self.lowerBound([event], cap: 16)
            if bound > L.maxWebhookBody { keep = max(i, 1); break }
        }
        while true {
            let value = message(tightest, keep: keep)
            if keep <= 1 || value.serialized().utf8.count <= L.maxWebhookBody { return value }
            keep /= 2
        }
    }

    /// A cheap lower bound of the message size: the bytes of the (cut) label and annotation texts.
    static func lowerBound(_ events: [AlertEvent], cap: Int) -> Int {
        var total = 0
        for event in events {
            for map in [event.alert.labels, event.alert.annotations] {
                for (k, v) in map {
                    total += min(k.utf8.count, PayloadLimits.Labels.key) + min(v.utf8.count, cap)
                }
            }
        }
        return total
    }

    static func capped(_ events: [AlertEvent], _ cap: Int) -> [AlertEvent] {
        events.map { AlertEvent(kind: $0.kind, alert: capped($0.alert, cap)) }
    }

    /// The message for already-cut events; at most `keep` (and `max_alerts`) alerts are listed.
    func message(_ events: [AlertEvent], keep: Int? = nil) -> JSONValue {
        let alerts = events.map(\.alert)
        let limit = [maxAlerts > 0 ? maxAlerts : nil, keep].compactMap { $0 }.min()
        let kept = limit.map { Array(events.prefix($0)) } ?? events
        let cluster = PayloadLimits.cut(alerts.first?.cluster ?? "", to: PayloadLimits.Labels.value)
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
