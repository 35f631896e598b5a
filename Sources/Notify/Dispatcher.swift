import ClusterModel
import Config
import HTTPTransport
import Logging
import StateStore
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Delivery counters and queue state of one integration, for `/metrics` and the status page.
/// Never holds a secret: receiver names and kinds only.
public struct ReceiverStats: Sendable, Hashable {
    public var receiver: String
    /// `Integration.id`, e.g. "am/alertmanager[1]".
    public var integration: String
    public var kind: String
    /// Events delivered (a grouped Slack message of 3 alerts counts 3).
    public var sent: Int
    /// Failed attempts by `NotifyError.Reason` raw value (every reason present, zero or not).
    public var failed: [String: Int]
    /// Notifications given up, by `DropReason` raw value (every reason present).
    public var dropped: [String: Int]
    public var retries: Int
    public var queueLength: Int
    /// Age in seconds of the oldest undelivered notification (0 when the queue is empty).
    public var oldestPendingAge: Double
    /// Seconds until the receiver may be tried again after a failure (backoff or `Retry-After`,
    /// at most `max_backoff`); 0 when it is not paused.
    public var pausedFor: Double = 0
}

/// Firing alerts that no route sends anywhere, for the status page and a metric.
/// Never holds a secret: alert identities only.
public struct UnroutedStats: Sendable, Hashable {
    /// Firings that matched no route since the process started (a counter: one per firing, not per cycle).
    public var total: Int
    /// The alerts firing now without a route, sorted.
    public var alerts: [AlertKey]
    /// `alerts.count` (a gauge).
    public var count: Int { alerts.count }
}

/// What one receiver answered to `sealwatch notify test`.
public struct TestDelivery: Sendable, Hashable {
    public var receiver: String
    public var integration: String
    public var ok: Bool
    /// Status and short body of each answer, or the error; secrets redacted.
    public var detail: String
}

/// Knobs for tests; production uses the defaults.
public struct DispatcherOptions: Sendable {
    /// Seed of the jitter generator (nil: seeded from the system).
    public var jitterSeed: UInt64?
    public init(jitterSeed: UInt64? = nil) { self.jitterSeed = jitterSeed }
}

/// The façade the daemon calls: routes alert transitions to receivers through the persisted
/// outbox, with one worker task per integration so a slow, dead or hanging receiver never delays
/// the others.
///
/// Invariants: `submit` returns after the accepted notifications are on disk and before any is
/// sent; per (integration, alert) notifications leave in acceptance order; a resolve is only sent
/// to an integration that accepted the trigger for the same firing; dropping the `Dispatcher`
/// without `shutdown` stops its workers (like a kill) and loses nothing that `submit` accepted.
public final class Dispatcher: Sendable {
    let core: DispatcherCore

    public init(config: SealwatchConfig, transport: any HTTPTransport, stateDirectory: String, environment: [String: String],
                logger: Logger, options: DispatcherOptions = DispatcherOptions()) throws {
        do { try AtomicFile.createDirectory(stateDirectory) } catch { throw error }
        core = DispatcherCore(config: config, transport: transport, directory: stateDirectory, environment: environment,
                              logger: logger, options: options)
    }

    deinit { core.stopWorkers() }

    /// Loads and resumes the outbox (retry times and pauses clamped to `max_backoff` from now),
    /// then starts one worker per integration.
    public func start() async {
        let maxBackoff = core.runtime.withLock { Integrations.seconds(max($0.config.notify.maxBackoff, 0.001)) }
        await core.outbox.load(now: Date(), maxDelay: maxBackoff)
        core.startWorkers()
    }

    /// Called once per cycle after rule evaluation. `transitions`: this cycle's changes (firing,
    /// and firing→resolved; others ignored); `active`: every alert now firing (for
    /// `repeat_interval`, Alertmanager re-posts, and receivers that have not heard of them).
    public func submit(transitions: [AlertTransition], active: [Alert], now: Date) async {
        await core.submit(transitions: transitions, active: active, now: now)
    }

