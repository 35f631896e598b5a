import HTTPTransport

#if canImport(Glibc)
import Glibc
#endif

/// A raw `errno` failure of a socket call while setting up a `LoopbackHTTPServer`.
public struct LoopbackSocketError: Error, Sendable, Hashable, CustomStringConvertible {
    public var call: String
    public var errno: Int32
    public var description: String { "\(call): \(String(cString: strerror(errno)))" }
}

/// A pipe whose read end, once signalled, stays readable (nobody drains it): every thread of a
/// server polls it with its socket, so `stop()` wakes them all. Closed when the last thread lets
/// go of it. (A pipe rather than an eventfd: this file imports only Glibc, whose module map
/// lacks eventfd, and mixing it with CLinux's `_GNU_SOURCE` headers in one file breaks `fd_set`.)
final class LoopbackStopSignal: Sendable {
    let fd: Int32
    private let writeFD: Int32

    init() throws(LoopbackSocketError) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw LoopbackSocketError(call: "pipe", errno: errno) }
        for end in fds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        fd = fds[0]
        writeFD = fds[1]
    }

    deinit {
        close(fd)
        close(writeFD)
    }

    func signal() {
        var one: UInt8 = 1
        _ = write(writeFD, &one, 1)
    }

    var isSignalled: Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) > 0
    }

    /// Sleeps up to `duration` (forever when nil); returns false when stopped meanwhile.
    func sleep(_ duration: Duration?) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard let duration else {
            while poll(&entry, 1, -1) < 0 && errno == EINTR {}
            return false
        }
        let deadline = ContinuousClock.now + duration
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            if left <= .zero { return !isSignalled }
            let ms = Int32(clamping: max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            let ready = poll(&entry, 1, ms)
            if ready > 0 { return false }
        }
    }

    /// Waits until `fd` is readable; false when stopped first.
    func waitReadable(_ socket: Int32) -> Bool {
        var entries = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
        while true {
            let ready = poll(&entries, 2, -1)
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 || entries[1].revents != 0 { return false }
            if entries[0].revents != 0 { return true }
        }
    }
}

/// Detached pthreads for the server (its blocking socket calls stay off Swift's cooperative pool).
enum LoopbackThread {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    static func detach(_ run: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Body(run)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { context in
            let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
            body.run()
            return nil
        }, context)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        pthread_detach(thread)
    }
}

enum LoopbackSocket {
    /// A listening IPv4 TCP socket on `host:port` (port 0: the kernel picks); returns fd and port.
    static func listen(host: String, port: Int) throws(LoopbackSocketError) -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LoopbackSocketError(call: "socket", errno: errno) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(clamping: port).bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(fd)
            throw LoopbackSocketError(call: "inet_pton(\(host))", errno: EINVAL)
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw LoopbackSocketError(call: "bind(\(host):\(port))", errno: code)
        }
        guard Glibc.listen(fd, 1024) == 0 else {
            let code = errno
            close(fd)
            throw LoopbackSocketError(call: "listen", errno: code)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, Int(UInt16(bigEndian: actual.sin_port)))
    }

    /// `accept`, then close-on-exec; -1 with `errno` set on failure.
    static func accept(_ fd: Int32) -> Int32 {
        let client = Glibc.accept(fd, nil, nil)
        if client >= 0 { _ = fcntl(client, F_SETFD, FD_CLOEXEC) }
        return client
    }

    static func configureAccepted(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        // A client that stops reading must not pin a thread past stop() forever.
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes all of `bytes` (one `send` call unless the kernel takes only part); false on error.
    @discardableResult
    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let sent = send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                if sent < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += sent
            }
            return true
        }
    }
}

/// Incremental HTTP/1.1 request parsing over a connection's byte buffer (Content-Length bodies only).
enum LoopbackRequestParser {
    enum Outcome {
        case incomplete
        case request(RecordedRequest, keepAlive: Bool, consumed: Int)
        case invalid(status: Int)
    }

    static let maxHeadBytes = 64 * 1024

    static func parse(_ buffer: [UInt8], connectionID: Int) -> Outcome {
        guard let headEnd = findHeadEnd(buffer) else {
            return buffer.count > maxHeadBytes ? .invalid(status: 431) : .incomplete
        }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        guard !lines.isEmpty else { return .invalid(status: 400) }
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: true)
        guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1.") else { return .invalid(status: 400) }
        var headers = HTTPHeaders()
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return .invalid(status: 400) }
            let name = String(line[..<colon])
            let value = String(line[line.index(after: colon)...].drop(while: { $0 == " " || $0 == "\t" }))
            headers.add(name, value)
        }
        if let encoding = headers["Transfer-Encoding"], encoding.lowercased() != "identity" {
            return .invalid(status: 501)
        }
        let length = Int(headers["Content-Length"] ?? "0") ?? -1
        guard length >= 0 else { return .invalid(status: 400) }
        let bodyStart = headEnd + 4
        guard buffer.count >= bodyStart + length else { return .incomplete }
        let version = requestLine[2]
        let connection = headers["Connection"]?.lowercased()
        let keepAlive = version == "HTTP/1.1" ? connection != "close" : connection == "keep-alive"
        let request = RecordedRequest(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers,
                                      body: Array(buffer[bodyStart..<(bodyStart + length)]), connectionID: connectionID)
        return .request(request, keepAlive: keepAlive, consumed: bodyStart + length)
    }

    private static func findHeadEnd(_ buffer: [UInt8]) -> Int? {
        guard buffer.count >= 4 else { return nil }
        for index in 0...(buffer.count - 4)
        where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
            return index
        }
        return nil
    }
}
