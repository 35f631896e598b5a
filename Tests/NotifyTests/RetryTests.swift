import Foundation
import HTTPTransport
import Testing
@testable import Notify

/// The status → retry decision table (alertmanager's `RetryTests`), `Retry-After`, and the backoff schedule.
struct RetryTests {
    @Test(arguments: [
        (200, nil, false), (202, nil, false), (204, nil, false),
        (400, NotifyError.Reason.clientError, false), (401, .authError, false), (403, .authError, false),
        (404, .clientError, false), (410, .clientError, false), (413, .clientError, false), (302, .clientError, false),
        (408, .timeout, true), (429, .rateLimited, true),
        (500, .serverError, true), (502, .serverError, true), (503, .serverError, true), (504, .serverError, true),
    ] as [(Int, NotifyError.Reason?, Bool)])
    func decision(status: Int, reason: NotifyError.Reason?, retryable: Bool) {
        let error = RetryDecision.check(status: status, headers: [:])
        #expect(error?.reason == reason)
        #expect((error?.retryable ?? false) == retryable)
        #expect(error?.status == (reason == nil ? nil : status))
    }

    @Test func retryAfterSeconds() {
        let error = RetryDecision.check(status: 429, headers: ["Retry-After": "7"])
        #expect(error?.retryAfter == .seconds(7))
    }

    @Test func retryAfterHTTPDate() {
        let now = Date(timeIntervalSince1970: 784_111_767)  // Sun, 06 Nov 1994 08:49:27 GMT
        let error = RetryDecision.check(status: 429, headers: ["Retry-After": "Sun, 06 Nov 1994 08:49:37 GMT"], now: now)
        #expect(error?.retryAfter == .seconds(10))
        #expect(RetryDecision.retryAfter("Sun, 06 Nov 1994 08:49:17 GMT", now: now) == .zero)
        #expect(RetryDecision.retryAfter("soon", now: now) == nil)
    }

    @Test func transportErrorsAreRetryable() {
        #expect(NotifyError.transport(TransportError(.connectionRefused, "x"), target: "t").retryable)
        #expect(NotifyError.transport(TransportError(.timeout, "x"), target: "t").reason == .timeout)
        #expect(NotifyError.transport(TransportError(.tlsCertificate, "x"), target: "t").reason == .transport)
    }

    @Test func scheduleWithSeededJitter() {
        let policy = RetryPolicy(initial: .seconds(1), maximum: .seconds(300))
        var rng = SeededRandom(seed: 42)
        let delays = (1...12).map { policy.delay(beforeRetry: $0, jitter: rng.unit()) }
        // Windows: [1,1], [1,2], [1,4], … capped at [1,300].
        for (i, delay) in delays.enumerated() {
            let ceiling = min(300.0, Double(1 << i))
            #expect(delay >= .seconds(1) && delay <= .milliseconds(Int64(ceiling * 1000)), "retry \(i + 1): \(delay)")
        }
        #expect(delays[0] == .seconds(1))
        var again = SeededRandom(seed: 42)
        #expect(delays == (1...12).map { policy.delay(beforeRetry: $0, jitter: again.unit()) })  // deterministic
        #expect(policy.delay(beforeRetry: 3, jitter: 0) == .seconds(1))
        #expect(policy.delay(beforeRetry: 3, jitter: 1) == .seconds(4))
        #expect(policy.delay(beforeRetry: 40, jitter: 1) == .seconds(300))
        #expect(policy.delay(beforeRetry: 1, jitter: 0, retryAfter: .seconds(30)) == .seconds(30))
    }
}
