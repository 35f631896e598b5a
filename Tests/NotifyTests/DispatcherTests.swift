import ClusterModel
import Config
import Foundation
import HTTPTransport
import Testing
import TestSupport
@testable import Notify

/// The outbox and its workers against loopback receivers that behave like the real services.
@Suite(.timeLimit(.minutes(1)))
struct DispatcherTests {
    let critical = Fixture.alert()                                   // VaultSealed prod/vault-2
    let warning = Fixture.alert("HighLatency", node: "vault-1", severity: .warning, summary: "p99 latency 73 ms > 50 ms")

    static let routes = [Kit.route(["severity": "critical"], ["pager", "chat"]), Kit.route(["severity": "warning"], ["chat"])]

    @Test func criticalGoesToPagerAndChatWarningToChat() async throws {
        let pager = try FakeReceiver(.pagerduty), chat = try FakeReceiver(.slack)
        let d = try Kit.dispatcher(Kit.config([Kit.pagerduty("pager", url: pager.url), Kit.slack("chat", url: chat.url)], Self.routes), dir: Kit.tempDir())
        await d.start()
        let now = Date()
        await d.submit(transitions: [Kit.firing(critical, at: now), Kit.firing(warning, at: now)], active: [critical, warning], now: now)
        let paged = await pager.waitForAccepted(count: 1)
        let chatted = await chat.waitForAccepted(count: 1)
        #expect(paged.count == 1)
        #expect(paged.first?["dedup_key"] as? String == critical.fingerprint)
        #expect(paged.first?["event_action"] as? String == "trigger")
        // Both alerts of cluster prod changed in this cycle: one grouped Slack message.
        #expect(chatted.count == 1)
        #expect((chatted.first?["text"] as? String) == "prod: 2 firing")
        await d.shutdown()
        #expect(pager.accepted.count == 1 && chat.accepted.count == 1)
    }

    @Test func downThenUpDeliversTriggerThenResolveOnce() async throws {
        let pager = try FakeReceiver(.pagerduty)
        pager.setMode(.down)
        let d = try Kit.dispatcher(Kit.config([Kit.pagerduty("pager", url: pager.url)], Self.routes), dir: Kit.tempDir())
        await d.start()
        let t0 = Date()
        await d.submit(transitions: [Kit.firing(critical, at: t0)], active: [critical], now: t0)
        let t1 = t0.addingTimeInterval(1)
        await d.submit(transitions: [Kit.resolving(critical, at: t1)], active: [], now: t1)
        _ = await pager.server.waitForRequests(count: 3)  // a few refused attempts (503)
        #expect(pager.accepted.isEmpty)
        pager.setMode(.up)
        let delivered = await pager.waitForAccepted(count: 2)
        #expect(delivered.map { $0["event_action"] as? String } == ["trigger", "resolve"])
        #expect(Set(delivered.map { $0["dedup_key"] as? String }) == [critical.fingerprint])
        #expect(await Kit.eventually { d.stats().first?.queueLength == 0 })
        let stats = try #require(d.stats().first)
        #expect(stats.sent == 2)
        // The third request may be answered after the switch to up: at least two refusals.
        #expect(stats.failed["server_error", default: 0] >= 2)
        #expect(stats.retries >= 2)
        await d.shutdown()
        #expect(pager.accepted.count == 2)
    }

    @Test func hangingReceiverDoesNotDelayAnother() async throws {
        let stuck = try FakeReceiver(.webhook), chat = try FakeReceiver(.slack)
        stuck.setMode(.hanging)
        let routes = [Kit.route([:], ["stuck", "chat"])]
        let d = try Kit.dispatcher(Kit.config([Kit.webhook("stuck", url: stuck.url, timeout: 10), Kit.slack("chat", url: chat.url)], routes),
                                   dir: Kit.tempDir())
        await d.start()
        let started = ContinuousClock.now
        await d.submit(transitions: [Kit.firing(critical)], active: [critical], now: Date())
        _ = await chat.waitForAccepted(count: 1, timeout: .seconds(3))
        let elapsed = ContinuousClock.now - started
        #expect(chat.accepted.count == 1)
        #expect(elapsed < .seconds(2), "chat waited \(elapsed) behind a hanging receiver")
        let stopping = ContinuousClock.now
        await d.shutdown(grace: .milliseconds(500))  // the hung request outlives the grace: cancelled
        #expect(ContinuousClock.now - stopping < .seconds(3))
        #expect(d.stats().first { $0.receiver == "stuck" }?.queueLength == 1)  // still queued for next start
    }

