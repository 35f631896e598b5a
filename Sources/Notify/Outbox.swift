import ClusterModel
import Dispatch
import Logging
import StateStore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One accepted notification waiting for delivery: what to say (`kind`, `alert`), to whom
/// (`integration`), and its retry bookkeeping.
public struct OutboxEntry: Sendable, Hashable, Codable {
    /// Increasing in acceptance order; per (integration, fingerprint) entries leave in this order.
    public var id: UInt64
    /// `Integration.id` ("chat/slack[0]").
    public var integration: String
    public var receiver: String
    public var kind: EventKind
    public var alert: Alert
    public var fingerprint: String
    /// The `submit` call that accepted it; events of one cycle and cluster are grouped.
    public var cycle: UInt64
    public var attempts: Int
    public var createdAt: Date
    public var nextAttemptAt: Date
    public var lastError: String?
}

/// What was accepted for (integration, alert): the basis of idempotence, `repeat_interval` and
/// "resolve only what was triggered". Persisted with the queue, so a restart neither re-pages
/// firing alerts nor forgets their resolve.
struct LedgerRecord: Sendable, Hashable, Codable {
    var firedAt: Date
    var resolved: Bool
    /// Last trigger or repeat accepted (the repeat clock).
    var lastNotifiedAt: Date
    /// Alertmanager only: the resolved alert, re-pushed every resend interval for
    /// `OutboxState.resolveRepushWindow` after it resolved (nil elsewhere and in older files).
    var resolvedAlert: Alert? = nil
    /// Alertmanager only: re-push the resolve until then.
    var repushUntil: Date? = nil
}

/// The on-disk form of the outbox (`<stateDir>/outbox.json`).
struct OutboxFile: Codable {
    var version: Int = 1
    var nextID: UInt64
    var cycle: UInt64
    var entries: [OutboxEntry]
    var ledger: [String: LedgerRecord]
    /// Paused integrations (backoff or `Retry-After`), by `Integration.id`; absent in older files.
    var pauses: [String: ReceiverPause]? = nil
}

/// In-memory counters of one integration (they restart at zero, as Prometheus counters do).
struct IntegrationCounters: Sendable {
    var sent = 0
    var retries = 0
    var failed: [String: Int] = Dictionary(uniqueKeysWithValues: NotifyError.Reason.allCases.map { ($0.rawValue, 0) })
    var dropped: [String: Int] = Dictionary(uniqueKeysWithValues: DropReason.allCases.map { ($0.rawValue, 0) })
}

/// Why an accepted notification was given up.
public enum DropReason: String, Sendable, CaseIterable {
    /// The receiver refused it permanently (4xx other than 408/429).
    case rejected
    /// Still undelivered after `notify.max_age`.
    case expired
    /// Its receiver was removed from the config by a reload.
    case receiverRemoved = "receiver_removed"
}

/// The queue state: entries per integration in acceptance order, the ledger, counters.
/// A value type so the persister can snapshot it under the lock and encode outside it.
struct OutboxState: Sendable {
    var nextID: UInt64 = 1
    var cycle: UInt64 = 0
    var queues: [String: [OutboxEntry]] = [:]
    var ledger: [String: LedgerRecord] = [:]
    /// Accepted but not yet on disk: never sent before they are (write-then-send).
    var notDurable: Set<UInt64> = []
    var counters: [String: IntegrationCounters] = [:]
    /// Integrations that may not be sent to before a time (backoff, `Retry-After`); persisted.
    var pauses: [String: ReceiverPause] = [:]
    /// Bumped on every change that must reach the disk.
    var version: UInt64 = 0

    /// How long Alertmanager resolves are re-pushed after the resolve (its client contract asks
    /// clients to keep sending resolved alerts for a while; Prometheus uses 15m, we use 5m).
    static let resolveRepushWindow: Double = 300

    static func ledgerKey(_ integration: String, _ fingerprint: String) -> String { integration + "|" + fingerprint }

    mutating func append(_ entry: OutboxEntry) {
        queues[entry.integration, default: []].append(entry)
        notDurable.insert(entry.id)
        version += 1
    }

    func hasPending(_ integration: String, fingerprint: String) -> Bool {
        queues[integration]?.contains { $0.fingerprint == fingerprint } ?? false
    }

    var file: OutboxFile {
        OutboxFile(nextID: nextID, cycle: cycle, entries: queues.values.flatMap { $0 }.sorted { $0.id < $1.id }, ledger: ledger,
                   pauses: pauses.isEmpty ? nil : pauses)
    }

    init() {}

