import ClusterModel
import Config
import Foundation
import HTTPTransport
import Testing
import TestSupport
@testable import Notify

/// Issue 11 E–H: Alertmanager re-posts and resolve re-push, stable notification ids, every label
/// in every payload, and unrouted alerts.
@Suite(.timeLimit(.minutes(1)))
struct RoutingAndResendTests {
    static func amConfig(_ url: String, resend: Double, maxBackoff: Double = 10) -> SealwatchConfig {
        var config = Kit.config([ReceiverConfig(name: "am", kind: .alertmanager(AlertmanagerConfig(urls: [url])))], [Kit.route([:], ["am"])])
        config.notify.alertmanagerResendInterval = resend
        config.notify.maxBackoff = maxBackoff
        return config
    }

    // MARK: E

    /// After a long Alertmanager outage the backoff would have grown to max_backoff (10 s); it never
    /// exceeds the resend interval (0.3 s), nor does Retry-After.
    @Test func alertmanagerRetryNeverWaitsLongerThanTheResendInterval() async throws {
        let server = try LoopbackHTTPServer()
        server.route("/api/v2/alerts", LoopbackResponse(status: 503, headers: ["Retry-After": "3600"], body: "down"))
        let d = try Kit.dispatcher(Self.amConfig(server.baseURL, resend: 0.3), dir: Kit.tempDir())
        await d.start()
        await d.submit(transitions: [Kit.firing(Fixture.alert())], active: [Fixture.alert()], now: Date())
        for n in 1...6 {
            _ = await server.waitForRequests(count: n)
            #expect((d.stats().first?.pausedFor ?? 0) <= 0.3 + 1e-6)
        }
        #expect(server.requests.count >= 6)
        await d.shutdown(grace: .milliseconds(100))
    }

