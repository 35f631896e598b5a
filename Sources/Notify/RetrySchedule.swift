#if canImport(Checked)
import Checked
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// The pure half of the retry machinery: what a receiver's answer means (status → reason, `Retry-After`
// → delay) and when the integration may try again (the pause). No I/O and no module but Foundation
// and Checked, so `scripts/fuzz/run.sh receiver` compiles it standalone with the fuzz harness (with
// RetryPolicy.swift, Redaction.swift, Support/TimeFormat.swift and Sources/Checked/Checked.swift).
//
// Every number from a receiver (status, `Retry-After`) or from the state directory (a persisted
// retry time) goes through `Checked`, so a hostile value is clamped, never a trap.

/// A low-cardinality cause of a failed delivery, used as the `reason` metric label
/// (`NotifyError.Reason`).
public enum NotifyFailureReason: String, Sendable, Hashable, CaseIterable, Codable {
    case clientError = "client_error"     // other 4xx: the payload or URL is wrong
    case authError = "auth_error"         // 401/403: key or token rejected
    case rateLimited = "rate_limited"     // 429
    case serverError = "server_error"     // 5xx
    case timeout                          // transport deadline or 408
    case transport                        // refused, reset, DNS, TLS
    case misconfigured                    // a secret could not be read
}

/// The shared status → retry decision, as alertmanager's `Retrier.Check`, except that 429 and 408
/// are retried and `Retry-After` is honoured (clamped to `notify.max_backoff`).
///
/// | status | outcome |
/// |---|---|
/// | 2xx | delivered |
/// | 408 | retry (`timeout`) — the receiver timed out reading us, a transient condition |
/// | 429 | retry (`rate_limited`) after `Retry-After` (seconds or HTTP-date) when given |
/// | 401, 403 | permanent (`auth_error`) |
/// | other 4xx (and 1xx/3xx: we never follow redirects) | permanent (`client_error`) |
/// | 5xx | retry (`server_error`) |
public enum RetryDecision {
    /// The longest `Retry-After` honoured when the caller gives no bound: `notify.max_backoff`'s default (5m).
    public static let defaultMaxRetryAfter: Duration = .seconds(300)

    /// nil when `status` is a success; otherwise why it failed and whether retrying can help.
    public static func classify(status: Int) -> (reason: NotifyFailureReason, retryable: Bool)? {
        switch status {
        case 200..<300: return nil
        case 408: return (.timeout, true)
        case 429: return (.rateLimited, true)
        case 401, 403: return (.authError, false)
        case 500..<600: return (.serverError, true)
        default: return (.clientError, false)
        }
    }

    /// `Retry-After` as a delay in `[0, max]`: delta-seconds (any number of digits: a value too large
    /// to represent is `max`) or an IMF-fixdate (a date in the past is zero, one past `now + max` is
    /// `max`). nil when absent or unparsable.
    ///
    /// - SeeAlso: https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
    public static func retryAfter(_ value: String?, now: Date, max: Duration = defaultMaxRetryAfter) -> Duration? {
        guard let value else { return nil }
        let raw = value.trimmingASCIISpaces()
        guard !raw.isEmpty else { return nil }
        if raw.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            // Digits only (RFC 9110 delay-seconds). A Double holds any digit string (≥ 10^309 is +inf → max).
            let seconds = Double(finite: raw) ?? .infinity
            return Duration.seconds(clamped: seconds, max: max) ?? max
        }
        if let date = TimeFormat.parseHTTPDate(raw) {
            return Duration.seconds(clamped: date.timeIntervalSince(now), max: max)
        }
        return nil
    }

    /// The first 200 characters of a response body on one line (receivers answer with short reasons).
    static func shortBody(_ body: String) -> String {
        // Look at a bounded prefix only: a receiver may answer with megabytes.
        let head = body.utf8.count > 4096 ? String(decoding: body.utf8.prefix(4096), as: UTF8.self) : body
        let line = head.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ")
        return line.count > 200 ? String(line.prefix(200)) + "…" : line
    }
}

/// When an integration may send again after a failure. Backoff and `Retry-After` pause the whole
/// receiver (every entry of the integration), not only the entries that failed: after a 429 nothing
/// else goes to that receiver before the time is up.
///
/// Invariant: `until` is within `[now, now + maximum]` of the moment it was computed, and a pause
/// loaded from disk is clamped to the same bound (so a corrupt or hostile `outbox.json` cannot
/// stall a receiver past `max_backoff`, nor trap on a huge number).
public struct ReceiverPause: Sendable, Hashable, Codable {
    /// No attempt before this.
    public var until: Date
    /// Failed attempts in a row (the backoff exponent); reset by a delivery.
    public var failures: Int

    public init(until: Date, failures: Int) { self.until = until; self.failures = failures }
}

/// The scheduling arithmetic of the outbox (pure).
public enum RetrySchedule {
    /// The pause after a failed attempt: the policy's delay before retry `failures` (≥ 1) with
    /// `jitter` in [0, 1), raised to `retryAfter`, everything clamped to `[0, cap]`.
    /// `cap` is `max_backoff` (Alertmanager: at most `alertmanager_resend_interval` as well).
    public static func pause(after failures: Int, now: Date, policy: RetryPolicy, jitter: Double, retryAfter: Duration?,
                             cap: Duration) -> (delay: Duration, pause: ReceiverPause) {
        let c = cap > .zero ? cap : policy.maximum
        let bounded = RetryPolicy(initial: Swift.min(policy.initial, c), maximum: Swift.min(policy.maximum, c))
        let delay = bounded.delay(beforeRetry: failures, jitter: jitter, retryAfter: retryAfter)
        return (delay, ReceiverPause(until: now.addingTimeInterval(delay.secondsValue), failures: Swift.max(failures, 1)))
    }

    /// A time read from the state directory, made safe: not finite → `fallback`; later than
    /// `latest` → `latest`; earlier than year 1 → year 1 (so every later conversion stays in range).
    public static func clampLoaded(_ date: Date, latest: Date, fallback: Date) -> Date {
        let t = date.timeIntervalSince1970
        guard t.isFinite else { return fallback }
        if t > latest.timeIntervalSince1970 { return latest }
        return t < TimeFormat.earliest ? Date(timeIntervalSince1970: TimeFormat.earliest) : date
    }

    /// How long a worker sleeps until `until`: `[0, max]` plus a millisecond (so it wakes after, not
    /// just before, the time); it re-checks the queue on waking, so a shorter sleep is only a loop.
    public static func sleep(until: Date, now: Date, max: Duration) -> Duration {
        (Duration.seconds(clamped: until.timeIntervalSince(now), max: max) ?? .zero) + .milliseconds(1)
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    func trimmingASCIISpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
