import ClusterModel
import Config
import CurlTransport
import Foundation
import HTTPTransport
import Logging
import Synchronization
import Testing
@testable import Notify

/// A LogHandler that records every line with its metadata, for secret-leak checks.
struct RecordingLogHandler: LogHandler {
    final class Store: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
    }
    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let meta = metadata.merging(event.metadata ?? [:]) { $1 }
        let text = "\(event.level) \(event.message) " + meta.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        store.lines.withLock { $0.append(text) }
    }
}

/// Builders for configs, dispatchers and state directories.
enum Kit {
    static let transport = CurlTransport(logger: Logger(label: "test.curl", factory: { _ in SwiftLogNoOpLogHandler() }))

    static func logger(_ store: RecordingLogHandler.Store = .init()) -> Logger {
        Logger(label: "test.notify", factory: { _ in RecordingLogHandler(store: store) })
    }

    static func tempDir() -> String {
        let path = NSTemporaryDirectory() + "sealwatch-notify-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func secret(_ value: String, _ key: String) -> SecretSource { SecretSource(.literal(Secret(value)), keyPath: key) }

    static func slack(_ name: String, url: String) -> ReceiverConfig {
        ReceiverConfig(name: name, kind: .slack(SlackConfig(url: secret(url, "receivers.\(name).slack.url"))))
    }

    static func pagerduty(_ name: String, url: String, key: String = "R0UTINGKEY0123456789abcdefabcdef") -> ReceiverConfig {
        var c = PagerDutyConfig(routingKey: secret(key, "receivers.\(name).pagerduty.routing_key"))
        c.url = url
        return ReceiverConfig(name: name, kind: .pagerduty(c))
    }

    static func webhook(_ name: String, url: String, hmac: String? = nil, bearer: String? = nil, timeout: Double = 10) -> ReceiverConfig {
        var c = WebhookConfig(url: secret(url, "receivers.\(name).webhook.url"))
        c.hmacSecret = hmac.map { secret($0, "hmac") }
        c.bearerToken = bearer.map { secret($0, "bearer") }
        var r = ReceiverConfig(name: name, kind: .webhook(c))
        r.timeout = timeout
        return r
    }

    static func route(_ match: [String: String], _ receivers: [String], repeatInterval: Double = 0, sendResolved: Bool = true) -> RouteConfig {
        var r = RouteConfig(match: match, receivers: receivers)
        r.repeatInterval = repeatInterval
        r.sendResolved = sendResolved
        return r
    }

    /// Millisecond backoffs, no Slack pacing: tests stay fast.
    static func config(_ receivers: [ReceiverConfig], _ routes: [RouteConfig], slackMinInterval: Double = 0) -> SealwatchConfig {
        var settings = NotifySettings()
        settings.initialBackoff = 0.02
        settings.maxBackoff = 0.1
        settings.slackMinInterval = slackMinInterval
        return SealwatchConfig(clusters: [], receivers: receivers, routes: routes, notify: settings)
    }

    static func dispatcher(_ config: SealwatchConfig, dir: String, logs: RecordingLogHandler.Store = .init()) throws -> Dispatcher {
        try Dispatcher(config: config, transport: transport, stateDirectory: dir, environment: [:], logger: logger(logs),
                       options: DispatcherOptions(jitterSeed: 7))
    }

    static func firing(_ alert: Alert, at: Date = Date()) -> AlertTransition {
        AlertTransition(alert: alert, from: .pending, to: .firing, at: at)
    }

    static func resolving(_ alert: Alert, at: Date = Date()) -> AlertTransition {
        AlertTransition(alert: Fixture.resolved(alert, after: at.timeIntervalSince(alert.firedAt!)), from: .firing, to: .resolved, at: at)
    }

    /// Waits (bounded) until `condition` holds, re-checking every 10 ms.
    static func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while !condition() {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }
}

/// Fails the test if any secret appears in logs, errors, stats or test-delivery details.
func assertNoSecretLeaks(_ secrets: [String], logs: [String], texts: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    for secret in secrets {
        for line in logs + texts where line.contains(secret) {
            Issue.record("secret leaked: \(line)", sourceLocation: sourceLocation)
        }
    }
}
