import ClusterModel
import Foundation
import Testing
@testable import Notify

/// Golden payloads per integration and event (compared after normalising key order).
struct PayloadTests {
    static let routingKey = "R0UTINGKEY0123456789abcdefabcdef"  // 32 characters, like a real one
    let sealed = Fixture.alert()
    var sealedResolved: Alert { Fixture.resolved(sealed) }

    @Test func slackFiring() throws {
        try Fixture.expectGolden("slack-firing", SlackPayload().body(for: [AlertEvent(kind: .trigger, alert: sealed)]))
    }

    @Test func slackResolvedSaysHowLongItLasted() throws {
        let body = SlackPayload().body(for: [AlertEvent(kind: .resolve, alert: sealedResolved)])
        #expect(body.serialized().contains("resolved after 4m12s"))
        try Fixture.expectGolden("slack-resolved", body)
    }

    @Test func slackGrouped() throws {
        let events = [AlertEvent(kind: .trigger, alert: Fixture.noLeader), AlertEvent(kind: .trigger, alert: Fixture.latency),
                      AlertEvent(kind: .resolve, alert: sealedResolved)]
        let body = SlackPayload(channel: "#vault", username: "sealwatch").body(for: events)
        try Fixture.expectGolden("slack-grouped", body)
    }

    @Test(arguments: [(EventKind.trigger, "🔴"), (.resolve, "✅"), (.repeat, "🔴")])
    func slackEmoji(kind: EventKind, emoji: String) {
        #expect(AlertText.line(AlertEvent(kind: kind, alert: kind.isResolve ? sealedResolved : sealed)).hasPrefix(emoji))
        #expect(AlertText.emoji(AlertEvent(kind: .trigger, alert: Fixture.latency)) == "🟠")
        #expect(AlertText.emoji(AlertEvent(kind: .trigger, alert: Fixture.alert(severity: .info))) == "🔵")
    }

    @Test func pagerDutyTrigger() throws {
        try Fixture.expectGolden("pagerduty-trigger",
                                 PagerDutyPayload(clientURL: "https://sealwatch.example/").body(for: AlertEvent(kind: .trigger, alert: sealed), routingKey: Self.routingKey))
    }

    @Test func pagerDutyResolve() throws {
        try Fixture.expectGolden("pagerduty-resolve", PagerDutyPayload().body(for: AlertEvent(kind: .resolve, alert: sealedResolved), routingKey: Self.routingKey))
    }

    @Test func pagerDutySummaryIsTruncatedTo1024() throws {
        let long = Fixture.alert(summary: String(repeating: "x", count: 2000))
        let text = PagerDutyPayload().body(for: AlertEvent(kind: .trigger, alert: long), routingKey: Self.routingKey).serialized()
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        let summary = (object?["payload"] as? [String: Any])?["summary"] as? String ?? ""
        #expect(summary.count == 1024)
        #expect(summary.hasSuffix(PayloadLimits.marker))
        #expect(PagerDutyPayload().body(for: AlertEvent(kind: .trigger, alert: Fixture.noLeader), routingKey: "k").serialized()
            .contains(#""source":"prod""#))
    }

    @Test func webhookFiring() throws {
        try Fixture.expectGolden("webhook-firing", WebhookPayload(receiver: "hook").body(for: [AlertEvent(kind: .trigger, alert: sealed)]))
    }

    @Test func webhookResolved() throws {
        try Fixture.expectGolden("webhook-resolved", WebhookPayload(receiver: "hook").body(for: [AlertEvent(kind: .resolve, alert: sealedResolved)]))
    }

    @Test func webhookGroupedAndTruncated() throws {
        let events = [AlertEvent(kind: .trigger, alert: Fixture.noLeader), AlertEvent(kind: .trigger, alert: Fixture.latency),
                      AlertEvent(kind: .resolve, alert: sealedResolved)]
        try Fixture.expectGolden("webhook-grouped", WebhookPayload(receiver: "hook", maxAlerts: 2).body(for: events))
    }

    @Test func alertmanagerPostable() throws {
        let now = Fixture.firedAt.addingTimeInterval(60)
        let body = PostableAlerts(resendInterval: .seconds(60))
            .body(for: [AlertEvent(kind: .trigger, alert: Fixture.latency), AlertEvent(kind: .resolve, alert: sealedResolved)], now: now)
        try Fixture.expectGolden("alertmanager-postable", body)
    }

    @Test(arguments: [
        (0.0, "2026-11-22T10:00:00Z"), (0.25, "2026-11-22T10:00:00.250Z"), (-1_795_341_600, "1970-01-01T00:00:00Z"),
        (-1_795_341_600 + 951_782_400, "2000-02-29T00:00:00Z"),
    ] as [(Double, String)])
    func rfc3339(offset: Double, text: String) {
        #expect(TimeFormat.rfc3339(Fixture.firedAt.addingTimeInterval(offset)) == text)
    }

    @Test(arguments: [(252.0, "4m12s"), (45, "45s"), (3600, "1h"), (3725, "1h2m"), (90061, "1d1h"), (0, "0s")] as [(Double, String)])
    func humanDuration(seconds: Double, text: String) {
        #expect(TimeFormat.humanDuration(seconds) == text)
    }

    @Test(arguments: [
        ("https://hooks.slack.com/services/T000/B000/XXXX", "https://hooks.slack.com/<redacted>"),
        ("http://user:pw@127.0.0.1:9093/api?x=1", "http://127.0.0.1:9093/<redacted>"),
        ("https://events.pagerduty.com", "https://events.pagerduty.com"),
        ("not a url", "<redacted>"),
    ])
    func redactURL(url: String, redacted: String) {
        #expect(RedactURL.redact(url) == redacted)
    }
}