    /// Swaps receivers, routes and settings; entries for removed integrations are dropped (logged).
    public func reload(config: SealwatchConfig) async {
        await core.reload(config: config)
    }

    public func stats() -> [ReceiverStats] { core.stats(now: Date()) }

    /// Firing alerts that no route matched at the last `submit` (each was logged at error level
    /// once per firing), and how many firings went unrouted since start.
    public func unroutedStats() -> UnroutedStats { core.unroutedStats() }

    /// The alerts firing now that no route sends anywhere, sorted (`unroutedStats().alerts`).
    public func unroutedAlerts() -> [AlertKey] { core.unroutedStats().alerts }

    /// Stops the workers and persists. A delivery in flight is allowed to finish (so a page the
    /// receiver accepted is not sent again after a restart), bounded by `grace`; after that it is
    /// cancelled and stays queued.
    public func shutdown() async { await shutdown(grace: .seconds(5)) }

    public func shutdown(grace: Duration) async {
        let tasks = core.stopWorkers(graceful: true)
        let done = Task { for task in tasks { await task.value } }
        let deadline = Task { try? await Task.sleep(for: grace); tasks.forEach { $0.cancel() } }
        await done.value
        deadline.cancel()
        await core.outbox.persist()
    }

    /// Sends a clearly marked test alert ("SealwatchTest") and then its resolve to every receiver
    /// (or only `receiver`), bypassing routes and the outbox; returns what each answered.
    public func sendTest(receiver: String?, now: Date) async -> [TestDelivery] {
        await core.sendTest(receiver: receiver, now: now)
    }
}

/// Everything the workers share. Workers hold this, not the `Dispatcher`, so dropping the
/// `Dispatcher` runs its `deinit` and stops them.
final class DispatcherCore: Sendable {
    struct Runtime: Sendable {
        var config: SealwatchConfig
        var router: Router
        var integrations: [String: Integration] = [:]
        var order: [String] = []
        var workers: [String: Task<Void, Never>] = [:]
        var wakers: [String: WakeSignal] = [:]
        var running = false
    }

    /// Firing alerts without a route: fingerprint → (identity, firedAt), and the firing counter.
    struct Unrouted: Sendable {
        var current: [String: (key: AlertKey, firedAt: Date)] = [:]
        var total = 0
    }

    let outbox: Outbox
    let runtime: Mutex<Runtime>
    let unrouted = Mutex(Unrouted())
    let transport: any HTTPTransport
    let environment: [String: String]
    let logger: Logger
    let rng: Mutex<SeededRandom>

    init(config: SealwatchConfig, transport: any HTTPTransport, directory: String, environment: [String: String],
         logger: Logger, options: DispatcherOptions) {
        self.outbox = Outbox(directory: directory, logger: logger)
        self.transport = transport
        self.environment = environment
        self.logger = logger
        self.rng = Mutex(options.jitterSeed.map(SeededRandom.init(seed:)) ?? SeededRandom())
        var rt = Runtime(config: config, router: Router(routes: config.routes))
        for integration in Integrations.build(config: config, transport: transport, environment: environment, logger: logger) {
            rt.integrations[integration.id] = integration
            rt.order.append(integration.id)
        }
        runtime = Mutex(rt)
    }

    // MARK: Workers

    func startWorkers() {
        runtime.withLock { rt in
            rt.running = true
            for id in rt.order where rt.workers[id] == nil { startWorker(id, in: &rt) }
        }
    }

    private func startWorker(_ id: String, in rt: inout Runtime) {
        let waker = WakeSignal()
        rt.wakers[id] = waker
        rt.workers[id] = Task { [self] in await self.runWorker(id, waker: waker) }
    }