    @Test func acceptedNotificationSurvivesAKill() async throws {
        let pager = try FakeReceiver(.pagerduty)
        pager.setMode(.down)
        let dir = Kit.tempDir()
        let config = Kit.config([Kit.pagerduty("pager", url: pager.url)], Self.routes)
        do {
            let d = try Kit.dispatcher(config, dir: dir)
            await d.start()
            await d.submit(transitions: [Kit.firing(critical)], active: [critical], now: Date())
            // Persisted before the first attempt:
            let text = try String(contentsOfFile: dir + "/outbox.json", encoding: .utf8)
            #expect(text.contains(critical.fingerprint))
            _ = await pager.server.waitForRequests(count: 1)
            // "kill": dropped without shutdown (deinit stops the workers, nothing is flushed on purpose).
        }
        pager.setMode(.up)
        let d2 = try Kit.dispatcher(config, dir: dir)
        await d2.start()
        let delivered = await pager.waitForAccepted(count: 1)
        #expect(delivered.first?["dedup_key"] as? String == critical.fingerprint)
        await d2.shutdown()
    }

    @Test func restartNeitherRePagesNorForgetsTheResolve() async throws {
        let pager = try FakeReceiver(.pagerduty)
        let dir = Kit.tempDir()
        let config = Kit.config([Kit.pagerduty("pager", url: pager.url)], Self.routes)
        let t0 = Date()
        do {
            let d = try Kit.dispatcher(config, dir: dir)
            await d.start()
            await d.submit(transitions: [Kit.firing(critical, at: t0)], active: [critical], now: t0)
            _ = await pager.waitForAccepted(count: 1)
            await d.shutdown()
        }
        let d2 = try Kit.dispatcher(config, dir: dir)
        await d2.start()
        // Defensive: the same firing transition re-submitted, and the alert still active.
        await d2.submit(transitions: [Kit.firing(critical, at: t0)], active: [critical], now: t0.addingTimeInterval(5))
        await d2.submit(transitions: [Kit.resolving(critical, at: t0.addingTimeInterval(10))], active: [], now: t0.addingTimeInterval(10))
        await d2.submit(transitions: [Kit.resolving(critical, at: t0.addingTimeInterval(10))], active: [], now: t0.addingTimeInterval(15))
        let delivered = await pager.waitForAccepted(count: 2)
        #expect(await Kit.eventually { d2.stats().first?.queueLength == 0 })
        await d2.shutdown()
        #expect(delivered.map { $0["event_action"] as? String } == ["trigger", "resolve"])
        #expect(pager.accepted.count == 2)
    }

    @Test func repeatIntervalAndSendResolved() async throws {
        let chat = try FakeReceiver(.slack)
        let routes = [Kit.route([:], ["chat"], repeatInterval: 60, sendResolved: false)]
        let d = try Kit.dispatcher(Kit.config([Kit.slack("chat", url: chat.url)], routes), dir: Kit.tempDir())
        await d.start()
        let t0 = Date()
        await d.submit(transitions: [Kit.firing(critical, at: t0)], active: [critical], now: t0)
        _ = await chat.waitForAccepted(count: 1)
        #expect(await Kit.eventually { d.stats().first?.sent == 1 })   // the delivery is recorded, not just received
        await d.submit(transitions: [], active: [critical], now: t0.addingTimeInterval(30))   // too early
        await d.submit(transitions: [], active: [critical], now: t0.addingTimeInterval(61))   // repeat
        _ = await chat.waitForAccepted(count: 2)
        await d.submit(transitions: [Kit.resolving(critical, at: t0.addingTimeInterval(70))], active: [], now: t0.addingTimeInterval(70))
        #expect(await Kit.eventually { d.stats().first?.queueLength == 0 })
        await d.shutdown()
        let texts = chat.accepted.map { $0["text"] as? String ?? "" }
        #expect(texts.count == 2)
        #expect(texts.last?.hasPrefix("🔴 STILL FIRING VaultSealed") == true)
    }

