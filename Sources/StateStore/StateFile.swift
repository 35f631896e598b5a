#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// One file of the state directory (`alerts.json`, `outbox.json`) that is read once at start and
/// then replaced after changes.
///
/// Guards the state against being lost: when a read fails with an I/O error (EACCES, EIO, EISDIR:
/// the file may well hold good state, it just could not be read), `write` refuses to replace the
/// file until a later `read` succeeds. Bad *content* is different: the owner moves the file aside
/// (`moveAside`) and may then write. Reads and writes of one `StateFile` must be serialised by the
/// owner, as for `AtomicFile`.
public final class StateFile: Sendable {
    public let path: String
    /// The error of the last read, while it blocks writing.
    private let readFailure = Mutex<FileSystemError?>(nil)

    public init(path: String) { self.path = path }

    /// The whole file, or nil when it does not exist. An I/O error is thrown, and from then on
    /// `write` refuses until a read succeeds.
    public func read() throws(FileSystemError) -> [UInt8]? {
        do {
            let bytes = try AtomicFile.read(path)
            readFailure.withLock { $0 = nil }
            return bytes
        } catch {
            readFailure.withLock { $0 = error }
            throw error
        }
    }

    /// Why writing is refused (the last read failed), or nil.
    public var blockedBy: FileSystemError? { readFailure.withLock { $0 } }

    /// Atomically replaces the file (see `AtomicFile.write`), unless the last read failed: then
    /// throws `StateFileRefusal` and leaves the file alone.
    public func write(_ bytes: [UInt8], permissions: mode_t = 0o600) throws {
        if let failure = blockedBy { throw StateFileRefusal(path: path, readError: failure) }
        try AtomicFile.write(bytes, to: path, permissions: permissions)
    }

    public func write(_ data: Data, permissions: mode_t = 0o600) throws {
        try write([UInt8](data), permissions: permissions)
    }

    /// Moves the file aside to `<path>.corrupt-<unix-ns>-<pid>` (with `-1`, `-2`… if that exists),
    /// never over an earlier one, and returns the new path. For bad content only.
    public func moveAside() throws(FileSystemError) -> String {
        try moveAside(base: "\(path).corrupt-\(StateFile.unixNanoseconds())-\(getpid())")
    }

    func moveAside(base: String) throws(FileSystemError) -> String {
        for n in 0..<1000 {
            let target = n == 0 ? base : "\(base)-\(n)"
            // link + unlink, not rename: link fails when the target exists, rename would replace it.
            if link(path, target) == 0 {
                unlink(path)
                return target
            }
            let e = errno
            if e == EEXIST { continue }
            guard e == EPERM || e == EOPNOTSUPP || e == EMLINK else {
                throw FileSystemError(call: "link", path: target, errno: e)
            }
            // A file system without hard links: check, then rename (one process owns the directory).
            if access(target, F_OK) == 0 { continue }
            guard rename(path, target) == 0 else { throw FileSystemError(call: "rename", path: target, errno: errno) }
            return target
        }
        throw FileSystemError(call: "link", path: base, errno: EEXIST)
    }

    /// The wall clock in nanoseconds since 1970 as decimal digits (from integers, no Double).
    static func unixNanoseconds() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let ns = String(ts.tv_nsec)
        return "\(ts.tv_sec)" + String(repeating: "0", count: max(0, 9 - ns.count)) + ns
    }
}

/// A state file was not written because reading it failed: it may hold state that would be lost.
public struct StateFileRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var readError: FileSystemError
    public var description: String {
        "not overwriting \(path): it could not be read (\(readError)), so it may hold state that would be lost; fix the file or its permissions and restart"
    }
}
