import ClusterModel
import Config
import CurlTransport
import Logging
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `sealwatch check`: one probe cycle and the same rules, evaluated on what one cycle shows
/// (`RuleEngine.instantAlerts`: `for` is 0 and a window is the one sample), as a table or JSON.
/// Exit code follows the worst verdict, Nagios style: 0 ok, 1 warning, 2 critical, 3 unknown.
public enum CheckRunner {
    public enum Output: String, Sendable, CaseIterable { case table, json }

    public static func run(config: SealwatchConfig, environment: [String: String], output: Output, color: Bool,
                           logger: Logger) async -> (text: String, exitCode: Int32) {
        DaemonRunner.warnInsecure(config, logger)
        let transport = CurlTransport(logger: logger)
        defer { transport.shutdown() }
        let monitor = Monitor(config: config, transport: transport, environment: environment, metrics: nil, logger: logger)
        let view = await monitor.instantView(now: Date())
        switch output {
        case .json: return (String(decoding: StatusDocument(view).json(), as: UTF8.self) + "\n", view.verdict.exitCode)
        case .table: return (CheckReport(view: view, color: color).render(), view.verdict.exitCode)
        }
    }
}

extension Monitor {
    /// One cycle's snapshots judged by the instant rules, as a status view.
    func instantView(now: Date) async -> StatusView {
        let result = await cycle(now: now)
        var view = StatusView()
        view.version = SealwatchVersion.current
        view.ready = true
        view.lastCycleAt = now
        view.lastCycleSeconds = result.seconds
        view.clusters = config.clusters.map { c in
            let snap = result.snapshots.first { $0.cluster == c.name }
            let alerts = snap.map { engine.instantAlerts($0, now: now) } ?? []
            return StatusView.ClusterView(name: c.name, labels: c.labels, snapshot: snap, leader: snap?.leaderName,
                                          verdict: StatusView.verdict(snapshot: snap, alerts: alerts), alerts: alerts,
                                          events: [], latencyHistory: [:])
        }
        return view
    }
}
