import CLinux
import Logging
@testable import MetricsServer
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

final class ThreadWork: @unchecked Sendable {
    let work: @Sendable () -> Void
    init(_ work: @escaping @Sendable () -> Void) { self.work = work }
}

/// Runs `work` on a new detached pthread.
func spawnThread(_ work: @escaping @Sendable () -> Void) {
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { raw in
        Unmanaged<ThreadWork>.fromOpaque(raw!).takeRetainedValue().work()
        return nil
    }, Unmanaged.passRetained(ThreadWork(work)).toOpaque())
    precondition(rc == 0)
    pthread_detach(thread)
}

/// Runs blocking socket work on its own thread, so tests never block Swift's cooperative pool.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, any Error>) in
        spawnThread { cont.resume(with: Result { try body() }) }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// A parsed response read by `TestClient`.
struct ClientResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]
    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A blocking loopback client with receive timeouts (5 s unless told), for use inside `offPool`.
final class TestClient {
    let fd: Int32
    private var buffer: [UInt8] = []

    /// `from`: a local address to bind first (e.g. "127.0.0.2:0"), to appear as another client.
    init(_ address: String, receiveTimeoutMs: Int = 5000, receiveBuffer: Int32? = nil, from: String? = nil) throws {
        var addr = try SocketAddress.parse(address)
        fd = socket(addr.family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        var tv = timeval(tv_sec: receiveTimeoutMs / 1000, tv_usec: (receiveTimeoutMs % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        if var size = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, 4) }
        if let from {
            var local = try SocketAddress.parse(from)
            let rc = withUnsafePointer(to: &local.storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, local.length) }
            }
            guard rc == 0 else {
                close(fd)
                throw TestFailure("bind \(from): \(Posix.errorString(errno))")
            }
        }
        let rc = withUnsafePointer(to: &addr.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, addr.length) }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw TestFailure("connect \(address): \(Posix.errorString(e))")
        }
    }

    deinit { close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestFailure("send: \(Posix.errorString(errno))") }
            off += n
        }
    }

    /// Reads more bytes into the buffer; false on EOF, throws on timeout or error.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n == 0 { return false }
        if n < 0 { throw TestFailure(errno == EAGAIN ? "receive timed out" : "recv: \(Posix.errorString(errno))") }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    /// Reads one response; HEAD responses have no body whatever their Content-Length says.
    func readResponse(head: Bool = false) throws -> ClientResponse {
        var end: Int?
        while true {
            if let r = findHeadEnd() { end = r; break }
            guard try fill() else { throw TestFailure("EOF before a response head (\(buffer.count) bytes)") }
        }
        let headText = String(decoding: buffer[0..<end!], as: UTF8.self)
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw TestFailure("bad status line \(statusLine)") }
        var headers: [(String, String)] = []
        for line in lines where !line.isEmpty {
            let colon = line.firstIndex(of: ":")!
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingASCIISpaces().description))
        }
        buffer.removeFirst(end! + 4)
        let length = head ? 0 : Int(headers.first { $0.0.lowercased() == "content-length" }?.1 ?? "0")!
        while buffer.count < length {
            guard try fill() else { throw TestFailure("EOF inside the body") }
        }
        let body = Array(buffer[0..<length])
        buffer.removeFirst(length)
        return ClientResponse(status: status, headers: headers, body: body)
    }

    /// True if the server closes the connection (EOF or reset) within the receive timeout, with no
    /// further bytes than `allowingBytes` arriving first.
    func closedByServer() -> Bool {
        while true {
            do {
                if try !fill() { return true }
            } catch {
                return "\(error)".contains("reset")
            }
        }
    }

    /// Reads at most `max` bytes (discarding them); 0 on EOF or reset, throws on timeout.
    func readSome(max: Int) throws -> Int {
        var chunk = [UInt8](repeating: 0, count: max)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 && errno == ECONNRESET { return 0 }
        if n < 0 { throw TestFailure(errno == EAGAIN ? "receive timed out" : "recv: \(Posix.errorString(errno))") }
        return n
    }

    /// Reads (and discards) until EOF or reset; the byte count. Throws on timeout.
    func drainUntilClosed() throws -> Int {
        var total = buffer.count
        buffer.removeAll()
        while true {
            let n = try readSome(max: 65536)
            if n == 0 { return total }
            total += n
        }
    }

    private func findHeadEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i
        }
        return nil
    }

    var pendingBytes: Int { buffer.count }
}

let quietLogger = Logger(label: "metrics-server-test", factory: { _ in SwiftLogNoOpLogHandler() })

/// Starts a server on 127.0.0.1:0 (unless told) and stops it after `body`.
func withServer<T: Sendable>(_ listen: ListenTarget = .address("127.0.0.1:0"), configuration: HTTPServerConfiguration = .init(),
                             handler: @escaping @Sendable (ServerRequest) -> ServerResponse = echoHandler,
                             _ body: @Sendable (HTTPServer) async throws -> T) async throws -> T {
    let server = try HTTPServer(listen: listen, configuration: configuration, logger: quietLogger, handler: handler)
    try server.start()
    do {
        let result = try await body(server)
        try await offPool { server.stop() }
        return result
    } catch {
        try await offPool { server.stop() }
        throw error
    }
}

/// 404 for /missing, a large body for /big, otherwise "method path?sorted query".
@Sendable func echoHandler(_ request: ServerRequest) -> ServerResponse {
    switch request.path {
    case "/missing": return .text("not found\n", status: 404)
    case "/big": return .text(String(repeating: "sealwatch_node_up{cluster=\"prod\",node=\"vault-1\"} 1\n", count: 200))
    default:
        let q = request.query.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
        return .text("\(request.method) \(request.path)?\(q) user=\(request.authenticatedUser ?? "-")")
    }
}

/// gunzip with zlib (windowBits 31).
func gunzip(_ input: [UInt8]) -> [UInt8]? {
    var stream = z_stream()
    guard clinux_inflate_init_gzip(&stream) == Z_OK else { return nil }
    defer { inflateEnd(&stream) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    var input = input
    return input.withUnsafeMutableBufferPointer { inp -> [UInt8]? in
        stream.next_in = inp.baseAddress
        stream.avail_in = UInt32(inp.count)
        while true {
            let rc = chunk.withUnsafeMutableBufferPointer { c -> Int32 in
                stream.next_out = c.baseAddress
                stream.avail_out = UInt32(c.count)
                return inflate(&stream, Z_NO_FLUSH)
            }
            out.append(contentsOf: chunk[0..<(65536 - Int(stream.avail_out))])
            if rc == Z_STREAM_END { return out }
            if rc != Z_OK { return nil }
        }
    }
}