    /// The state of a file read from disk, made safe against hostile or corrupt numbers: times are
    /// finite and within years 1–9999; `createdAt` and the ledger's `lastNotifiedAt` are not in the
    /// future of `now`; retry times and pauses are at most `maxDelay` after `now`; counters cannot
    /// overflow when incremented (ids are renumbered in order when absurdly large).
    init(file: OutboxFile, now: Date, maxDelay: Duration) {
        let retryHorizon = now.addingTimeInterval(maxDelay.secondsValue)
        let end = Date(timeIntervalSince1970: TimeFormat.latest)
        func sane(_ d: Date) -> Date { RetrySchedule.clampLoaded(d, latest: end, fallback: now) }
        func sane(_ alert: Alert) -> Alert {
            var a = alert
            a.activeAt = sane(a.activeAt); a.lastTrueAt = sane(a.lastTrueAt)
            a.firedAt = a.firedAt.map(sane); a.resolvedAt = a.resolvedAt.map(sane)
            return a
        }
        let limit: UInt64 = 1 << 62
        var entries = file.entries.sorted(by: { $0.id < $1.id })
        let renumber = file.nextID > limit || entries.contains { $0.id > limit } || file.cycle > limit
        for i in entries.indices {
            entries[i].alert = sane(entries[i].alert)
            entries[i].createdAt = RetrySchedule.clampLoaded(entries[i].createdAt, latest: now, fallback: now)
            entries[i].nextAttemptAt = RetrySchedule.clampLoaded(entries[i].nextAttemptAt, latest: retryHorizon, fallback: now)
            entries[i].attempts = min(max(entries[i].attempts, 0), 1_000_000)
            if renumber { entries[i].id = UInt64(i + 1); entries[i].cycle = 0 }
        }
        nextID = renumber ? UInt64(entries.count + 1) : max(file.nextID, (entries.last?.id ?? 0) + 1)
        cycle = renumber ? 1 : file.cycle
        ledger = file.ledger.mapValues { r in
            var r = r
            r.firedAt = sane(r.firedAt)
            r.lastNotifiedAt = RetrySchedule.clampLoaded(r.lastNotifiedAt, latest: now, fallback: now)
            r.resolvedAlert = r.resolvedAlert.map(sane)
            r.repushUntil = r.repushUntil.map {
                RetrySchedule.clampLoaded($0, latest: now.addingTimeInterval(OutboxState.resolveRepushWindow), fallback: now)
            }
            return r
        }
        pauses = (file.pauses ?? [:]).mapValues {
            ReceiverPause(until: RetrySchedule.clampLoaded($0.until, latest: retryHorizon, fallback: now),
                          failures: min(max($0.failures, 0), 1_000_000))
        }
        for entry in entries { queues[entry.integration, default: []].append(entry) }
    }

    /// What a worker should do next.
    enum Next { case send([OutboxEntry]), wait(until: Date?) }

    /// Picks the next batch for `integration` at `now`: only the oldest entry of each alert is
    /// eligible (so a resolve never overtakes its trigger), entries past `maxAge` are removed and
    /// returned in `expired`.
    mutating func next(for integration: String, mode: BatchMode, now: Date, maxAge: Double) -> (Next, expired: [OutboxEntry]) {
        guard var queue = queues[integration], !queue.isEmpty else { return (.wait(until: nil), []) }
        let expired = queue.filter { now.timeIntervalSince($0.createdAt) > maxAge && !notDurable.contains($0.id) }
        if !expired.isEmpty {
            let ids = Set(expired.map(\.id))
            queue.removeAll { ids.contains($0.id) }
            queues[integration] = queue
            version += 1
        }
        var seen: Set<String> = []
        var heads: [OutboxEntry] = []
        for entry in queue where seen.insert(entry.fingerprint).inserted {
            if notDurable.contains(entry.id) { continue }
            heads.append(entry)
        }
        if let pause = pauses[integration], pause.until > now, !heads.isEmpty {
            return (.wait(until: pause.until), expired)  // backing off or told to wait: the whole receiver waits
        }
        let ready = heads.filter { $0.nextAttemptAt <= now }
        guard let first = ready.first else { return (.wait(until: heads.map(\.nextAttemptAt).min()), expired) }
        switch mode {
        case .single:
            return (.send([first]), expired)
        case .perCluster:
            let group = ready.filter { $0.cycle == first.cycle && $0.alert.cluster == first.alert.cluster }
            return (.send(Array(group.prefix(100))), expired)
        case .all(let max):
            return (.send(Array(ready.prefix(max))), expired)
        }
    }

    mutating func remove(_ ids: Set<UInt64>, integration: String) {
        queues[integration]?.removeAll { ids.contains($0.id) }
        if queues[integration]?.isEmpty == true { queues[integration] = nil }
        version += 1
    }
}

/// The persisted outbox: every accepted notification is written to `<stateDir>/outbox.json`
/// (atomically: temp file, fsync, rename, fsync dir) before its first attempt, and removed only
/// after delivery or a permanent failure. File I/O runs on one serial `DispatchQueue`, awaited
/// through a continuation, never on the cooperative pool; concurrent writes coalesce.
public final class Outbox: Sendable {
    let path: String
    /// Refuses writes after a failed read, so an unreadable outbox is never replaced by an empty one.
    private let stateFile: StateFile
    let state: Mutex<OutboxState>
    private let written = Mutex<UInt64>(0)
    private let queue = DispatchQueue(label: "sealwatch.notify.outbox")
    private let logger: Logger

