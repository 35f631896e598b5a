import ClusterModel
import Config
import Foundation
import HTTPTransport
import Synchronization
import Testing
import TestSupport
@testable import Notify

/// Issue 11: a receiver's answer (or a state file) with absurd numbers never traps, and `Retry-After`
/// never holds a receiver longer than `max_backoff`.
@Suite(.timeLimit(.minutes(1)))
struct HostileReceiverTests {
    static let now = Date(timeIntervalSince1970: 784_111_767)  // Sun, 06 Nov 1994 08:49:27 GMT
    static let max: Duration = .seconds(300)

    /// `Retry-After` text → the delay honoured (max 300 s); nil: ignored.
    @Test(arguments: [
        ("7", Duration.seconds(7)), (" 7 ", .seconds(7)), ("0", .zero), ("300", .seconds(300)), ("301", .seconds(300)),
        ("99999999999999999", .seconds(300)),                        // the crash repro: clamped, not a trap
        ("9223372036854775808", .seconds(300)),                      // Int64.max + 1
        (String(repeating: "9", count: 400), .seconds(300)),         // beyond Double: +inf → max
        ("Sun, 06 Nov 1994 08:49:37 GMT", .seconds(10)),
        ("Sun, 06 Nov 1994 08:49:17 GMT", .zero),                    // in the past
        ("Fri, 31 Dec 9999 23:59:59 GMT", .seconds(300)),            // far future → max
        ("Thu, 01 Jan 1970 00:00:00 GMT", .zero),
    ] as [(String, Duration)])
    func retryAfterIsClamped(value: String, expected: Duration) {
        #expect(RetryDecision.retryAfter(value, now: Self.now, max: Self.max) == expected)
    }

    @Test(arguments: [
        "Fri, 01 Jan 99999999999 00:00:00 GMT",   // the second crash repro: a year of eleven digits is not a date
        "Fri, 01 Jan 999999999999999999999 00:00:00 GMT", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun, 06 Nov 1994 8:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:49:-1 GMT",
        "Sun, 06 Nov +994 08:49:37 GMT", "-5", "1.5", "1e9", "soon", "", "   ", "٣",
    ])
    func retryAfterGarbageIsIgnored(value: String) {
        #expect(RetryDecision.retryAfter(value, now: Self.now, max: Self.max) == nil)
        #expect(TimeFormat.parseHTTPDate(value) == nil)
    }

    @Test func retryAfterOn429And503OnlyAndClampedByCheck() {
        let huge: HTTPHeaders = ["Retry-After": "99999999999999999"]
        #expect(RetryDecision.check(status: 429, headers: huge, maxRetryAfter: .seconds(10))?.retryAfter == .seconds(10))
        #expect(RetryDecision.check(status: 503, headers: huge, maxRetryAfter: .seconds(10))?.retryAfter == .seconds(10))
        #expect(RetryDecision.check(status: 500, headers: huge)?.retryAfter == nil)
        #expect(RetryDecision.check(status: 200, headers: huge) == nil)
    }

    /// (retry, jitter, Retry-After) → the delay always lies in [initial, maximum] (Retry-After raises it, never past maximum).
    @Test(arguments: [
        (1, 0.0, nil, Duration.seconds(1)), (1, 0.0, Duration.seconds(30), .seconds(30)), (1, 0.0, .seconds(1_000_000), .seconds(300)),
        (100, 1.0, nil, .seconds(300)), (Int.max, 1.0, nil, .seconds(300)), (Int.min, 0.5, nil, .seconds(1)),
        (3, Double.nan, nil, .seconds(1)), (3, Double.infinity, nil, .seconds(4)), (3, -Double.infinity, nil, .seconds(1)),
    ] as [(Int, Double, Duration?, Duration)])
    func policyDelayStaysWithinBounds(retry: Int, jitter: Double, retryAfter: Duration?, expected: Duration) {
        let policy = RetryPolicy(initial: .seconds(1), maximum: .seconds(300))
        #expect(policy.delay(beforeRetry: retry, jitter: jitter, retryAfter: retryAfter) == expected)
    }