    /// Stops the workers. `graceful`: they take no new work but finish a delivery in flight (the
    /// caller bounds the wait); otherwise they are cancelled at once (a kill: the entries stay queued).
    @discardableResult
    func stopWorkers(graceful: Bool = false) -> [Task<Void, Never>] {
        let (tasks, wakers) = runtime.withLock { rt -> ([Task<Void, Never>], [WakeSignal]) in
            rt.running = false
            let tasks = Array(rt.workers.values), wakers = Array(rt.wakers.values)
            rt.workers.removeAll()
            rt.wakers.removeAll()
            return (tasks, wakers)
        }
        if graceful { wakers.forEach { $0.signal() } } else { tasks.forEach { $0.cancel() } }
        return tasks
    }

    private func wakeAll() {
        let wakers = runtime.withLock { Array($0.wakers.values) }
        for waker in wakers { waker.signal() }
    }

    private func runWorker(_ id: String, waker: WakeSignal) async {
        var lastSendAt: ContinuousClock.Instant?
        while !Task.isCancelled && runtime.withLock({ $0.running }) {
            guard let (integration, settings) = runtime.withLock({ rt in rt.integrations[id].map { ($0, rt.config.notify) } }) else { return }
            let now = Date()
            let (next, expired) = outbox.state.withLock {
                $0.next(for: id, mode: integration.batching, now: now, maxAge: settings.maxAge)
            }
            if !expired.isEmpty { drop(expired, integration: integration, reason: .expired, detail: "older than max_age") }
            switch next {
            case .wait(let until):
                let longest = Integrations.seconds(max(settings.maxBackoff, 1))
                await waker.wait(timeout: until.map { RetrySchedule.sleep(until: $0, now: Date(), max: longest) })
            case .send(let entries):
                if let minInterval = integration.minInterval, let last = lastSendAt {
                    let readyAt = last.advanced(by: minInterval)
                    if readyAt > .now { try? await Task.sleep(until: readyAt, clock: .continuous) }
                    if Task.isCancelled { return }
                }
                lastSendAt = .now
                await deliver(entries, via: integration, settings: settings)
            }
        }
    }

    private func deliver(_ entries: [OutboxEntry], via integration: Integration, settings: NotifySettings) async {
        let batch = AlertBatch(receiver: integration.receiver, events: entries.map { AlertEvent(kind: $0.kind, alert: $0.alert) },
                               now: Date(), notificationID: NotificationID.of(entries: entries))
        let ids = Set(entries.map(\.id))
        let meta: Logger.Metadata = ["integration": "\(integration.id)", "events": "\(entries.count)",
                                     "alert.name": "\(AlertText.truncate(entries[0].alert.name, to: 200))",
                                     "cluster": "\(AlertText.truncate(entries[0].alert.cluster, to: 200))"]
        do {
            try await integration.notifier.notify(batch)
            outbox.state.withLock { s in
                s.remove(ids, integration: integration.id)
                s.pauses[integration.id] = nil
                s.counters[integration.id, default: .init()].sent += entries.count
            }
            logger.debug("notification delivered", metadata: meta)
        } catch {
            if Task.isCancelled { return }  // shutdown or reload: the entries stay queued, untouched
            // The error may quote the receiver's answer; whatever it echoed of our request is scrubbed
            // here too (the poster already did), before the text reaches a log line or outbox.json.
            let detail = Secrets.scrub(error.description, secrets: integration.secrets)
            if !error.retryable {
                outbox.state.withLock { s in
                    s.counters[integration.id, default: .init()].failed[error.reason.rawValue, default: 0] += 1
                    s.pauses[integration.id] = nil
                }
                drop(entries, integration: integration, reason: .rejected, detail: detail)
                return
            }
            let jitter = rng.withLock { $0.unit() }
            let maximum = Integrations.seconds(max(settings.maxBackoff, settings.initialBackoff, 0.001))
            let policy = RetryPolicy(initial: Integrations.seconds(max(settings.initialBackoff, 0.001)), maximum: maximum)
            // Alertmanager expires what is not re-posted: never wait longer than the resend interval.
            let resend = Integrations.seconds(settings.alertmanagerResendInterval)
            let cap = integration.kind == "alertmanager" && resend > .zero ? min(maximum, resend) : maximum
            let (attempts, delay) = outbox.state.withLock { s -> (Int, Duration) in
                var attempts = 0
                let failures = max(entries.map(\.attempts).max() ?? 0, s.pauses[integration.id]?.failures ?? 0) + 1
                let (delay, pause) = RetrySchedule.pause(after: failures, now: Date(), policy: policy, jitter: jitter,
                                                         retryAfter: error.retryAfter, cap: cap)
                s.pauses[integration.id] = pause  // the whole receiver waits, not just these entries
                if var queue = s.queues[integration.id] {
                    for i in queue.indices where ids.contains(queue[i].id) {
                        queue[i].attempts += 1
                        queue[i].nextAttemptAt = pause.until
                        queue[i].lastError = detail
                        attempts = max(attempts, queue[i].attempts)
                    }
                    s.queues[integration.id] = queue
                }
                s.version += 1
                s.counters[integration.id, default: .init()].failed[error.reason.rawValue, default: 0] += 1
                s.counters[integration.id, default: .init()].retries += 1
                return (attempts, delay)
            }
            // Log every failure at warning; the payload and URL never appear (detail is redacted).
            logger.warning("notification failed, will retry", metadata: meta.merging([
                "reason": "\(error.reason.rawValue)", "attempt": "\(attempts)", "error": "\(detail)",
                "retry_in": "\(TimeFormat.humanDuration(delay.secondsValue))",
            ]) { $1 })
        }
        outbox.scheduleFlush()
    }

