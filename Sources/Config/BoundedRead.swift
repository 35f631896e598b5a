#if canImport(Glibc)
import Glibc
#endif

/// Reads a whole file, but never more than `limit` bytes into memory: the config file and secret
/// files come from outside, and a huge one must be refused, not buffered.
enum BoundedRead {
    enum Failure: Error, Equatable {
        /// The file holds more than `limit` bytes (only `limit + 1` were read to find out).
        case tooLarge
        /// A system call failed (`open`, `read`) with this errno.
        case system(call: String, errno: Int32)
    }

    static func read(_ path: String, limit: Int) -> Result<[UInt8], Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(.system(call: "open", errno: errno)) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while out.count <= limit {
            let want = min(chunk.count, limit + 1 - out.count)
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, want) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(.system(call: "read", errno: errno))
            }
            if n == 0 { return .success(out) }
            out.append(contentsOf: chunk[0..<n])
        }
        return .failure(.tooLarge)
    }
}
