import ClusterModel

/// The Slack incoming-webhook body: a `text` fallback (notifications, old clients) and Block Kit
/// `blocks`. One alert gets a detailed message; several alerts of one cluster changing in the same
/// cycle get one grouped message with a section per alert.
///
/// Fits Slack's limits whatever the input: `text` ≤ 3,000 characters (Slack allows 40,000; a
/// preview is read in one glance), section texts ≤ 3,000, field texts ≤ 2,000, at most 22 blocks
/// (of 50) and 6 fields per section (of 10); cut texts end with "…[truncated]". Labels beyond the
/// identity ones (e.g. `env`) are shown as a "Labels" field.
///
/// - SeeAlso: https://api.slack.com/messaging/webhooks, https://api.slack.com/reference/block-kit/blocks
public struct SlackPayload: Sendable {
    /// Slack allows 50 blocks per message; two go to the header and footer.
    static let maxAlertSections = 20
    typealias Limits = PayloadLimits.Slack

    public var channel: String?
    public var username: String?
    public init(channel: String? = nil, username: String? = nil) { self.channel = channel; self.username = username }

    public func body(for events: [AlertEvent]) -> JSONValue {
        var fields: [(String, JSONValue)] = []
        if let channel { fields.append(("channel", .string(channel))) }
        if let username { fields.append(("username", .string(username))) }
        if events.count == 1 {
            var text = AlertText.line(events[0])
            if let labels = AlertText.extraLabels(events[0].alert) { text += " [\(labels)]" }
            fields.append(("text", .string(AlertText.truncate(text, to: Limits.text))))
            fields.append(("blocks", .array(single(events[0]))))
        } else {
            fields.append(("text", .string(AlertText.truncate(groupTitle(events), to: Limits.text))))
            fields.append(("blocks", .array(grouped(events))))
        }
        return .object(fields)
    }

    private func single(_ event: AlertEvent) -> [JSONValue] {
        let alert = event.alert
        var title = "\(AlertText.emoji(event)) *\(AlertText.verb(event.kind)): \(alert.name)* — \(AlertText.location(alert))"
        if event.kind.isResolve, let lasted = AlertText.lasted(alert) { title += " (\(lasted))" }
        var blocks: [JSONValue] = [
            section(title + "\n" + AlertText.summary(alert)),
            .object([("type", .string("section")), ("fields", .array(detailFields(event).prefix(Limits.maxFields).map { mrkdwn($0, limit: Limits.fieldText) }))]),
        ]
        if let runbook = alert.annotations["runbook_url"] {
            blocks.append(context("<\(runbook)|Runbook>"))
        }
        return blocks
    }

    private func grouped(_ events: [AlertEvent]) -> [JSONValue] {
        var blocks: [JSONValue] = [section("*\(groupTitle(events))*")]
        for event in events.prefix(Self.maxAlertSections) {
            let alert = event.alert
            var text = AlertText.line(event)
            text += "\n" + detailFields(event).joined(separator: " · ")
            if let runbook = alert.annotations["runbook_url"] { text += " · <\(runbook)|Runbook>" }
            blocks.append(section(text))
        }
        if events.count > Self.maxAlertSections {
            blocks.append(context("…and \(events.count - Self.maxAlertSections) more"))
        }
        return blocks
    }

    /// "prod: 2 firing, 1 resolved".
    func groupTitle(_ events: [AlertEvent]) -> String {
        let cluster = events.first?.alert.cluster ?? ""
        let resolved = events.filter { $0.kind.isResolve }.count
        let firing = events.count - resolved
        var parts: [String] = []
        if firing > 0 { parts.append("\(firing) firing") }
        if resolved > 0 { parts.append("\(resolved) resolved") }
        let test = events.contains { $0.kind == .test || $0.kind == .testResolve } ? "[TEST] " : ""
        return "\(test)\(cluster): " + parts.joined(separator: ", ")
    }

    private func detailFields(_ event: AlertEvent) -> [String] {
        let alert = event.alert
        var fields = ["*Cluster:* \(alert.cluster)"]
        if let node = alert.node { fields.append("*Node:* \(node)") }
        fields.append("*Severity:* \(alert.severity.rawValue)")
        fields.append("*State:* \(event.kind.isResolve ? "resolved" : "firing")")
        fields.append("*Since:* \(TimeFormat.rfc3339(AlertText.startsAt(alert)))")
        if let labels = AlertText.extraLabels(alert) { fields.append("*Labels:* \(labels)") }
        // Each field is cut here too, so a grouped line of several fields stays bounded.
        return fields.map { AlertText.truncate($0, to: Limits.fieldText) }
    }

    private func section(_ text: String) -> JSONValue {
        .object([("type", .string("section")), ("text", mrkdwn(text, limit: Limits.sectionText))])
    }

    private func context(_ text: String) -> JSONValue {
        .object([("type", .string("context")), ("elements", .array([mrkdwn(text, limit: Limits.fieldText)]))])
    }

    private func mrkdwn(_ text: String, limit: Int) -> JSONValue {
        .object([("type", .string("mrkdwn")), ("text", .string(AlertText.truncate(text, to: limit)))])
    }
}