    /// Opens (does not read) the outbox in `directory`.
    public init(directory: String, logger: Logger) {
        path = (directory.hasSuffix("/") ? String(directory.dropLast()) : directory) + "/outbox.json"
        stateFile = StateFile(path: path)
        state = Mutex(OutboxState())
        self.logger = logger
    }

    /// Reads the file. A corrupt file is moved aside to `outbox.json.corrupt-<unix-ns>-<pid>` and the
    /// outbox starts empty; an unreadable one (I/O error) is left alone and never overwritten. Times
    /// and counters are clamped (`OutboxState.init(file:now:maxDelay:)`); a number too large for a
    /// Double (`1e400`, which Foundation rejects as invalid JSON) is read as ±1e300 rather than
    /// losing every pending page.
    func load(now: Date = Date(), maxDelay: Duration = RetryDecision.defaultMaxRetryAfter) async {
        let path = self.path, logger = self.logger, file = self.stateFile
        let loaded: OutboxFile? = await onQueue { () -> OutboxFile? in
            let bytes: [UInt8]?
            do { bytes = try file.read() } catch {
                logger.error("cannot read outbox; starting empty, and not writing over the file until it can be read",
                             metadata: ["path": "\(path)", "error": "\(error)"])
                return nil
            }
            guard let bytes else { return nil }
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .secondsSince1970
            if let file = try? decoder.decode(OutboxFile.self, from: Data(bytes)) { return file }
            do {
                return try decoder.decode(OutboxFile.self, from: Data(Self.withHugeExponentsCapped(bytes)))
            } catch {
                let target = (try? file.moveAside()) ?? "(cannot be moved)"
                logger.error("outbox file unreadable, moved aside; starting empty", metadata: ["path": "\(path)", "moved_to": "\(target)"])
                return nil
            }
        }
        if let loaded {
            state.withLock { $0 = OutboxState(file: loaded, now: now, maxDelay: maxDelay) }
            logger.info("outbox loaded", metadata: ["pending": "\(loaded.entries.count)"])
        }
    }

    /// Returns once everything changed so far is on disk (or the write failed and was logged).
    func persist() async {
        let target = state.withLock { $0.version }
        await onQueue { self.flush(upTo: target) }
    }

    /// Writes in the background; many calls coalesce into few writes.
    func scheduleFlush() {
        let target = state.withLock { $0.version }
        queue.async { self.flush(upTo: target) }
    }

    /// On the queue only.
    private func flush(upTo target: UInt64) {
        guard written.withLock({ $0 }) < target else { return }
        let (version, file) = state.withLock { ($0.version, $0.file) }
        do {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .secondsSince1970
            encoder.outputFormatting = [.sortedKeys]
            let data = try encoder.encode(file)
            try stateFile.write(data)
            written.withLock { $0 = max($0, version) }
        } catch {
            logger.error("cannot write outbox; notifications are not crash-safe until it works",
                         metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    /// `bytes` with every JSON number whose decimal exponent exceeds ±300 replaced by ±1e300 (or 0
    /// for a tiny one), outside strings. Used only to rescue a file Foundation refused.
    static func withHugeExponentsCapped(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0, inString = false
        func isNumberByte(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || b == 0x2E || b == 0x2B || b == 0x2D || b == 0x65 || b == 0x45 }
        while i < bytes.count {
            let b = bytes[i]
            if inString {
                out.append(b)
                if b == 0x5C, i + 1 < bytes.count { out.append(bytes[i + 1]); i += 2; continue }
                if b == 0x22 { inString = false }
                i += 1
                continue
            }
            if b == 0x22 { inString = true; out.append(b); i += 1; continue }
            if b == 0x2D || (b >= 0x30 && b <= 0x39) {
                var j = i
                while j < bytes.count && isNumberByte(bytes[j]) { j += 1 }
                let token = bytes[i..<j]
                if let e = token.firstIndex(where: { $0 == 0x65 || $0 == 0x45 }) {
                    let exponent = token[(e + 1)...]
                    var magnitude = 0
                    for d in exponent where d >= 0x30 && d <= 0x39 { magnitude = min(magnitude * 10 + Int(truncatingIfNeeded: d &- 0x30), 100_000) }
                    if magnitude > 300 {
                        let replacement = exponent.first == 0x2D ? "0" : (token.first == 0x2D ? "-1e300" : "1e300")
                        out += Array(replacement.utf8)
                        i = j
                        continue
                    }
                }
                out += token
                i = j
                continue
            }
            out.append(b)
            i += 1
        }
        return out
    }

    private func onQueue<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
    }
}
