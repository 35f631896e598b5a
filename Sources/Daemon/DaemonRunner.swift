import Checked
import ClusterModel
import Config
import CurlTransport
import HTTPTransport
import Dispatch
import Logging
import MetricsServer
import StateStore
import Systemd
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Sealwatch's version, shown in `sealwatch_build_info`, `--version` and the status page.
public enum SealwatchVersion { public static let current = "0.1.0" }

/// Process exit codes (sysexits.h, and Nagios codes for `check`).
public enum SealwatchExit {
    public static let ok: Int32 = 0
    public static let software: Int32 = 70    // EX_SOFTWARE
    public static let cantCreate: Int32 = 73  // EX_CANTCREAT: state directory
    public static let unavailable: Int32 = 69 // EX_UNAVAILABLE: listen address in use
    public static let config: Int32 = 78      // EX_CONFIG
}

/// What the command line passes to the daemon.
public struct DaemonOptions: Sendable {
    public var configPath: String
    public var stateDir: String?
    public var listenAddress: String?
    public var environment: [String: String]
    public init(configPath: String, stateDir: String? = nil, listenAddress: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.configPath = configPath; self.stateDir = stateDir; self.listenAddress = listenAddress; self.environment = environment
    }
}

/// Where the daemon hands alert transitions: the notification dispatcher (or a log-only sink).
public protocol AlertSink: Sendable {
    func start() async
    func submit(transitions: [AlertTransition], active: [Alert], now: Date) async
    func reload(config: SealwatchConfig) async
    func shutdown() async
    func updateMetrics(_ metrics: DaemonMetrics)
    /// Firing alerts that no route sends anywhere (shown on the status page).
    func unroutedAlerts() -> [AlertKey]
}

/// The composition root: wires config, transport, monitor, state store, notifications, metrics
/// server and systemd together and runs the poll loop until SIGTERM.
public final class DaemonRunner: Sendable {
    let options: DaemonOptions
    let logger: Logger
    public init(options: DaemonOptions, logger: Logger) { self.options = options; self.logger = logger }

    /// Loads and validates the configuration; errors name the key path and line.
    public static func loadConfig(_ path: String, environment: [String: String]) throws(ConfigError) -> SealwatchConfig {
        try ConfigLoader(rules: Monitor.ruleVocabulary, environment: environment).load(path: path)
    }

    public static func stateDirectory(_ options: DaemonOptions, _ config: SealwatchConfig) -> String {
        options.stateDir ?? config.global.stateDir
    }

    static func warnInsecure(_ config: SealwatchConfig, _ logger: Logger) {
        for c in config.clusters where c.tls.insecureSkipVerify {
            logger.warning("TLS VERIFICATION IS DISABLED for this cluster (insecure_skip_verify: true): node certificates are not checked and a man in the middle can impersonate Vault",
                           metadata: ["cluster": "\(c.name)"])
        }
        for r in config.receivers where r.tls.insecureSkipVerify {
            logger.warning("TLS VERIFICATION IS DISABLED for this receiver (insecure_skip_verify: true)", metadata: ["receiver": "\(r.name)"])
        }
    }

