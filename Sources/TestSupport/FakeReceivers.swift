import Foundation
import HTTPTransport
import Synchronization

/// Loopback receivers that answer like the real services, built on `LoopbackHTTPServer`:
/// Slack's incoming webhook, PagerDuty's Events API v2 and a generic webhook. Each can be taken
/// "down" (503), made to rate-limit (429 + `Retry-After`) or to hang, and records the JSON it accepted.
///
/// Invariant: only requests answered with 2xx appear in `accepted`, in arrival order.
public final class FakeReceiver: Sendable {
    public enum Flavor: Sendable { case slack, pagerduty, webhook }
    /// What the receiver does with the next requests.
    public enum Mode: Sendable, Equatable {
        case up
        case down                          // 503
        case rateLimited(retryAfter: Int)  // 429 with Retry-After
        case hanging                       // reads, never answers
    }

    public let server: LoopbackHTTPServer
    public let flavor: Flavor
    public let path: String
    private let state: Mutex<(mode: Mode, script: [Mode], accepted: [[UInt8]])>

    public init(_ flavor: Flavor, path: String = "/hook") throws {
        self.server = try LoopbackHTTPServer()
        self.flavor = flavor
        self.path = path
        self.state = Mutex((.up, [], []))
        server.route(path) { [weak self] request in
            self?.handle(request) ?? LoopbackResponse(status: 500)
        }
    }

    public var url: String { server.url(path) }

    public func setMode(_ mode: Mode) { state.withLock { $0.mode = mode } }

    /// The next requests get these modes, one each, before the steady mode applies again.
    public func script(_ modes: [Mode]) { state.withLock { $0.script = modes } }

    /// Bodies accepted (2xx), parsed.
    public var accepted: [[String: Any]] {
        state.withLock { $0.accepted }.map { body in
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? wrapArray(body) ?? [:]
        }
    }

    /// Raw bodies accepted (2xx), for signature checks and golden comparisons.
    public var acceptedBodies: [[UInt8]] { state.withLock { $0.accepted } }

    /// Waits until `count` bodies were accepted or `timeout` passed; returns what was accepted.
    public func waitForAccepted(count: Int, timeout: Duration = .seconds(5)) async -> [[String: Any]] {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while acceptedBodies.count < count && ContinuousClock.now < deadline {
            // A new request wakes us; the 20 ms slice covers one that arrived between the check and the wait.
            let slice = min(deadline - ContinuousClock.now, .milliseconds(20))
            _ = await server.waitForRequests(count: server.requests.count + 1, timeout: slice)
        }
        return accepted
    }

    private func handle(_ request: RecordedRequest) -> LoopbackResponse {
        let mode = state.withLock { s in s.script.isEmpty ? s.mode : s.script.removeFirst() }
        switch mode {
        case .down: return LoopbackResponse(status: 503, body: "unavailable")
        case .rateLimited(let seconds): return LoopbackResponse(status: 429, headers: ["Retry-After": "\(seconds)"], body: "rate_limited")
        case .hanging: return .hang
        case .up: break
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? wrapArray(request.body) else {
            return invalid("body is not a JSON object")
        }
        switch flavor {
        case .slack:
            guard object["text"] is String || object["blocks"] is [Any] else { return LoopbackResponse(status: 400, body: "invalid_payload") }
            record(request.body)
            return LoopbackResponse(status: 200, headers: ["Content-Type": "text/html"], body: "ok")
        case .pagerduty:
            if let problem = Self.pagerDutyProblem(object) { return invalid(problem) }
            record(request.body)
            return .json(#"{"status":"success","message":"Event processed","dedup_key":"\#(object["dedup_key"] as? String ?? "")"}"#, status: 202)
        case .webhook:
            record(request.body)
            return LoopbackResponse(status: 200, body: "")
        }
    }

    private func wrapArray(_ body: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))).flatMap { $0 as? [Any] }.map { ["array": $0] }
    }

    private func record(_ body: [UInt8]) { state.withLock { $0.accepted.append(body) } }

    private func invalid(_ message: String) -> LoopbackResponse {
        .json(#"{"status":"invalid event","message":"Event object is invalid","errors":["\#(message)"]}"#, status: 400)
    }

    /// PagerDuty's validation of an Events v2 body: nil when valid.
    public static func pagerDutyProblem(_ o: [String: Any]) -> String? {
        guard let key = o["routing_key"] as? String, key.count == 32 else { return "'routing_key' must be 32 characters" }
        guard let action = o["event_action"] as? String, ["trigger", "acknowledge", "resolve"].contains(action) else {
            return "'event_action' is invalid"
        }
        if action != "trigger" {
            return (o["dedup_key"] as? String).map { $0.isEmpty ? "'dedup_key' is required" : nil } ?? "'dedup_key' is required"
        }
        guard let payload = o["payload"] as? [String: Any] else { return "'payload' is missing" }
        guard let summary = payload["summary"] as? String, !summary.isEmpty, summary.count <= 1024 else { return "'payload.summary' is invalid" }
        guard payload["source"] is String else { return "'payload.source' is missing" }
        guard let severity = payload["severity"] as? String, ["critical", "error", "warning", "info"].contains(severity) else {
            return "'payload.severity' is invalid"
        }
        return nil
    }
}