    @Test func slackRateLimitHonoursRetryAfter() async throws {
        let chat = try FakeReceiver(.slack)
        chat.script([.rateLimited(retryAfter: 1)])
        var config = Kit.config([Kit.slack("chat", url: chat.url)], [Kit.route([:], ["chat"])])
        config.notify.maxBackoff = 2  // Retry-After is honoured up to max_backoff
        let d = try Kit.dispatcher(config, dir: Kit.tempDir())
        await d.start()
        let started = ContinuousClock.now
        await d.submit(transitions: [Kit.firing(critical)], active: [critical], now: Date())
        _ = await chat.waitForAccepted(count: 1)
        let elapsed = ContinuousClock.now - started
        #expect(chat.accepted.count == 1)
        #expect(elapsed >= .seconds(1), "retried before Retry-After: \(elapsed)")
        #expect(chat.server.requests.count == 2)  // 20 ms backoff alone would have made many more attempts
        #expect(d.stats().first?.failed["rate_limited"] == 1)
        await d.shutdown()
    }

    @Test func slackInvalidPayloadIsDroppedNotRetried() async throws {
        let server = try LoopbackHTTPServer()
        server.route("/hook", LoopbackResponse(status: 400, body: "invalid_payload"))
        let logs = RecordingLogHandler.Store()
        let d = try Kit.dispatcher(Kit.config([Kit.slack("chat", url: server.url("/hook"))], [Kit.route([:], ["chat"])]), dir: Kit.tempDir(), logs: logs)
        await d.start()
        await d.submit(transitions: [Kit.firing(critical)], active: [critical], now: Date())
        #expect(await Kit.eventually { d.stats().first?.dropped["rejected"] == 1 })
        await d.shutdown()
        #expect(server.requests.count == 1)
        #expect(logs.all.contains { $0.hasPrefix("error notification dropped") && $0.contains("invalid_payload") })
    }

    @Test func slackIsPaced() async throws {
        let chat = try FakeReceiver(.slack)
        let d = try Kit.dispatcher(Kit.config([Kit.slack("chat", url: chat.url)], [Kit.route([:], ["chat"])], slackMinInterval: 0.3),
                                   dir: Kit.tempDir())
        await d.start()
        // Three clusters → three messages, at least 0.3 s apart.
        let alerts = ["a", "b", "c"].map { Fixture.alert(cluster: $0) }
        let started = ContinuousClock.now
        await d.submit(transitions: alerts.map { Kit.firing($0) }, active: alerts, now: Date())
        let accepted = await chat.waitForAccepted(count: 3)
        let elapsed = ContinuousClock.now - started
        await d.shutdown()
        #expect(accepted.count == 3)
        #expect(elapsed >= .milliseconds(600), "three Slack messages within \(elapsed)")
    }

    @Test func webhookIsSignedAndAuthorized() async throws {
        let hook = try FakeReceiver(.webhook)
        let d = try Kit.dispatcher(Kit.config([Kit.webhook("hook", url: hook.url, hmac: "hmac-secret-value", bearer: "bearer-token-value")],
                                              [Kit.route([:], ["hook"])]), dir: Kit.tempDir())
        await d.start()
        await d.submit(transitions: [Kit.firing(critical)], active: [critical], now: Date())
        let bodies = await hook.waitForAccepted(count: 1)
        await d.shutdown()
        let request = try #require(hook.server.requests.first)
        let expected = "sha256=" + hexString(HMACSHA256.authenticate(request.body, key: Array("hmac-secret-value".utf8)))
        #expect(request.headers["X-Sealwatch-Signature"] == expected)
        #expect(request.headers["Authorization"] == "Bearer bearer-token-value")
        #expect(bodies.first?["version"] as? String == "4")
        #expect(bodies.first?["status"] as? String == "firing")
    }

