import ClusterModel

/// One PagerDuty Events API v2 event. `dedup_key` is the alert fingerprint, so a re-trigger after
/// a crash or a `repeat_interval` updates the same incident, and the resolve closes it.
/// As alertmanager does, only triggers carry `payload`, `client` and `links`.
///
/// - SeeAlso: https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
public struct PagerDutyPayload: Sendable {
    /// PagerDuty rejects summaries over 1024 characters.
    public static let maxSummary = PayloadLimits.PagerDuty.summary

    public var client: String
    public var clientURL: String?
    public init(client: String = "Sealwatch", clientURL: String? = nil) { self.client = client; self.clientURL = clientURL }

    /// The event body; `routingKey` is the only secret and is added here, at the wire.
    ///
    /// Fits PagerDuty's limits whatever the input: summary ≤ 1024 characters; source, component,
    /// group and class ≤ 255; each `custom_details` value cut (8192 characters, then tighter) until
    /// the event is ≤ 512,000 bytes; failing that, `custom_details` says it was truncated (as
    /// alertmanager does). Cut texts end with "…[truncated]".
    public func body(for event: AlertEvent, routingKey: String) -> JSONValue {
        typealias L = PayloadLimits.PagerDuty
        let alert = event.alert
        let fields: [(String, JSONValue)] = [
            ("routing_key", .string(routingKey)),
            ("event_action", .string(event.kind.isResolve ? "resolve" : "trigger")),
            ("dedup_key", .string(alert.fingerprint)),
        ]
        guard !event.kind.isResolve else { return .object(fields) }

        // The summary is built from cut parts, so a 600 KB node name is never copied whole.
        let location = "\(AlertText.truncate(alert.cluster, to: L.field))" + (alert.node.map { "/" + AlertText.truncate($0, to: L.field) } ?? "")
        var summary = "[\(AlertText.verb(event.kind))] \(AlertText.truncate(alert.name, to: L.field)) \(location): "
        summary += AlertText.truncate(AlertText.summary(alert), to: L.summary)
        summary = AlertText.truncate(summary, to: L.summary)
        func details(_ cap: Int) -> JSONValue {
            var details: [(String, JSONValue)] = [
                ("labels", .sortedObject(PayloadLimits.cut(alert.labels, value: cap, key: L.detailKey))),
                ("annotations", .sortedObject(PayloadLimits.cut(alert.annotations, value: cap, key: L.detailKey))),
            ]
            if let value = alert.value { details.append(("value", .number(value))) }
            return .object(details)
        }
        func message(_ customDetails: JSONValue) -> JSONValue {
            var payload: [(String, JSONValue)] = [
                ("summary", .string(summary)),
                ("source", .string(AlertText.truncate(alert.node ?? alert.cluster, to: L.field))),
                ("severity", .string(Self.severity(alert.severity))),
                ("timestamp", .string(TimeFormat.rfc3339(AlertText.startsAt(alert)))),
            ]
            if let node = alert.node { payload.append(("component", .string(AlertText.truncate(node, to: L.field)))) }
            payload.append(("group", .string(AlertText.truncate(alert.cluster, to: L.field))))
            payload.append(("class", .string(AlertText.truncate(alert.name, to: L.field))))
            payload.append(("custom_details", customDetails))
            var out = fields
            out.append(("payload", .object(payload)))
            out.append(("client", .string(AlertText.truncate(client, to: L.field))))
            if let clientURL { out.append(("client_url", .string(AlertText.truncate(clientURL, to: 2048)))) }
            if let runbook = alert.annotations["runbook_url"] {
                out.append(("links", .array([.object([("href", .string(AlertText.truncate(runbook, to: 2048))), ("text", .string("Runbook"))])])))
            }
            return .object(out)
        }
        return PayloadLimits.fit(maxBytes: L.maxBody, caps: [L.detailValue, 1024, 128], { message(details($0)) },
                                 fallback: { message(.object([("truncated", .string("custom_details exceeded the event size limit " + PayloadLimits.marker))])) })
    }

    /// PagerDuty's severities are critical/error/warning/info; ours map one to one.
    public static func severity(_ s: Severity) -> String {
        switch s {
        case .critical: "critical"
        case .warning: "warning"
        case .info: "info"
        }
    }
}
