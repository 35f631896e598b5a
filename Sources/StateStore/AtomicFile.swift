#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// An error from a file system call, with the call, the path and `errno`.
public struct FileSystemError: Error, Sendable, Hashable, CustomStringConvertible {
    public var call: String
    public var path: String
    public var errno: Int32
    public init(call: String, path: String, errno: Int32) {
        self.call = call; self.path = path; self.errno = errno
    }
    public var description: String { "\(call)(\(path)): \(String(cString: strerror(errno))) (errno \(errno))" }
}

/// Whole-file reads and crash-safe whole-file replacement (alertmanager's `openReplace`).
///
/// `write` puts the bytes in `<path>.tmp` in the same directory, fsyncs it, renames it over `path` and
/// fsyncs the directory: after a crash at any point, `path` holds either the old or the new content,
/// never a mix (a stale `<path>.tmp` may be left behind; the next write replaces it). Writers of the
/// same `path` must be serialised by the caller (the temp name is fixed). Used for the alert state and
/// the notification outbox.
public enum AtomicFile {
    /// Atomically replaces the file at `path` with `bytes` (mode `permissions`, default 0600).
    public static func write(_ bytes: [UInt8], to path: String, permissions: mode_t = 0o600) throws(FileSystemError) {
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw FileSystemError(call: "open", path: tmp, errno: errno) }
        func fail(_ call: String, _ p: String, _ e: Int32, closing: Bool) -> FileSystemError {
            if closing { close(fd) }
            unlink(tmp)
            return FileSystemError(call: call, path: p, errno: e)
        }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { buf in
                Glibc.write(fd, buf.baseAddress! + offset, buf.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("write", tmp, errno, closing: true)
            }
            offset += n
        }
        if fsync(fd) != 0 { throw fail("fsync", tmp, errno, closing: true) }
        if close(fd) != 0 { throw fail("close", tmp, errno, closing: false) }
        if rename(tmp, path) != 0 { throw fail("rename", path, errno, closing: false) }
        try syncDirectory(of: path)
    }

    /// Atomically replaces the file at `path` with `data`.
    public static func write(_ data: Data, to path: String, permissions: mode_t = 0o600) throws(FileSystemError) {
        try write([UInt8](data), to: path, permissions: permissions)
    }

    /// The whole file, or nil when it does not exist.
    public static func read(_ path: String) throws(FileSystemError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw FileSystemError(call: "open", path: path, errno: errno)
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileSystemError(call: "read", path: path, errno: errno)
            }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    /// Creates `path` and its missing parents (mode 0700).
    public static func createDirectory(_ path: String) throws(FileSystemError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw FileSystemError(call: "mkdir", path: prefix, errno: errno)
            }
        }
    }

    /// fsync of the directory holding `path`, so a rename in it survives a power loss.
    static func syncDirectory(of path: String) throws(FileSystemError) {
        let dir: String
        if let slash = path.lastIndex(of: "/") {
            dir = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            dir = "."
        }
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystemError(call: "open", path: dir, errno: errno) }
        defer { close(fd) }
        if fsync(fd) != 0 && errno != EINVAL { throw FileSystemError(call: "fsync", path: dir, errno: errno) }
    }
}
