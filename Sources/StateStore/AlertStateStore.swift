#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import ClusterModel
import Logging
import Synchronization

/// The alert book persisted as `<directory>/alerts.json`, written atomically after each evaluation.
///
/// File format: `{"version": 1, "book": AlertBook}` with dates as seconds since 1970. A file whose
/// content is bad (bad JSON, unknown version) is moved aside to `alerts.json.corrupt-<unix-ns>-<pid>`
/// (never over an earlier one) with an error log, and `load()` returns nil so the daemon starts from
/// an empty book rather than refusing to start. A file that cannot be *read* (EACCES, EIO, a
/// directory in its place) is left alone: `load()` logs the error and returns nil, and `save` refuses
/// until a later `load()` succeeds, so good state is never replaced by an empty book (the daemon
/// also checks this before READY: `StateDirectory.ensureWritable`). Loads and saves are serialised
/// internally.
public final class AlertStateStore: Sendable {
    public static let fileName = "alerts.json"
    public static let formatVersion = 1

    public let directory: String
    private let logger: Logger
    private let lock = Mutex(())

    private let file: StateFile

    public init(directory: String, logger: Logger) {
        self.directory = directory; self.logger = logger
        file = StateFile(path: directory.hasSuffix("/") ? directory + Self.fileName : directory + "/" + Self.fileName)
    }

    public var path: String { file.path }

    private struct Envelope: Codable {
        var version: Int
        var book: AlertBook
    }

    /// The saved book; nil when there is none, or when it was corrupt (then moved aside and logged).
    public func load() -> AlertBook? {
        lock.withLock { _ -> AlertBook? in
            let bytes: [UInt8]
            do {
                guard let b = try file.read() else { return nil }
                bytes = b
            } catch {
                logger.error("cannot read alert state; starting with no alerts, and not saving over the file until it can be read",
                             metadata: ["path": "\(path)", "error": "\(error)"])
                return nil
            }
            do {
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .secondsSince1970
                let envelope = try decoder.decode(Envelope.self, from: Data(bytes))
                guard envelope.version == Self.formatVersion else {
                    moveAside(reason: "unsupported version \(envelope.version)")
                    return nil
                }
                return envelope.book
            } catch {
                moveAside(reason: "\(error)")
                return nil
            }
        }
    }

    /// Writes `book` atomically (creating the directory if needed); throws `StateFileRefusal` while
    /// the last `load()` failed with an I/O error.
    public func save(_ book: AlertBook) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data = try encoder.encode(Envelope(version: Self.formatVersion, book: book))
        try lock.withLock { _ in
            try AtomicFile.createDirectory(directory)
            try file.write(data)
        }
    }

    private func moveAside(reason: String) {
        do {
            let target = try file.moveAside()
            logger.error("alert state is corrupt; moved aside, starting with no alerts",
                         metadata: ["path": "\(path)", "moved_to": "\(target)", "error": "\(reason)"])
        } catch {
            logger.error("alert state is corrupt and cannot be moved aside; starting with no alerts",
                         metadata: ["path": "\(path)", "error": "\(reason)", "move_error": "\(error)"])
        }
    }
}