    private func drop(_ entries: [OutboxEntry], integration: Integration, reason: DropReason, detail: String) {
        outbox.state.withLock { s in
            s.remove(Set(entries.map(\.id)), integration: integration.id)
            s.counters[integration.id, default: .init()].dropped[reason.rawValue, default: 0] += entries.count
        }
        for entry in entries {
            logger.error("notification dropped", metadata: [
                "integration": "\(integration.id)", "reason": "\(reason.rawValue)", "alert.name": "\(AlertText.truncate(entry.alert.name, to: 200))",
                "alert.fingerprint": "\(entry.fingerprint)", "kind": "\(entry.kind.rawValue)", "attempts": "\(entry.attempts + 1)",
                "error": "\(Secrets.scrub(detail, secrets: integration.secrets))",
            ])
        }
        outbox.scheduleFlush()
    }

    // MARK: Routing

    func submit(transitions: [AlertTransition], active: [Alert], now: Date) async {
        let (integrations, router, settings) = runtime.withLock { rt in
            (rt.order.compactMap { rt.integrations[$0] }, rt.router, rt.config.notify)
        }
        let byReceiver = Dictionary(grouping: integrations, by: \.receiver)
        var firing: [String: Alert] = [:]
        var firingOrder: [String] = []
        for alert in transitions.filter({ $0.to == .firing }).map(\.alert) + active where alert.state == .firing {
            if firing[alert.fingerprint] == nil { firingOrder.append(alert.fingerprint); firing[alert.fingerprint] = alert }
        }
        let resolves = transitions.filter { $0.to == .resolved && $0.from == .firing }.map(\.alert)
        noteUnrouted(firing: firingOrder.compactMap { firing[$0] }, router: router, byReceiver: byReceiver)

        let accepted = outbox.state.withLock { s -> [UInt64] in
            s.cycle += 1
            let cycle = s.cycle
            var accepted: [UInt64] = []
            func enqueue(_ kind: EventKind, _ alert: Alert, _ integration: Integration) {
                let entry = OutboxEntry(id: s.nextID, integration: integration.id, receiver: integration.receiver, kind: kind,
                                        alert: alert, fingerprint: alert.fingerprint, cycle: cycle, attempts: 0,
                                        createdAt: now, nextAttemptAt: .distantPast, lastError: nil)  // due at once, whatever clock `now` is on
                s.nextID += 1
                s.append(entry)
                accepted.append(entry.id)
            }
            // Resolves first: a re-fire of the same alert in this cycle must come after its resolve.
            for alert in resolves {
                let firedAt = AlertText.startsAt(alert)
                for target in router.targets(for: alert.labels) {
                    for integration in byReceiver[target.receiver] ?? [] {
                        let key = OutboxState.ledgerKey(integration.id, alert.fingerprint)
                        guard var record = s.ledger[key], record.firedAt == firedAt, !record.resolved else { continue }
                        record.resolved = true
                        if target.sendResolved {
                            enqueue(.resolve, alert, integration)
                            if integration.kind == "alertmanager" {
                                // Re-pushed every resend interval for a while (Alertmanager's client contract).
                                record.resolvedAlert = alert
                                record.repushUntil = now.addingTimeInterval(OutboxState.resolveRepushWindow)
                                record.lastNotifiedAt = now
                            }
                        }
                        s.ledger[key] = record
                        s.version += 1
                    }
                }
            }
            for fingerprint in firingOrder {
                let alert = firing[fingerprint]!
                let firedAt = AlertText.startsAt(alert)
                for target in router.targets(for: alert.labels) {
                    for integration in byReceiver[target.receiver] ?? [] {
                        let key = OutboxState.ledgerKey(integration.id, fingerprint)
                        if let record = s.ledger[key], record.firedAt == firedAt {
                            if record.resolved { continue }  // a stale "active" after its resolve
                            let interval = integration.kind == "alertmanager" ? settings.alertmanagerResendInterval : target.repeatInterval
                            guard interval > 0, now.timeIntervalSince(record.lastNotifiedAt) >= interval,
                                  !s.hasPending(integration.id, fingerprint: fingerprint) else { continue }
                            s.ledger[key]?.lastNotifiedAt = now
                            enqueue(.repeat, alert, integration)
                        } else {
                            s.ledger[key] = LedgerRecord(firedAt: firedAt, resolved: false, lastNotifiedAt: now)
                            enqueue(.trigger, alert, integration)
                        }
                    }
                }
            }
            for (alert, integration) in resolvesToRepush(&s, integrations: integrations.filter { $0.kind == "alertmanager" },
                                                         now: now, interval: settings.alertmanagerResendInterval) {
                enqueue(.resolve, alert, integration)
            }
            prune(&s, now: now, active: Set(firing.keys))
            return accepted
        }
        guard !accepted.isEmpty || outbox.state.withLock({ $0.version }) > 0 else { return }
        await outbox.persist()
        outbox.state.withLock { s in for id in accepted { s.notDurable.remove(id) } }
        if !accepted.isEmpty { wakeAll() }
    }

