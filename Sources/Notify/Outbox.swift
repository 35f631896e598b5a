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
}

/// The on-disk form of the outbox (`<stateDir>/outbox.json`).
struct OutboxFile: Codable {
    var version: Int = 1
    var nextID: UInt64
    var cycle: UInt64
    var entries: [OutboxEntry]
    var ledger: [String: LedgerRecord]
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
    /// Bumped on every change that must reach the disk.
    var version: UInt64 = 0

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
        OutboxFile(nextID: nextID, cycle: cycle, entries: queues.values.flatMap { $0 }.sorted { $0.id < $1.id }, ledger: ledger)
    }

    init() {}

    init(file: OutboxFile) {
        nextID = file.nextID; cycle = file.cycle; ledger = file.ledger
        for entry in file.entries.sorted(by: { $0.id < $1.id }) { queues[entry.integration, default: []].append(entry) }
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
    /// outbox starts empty; an unreadable one (I/O error) is left alone and never overwritten.
    func load() async {
        let path = self.path, logger = self.logger, file = self.stateFile
        let loaded: OutboxFile? = await onQueue { () -> OutboxFile? in
            let bytes: [UInt8]?
            do { bytes = try file.read() } catch {
                logger.error("cannot read outbox; starting empty, and not writing over the file until it can be read",
                             metadata: ["path": "\(path)", "error": "\(error)"])
                return nil
            }
            guard let bytes else { return nil }
            do {
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .secondsSince1970
                return try decoder.decode(OutboxFile.self, from: Data(bytes))
            } catch {
                let target = (try? file.moveAside()) ?? "(cannot be moved)"
                logger.error("outbox file unreadable, moved aside; starting empty", metadata: ["path": "\(path)", "moved_to": "\(target)"])
                return nil
            }
        }
        if let loaded {
            state.withLock { $0 = OutboxState(file: loaded) }
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

    private func onQueue<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
    }
}
