import Foundation
import TestSupport
import Testing

/// Issue 11's crash loop, end to end with the real binary: a webhook receiver answering `429` with
/// `Retry-After: 99999999999999999` used to kill the daemon (SIGILL) on the first retry and on every
/// restart, because the retry time was persisted. Needs no real cluster: a fake sealed node
/// (SystemdIntegrationTests' `FakeCluster`) fires an alert (ClusterSealed).
@Suite(.serialized, .enabled(if: IT.enabled), .timeLimit(.minutes(2)))
struct HostileReceiverTests {
    static let secret = "hostile-hook-secret-5f1d9c"

    @Test func hugeRetryAfterNeitherCrashesNorLoopsNorLeaksTheURL() async throws {
        let fake = try FakeCluster(count: 1, sealed: [0])
        defer { fake.stop() }
        let receiver = try LoopbackHTTPServer()
        defer { receiver.stop() }
        let path = "/hooks/\(Self.secret)"
        receiver.setFallback { request in
            // Echo the request line, as an unconfigured route of a web framework does.
            LoopbackResponse(status: 429, headers: ["Retry-After": "99999999999999999"], body: "Cannot POST \(request.target)")
        }
        let dir = IT.tempDir("hostile")
        let config = dir + "/c.yml"
        try """
        global: {interval: 500ms, timeout: 300ms, state_dir: \(dir)/state}
        listen: {address: "127.0.0.1:0"}
        clusters:
        \(fake.yaml("prod"))
            rules:
              VaultSealed: {for: 0s}
        receivers:
          - {name: hook, webhook: {url: "\(receiver.url(path + "?token=\(Self.secret)-q"))"}}
        routes:
          - {match: {}, receivers: [hook]}
        notify: {initial_backoff: 100ms, max_backoff: 1s}
        """.write(toFile: config, atomically: true, encoding: .utf8)

        // First run: the first attempt, then retries after at most max_backoff (1 s), alive.
        let first = try DaemonProcess(config: config)
        defer { first.stop() }
        _ = await receiver.waitForRequests(count: 3, timeout: .seconds(20))
        #expect(receiver.requests.count >= 3, "no retry within 20 s; log:\n\(first.log.suffix(3000))")
        #expect(first.isRunning, "daemon died (\(first.exitStatus ?? -1)); log:\n\(first.log.suffix(3000))")
        #expect(FileManager.default.fileExists(atPath: dir + "/state/outbox.json"))
        first.kill9()

        // Restart on the same state directory: the persisted retry time is clamped, no crash loop.
        let before = receiver.requests.count
        let second = try DaemonProcess(config: config)
        defer { second.stop() }
        _ = await receiver.waitForRequests(count: before + 3, timeout: .seconds(20))
        #expect(receiver.requests.count >= before + 3, "no retry after restart; log:\n\(second.log.suffix(3000))")
        #expect(second.isRunning, "restarted daemon died (\(second.exitStatus ?? -1)); log:\n\(second.log.suffix(3000))")
        let logs = first.log + second.log
        second.stop()

        // The URL's secret path and query never reach the logs or the state directory.
        #expect(logs.contains("will retry"), "no retry logged:\n\(logs.suffix(2000))")
        #expect(!logs.contains(Self.secret), "secret in the daemon's log")
        let files = try FileManager.default.subpathsOfDirectory(atPath: dir + "/state")
        for file in files {
            let data = FileManager.default.contents(atPath: dir + "/state/" + file) ?? Data()
            #expect(data.range(of: Data(Self.secret.utf8)) == nil, "secret in state file \(file)")
        }
    }
}