    /// Alertmanager resolves are re-posted (with `endsAt` set) every resend interval until the
    /// record's `repushUntil`, so an Alertmanager that missed the first one (down, restarted, a new
    /// cluster member) still learns the alert is over rather than waiting for `endsAt` of the last
    /// firing post. A re-fire replaces the record, which stops the re-push.
    private func resolvesToRepush(_ s: inout OutboxState, integrations: [Integration], now: Date,
                                  interval: Double) -> [(Alert, Integration)] {
        guard !integrations.isEmpty, interval > 0 else { return [] }
        var due: [(Alert, Integration)] = []
        let byID = Dictionary(uniqueKeysWithValues: integrations.map { ($0.id, $0) })
        for (key, record) in s.ledger where record.resolved && record.resolvedAlert != nil {
            guard let bar = key.firstIndex(of: "|"), let integration = byID[String(key[..<bar])],
                  let alert = record.resolvedAlert, let until = record.repushUntil else { continue }
            if now >= until {
                s.ledger[key]?.resolvedAlert = nil
                s.ledger[key]?.repushUntil = nil
                s.version += 1
                continue
            }
            guard now.timeIntervalSince(record.lastNotifiedAt) >= interval,
                  !s.hasPending(integration.id, fingerprint: alert.fingerprint) else { continue }
            s.ledger[key]?.lastNotifiedAt = now
            due.append((alert, integration))
        }
        return due.sorted { $0.0.fingerprint < $1.0.fingerprint }
    }