    /// Runs until SIGTERM/SIGINT; returns the process exit code.
    public func run(config initial: SealwatchConfig, makeSink: @Sendable (SealwatchConfig, any HTTPTransport, String) throws -> any AlertSink) async -> Int32 {
        var config = initial
        let env = options.environment
        DaemonRunner.warnInsecure(config, logger)
        let stateDir = DaemonRunner.stateDirectory(options, config)
        do { try StateDirectory.ensureWritable(stateDir) } catch {
            logger.critical("cannot use the state directory: \(error)", metadata: ["path": "\(stateDir)"])
            return SealwatchExit.cantCreate
        }
        let mailbox = Mailbox()
        let signals = SignalHandlers(mailbox: mailbox)
        defer { signals.cancel() }

        let transport = CurlTransport(logger: logger)
        defer { transport.shutdown() }
        let metrics = DaemonMetrics(version: SealwatchVersion.current)
        let store = AlertStateStore(directory: stateDir, logger: logger)
        let monitor = Monitor(config: config, transport: transport, environment: env, metrics: metrics, logger: logger)
        let board = StatusBoard()
        board.update { $0.version = SealwatchVersion.current }

        let sink: any AlertSink
        do { sink = try makeSink(config, transport, stateDir) } catch {
            logger.critical("cannot set up notifications", metadata: ["error": "\(error)"])
            return SealwatchExit.config
        }
        await sink.start()

        if let saved = store.load() {
            let transitions = await monitor.restore(saved, now: Date())
            let firing = saved.firing.count, pending = saved.pending.count
            logger.info("restored alert state", metadata: ["firing": "\(firing)", "pending": "\(pending)"])
            if !transitions.isEmpty { await sink.submit(transitions: transitions, active: [], now: Date()) }
        }

        // The metrics server: socket activation first, then the configured address.
        let server: HTTPServer
        do {
            let target: ListenTarget
            if let fd = try ListenFDs.metricsSocket(environment: env) {
                target = .inheritedDescriptor(fd)
                logger.info("using the socket passed by systemd (socket activation)", metadata: ["fd": "\(fd)"])
            } else {
                target = .address(options.listenAddress ?? config.listen.address)
            }
            server = try HTTPServer(listen: target, configuration: DaemonRunner.serverConfiguration(config.listen), logger: logger,
                                    handler: Endpoints(board: board, metrics: metrics, interval: config.global.interval).handle)
            try server.start()
            logger.info("serving metrics and status", metadata: ["address": "\(server.localAddress)"])
        } catch {
            logger.critical("cannot listen", metadata: ["error": "\(error)"])
            return SealwatchExit.unavailable
        }

        let systemd = SystemdNotifier(environment: env)
        let heartbeat = Heartbeat()
        var watchdogTask: Task<Void, Never>?
        let watchdogConfig: WatchdogConfig?
        do { watchdogConfig = try WatchdogConfig.from(environment: env) } catch {
            logger.error("ignoring the systemd watchdog settings", metadata: ["error": "\(error)"])
            watchdogConfig = nil
        }
        if let systemd, let wd = watchdogConfig {
            let maxStall = Duration.seconds(double: config.global.interval + config.global.timeout * 2 + 5)
            watchdogTask = Task { await Watchdog(config: wd, logger: logger).run(heartbeat: heartbeat, maxStall: maxStall, notifier: systemd) }
            logger.info("systemd watchdog enabled", metadata: ["timeout": "\(wd.timeout)"])
        }

        // The poll loop: cycles never overlap; the interval is kept on a fixed grid, skipping
        // ticks a slow cycle overran instead of bursting to catch up.
        //
        // "Now" for the rules is the cycle's scheduled time on the monotonic clock, told as wall
        // time from one anchor: `for`, windows and timers then measure whole intervals (a `for` of
        // 30 s at a 1 s interval fires at 30 s after the first observation, not 31–32 s after a few
        // late ticks), and a wall-clock step does not stretch or shrink them.
        var next = ContinuousClock.now
        let timeline = CycleTimeline(anchor: next, wall: Date())
        var first = true
        var lastSave = ContinuousClock.now
        loop: while true {
            let now = timeline.wallTime(of: next)
            let result = await monitor.cycle(now: now)
            for e in result.events where e.kind != .alert {
                logger.info("\(e.message)", metadata: ["cluster": "\(e.cluster)", "node": "\(e.node ?? "")", "event": "\(e.kind.rawValue)"])
            }
            // Durable before announced: the outbox takes the pages first (a crash after it only
            // re-sends, a crash before it re-detects), then the alert state, then the log says so.
            await sink.submit(transitions: result.transitions, active: result.alerts.filter { $0.state == .firing }, now: now)
            let book = await monitor.book
            if !result.transitions.isEmpty || ContinuousClock.now - lastSave > .seconds(60) {
                do { try await store.saveOffPool(book); lastSave = ContinuousClock.now } catch {
                    logger.error("cannot save alert state", metadata: ["error": "\(error)"])
                }
            }
            for t in result.transitions { log(t) }
            sink.updateMetrics(metrics)
            metrics.record(server: server.stats())
            metrics.publish()
            let clusters = await monitor.statusView()
            let unrouted = sink.unroutedAlerts()
            board.update {
                $0.clusters = clusters; $0.ready = true; $0.lastCycleAt = now; $0.lastCycleSeconds = result.seconds
                $0.unrouted = unrouted
            }
            heartbeat.beat()
            MemoryTuning.releaseFreeMemory()
            let summary = board.read().summaryLine
            if first {
                first = false
                systemd?.send(.ready, .status(summary))
                logger.info("first cycle complete; ready", metadata: ["seconds": "\(CheckReport.fixed(result.seconds, 3))", "status": "\(summary)"])
            } else {
                systemd?.send(.status(summary))
            }

            let interval = Duration.seconds(double: config.global.interval)
            next += interval
            let current = ContinuousClock.now
            if next < current {
                let behind = current - next
                let skipped = Int(saturating: (behind.seconds / config.global.interval).rounded(.up))
                next += interval * skipped
                logger.warning("poll cycle overran the interval; skipping ticks", metadata: ["skipped": "\(skipped)"])
            }
            while true {
                guard let control = await mailbox.wait(until: next) else { break }
                switch control {
                case .stop:
                    break loop
                case .reload:
                    systemd?.send(.reloading, .status("reloading configuration"))
                    do {
                        let fresh = try DaemonRunner.loadConfig(options.configPath, environment: env)
                        DaemonRunner.warnInsecure(fresh, logger)
                        if fresh.listen != config.listen { logger.warning("listen settings changed; they take effect after a restart") }
                        if fresh.global.stateDir != config.global.stateDir && options.stateDir == nil {
                            logger.warning("global.state_dir changed; it takes effect after a restart")
                        }
                        let transitions = await monitor.apply(fresh, now: Date())
                        for t in transitions { log(t) }
                        await sink.reload(config: fresh)
                        if !transitions.isEmpty { await sink.submit(transitions: transitions, active: [], now: Date()) }
                        config = fresh
                        metrics.recordReload(success: true, at: Date())
                        metrics.publish()
                        logger.info("configuration reloaded", metadata: ["clusters": "\(fresh.clusters.count)"])
                    } catch {
                        metrics.recordReload(success: false, at: Date())
                        metrics.publish()
                        logger.error("reload rejected; keeping the running configuration", metadata: ["error": "\(error.description)"])
                    }
                    systemd?.send(.ready, .status(board.read().summaryLine))
                }
            }
        }

        logger.info("stopping")
        systemd?.send(.stopping, .status("stopping"))
        watchdogTask?.cancel()
        server.stop()
        await sink.shutdown()
        do { try await store.saveOffPool(await monitor.book) } catch {
            logger.error("cannot save alert state", metadata: ["error": "\(error)"])
        }
        return SealwatchExit.ok
    }

