import ClusterModel
import HTTPTransport

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What happened to an alert, from a receiver's point of view.
public enum EventKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// The alert started firing.
    case trigger
    /// The alert resolved (only after its trigger was accepted for this receiver).
    case resolve
    /// Still firing after `repeat_interval` (or Alertmanager's resend interval).
    case `repeat`
    /// `sealwatch notify test`: a synthetic alert, trigger side.
    case test
    /// `sealwatch notify test`: the synthetic alert's resolve.
    case testResolve = "test_resolve"

    /// True for the kinds that tell the receiver the alert is over.
    public var isResolve: Bool { self == .resolve || self == .testResolve }
}

/// One alert and what to say about it.
public struct AlertEvent: Sendable, Hashable {
    public var kind: EventKind
    public var alert: Alert
    public init(kind: EventKind, alert: Alert) { self.kind = kind; self.alert = alert }
}

/// What a notifier delivers in one call: events for one receiver, grouped as the integration
/// allows (Slack and webhook: one cluster per batch; PagerDuty: one event each; Alertmanager: any).
/// `now` is the time of this attempt (Alertmanager's `endsAt` horizon uses it).
///
/// Invariant: at most one event per alert fingerprint (a trigger and its resolve never share a batch).
public struct AlertBatch: Sendable, Hashable {
    public var receiver: String
    public var events: [AlertEvent]
    public var now: Date
    /// Stable identity of this notification: the same on every retry and after a restart, so a
    /// receiver can drop duplicates (`X-Sealwatch-Notification-Id`). The outbox derives it from its
    /// entries (`NotificationID.of(entries:)`); when empty, notifiers derive it from the events.
    public var notificationID: String

    public init(receiver: String, events: [AlertEvent], now: Date, notificationID: String = "") {
        self.receiver = receiver; self.events = events; self.now = now; self.notificationID = notificationID
    }

    /// `notificationID`, or one derived from the events when none was given.
    public var stableID: String { notificationID.isEmpty ? NotificationID.of(events: events) : notificationID }
}

/// The notification id header's value: 32 hex digits of SHA-256 over what the notification says —
/// per event its fingerprint, `startsAt` (the firing it belongs to) and kind, and for a repeat also
/// when it was accepted (so successive repeats differ). Instances with identical configs give the
/// same id for the same trigger or resolve; the same notification keeps its id across retries and
/// restarts (the inputs are persisted in the outbox).
public enum NotificationID {
    /// The header carrying it on webhook and Slack posts.
    public static let header = "X-Sealwatch-Notification-Id"

    public static func of(events: [AlertEvent], acceptedAt: [Date?] = []) -> String {
        var lines: [String] = []
        for (i, event) in events.enumerated() {
            var line = "\(event.alert.fingerprint)|\(TimeFormat.rfc3339(AlertText.startsAt(event.alert)))|\(event.kind.rawValue)"
            if event.kind == .repeat, i < acceptedAt.count, let at = acceptedAt[i] { line += "|" + TimeFormat.rfc3339(at) }
            lines.append(line)
        }
        return String(hexString(SHA256.hash(Array(lines.sorted().joined(separator: "\n").utf8))).prefix(32))
    }

    static func of(entries: [OutboxEntry]) -> String {
        of(events: entries.map { AlertEvent(kind: $0.kind, alert: $0.alert) }, acceptedAt: entries.map(\.createdAt))
    }
}

/// The one role every integration plays: deliver a batch, or say why not and whether retrying can help.
public protocol Notifier: Sendable {
    func notify(_ batch: AlertBatch) async throws(NotifyError)
}

/// How the outbox may group pending events of one integration into a batch.
public enum BatchMode: Sendable, Hashable {
    /// One event per call (PagerDuty has no batch endpoint).
    case single
    /// Events of the same cluster and submit cycle together (one Slack message, one webhook post).
    case perCluster
    /// Everything due together, up to a cap (Alertmanager's `POST /api/v2/alerts` takes an array).
    case all(max: Int)
}

/// A configured notifier with its identity, as alertmanager's `Integration` ("slack[0]").
///
/// Invariant: `id` is unique among the integrations built from one config and stable across
/// restarts and reloads while the receiver keeps its name (outbox entries are keyed by it).
public struct Integration: Sendable {
    /// Receiver name from the config.
    public let receiver: String
    /// "slack", "pagerduty", "webhook" or "alertmanager".
    public let kind: String
    /// Position within the receiver (Alertmanager: one integration per URL; others: 0).
    public let index: Int
    public let notifier: any Notifier
    public let batching: BatchMode
    /// Minimum spacing between two sends (Slack pacing); nil = none.
    public let minInterval: Duration?
    /// The config this was built from; a reload restarts the worker only when it changed.
    public let fingerprint: String
    /// Texts never to log or persist (URL path and query, keys, tokens): the outbox scrubs every
    /// error of this integration with them before it reaches a log line or `outbox.json`.
    let secrets: [String]

    public init(receiver: String, kind: String, index: Int, notifier: any Notifier, batching: BatchMode,
                minInterval: Duration? = nil, fingerprint: String = "") {
        self.init(receiver: receiver, kind: kind, index: index, notifier: notifier, batching: batching,
                  minInterval: minInterval, fingerprint: fingerprint, secrets: [])
    }

    init(receiver: String, kind: String, index: Int, notifier: any Notifier, batching: BatchMode,
         minInterval: Duration?, fingerprint: String, secrets: [String]) {
        self.receiver = receiver; self.kind = kind; self.index = index; self.notifier = notifier
        self.batching = batching; self.minInterval = minInterval; self.fingerprint = fingerprint; self.secrets = secrets
    }

    /// "chat/slack[0]".
    public var id: String { "\(receiver)/\(kind)[\(index)]" }
}

/// Posts JSON with the shared retry decision; the integrations' common HTTP step.
struct JSONPoster: Sendable {
    let transport: any HTTPTransport
    let timeout: Duration
    let tls: TLSOptions
    /// Secret strings to scrub from any response text that reaches an error (the configured
    /// secrets; the secret parts of each request are added per request, `Secrets.of`).
    let secrets: [String]
    /// The longest `Retry-After` honoured (`notify.max_backoff`).
    var maxRetryAfter: Duration = RetryDecision.defaultMaxRetryAfter

    /// POSTs `body` to `url`; `target` is the redacted name used in errors. Returns the response on 2xx.
    @discardableResult
    func post(url: String, body: [UInt8], headers extra: HTTPHeaders = [:], target: String, now: Date) async throws(NotifyError) -> HTTPResponse {
        var headers: HTTPHeaders = ["Content-Type": "application/json", "User-Agent": "sealwatch"]
        for header in extra { headers.add(header.name, header.value) }
        let request = HTTPRequest(method: .POST, url: url, headers: headers, body: body, timeout: timeout,
                                  maxResponseBytes: 64 * 1024, tls: tls)
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch {
            throw NotifyError.transport(error, target: target)
        }
        if let failure = RetryDecision.check(status: response.status, headers: response.headers, body: response.bodyText,
                                             target: target, now: now, maxRetryAfter: maxRetryAfter,
                                             secrets: secrets + Secrets.of(request)) {
            throw failure
        }
        return response
    }
}

extension Secrets {
    /// The secret parts of `request` (URL path and query, `Authorization`, a routing key in the body).
    static func of(_ request: HTTPRequest) -> [String] {
        of(url: request.url, authorization: request.headers["Authorization"], body: request.body)
    }
}