    /// A resolve is re-posted every resend interval (endsAt set) for 5 minutes, then no more.
    @Test func alertmanagerResolveIsRepushedForFiveMinutes() async throws {
        let server = try LoopbackHTTPServer()
        server.route("/api/v2/alerts", LoopbackResponse(status: 200))
        let d = try Kit.dispatcher(Self.amConfig(server.baseURL, resend: 60), dir: Kit.tempDir())
        await d.start()
        let alert = Fixture.alert()
        let t0 = Date()  // entries are stamped with `now`; one far in the past would expire (max_age)
        await d.submit(transitions: [Kit.firing(alert, at: t0)], active: [alert], now: t0)
        _ = await server.waitForRequests(count: 1)
        let t1 = t0.addingTimeInterval(100)
        await d.submit(transitions: [Kit.resolving(alert, at: t1)], active: [], now: t1)
        _ = await server.waitForRequests(count: 2)
        for (offset, expected) in [(30.0, 2), (60, 3), (90, 3), (120, 4), (299, 5), (301, 5), (600, 5)] {
            await d.submit(transitions: [], active: [], now: t1.addingTimeInterval(offset))
            if expected > server.requests.count { _ = await server.waitForRequests(count: expected) }
            #expect(await Kit.eventually { d.stats().first?.queueLength == 0 })
            #expect(server.requests.count == expected, "after \(offset) s")
        }
        await d.shutdown()
        let resolves = server.requests.dropFirst()
        for request in resolves {
            let posted = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [[String: Any]])
            #expect(posted.first?["endsAt"] as? String == TimeFormat.rfc3339(t1))
        }
    }

    // MARK: F

    @Test func notificationIdIsStableAcrossRetriesAndRestart() async throws {
        let hook = try FakeReceiver(.webhook), chat = try FakeReceiver(.slack)
        hook.setMode(.down)
        chat.script([.down])
        let dir = Kit.tempDir()
        let config = Kit.config([Kit.webhook("hook", url: hook.url), Kit.slack("chat", url: chat.url)], [Kit.route([:], ["hook", "chat"])])
        let alert = Fixture.alert()
        do {
            let d = try Kit.dispatcher(config, dir: dir)
            await d.start()
            await d.submit(transitions: [Kit.firing(alert)], active: [alert], now: Date())
            _ = await hook.server.waitForRequests(count: 2)
            // A request is recorded before its answer is chosen: wait until both 503s came back,
            // or the second could be answered by the `.up` set below.
            #expect(await Kit.eventually {
                d.stats().first { $0.receiver == "hook" }.map { $0.failed.values.reduce(0, +) >= 2 } ?? false
            })
            _ = await chat.waitForAccepted(count: 1)
            // killed: dropped without shutdown
        }
        hook.setMode(.up)
        let d2 = try Kit.dispatcher(config, dir: dir)
        await d2.start()
        _ = await hook.waitForAccepted(count: 1)
        await d2.shutdown()
        let ids = hook.server.requests.map { $0.headers[NotificationID.header] }
        #expect(ids.count >= 3)
        #expect(Set(ids).count == 1 && ids[0]?.count == 32, "\(ids)")
        let chatIDs = chat.server.requests.map { $0.headers[NotificationID.header] }
        // A kill right after the receiver's 2xx may re-send it after the restart (at least once):
        // every copy carries the same id, which is what lets the receiver drop the duplicate.
        #expect(chatIDs.count >= 2 && Set(chatIDs).count == 1, "\(chatIDs)")
        #expect(ids[0] == chatIDs[0])  // the same notification for both: derived from what it says
        // A resolve and a later repeat are other notifications.
        let trigger = NotificationID.of(events: [AlertEvent(kind: .trigger, alert: alert)])
        #expect(trigger == ids[0])
        #expect(NotificationID.of(events: [AlertEvent(kind: .resolve, alert: Fixture.resolved(alert))]) != trigger)
        let r1 = NotificationID.of(events: [AlertEvent(kind: .repeat, alert: alert)], acceptedAt: [Fixture.firedAt.addingTimeInterval(3600)])
        let r2 = NotificationID.of(events: [AlertEvent(kind: .repeat, alert: alert)], acceptedAt: [Fixture.firedAt.addingTimeInterval(7200)])
        #expect(r1 != r2)
    }

    // MARK: G

    @Test func everyLabelReachesEveryPayloadAndRoutesMatchAnyLabel() throws {
        var alert = Fixture.alert()
        alert.labels["env"] = "prod"
        alert.labels["team"] = "vault"
        let router = Router(routes: [Kit.route(["env": "prod"], ["prod-pager"]), Kit.route(["env": "dev"], ["dev-chat"]),
                                     Kit.route(["team": "vault", "severity": "critical"], ["team"])])
        #expect(router.targets(for: alert.labels).map(\.receiver) == ["prod-pager", "team"])
        let event = AlertEvent(kind: .trigger, alert: alert)
        let pd = PagerDutyPayload().body(for: event, routingKey: "k").serialized()
        #expect(pd.contains(#""env":"prod""#) && pd.contains(#""team":"vault""#))
        let slack = SlackPayload().body(for: [event]).serialized()
        #expect(slack.contains("*Labels:* env=prod, team=vault"))
        #expect(slack.contains(#""text":"🔴 FIRING VaultSealed prod/vault-2: vault-2 is sealed (HTTP 503, sealed: true) [env=prod, team=vault]""#))
        let grouped = SlackPayload().body(for: [event, AlertEvent(kind: .trigger, alert: Fixture.latency)]).serialized()
        #expect(grouped.contains("*Labels:* env=prod, team=vault"))
        #expect(WebhookPayload(receiver: "h").body(for: [event]).serialized().contains(#""env":"prod""#))
        #expect(PostableAlerts(resendInterval: .seconds(60)).body(for: [event], now: Date()).serialized().contains(#""env":"prod""#))
    }

    // MARK: H

    @Test func unroutedAlertIsLoggedOncePerFiringCountedAndListed() async throws {
        let pager = try FakeReceiver(.pagerduty)
        let logs = RecordingLogHandler.Store()
        let d = try Kit.dispatcher(Kit.config([Kit.pagerduty("pager", url: pager.url)], [Kit.route(["severity": "critical"], ["pager"])]),
                                   dir: Kit.tempDir(), logs: logs)
        await d.start()
        let warning = Fixture.latency  // severity warning: no route
        let t0 = Date()
        for cycle in 0..<5 {
            let now = t0.addingTimeInterval(Double(cycle))
            await d.submit(transitions: cycle == 0 ? [Kit.firing(warning, at: now)] : [], active: [warning, Fixture.alert()], now: now)
        }
        let lines = logs.all.filter { $0.contains("matches no route") }
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("error ") == true)
        #expect(lines.first?.contains("alert.name=HighLatency") == true)
        #expect(d.unroutedAlerts() == [warning.key])
        #expect(d.unroutedStats() == UnroutedStats(total: 1, alerts: [warning.key]))
        // Resolved: off the list, the counter stays; a new firing counts (and logs) again.
        await d.submit(transitions: [Kit.resolving(warning, at: t0.addingTimeInterval(10))], active: [Fixture.alert()], now: t0.addingTimeInterval(10))
        #expect(d.unroutedAlerts().isEmpty)
        var again = warning
        again.firedAt = t0.addingTimeInterval(20)
        await d.submit(transitions: [Kit.firing(again)], active: [again], now: t0.addingTimeInterval(20))
        #expect(d.unroutedStats().total == 2 && d.unroutedStats().count == 1)
        #expect(logs.all.filter { $0.contains("matches no route") }.count == 2)
        // A reload that routes it takes it off the list (and it is notified).
        await d.reload(config: Kit.config([Kit.pagerduty("pager", url: pager.url)], [Kit.route([:], ["pager"])]))
        await d.submit(transitions: [], active: [again], now: t0.addingTimeInterval(21))
        #expect(d.unroutedAlerts().isEmpty)
        #expect(await pager.waitForAccepted(count: 2).count == 2)
        await d.shutdown()
    }
}
