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
    public init(receiver: String, events: [AlertEvent], now: Date) {
        self.receiver = receiver; self.events = events; self.now = now
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

    public init(receiver: String, kind: String, index: Int, notifier: any Notifier, batching: BatchMode,
                minInterval: Duration? = nil, fingerprint: String = "") {
        self.receiver = receiver; self.kind = kind; self.index = index; self.notifier = notifier
        self.batching = batching; self.minInterval = minInterval; self.fingerprint = fingerprint
    }

    /// "chat/slack[0]".
    public var id: String { "\(receiver)/\(kind)[\(index)]" }
}

/// Posts JSON with the shared retry decision; the integrations' common HTTP step.
struct JSONPoster: Sendable {
    let transport: any HTTPTransport
    let timeout: Duration
    let tls: TLSOptions
    /// Secret strings to scrub from any response text that reaches an error.
    let secrets: [String]

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
        if var failure = RetryDecision.check(status: response.status, headers: response.headers,
                                             body: response.bodyText, target: target, now: now) {
            failure.detail = scrub(failure.detail, secrets: secrets)
            throw failure
        }
        return response
    }
}
