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
    /// A low-cardinality cause, used as the `reason` metric label (defined with the pure retry
    /// decision in RetrySchedule.swift, so the fuzz harness compiles without this file).
    public typealias Reason = NotifyFailureReason
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

extension RetryDecision {
    /// nil when `status` is a success; otherwise the error to throw. `now` resolves an HTTP-date
    /// `Retry-After`, which is clamped to `maxRetryAfter` (`notify.max_backoff`). The body snippet
    /// in `detail` is scrubbed of `secrets` (see `Secrets.scrub`).
    public static func check(status: Int, headers: HTTPHeaders, body: String = "", target: String = "", now: Date = Date(),
                             maxRetryAfter: Duration = defaultMaxRetryAfter, secrets: [String] = []) -> NotifyError? {
        guard let (reason, retryable) = classify(status: status) else { return nil }
        let snippet = Secrets.scrub(shortBody(body), secrets: secrets)
        let detail = "\(target.isEmpty ? "" : target + ": ")HTTP \(status)\(snippet.isEmpty ? "" : " " + snippet)"
        let retryAfter = status == 429 || status == 503 ? retryAfter(headers["Retry-After"], now: now, max: maxRetryAfter) : nil
        return NotifyError(reason: reason, retryable: retryable, retryAfter: retryAfter, status: status, detail: detail)
    }
}