    @Test func secretsNeverLeak() async throws {
        let server = try LoopbackHTTPServer()
        // Every receiver fails and echoes what it got, the worst case for leaks.
        server.setFallback { request in LoopbackResponse(status: 400, body: request.bodyText + " " + (request.headers["Authorization"] ?? "")) }
        let slackURL = server.url("/services/T000/B000/SLACKSECRETPATH")
        let hookURL = server.url("/hooks/HOOKSECRETPATH?token=QUERYSECRET")
        let routingKey = "PDSECRETKEY0123456789abcdef0123"
        let secrets = ["SLACKSECRETPATH", "HOOKSECRETPATH", "QUERYSECRET", routingKey, "HMACSECRETVALUE", "BEARERSECRETVALUE"]
        let logs = RecordingLogHandler.Store()
        let config = Kit.config([Kit.slack("chat", url: slackURL), Kit.pagerduty("pager", url: server.url("/v2/enqueue"), key: routingKey),
                                 Kit.webhook("hook", url: hookURL, hmac: "HMACSECRETVALUE", bearer: "BEARERSECRETVALUE")],
                                [Kit.route([:], ["chat", "pager", "hook"])])
        let d = try Kit.dispatcher(config, dir: Kit.tempDir(), logs: logs)
        await d.start()
        await d.submit(transitions: [Kit.firing(critical)], active: [critical], now: Date())
        let allRejected = await Kit.eventually { d.stats().filter { $0.dropped["rejected"] == 1 }.count == 3 }
        #expect(allRejected)
        let tests = await d.sendTest(receiver: nil, now: Date())
        await d.shutdown()
        #expect(tests.count == 3)
        #expect(tests.filter(\.ok).isEmpty)
        // Direct notifier errors too (alertmanager's AssertNotifyLeaksNoSecret).
        var errors: [String] = []
        for integration in Integrations.build(config: config, transport: Kit.transport, environment: [:], logger: Kit.logger()) {
            do {
                try await integration.notifier.notify(AlertBatch(receiver: integration.receiver, events: [AlertEvent(kind: .trigger, alert: critical)], now: Date()))
            } catch { errors.append(error.description); errors.append("\(error)") }
        }
        #expect(errors.count == 6)
        #expect(logs.all.count >= 3)
        assertNoSecretLeaks(secrets, logs: logs.all, texts: errors + tests.map(\.detail) + d.stats().map { "\($0)" })
    }

    @Test func sendTestReportsEachReceiver() async throws {
        let pager = try FakeReceiver(.pagerduty), chat = try FakeReceiver(.slack)
        let d = try Kit.dispatcher(Kit.config([Kit.pagerduty("pager", url: pager.url), Kit.slack("chat", url: chat.url)], []), dir: Kit.tempDir())
        let results = await d.sendTest(receiver: nil, now: Date())
        #expect(results.map(\.receiver) == ["pager", "chat"])
        #expect(results.filter(\.ok).count == 2)
        #expect(results[0].detail.contains("HTTP 202"))
        #expect(pager.accepted.map { $0["event_action"] as? String } == ["trigger", "resolve"])
        #expect((chat.accepted.first?["text"] as? String)?.contains("SealwatchTest") == true)
        let one = await d.sendTest(receiver: "chat", now: Date())
        #expect(one.map(\.receiver) == ["chat"])
    }

