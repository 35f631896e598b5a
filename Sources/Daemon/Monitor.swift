import ClusterModel
import Config
import HTTPTransport
import Logging
import Probing
import Rules
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The pure heart of the daemon with its mutable state: probers, snapshot windows, the alert book
/// and the event log. One `cycle` probes every cluster concurrently, evaluates the rules and
/// returns the transitions; it owns the only `var`s of the pipeline (STYLE principle 3).
public actor Monitor {
    public private(set) var config: SealwatchConfig
    private var probers: [ClusterProber]
    private(set) var engine: RuleEngine
    private var windows: [String: SnapshotWindow] = [:]
    public private(set) var book: AlertBook
    private var events: EventLog
    private var latest: [String: ClusterSnapshot] = [:]
    private var leaders: [String: String] = [:]
    private var latencyHistory: [String: [String: [Double?]]] = [:]
    private let transport: any HTTPTransport
    private let environment: [String: String]
    private let logger: Logger
    private let metrics: DaemonMetrics?

    /// Points kept per node for the status page sparkline.
    static let sparklinePoints = 60

    public init(config: SealwatchConfig, transport: any HTTPTransport, environment: [String: String],
                book: AlertBook = AlertBook(), metrics: DaemonMetrics?, logger: Logger) {
        self.config = config
        self.transport = transport
        self.environment = environment
        self.logger = logger
        self.metrics = metrics
        self.probers = Monitor.makeProbers(config, transport, environment, logger)
        self.engine = Monitor.makeEngine(config)
        self.book = book
        self.events = EventLog(capacityPerCluster: config.global.historySize)
    }

    static func makeProbers(_ c: SealwatchConfig, _ t: any HTTPTransport, _ env: [String: String], _ log: Logger) -> [ClusterProber] {
        c.clusters.map { ClusterProber(cluster: $0, global: c.global, transport: t, environment: env, logger: log) }
    }

    static func makeEngine(_ c: SealwatchConfig) -> RuleEngine {
        RuleEngine(clusters: c.clusters.map { cluster in
            ClusterRules(cluster: cluster.name, nodes: cluster.nodeRefs(),
                         expectedPeers: cluster.expectedPeers ?? cluster.nodes.map(\.raftNodeID),
                         settings: RuleCatalog.resolve(cluster.rules, runbookBase: c.global.runbookBaseURL),
                         labels: cluster.labels)
        })
    }

    /// The rule vocabulary the config loader validates `rules:` against.
    public static let ruleVocabulary = RuleVocabulary(names: RuleCatalog.names, validate: { RuleCatalog.validate($0, $1) })

    /// After loading persisted state: firing alerts stay firing, pending timers resume or restart.
    public func restore(_ saved: AlertBook, now: Date) -> [AlertTransition] {
        let restored = engine.restored(saved, now: now, outageToleranceSeconds: config.global.outageTolerance)
        let (pruned, transitions) = engine.pruned(restored, keeping: Set(config.clusters.map(\.name)), now: now)
        book = pruned
        return transitions
    }

    public struct CycleResult: Sendable {
        public var snapshots: [ClusterSnapshot]
        public var transitions: [AlertTransition]
        public var events: [ClusterEvent]
        public var alerts: [Alert]
        public var seconds: Double
    }

    /// One probe + evaluation cycle. `now` is the wall-clock time stamped on the snapshots.
    public func cycle(now: Date) async -> CycleResult {
        let started = ContinuousClock.now
        let probers = self.probers
        let snapshots = await withTaskGroup(of: (Int, ClusterSnapshot).self) { group in
            for (i, p) in probers.enumerated() { group.addTask { (i, await p.snapshot(now: now)) } }
            var out = [ClusterSnapshot?](repeating: nil, count: probers.count)
            for await (i, s) in group { out[i] = s }
            return out.compactMap { $0 }
        }
        var newEvents: [ClusterEvent] = []
        for snap in snapshots {
            let previous = latest[snap.cluster]
            newEvents += events.observe(previous: previous, current: snap)
            latest[snap.cluster] = snap
            var window = windows[snap.cluster] ?? SnapshotWindow(retentionSeconds: engine.retentionSeconds,
                                                                      sampleRetentionSeconds: engine.sampleRetentionSeconds)
            window.append(snap)
            windows[snap.cluster] = window
            let leader = snap.leaderName
            let changed = leader != nil && leaders[snap.cluster] != nil && leaders[snap.cluster] != leader
            if let leader { leaders[snap.cluster] = leader }
            metrics?.record(snap, leaderChanged: changed)
            var history = latencyHistory[snap.cluster] ?? [:]
            for n in snap.nodes {
                var h = history[n.node.name] ?? []
                h.append(n.latency)
                if h.count > Monitor.sparklinePoints { h.removeFirst(h.count - Monitor.sparklinePoints) }
                history[n.node.name] = h
            }
            latencyHistory[snap.cluster] = history
        }
        let (newBook, transitions) = engine.step(book, windows: windows, now: now)
        book = newBook
        for t in transitions {
            metrics?.recordTransition(t)
            if t.to == .firing || t.to == .resolved {
                let e = ClusterEvent(at: t.at, cluster: t.alert.cluster, node: t.alert.node, kind: .alert,
                                     message: "\(t.alert.name) \(t.to.rawValue): \(t.alert.annotations["summary"] ?? "")")
                events.record(e)
                newEvents.append(e)
            }
        }
        let alerts = book.sorted
        metrics?.record(alerts: alerts)
        metrics?.endCycle()
        let seconds = (ContinuousClock.now - started).seconds
        metrics?.recordCycle(seconds: seconds, at: Date())
        return CycleResult(snapshots: snapshots, transitions: transitions, events: newEvents, alerts: alerts, seconds: seconds)
    }

    /// Swaps in a validated config. Windows and alerts of clusters that still exist are kept;
    /// alerts of removed clusters resolve (returned as transitions).
    public func apply(_ newConfig: SealwatchConfig, now: Date) -> [AlertTransition] {
        config = newConfig
        probers = Monitor.makeProbers(newConfig, transport, environment, logger)
        engine = Monitor.makeEngine(newConfig)
        let keep = Set(newConfig.clusters.map(\.name))
        let (retention, sampleRetention) = (engine.retentionSeconds, engine.sampleRetentionSeconds)
        windows = windows.filter { keep.contains($0.key) }
            .mapValues { $0.rewindowed(retentionSeconds: retention, sampleRetentionSeconds: sampleRetention) }
        latest = latest.filter { keep.contains($0.key) }
        latencyHistory = latencyHistory.filter { keep.contains($0.key) }
        metrics?.forgetClusters(except: keep)
        let (pruned, transitions) = engine.pruned(book, keeping: keep, now: now)
        book = pruned
        return transitions
    }

    /// The view the HTTP endpoints and the STATUS line show.
    public func statusView() -> [StatusView.ClusterView] {
        config.clusters.map { c in
            let snap = latest[c.name]
            let alerts = book.sorted.filter { $0.cluster == c.name }
            return StatusView.ClusterView(name: c.name, labels: c.labels, snapshot: snap, leader: snap?.leaderName,
                                          verdict: StatusView.verdict(snapshot: snap, alerts: alerts), alerts: alerts,
                                          events: events.recent(cluster: c.name, limit: 50),
                                          latencyHistory: latencyHistory[c.name] ?? [:])
        }
    }

    public func lastChange(cluster: String, node: String) -> ClusterEvent? { events.lastChange(cluster: cluster, node: node) }
}
