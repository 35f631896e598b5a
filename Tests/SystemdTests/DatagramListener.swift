import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A non-blocking AF_UNIX datagram socket playing systemd's notify socket in tests.
final class DatagramListener {
    let fd: Int32
    /// The NOTIFY_SOCKET value naming this socket.
    let notifySocket: String
    private let path: String?

    /// Binds a filesystem socket in a fresh temp directory, or an abstract `@name` one.
    init(abstract: Bool) throws {
        let tag = "sealwatch-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var bytes: [UInt8]
        if abstract {
            notifySocket = "@" + tag
            path = nil
            bytes = [0] + Array(tag.utf8)
        } else {
            var template = Array("/tmp/\(tag)-XXXXXX".utf8CString)
            let dir = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
            guard let dir else { throw ListenerError.call("mkdtemp", errno) }
            let p = String(cString: dir) + "/notify"
            notifySocket = p
            path = p
            bytes = Array(p.utf8) + [0]
        }
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw ListenerError.call("socket", errno) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + (abstract ? bytes.count : bytes.count))
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard rc == 0 else { let e = errno; close(fd); throw ListenerError.call("bind", e) }
    }

    deinit {
        close(fd)
        if let path {
            unlink(path)
            rmdir(String(path.dropLast("/notify".count)))
        }
    }

    /// Every datagram queued now, in arrival order (never blocks).
    func drain() -> [String] {
        var out: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n < 0 { break }
            out.append(String(decoding: buffer[0..<n], as: UTF8.self))
        }
        return out
    }

    /// The next datagram, waiting at most `timeoutMs` (poll with a deadline; used only right after a send).
    func receive(timeoutMs: Int32 = 2000) -> String? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, timeoutMs) == 1 else { return nil }
        return drain().first
    }
}

enum ListenerError: Error {
    case call(String, Int32)
}

/// Collects console log lines written by the handler under test.
final class LineSink: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}
