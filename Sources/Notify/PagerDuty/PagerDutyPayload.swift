import ClusterModel

/// One PagerDuty Events API v2 event. `dedup_key` is the alert fingerprint, so a re-trigger after
/// a crash or a `repeat_interval` updates the same incident, and the resolve closes it.
/// As alertmanager does, only triggers carry `payload`, `client` and `links`.
///
/// - SeeAlso: https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
public struct PagerDutyPayload: Sendable {
    /// PagerDuty rejects summaries over 1024 characters.
    public static let maxSummary = 1024

    public var client: String
    public var clientURL: String?
    public init(client: String = "Sealwatch", clientURL: String? = nil) { self.client = client; self.clientURL = clientURL }

    /// The event body; `routingKey` is the only secret and is added here, at the wire.
    public func body(for event: AlertEvent, routingKey: String) -> JSONValue {
        let alert = event.alert
        var fields: [(String, JSONValue)] = [
            ("routing_key", .string(routingKey)),
            ("event_action", .string(event.kind.isResolve ? "resolve" : "trigger")),
            ("dedup_key", .string(alert.fingerprint)),
        ]
        guard !event.kind.isResolve else { return .object(fields) }

        var summary = "[\(AlertText.verb(event.kind))] \(alert.name) \(AlertText.location(alert)): \(AlertText.summary(alert))"
        summary = AlertText.truncate(summary, to: Self.maxSummary)
        var details: [(String, JSONValue)] = [
            ("labels", .sortedObject(alert.labels)),
            ("annotations", .sortedObject(alert.annotations)),
        ]
        if let value = alert.value { details.append(("value", .number(value))) }
        var payload: [(String, JSONValue)] = [
            ("summary", .string(summary)),
            ("source", .string(alert.node ?? alert.cluster)),
            ("severity", .string(Self.severity(alert.severity))),
            ("timestamp", .string(TimeFormat.rfc3339(AlertText.startsAt(alert)))),
        ]
        if let node = alert.node { payload.append(("component", .string(node))) }
        payload.append(("group", .string(alert.cluster)))
        payload.append(("class", .string(alert.name)))
        payload.append(("custom_details", .object(details)))
        fields.append(("payload", .object(payload)))
        fields.append(("client", .string(client)))
        if let clientURL { fields.append(("client_url", .string(clientURL))) }
        if let runbook = alert.annotations["runbook_url"] {
            fields.append(("links", .array([.object([("href", .string(runbook)), ("text", .string("Runbook"))])])))
        }
        return .object(fields)
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