    /// Records which firing alerts no route sends anywhere: each is logged at error level once per
    /// firing (not every cycle) and counted; the list is `unroutedStats()`.
    private func noteUnrouted(firing: [Alert], router: Router, byReceiver: [String: [Integration]]) {
        let hasReceivers = !byReceiver.isEmpty
        var now: [String: (key: AlertKey, firedAt: Date)] = [:]
        for alert in firing where router.targets(for: alert.labels).allSatisfy({ (byReceiver[$0.receiver] ?? []).isEmpty }) {
            now[alert.fingerprint] = (alert.key, AlertText.startsAt(alert))
        }
        let fresh = unrouted.withLock { u -> [(AlertKey, [String: String])] in
            var fresh: [(AlertKey, [String: String])] = []
            for (fingerprint, entry) in now where u.current[fingerprint]?.firedAt != entry.firedAt {
                u.total += 1
                let labels = firing.first { $0.fingerprint == fingerprint }?.labels ?? [:]
                fresh.append((entry.key, labels))
            }
            // An alert that resolved, or is routed now (a reload added a route), leaves the list;
            // one still unrouted keeps its entry, so it is not logged again this firing.
            u.current = now
            return fresh
        }
        for (key, labels) in fresh.sorted(by: { $0.0 < $1.0 }) {
            let text = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\(AlertText.truncate($0.value, to: 200))" }.joined(separator: ",")
            let meta: Logger.Metadata = ["alert.name": "\(AlertText.truncate(key.alertname, to: 200))",
                                         "cluster": "\(AlertText.truncate(key.cluster, to: 200))", "labels": "\(AlertText.truncate(text, to: 1000))"]
            if hasReceivers {
                logger.error("firing alert matches no route; nobody is notified", metadata: meta)
            } else {
                logger.info("firing alert not notified: no receivers configured", metadata: meta)
            }
        }
    }

    func unroutedStats() -> UnroutedStats {
        unrouted.withLock { u in UnroutedStats(total: u.total, alerts: u.current.values.map(\.key).sorted()) }
    }

    /// Forgets ledger records nobody needs: resolved ones after a day, orphans after a week.
    private func prune(_ s: inout OutboxState, now: Date, active: Set<String>) {
        let before = s.ledger.count
        s.ledger = s.ledger.filter { key, record in
            let age = now.timeIntervalSince(record.lastNotifiedAt)
            if record.resolved { return age < 86400 }
            let fingerprint = key.split(separator: "|").last.map(String.init) ?? ""
            return active.contains(fingerprint) || age < 7 * 86400
        }
        if s.ledger.count != before { s.version += 1 }
    }

    // MARK: Reload and stats

    func reload(config: SealwatchConfig) async {
        let built = Integrations.build(config: config, transport: transport, environment: environment, logger: logger)
        let removed = runtime.withLock { rt -> [(String, Task<Void, Never>?)] in
            let newIDs = Set(built.map(\.id))
            let removed = rt.order.filter { !newIDs.contains($0) }
            rt.config = config
            rt.router = Router(routes: config.routes)
            rt.integrations = Dictionary(uniqueKeysWithValues: built.map { ($0.id, $0) })
            rt.order = built.map(\.id)
            var stopped: [(String, Task<Void, Never>?)] = []
            for id in removed {
                stopped.append((id, rt.workers.removeValue(forKey: id)))
                rt.wakers.removeValue(forKey: id)
            }
            if rt.running { for id in rt.order where rt.workers[id] == nil { startWorker(id, in: &rt) } }
            return stopped
        }
        for (_, task) in removed { task?.cancel() }
        for (id, task) in removed {
            await task?.value
            let dropped = outbox.state.withLock { s -> Int in
                let n = s.queues.removeValue(forKey: id)?.count ?? 0
                s.pauses.removeValue(forKey: id)
                s.ledger = s.ledger.filter { !$0.key.hasPrefix(id + "|") }
                s.version += 1
                s.counters[id, default: .init()].dropped[DropReason.receiverRemoved.rawValue, default: 0] += n
                return n
            }
            if dropped > 0 {
                logger.error("receiver removed by reload; its pending notifications are dropped",
                             metadata: ["integration": "\(id)", "dropped": "\(dropped)"])
            }
        }
        await outbox.persist()
        wakeAll()
    }