    @Test func pauseIsCappedForAlertmanagerByTheResendInterval() {
        let policy = RetryPolicy(initial: .seconds(1), maximum: .seconds(10))
        let (delay, pause) = RetrySchedule.pause(after: 20, now: Self.now, policy: policy, jitter: 1, retryAfter: .seconds(3600), cap: .seconds(5))
        #expect(delay == .seconds(5))
        #expect(pause.until == Self.now.addingTimeInterval(5))
        #expect(pause.failures == 20)
        // A cap below `initial` lowers both bounds.
        #expect(RetrySchedule.pause(after: 1, now: Self.now, policy: policy, jitter: 0, retryAfter: nil, cap: .milliseconds(200)).delay == .milliseconds(200))
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity, 1e300, -1e300, 1e17, Double.greatestFiniteMagnitude])
    func timesFromTheStateDirectoryAreClamped(seconds: Double) {
        let latest = Self.now.addingTimeInterval(300)
        let clamped = RetrySchedule.clampLoaded(Date(timeIntervalSince1970: seconds), latest: latest, fallback: Self.now)
        #expect(clamped.timeIntervalSince1970.isFinite)
        #expect(clamped <= latest)
        #expect(clamped.timeIntervalSince1970 >= TimeFormat.earliest)
        _ = TimeFormat.rfc3339(Date(timeIntervalSince1970: seconds))  // never traps
        #expect(RetrySchedule.sleep(until: Date(timeIntervalSince1970: seconds), now: Self.now, max: .seconds(300)) <= .seconds(300) + .milliseconds(1))
    }

    @Test(arguments: [(1e300, "9999-12-31T23:59:59Z"), (-1e300, "0001-01-01T00:00:00Z"), (Double.nan, "1970-01-01T00:00:00Z"),
                      (253_402_300_799.9999, "9999-12-31T23:59:59Z")] as [(Double, String)])
    func rfc3339OfAbsurdDates(seconds: Double, text: String) {
        #expect(TimeFormat.rfc3339(Date(timeIntervalSince1970: seconds)) == text)
        #expect(TimeFormat.humanDuration(1e300) != "")
    }

    // MARK: The outbox file

    static func entry(_ id: UInt64, next: Double, created: Double, attempts: Int = 1) -> OutboxEntry {
        OutboxEntry(id: id, integration: "hook/webhook[0]", receiver: "hook", kind: .trigger, alert: Fixture.alert(), fingerprint: Fixture.alert().fingerprint,
                    cycle: 1, attempts: attempts, createdAt: Date(timeIntervalSince1970: created), nextAttemptAt: Date(timeIntervalSince1970: next),
                    lastError: nil)
    }

    static func write(_ file: OutboxFile, to dir: String, replacing: [(String, String)] = []) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.sortedKeys]
        var text = String(decoding: try encoder.encode(file), as: UTF8.self)
        for (a, b) in replacing { text = text.replacingOccurrences(of: a, with: b) }
        try text.write(toFile: dir + "/outbox.json", atomically: true, encoding: .utf8)
    }

    @Test func absurdPersistedStateIsClampedOnLoad() async throws {
        let dir = Kit.tempDir()
        let now = Date()
        let file = OutboxFile(nextID: .max, cycle: .max,
                              entries: [Self.entry(.max - 1, next: 1e17, created: 1e18, attempts: .max), Self.entry(5, next: 123_456, created: 9e15)],
                              ledger: ["hook/webhook[0]|x": LedgerRecord(firedAt: now, resolved: false, lastNotifiedAt: Date(timeIntervalSince1970: 1e16))],
                              pauses: ["hook/webhook[0]": ReceiverPause(until: Date(timeIntervalSince1970: 1e17), failures: .max)])
        // 123456 is written as 1e400 (what Foundation refuses as JSON): rescued, not a discarded file.
        try Self.write(file, to: dir, replacing: [("123456", "1e400")])
        let outbox = Outbox(directory: dir, logger: Kit.logger())
        await outbox.load(now: now, maxDelay: .seconds(10))
        let s = outbox.state.withLock { $0 }
        let queue = try #require(s.queues["hook/webhook[0]"])
        #expect(queue.count == 2)
        let horizon = now.addingTimeInterval(10)
        for e in queue {
            #expect(e.nextAttemptAt <= horizon)
            #expect(e.createdAt <= now)
            #expect(e.attempts <= 1_000_000)
        }
        #expect(queue.map(\.id) == [1, 2])              // renumbered: ids near UInt64.max would overflow
        #expect(s.nextID == 3 && s.cycle == 1)
        #expect(try #require(s.pauses["hook/webhook[0]"]).until <= horizon)
        #expect(try #require(s.ledger["hook/webhook[0]|x"]).lastNotifiedAt <= now)
        #expect(!FileManager.default.fileExists(atPath: dir + "/outbox.json.corrupt"))
        // And the state still works: due within the horizon, then encodable again.
        var copy = s
        copy.notDurable = []
        guard case .send = copy.next(for: "hook/webhook[0]", mode: .single, now: horizon.addingTimeInterval(0.001), maxAge: 86400).0 else {
            Issue.record("entry not due after the clamped pause"); return
        }
        await outbox.persist()
        #expect(FileManager.default.fileExists(atPath: dir + "/outbox.json"))
    }

    // MARK: The crash repro, end to end through the dispatcher

    /// A webhook answering 429 with `Retry-After: 99999999999999999`: the dispatcher retries after
    /// `max_backoff` (no trap), persists a clamped time, and a restart on the same state directory
    /// retries again (no crash loop).
    @Test func hugeRetryAfterIsClampedAcrossRestart() async throws {
        let server = try LoopbackHTTPServer()
        server.route("/hooks/HUGE", LoopbackResponse(status: 429, headers: ["Retry-After": "99999999999999999"], body: "slow down"))
        let dir = Kit.tempDir()
        var config = Kit.config([Kit.webhook("hook", url: server.url("/hooks/HUGE"))], [Kit.route([:], ["hook"])])
        config.notify.maxBackoff = 0.2
        do {
            let d = try Kit.dispatcher(config, dir: dir)
            await d.start()
            await d.submit(transitions: [Kit.firing(Fixture.alert())], active: [Fixture.alert()], now: Date())
            let requests = await server.waitForRequests(count: 3)
            #expect(requests.count >= 3, "retried after the clamped pause")
            let stats = try #require(d.stats().first)
            #expect(stats.failed["rate_limited", default: 0] >= 2)
            #expect(stats.pausedFor <= 0.2)
            await d.shutdown(grace: .milliseconds(100))
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        let file = try decoder.decode(OutboxFile.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/outbox.json")))
        let persisted = try #require(file.entries.first)
        #expect(persisted.nextAttemptAt <= Date().addingTimeInterval(0.2))
        #expect(try #require(file.pauses?["hook/webhook[0]"]).until <= Date().addingTimeInterval(0.2))
        let before = server.requests.count
        let d2 = try Kit.dispatcher(config, dir: dir)
        await d2.start()
        let after = await server.waitForRequests(count: before + 2)
        #expect(after.count >= before + 2, "the restarted dispatcher retries too")
        await d2.shutdown(grace: .milliseconds(100))
    }

    // MARK: B. The pause holds the whole receiver

    @Test func pauseHoldsEveryEntryOfTheIntegration() {
        let now = Date()
        var s = OutboxState()
        s.append(OutboxStateTests().entry(1, .trigger, Fixture.alert(cluster: "a"), at: now))
        s.append(OutboxStateTests().entry(2, .trigger, Fixture.alert(cluster: "b"), at: now))
        s.notDurable = []
        s.pauses["i"] = ReceiverPause(until: now.addingTimeInterval(5), failures: 1)
        guard case .wait(let until) = s.next(for: "i", mode: .single, now: now, maxAge: 100).0 else { Issue.record("sent while paused"); return }
        #expect(until == now.addingTimeInterval(5))
        guard case .send(let batch) = s.next(for: "i", mode: .single, now: now.addingTimeInterval(5), maxAge: 100).0 else {
            Issue.record("not sent after the pause"); return
        }
        #expect(batch.map(\.id) == [1])
        #expect(s.next(for: "other", mode: .single, now: now, maxAge: 100).0.isWaitForever)  // other integrations are not paused
    }

    /// After a 429 with `Retry-After: 1` (max_backoff 5 s), a new notification for another cluster
    /// waits for the same pause, and the pause survives a restart.
    @Test func retryAfterPausesTheReceiverAndSurvivesRestart() async throws {
        let server = try LoopbackHTTPServer()
        let seen = Mutex<[ContinuousClock.Instant]>([])
        server.route("/hook") { _ in
            let n = seen.withLock { $0.append(.now); return $0.count }
            return n == 1 ? LoopbackResponse(status: 429, headers: ["Retry-After": "1"], body: "slow down") : LoopbackResponse(status: 200)
        }
        let dir = Kit.tempDir()
        var config = Kit.config([Kit.webhook("hook", url: server.url("/hook"))], [Kit.route([:], ["hook"])])
        config.notify.maxBackoff = 5
        let d = try Kit.dispatcher(config, dir: dir)
        await d.start()
        await d.submit(transitions: [Kit.firing(Fixture.alert(cluster: "a"))], active: [Fixture.alert(cluster: "a")], now: Date())
        #expect(await Kit.eventually { (d.stats().first?.pausedFor ?? 0) > 0.5 })
        let other = Fixture.alert(cluster: "b")
        await d.submit(transitions: [Kit.firing(other)], active: [Fixture.alert(cluster: "a"), other], now: Date())
        #expect(await Kit.eventually { d.stats().first?.sent == 2 })
        let times = seen.withLock { $0 }
        #expect(times.count == 3)
        if times.count == 3 {
            #expect(times[1] - times[0] >= .seconds(1), "the retry came \(times[1] - times[0]) after a 429 with Retry-After: 1")
            #expect(times[2] - times[0] >= .seconds(1), "the other cluster's post came \(times[2] - times[0]) after the 429")
        }
        await d.shutdown()

        // Persisted: a pause written by one process holds the next (clamped to max_backoff).
        let dir2 = Kit.tempDir()
        try Self.write(OutboxFile(nextID: 2, cycle: 1, entries: [Self.entry(1, next: 0, created: Date().timeIntervalSince1970)], ledger: [:],
                                  pauses: ["hook/webhook[0]": ReceiverPause(until: Date().addingTimeInterval(3600), failures: 2)]), to: dir2)
        let d2 = try Kit.dispatcher(config, dir: dir2)
        await d2.start()
        let paused = try #require(d2.stats().first).pausedFor
        #expect(paused > 3 && paused <= 5, "pause after restart: \(paused) s")
        await d2.shutdown()
    }
}

extension OutboxState.Next {
    var isWaitForever: Bool { if case .wait(nil) = self { true } else { false } }
}
