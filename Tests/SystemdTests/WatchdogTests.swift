import Systemd
import Testing

@Suite struct WatchdogTests {
    struct ConfigCase: Sendable, CustomTestStringConvertible {
        let name: String
        let environment: [String: String]
        let expected: Result<Duration?, SystemdEnvironmentError>
        var testDescription: String { name }
    }

    static let pid: Int32 = 4321
    static let configCases: [ConfigCase] = [
        .init(name: "usec unset", environment: [:], expected: .success(nil)),
        .init(name: "pid unset", environment: ["WATCHDOG_USEC": "30000000"], expected: .success(.seconds(30))),
        .init(name: "pid match", environment: ["WATCHDOG_USEC": "200000", "WATCHDOG_PID": "4321"], expected: .success(.milliseconds(200))),
        .init(name: "pid mismatch", environment: ["WATCHDOG_USEC": "200000", "WATCHDOG_PID": "4322"], expected: .success(nil)),
        .init(name: "pid without usec", environment: ["WATCHDOG_PID": "4321"], expected: .success(nil)),
        .init(name: "garbage usec", environment: ["WATCHDOG_USEC": "30s"],
              expected: .failure(.init(variables: ["WATCHDOG_USEC"], reason: "expected a positive number of microseconds, got \"30s\""))),
        .init(name: "negative usec", environment: ["WATCHDOG_USEC": "-5"],
              expected: .failure(.init(variables: ["WATCHDOG_USEC"], reason: "expected a positive number of microseconds, got \"-5\""))),
        .init(name: "zero usec", environment: ["WATCHDOG_USEC": "0"],
              expected: .failure(.init(variables: ["WATCHDOG_USEC"], reason: "expected a positive number of microseconds, got \"0\""))),
        .init(name: "infinite usec", environment: ["WATCHDOG_USEC": "18446744073709551615"],
              expected: .failure(.init(variables: ["WATCHDOG_USEC"], reason: "expected a positive number of microseconds, got \"18446744073709551615\""))),
        .init(name: "garbage pid", environment: ["WATCHDOG_USEC": "200000", "WATCHDOG_PID": "self"],
              expected: .failure(.init(variables: ["WATCHDOG_PID"], reason: "expected a pid, got \"self\""))),
    ]

    @Test(arguments: configCases)
    func config(_ c: ConfigCase) {
        let got = Result { () throws(SystemdEnvironmentError) -> Duration? in
            try WatchdogConfig.from(environment: c.environment, pid: Self.pid)?.timeout
        }
        #expect(got == c.expected)
    }

    @Test func pingIntervalIsHalfTheTimeout() {
        #expect(WatchdogConfig(timeout: .seconds(30)).pingInterval == .seconds(15))
    }

    @Test(arguments: [
        (Duration.zero, Duration.seconds(10), true),
        (.seconds(9), .seconds(10), true),
        (.milliseconds(9_999), .seconds(10), true),
        (.seconds(10), .seconds(10), false),
        (.seconds(11), .seconds(10), false),
        (.seconds(3600), .seconds(10), false),
    ])
    func shouldPing(age: Duration, maxStall: Duration, expected: Bool) {
        #expect(Watchdog.shouldPing(age: age, maxStall: maxStall) == expected)
    }

    @Test func heartbeatAge() {
        let start = ContinuousClock.now
        let heartbeat = Heartbeat(now: start)
        #expect(heartbeat.age(now: start + .seconds(3)) == .seconds(3))
        heartbeat.beat(now: start + .seconds(5))
        #expect(heartbeat.lastBeat == start + .seconds(5))
        #expect(heartbeat.age(now: start + .seconds(6)) == .seconds(1))
    }

    /// Pings flow while heartbeats are fresh and stop once they go stale (WATCHDOG_USEC=200 ms).
    @Test(.timeLimit(.minutes(1)))
    func runPingsOnlyWhileProgressing() async throws {
        let listener = try DatagramListener(abstract: true)
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.notifySocket]))
        let config = try #require(try WatchdogConfig.from(environment: ["WATCHDOG_USEC": "200000"]))
        let heartbeat = Heartbeat()
        let maxStall = Duration.milliseconds(300)
        let watchdog = Task { await Watchdog(config: config).run(heartbeat: heartbeat, maxStall: maxStall, notifier: notifier) }
        defer { watchdog.cancel() }

        // Phase 1: a loop making progress every 20 ms for 500 ms -> pings every 100 ms.
        let clock = ContinuousClock()
        let phase1End = clock.now + .milliseconds(500)
        while clock.now < phase1End {
            heartbeat.beat()
            try await Task.sleep(for: .milliseconds(20))
        }
        let fresh = listener.drain()
        #expect(fresh.count >= 3)
        #expect(fresh.allSatisfy { $0 == "WATCHDOG=1" })

        // Phase 2: progress stops. Within maxStall + one ping interval (+ slack) the pings must stop.
        try await Task.sleep(for: maxStall + .milliseconds(200))
        _ = listener.drain()
        // Phase 3: a stalled loop gets no pings at all.
        try await Task.sleep(for: .milliseconds(500))
        #expect(listener.drain().isEmpty)

        // Progress resumes: pings resume.
        heartbeat.beat()
        try await Task.sleep(for: .milliseconds(250))
        #expect(!listener.drain().isEmpty)

        watchdog.cancel()
        await watchdog.value
    }
}