    @Test func reloadDropsEntriesOfRemovedReceivers() async throws {
        let pager = try FakeReceiver(.pagerduty), chat = try FakeReceiver(.slack)
        pager.setMode(.down)
        let logs = RecordingLogHandler.Store()
        let d = try Kit.dispatcher(Kit.config([Kit.pagerduty("pager", url: pager.url), Kit.slack("chat", url: chat.url)], Self.routes),
                                   dir: Kit.tempDir(), logs: logs)
        await d.start()
        await d.submit(transitions: [Kit.firing(critical)], active: [critical], now: Date())
        _ = await chat.waitForAccepted(count: 1)
        await d.reload(config: Kit.config([Kit.slack("chat", url: chat.url)], Self.routes))
        #expect(d.stats().map(\.receiver) == ["chat"])
        #expect(logs.all.contains { $0.contains("receiver removed by reload") && $0.contains("dropped=1") })
        await d.shutdown()
    }
}

/// The pure queue: order per alert, grouping, expiry.
struct OutboxStateTests {
    func entry(_ id: UInt64, _ kind: EventKind, _ alert: Alert, cycle: UInt64 = 1, at: Date) -> OutboxEntry {
        OutboxEntry(id: id, integration: "i", receiver: "r", kind: kind, alert: alert, fingerprint: alert.fingerprint, cycle: cycle,
                    attempts: 0, createdAt: at, nextAttemptAt: at, lastError: nil)
    }

    @Test func resolveNeverOvertakesItsTrigger() {
        let now = Date()
        var s = OutboxState()
        var trigger = entry(1, .trigger, Fixture.alert(), at: now)
        trigger.nextAttemptAt = now.addingTimeInterval(10)  // backing off
        s.append(trigger)
        s.append(entry(2, .resolve, Fixture.resolved(Fixture.alert()), cycle: 2, at: now))
        s.append(entry(3, .trigger, Fixture.latency, cycle: 2, at: now))
        s.notDurable = []
        guard case .send(let batch) = s.next(for: "i", mode: .all(max: 10), now: now, maxAge: 100).0 else { Issue.record("no batch"); return }
        #expect(batch.map(\.id) == [3])  // the resolve waits behind its trigger; the other alert goes
        s.remove([3], integration: "i")
        guard case .wait(let until) = s.next(for: "i", mode: .all(max: 10), now: now, maxAge: 100).0 else { Issue.record("should wait"); return }
        #expect(until == now.addingTimeInterval(10))
        guard case .send(let later) = s.next(for: "i", mode: .single, now: now.addingTimeInterval(11), maxAge: 100).0 else { return }
        #expect(later.map(\.id) == [1])
    }

    @Test func notDurableEntriesAreNotSent() {
        let now = Date()
        var s = OutboxState()
        s.append(entry(1, .trigger, Fixture.alert(), at: now))
        guard case .wait = s.next(for: "i", mode: .single, now: now, maxAge: 100).0 else { Issue.record("sent before persisted"); return }
    }

    @Test func perClusterGroupsOneCycleAndCluster() {
        let now = Date()
        var s = OutboxState()
        s.append(entry(1, .trigger, Fixture.alert(cluster: "a"), at: now))
        s.append(entry(2, .trigger, Fixture.alert(cluster: "b"), at: now))
        s.append(entry(3, .trigger, Fixture.latency.withCluster("a"), at: now))
        s.notDurable = []
        guard case .send(let batch) = s.next(for: "i", mode: .perCluster, now: now, maxAge: 100).0 else { return }
        #expect(batch.map(\.id) == [1, 3])
    }

    @Test func expiredEntriesAreDropped() {
        let now = Date()
        var s = OutboxState()
        s.append(entry(1, .trigger, Fixture.alert(), at: now.addingTimeInterval(-200)))
        s.notDurable = []
        let (next, expired) = s.next(for: "i", mode: .single, now: now, maxAge: 100)
        #expect(expired.map(\.id) == [1])
        guard case .wait(nil) = next else { Issue.record("queue should be empty"); return }
    }
}

extension Alert {
    func withCluster(_ cluster: String) -> Alert {
        var a = self
        a.labels["cluster"] = cluster
        return a
    }
}