    func log(_ t: AlertTransition) {
        let meta: Logger.Metadata = ["alert": "\(t.alert.name)", "cluster": "\(t.alert.cluster)", "node": "\(t.alert.node ?? "")",
                                     "severity": "\(t.alert.severity.rawValue)", "from": "\(t.from.rawValue)", "to": "\(t.to.rawValue)",
                                     "fingerprint": "\(t.alert.fingerprint)"]
        let text = "alert \(t.alert.name) \(t.to.rawValue): \(t.alert.annotations["summary"] ?? "")"
        if t.to == .firing && t.alert.severity == .critical { logger.error("\(text)", metadata: meta) }
        else if t.to == .firing { logger.warning("\(text)", metadata: meta) }
        else { logger.info("\(text)", metadata: meta) }
    }

    static func serverConfiguration(_ l: ListenConfig) -> HTTPServerConfiguration {
        var c = HTTPServerConfiguration()
        c.maxConnections = l.maxConnections
        c.maxHeaderBytes = l.maxHeaderBytes
        c.requestReadTimeout = .seconds(double: l.readTimeout)
        c.idleKeepAliveTimeout = .seconds(double: l.idleTimeout)
        c.responseWriteTimeout = .seconds(double: l.responseWriteTimeout)
        c.maxQueuedBytesPerConnection = l.maxQueuedBytesPerConnection
        c.maxPipelinedRequests = l.maxPipelinedRequests
        c.maxRequestsPerConnection = l.maxRequestsPerConnection
        c.authCheckBurst = l.authCheckBurst
        c.authChecksPerSecond = l.authChecksPerSecond
        if !l.basicAuthUsers.isEmpty {
            c.basicAuth = l.basicAuthUsers
            c.unauthenticatedPaths = ["/-/healthy"]
        }
        return c
    }
}

extension AlertStateStore {
    /// Saves on a dedicated queue (fsync is a blocking call; the cooperative pool must not wait on it).
    func saveOffPool(_ book: AlertBook) async throws {
        try await BlockingIO.run { try self.save(book) }
    }
}

/// Runs blocking file I/O on a dedicated serial queue and awaits it.
enum BlockingIO {
    static let queue = DispatchQueue(label: "sealwatch.blocking-io")
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { cont in
            queue.async { cont.resume(with: Result { try body() }) }
        }
    }
}

/// Maps instants of the monotonic clock to wall time from one anchor taken at start: the cycle's
/// scheduled time as "now" for the rules (persisted state still compares wall times across restarts).
struct CycleTimeline: Sendable {
    let anchor: ContinuousClock.Instant
    let wall: Date

    func wallTime(of instant: ContinuousClock.Instant) -> Date {
        wall.addingTimeInterval((instant - anchor).secondsValue)
    }
}
