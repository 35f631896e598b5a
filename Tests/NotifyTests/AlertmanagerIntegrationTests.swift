import ClusterModel
import Config
import Foundation
import HTTPTransport
import Testing
import TestSupport
@testable import Notify

/// Sealwatch → a REAL Alertmanager (Debian's `prometheus-alertmanager`) → a loopback webhook:
/// the push arrives firing, then resolved.
let alertmanagerBinary = "/usr/bin/prometheus-alertmanager"

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: alertmanagerBinary)), .timeLimit(.minutes(1)))
struct AlertmanagerIntegrationTests {
    static let binary = alertmanagerBinary

    /// A free loopback port (bound by the kernel, then released for the child to take).
    static func freePort() throws -> Int {
        let probe = try LoopbackHTTPServer()
        let port = probe.port
        probe.stop()
        return port
    }

    @Test func pushArrivesThroughAlertmanagerFiringThenResolved() async throws {
        let hook = try FakeReceiver(.webhook)
        let dir = Kit.tempDir()
        let port = try Self.freePort()
        let yaml = """
        route:
          receiver: hook
          group_by: ['alertname', 'cluster']
          group_wait: 0s
          group_interval: 1s
          repeat_interval: 1h
        receivers:
          - name: hook
            webhook_configs:
              - url: '\(hook.url)'
                send_resolved: true
        """
        try yaml.write(toFile: dir + "/am.yml", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["--config.file=\(dir)/am.yml", "--storage.path=\(dir)/am-data",
                             "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=", "--log.level=warn"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }

        // Ready within 10 s (bounded polling of /-/ready; there is nothing to await on a child process).
        let ready = ContinuousClock.now.advanced(by: .seconds(10))
        var isReady = false
        while !isReady && ContinuousClock.now < ready {
            let response = try? await Kit.transport.send(HTTPRequest(url: "http://127.0.0.1:\(port)/-/ready", timeout: .milliseconds(500)))
            isReady = response?.status == 200
            if !isReady { try await Task.sleep(for: .milliseconds(100)) }
        }
        try #require(isReady, "alertmanager did not become ready")

        var config = Kit.config([ReceiverConfig(name: "am", kind: .alertmanager(AlertmanagerConfig(urls: ["http://127.0.0.1:\(port)"])))],
                                [Kit.route([:], ["am"])])
        config.notify.alertmanagerResendInterval = 60
        let d = try Kit.dispatcher(config, dir: dir)
        await d.start()
        let alert = Fixture.alert(summary: "vault-2 is sealed (integration test)")
        let firedAt = Date()
        var firing = alert
        firing.firedAt = firedAt
        firing.activeAt = firedAt
        await d.submit(transitions: [Kit.firing(firing, at: firedAt)], active: [firing], now: firedAt)
        let first = await hook.waitForAccepted(count: 1, timeout: .seconds(8))
        try #require(first.count == 1, "no firing notification through Alertmanager")
        #expect(first[0]["status"] as? String == "firing")
        let alerts = first[0]["alerts"] as? [[String: Any]] ?? []
        #expect((alerts.first?["labels"] as? [String: String])?["alertname"] == "VaultSealed")

        let resolvedAt = Date()
        await d.submit(transitions: [Kit.resolving(firing, at: resolvedAt)], active: [], now: resolvedAt)
        let both = await hook.waitForAccepted(count: 2, timeout: .seconds(8))
        await d.shutdown()
        try #require(both.count == 2, "no resolved notification through Alertmanager")
        #expect(both[1]["status"] as? String == "resolved")
        #expect(d.stats().first?.sent == 2)
    }
}