    func stats(now: Date) -> [ReceiverStats] {
        let integrations = runtime.withLock { rt in rt.order.compactMap { rt.integrations[$0] } }
        return outbox.state.withLock { s in
            integrations.map { integration in
                let counters = s.counters[integration.id] ?? IntegrationCounters()
                let queue = s.queues[integration.id] ?? []
                let oldest = queue.map(\.createdAt).min().map { max(0, now.timeIntervalSince($0)) } ?? 0
                let paused = s.pauses[integration.id].map { max(0, $0.until.timeIntervalSince(now)) } ?? 0
                return ReceiverStats(receiver: integration.receiver, integration: integration.id, kind: integration.kind,
                                     sent: counters.sent, failed: counters.failed, dropped: counters.dropped,
                                     retries: counters.retries, queueLength: queue.count, oldestPendingAge: oldest,
                                     pausedFor: paused)
            }
        }
    }

    // MARK: Test notifications

    func sendTest(receiver: String?, now: Date) async -> [TestDelivery] {
        let config = runtime.withLock { $0.config }
        let capture = CapturingTransport(transport)
        let integrations = Integrations.build(config: config, transport: capture, environment: environment, logger: logger)
            .filter { receiver == nil || $0.receiver == receiver }
        let alert = Alert(
            labels: ["alertname": "SealwatchTest", "cluster": "sealwatch-test", "severity": "warning"],
            annotations: ["summary": "This is a test notification from `sealwatch notify test`; no action is needed.",
                          "description": "Sent to check that this receiver is reachable. A resolve follows."],
            state: .firing, activeAt: now, firedAt: now)
        var resolved = alert
        resolved.state = .resolved
        resolved.resolvedAt = now
        var results: [TestDelivery] = []
        for integration in integrations {
            capture.reset()
            var ok = true
            var notes: [String] = []
            for (kind, a) in [(EventKind.test, alert), (.testResolve, resolved)] {
                do {
                    try await integration.notifier.notify(AlertBatch(receiver: integration.receiver,
                                                                     events: [AlertEvent(kind: kind, alert: a)], now: Date()))
                    notes.append("\(kind.rawValue): " + (capture.last ?? "ok"))
                } catch {
                    ok = false
                    notes.append("\(kind.rawValue): \(error.description)")
                    break
                }
            }
            results.append(TestDelivery(receiver: integration.receiver, integration: integration.id, ok: ok,
                                        detail: notes.joined(separator: "; ")))
        }
        return results
    }
}

/// Remembers the last answer ("HTTP 202 {…}") so `notify test` can show it.
final class CapturingTransport: HTTPTransport {
    private let inner: any HTTPTransport
    private let answer = Mutex<String?>(nil)
    init(_ inner: any HTTPTransport) { self.inner = inner }
    var last: String? { answer.withLock { $0 } }
    func reset() { answer.withLock { $0 = nil } }
    func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        let response = try await inner.send(request)
        let body = Secrets.scrub(RetryDecision.shortBody(response.bodyText), secrets: Secrets.of(request))
        answer.withLock { $0 = "HTTP \(response.status)" + (body.isEmpty ? "" : " " + body) }
        return response
    }
}
