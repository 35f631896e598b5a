import HTTPTransport

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Why a delivery failed, and whether trying again can help. The integration decides *whether*
/// to retry (`retryable`); the outbox decides *when* (`RetryPolicy`).
///
/// Invariant: `detail` never holds a secret (URLs pass through `RedactURL`, bodies are cut short
/// and scrubbed of the integration's secrets).
public struct NotifyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A low-cardinality cause, used as the `reason` metric label.
    public enum Reason: String, Sendable, Hashable, CaseIterable, Codable {
        case clientError = "client_error"     // other 4xx: the payload or URL is wrong
        case authError = "auth_error"         // 401/403: key or token rejected
        case rateLimited = "rate_limited"     // 429
        case serverError = "server_error"     // 5xx
        case timeout                          // transport deadline or 408
        case transport                        // refused, reset, DNS, TLS
        case misconfigured                    // a secret could not be read
    }
    public var reason: Reason
    public var retryable: Bool
    /// The receiver's `Retry-After`, when it gave one.
    public var retryAfter: Duration?
    /// HTTP status, when there was a response.
    public var status: Int?
    /// Redacted, short, for logs.
    public var detail: String

    public init(reason: Reason, retryable: Bool, retryAfter: Duration? = nil, status: Int? = nil, detail: String) {
        self.reason = reason; self.retryable = retryable; self.retryAfter = retryAfter
        self.status = status; self.detail = detail
    }

    public var description: String {
        "\(reason.rawValue)\(status.map { " (HTTP \($0))" } ?? ""): \(detail)\(retryable ? "" : " [permanent]")"
    }

    /// A transport failure: always retryable (the request may not even have left).
    public static func transport(_ error: TransportError, target: String) -> NotifyError {
        NotifyError(reason: error.kind == .timeout ? .timeout : .transport, retryable: error.kind != .invalidRequest,
                    detail: "\(target): \(error.kind.rawValue)")
    }
}

/// The shared status → retry decision, as alertmanager's `Retrier.Check`, except that 429 and 408
/// are retried and `Retry-After` is honoured.
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
    /// nil when `status` is a success; otherwise the error to throw. `now` resolves HTTP-date `Retry-After`.
    public static func check(status: Int, headers: HTTPHeaders, body: String = "", target: String = "", now: Date = Date()) -> NotifyError? {
        let snippet = shortBody(body)
        let detail = "\(target.isEmpty ? "" : target + ": ")HTTP \(status)\(snippet.isEmpty ? "" : " " + snippet)"
        switch status {
        case 200..<300: return nil
        case 408: return NotifyError(reason: .timeout, retryable: true, status: status, detail: detail)
        case 429:
            return NotifyError(reason: .rateLimited, retryable: true, retryAfter: retryAfter(headers["Retry-After"], now: now),
                               status: status, detail: detail)
        case 401, 403: return NotifyError(reason: .authError, retryable: false, status: status, detail: detail)
        case 500..<600: return NotifyError(reason: .serverError, retryable: true, status: status, detail: detail)
        default: return NotifyError(reason: .clientError, retryable: false, status: status, detail: detail)
        }
    }

    /// `Retry-After` as a delay: delta-seconds or an IMF-fixdate (a date in the past is zero).
    public static func retryAfter(_ value: String?, now: Date) -> Duration? {
        guard let value else { return nil }
        let raw = String(value.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
        guard !raw.isEmpty else { return nil }
        if let seconds = Int(raw), seconds >= 0 { return .seconds(seconds) }
        if let date = TimeFormat.parseHTTPDate(raw) {
            let delta = date.timeIntervalSince(now)
            return delta > 0 ? .milliseconds(Int64((delta * 1000).rounded())) : .zero
        }
        return nil
    }

    /// The first 200 characters of a response body on one line (receivers answer with short reasons).
    static func shortBody(_ body: String) -> String {
        let line = body.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ")
        return line.count > 200 ? String(line.prefix(200)) + "…" : line
    }
}
