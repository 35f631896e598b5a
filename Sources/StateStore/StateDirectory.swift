#if canImport(Glibc)
import Glibc
#endif

/// The start-up check of the state directory, run before READY so a directory the daemon cannot use
/// fails the start (exit 73, EX_CANTCREAT) instead of every save failing later.
public enum StateDirectory {
    /// The files the daemon keeps in the state directory: the alert state and the notification outbox.
    public static let stateFiles = [AlertStateStore.fileName, "outbox.json"]

    /// Creates `path` (and missing parents, mode 0700), proves it writable by creating, writing,
    /// fsyncing and removing a probe file, and reads every existing state file (`stateFiles`) so
    /// that one which cannot be read (EACCES, EIO, a directory in its place) stops the start rather
    /// than being replaced by an empty one.
    public static func ensureWritable(_ path: String) throws(StateDirectoryError) {
        do { try AtomicFile.createDirectory(path) } catch {
            throw StateDirectoryError(subject: "state directory", path: path, problem: "cannot be created", cause: error)
        }
        let probe = join(path, ".sealwatch-write-test-\(getpid())")
        let fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StateDirectoryError(subject: "state directory", path: path, problem: "is not writable", cause: FileSystemError(call: "open", path: probe, errno: errno))
        }
        var failure: FileSystemError?
        var byte: UInt8 = 0x0a
        if write(fd, &byte, 1) != 1 { failure = FileSystemError(call: "write", path: probe, errno: errno) }
        else if fsync(fd) != 0 { failure = FileSystemError(call: "fsync", path: probe, errno: errno) }
        if close(fd) != 0 && failure == nil { failure = FileSystemError(call: "close", path: probe, errno: errno) }
        if unlink(probe) != 0 && failure == nil { failure = FileSystemError(call: "unlink", path: probe, errno: errno) }
        if let failure { throw StateDirectoryError(subject: "state directory", path: path, problem: "is not writable", cause: failure) }

        for name in stateFiles {
            let file = join(path, name)
            do { _ = try AtomicFile.read(file) } catch {
                throw StateDirectoryError(subject: "state file", path: file, problem: "exists but cannot be read (it is not replaced while it might hold state)",
                                          cause: error)
            }
        }
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}

/// The state directory, or a state file in it, cannot be used; names the path and the failing call.
public struct StateDirectoryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// "state directory" or "state file".
    public var subject: String
    /// The directory, or the state file that cannot be read.
    public var path: String
    public var problem: String
    public var cause: FileSystemError
    public init(subject: String, path: String, problem: String, cause: FileSystemError) {
        self.subject = subject; self.path = path; self.problem = problem; self.cause = cause
    }
    public var description: String { "\(subject) \(path) \(problem): \(cause)" }
}
