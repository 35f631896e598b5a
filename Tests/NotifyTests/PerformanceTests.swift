import ClusterModel
import Foundation
import Testing
import TestSupport
@testable import Notify

/// A burst of 1,000 alerts (100 clusters × 10) in one cycle to a loopback webhook. Only PRINTS the
/// numbers (no timing assertion): how long `submit` blocks the poll loop, and until all are delivered.
struct PerformanceTests {
    @Test func burstOfAThousandAlerts() async throws {
        let hook = try FakeReceiver(.webhook)
        let d = try Kit.dispatcher(Kit.config([Kit.webhook("hook", url: hook.url)], [Kit.route([:], ["hook"])]), dir: Kit.tempDir())
        await d.start()
        let now = Date()
        let alerts = (0..<100).flatMap { c in
            (0..<10).map { n in Fixture.alert("NodeUnreachable", cluster: "cluster-\(c)", node: "vault-\(n)", summary: "unreachable for 30s") }
        }
        let started = ContinuousClock.now
        await d.submit(transitions: alerts.map { Kit.firing($0, at: now) }, active: alerts, now: now)
        let submitted = ContinuousClock.now - started
        let delivered = await hook.waitForAccepted(count: 100, timeout: .seconds(15))  // one message per cluster
        let allDone = ContinuousClock.now - started
        let events = delivered.reduce(0) { $0 + (($1["alerts"] as? [Any])?.count ?? 0) }
        await d.shutdown()
        print("notify burst: 1000 alerts / 100 clusters: submit \(submitted), all delivered \(allDone) (\(delivered.count) webhook posts, \(events) alerts)")
        #expect(events == 1000)
    }
}
