import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// Small POSIX helpers shared by the listener and the event loop.
enum Posix {
    static func errorString(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// CLOCK_MONOTONIC in nanoseconds.
    static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    static func setInt(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) -> Bool {
        var v = value
        return setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size)) == 0
    }

    static func setNonBlocking(_ fd: Int32) -> Bool {
        let flags = fcntl(fd, F_GETFL)
        return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0
    }
}

/// A socket address for binding and display ("127.0.0.1:80", "[::1]:80").
struct SocketAddress {
    var storage = sockaddr_storage()
    var length: socklen_t = 0

    var family: Int32 { Int32(storage.ss_family) }

    /// Parses "host:port" where host is an IPv4 literal, a bracketed IPv6 literal, "localhost", or empty
    /// (all interfaces, dual-stack). The port must be 0–65535 (0 = ephemeral).
    static func parse(_ text: String) throws(HTTPServerError) -> SocketAddress {
        let bad = HTTPServerError("invalid listen address \"\(text)\": expected host:port, e.g. 127.0.0.1:9742 or [::]:9742")
        guard let colon = text.lastIndex(of: ":") else { throw bad }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard !portText.isEmpty, portText.utf8.allSatisfy(ASCII.isDigit), portText.utf8.count <= 5,
              let port = UInt16(portText) else { throw bad }
        var bracketed = false
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { throw bad }
            host = String(host.dropFirst().dropLast())
            bracketed = true
        } else if host.contains(":") {
            throw bad  // IPv6 literals need brackets
        }
        if host.isEmpty { host = "::" ; bracketed = true }
        if host == "localhost" { host = "127.0.0.1" }

        var addr = SocketAddress()
        if bracketed {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, host, &sin6.sin6_addr) == 1 else { throw bad }
            withUnsafeBytes(of: &sin6) { src in
                withUnsafeMutableBytes(of: &addr.storage) { $0.copyMemory(from: src) }
            }
            addr.length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            guard inet_pton(AF_INET, host, &sin.sin_addr) == 1 else { throw bad }
            withUnsafeBytes(of: &sin) { src in
                withUnsafeMutableBytes(of: &addr.storage) { $0.copyMemory(from: src) }
            }
            addr.length = socklen_t(MemoryLayout<sockaddr_in>.size)
        }
        return addr
    }

    /// "a.b.c.d:port", "[v6]:port", or "unix" / "?" for other families.
    var description: String {
        var copy = storage
        return withUnsafePointer(to: &copy) { raw -> String in
            var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
            switch Int32(storage.ss_family) {
            case AF_INET:
                return raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    var a = sin.pointee.sin_addr
                    inet_ntop(AF_INET, &a, &buf, socklen_t(buf.count))
                    return "\(Self.string(buf)):\(UInt16(bigEndian: sin.pointee.sin_port))"
                }
            case AF_INET6:
                return raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    var a = sin6.pointee.sin6_addr
                    inet_ntop(AF_INET6, &a, &buf, socklen_t(buf.count))
                    return "[\(Self.string(buf))]:\(UInt16(bigEndian: sin6.pointee.sin6_port))"
                }
            case AF_UNIX: return "unix"
            default: return "?"
            }
        }
    }

    private static func string(_ cchars: [CChar]) -> String {
        String(decoding: cchars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func local(of fd: Int32) -> SocketAddress? {
        var addr = SocketAddress()
        addr.length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &addr.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &addr.length) }
        }
        return rc == 0 ? addr : nil
    }
}

/// Opening and adopting listening sockets.
enum Listener {
    /// A non-blocking, close-on-exec TCP socket bound to `text` and listening.
    static func open(_ text: String) throws(HTTPServerError) -> Int32 {
        var addr = try SocketAddress.parse(text)
        let fd = socket(addr.family, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HTTPServerError("cannot listen on \(text): socket: \(Posix.errorString(errno))") }
        _ = Posix.setInt(fd, SOL_SOCKET, SO_REUSEADDR, 1)
        let rc = withUnsafePointer(to: &addr.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, addr.length) }
        }
        if rc != 0 {
            let e = errno
            close(fd)
            throw HTTPServerError("cannot listen on \(text): bind: \(Posix.errorString(e))")
        }
        if listen(fd, SOMAXCONN) != 0 {
            let e = errno
            close(fd)
            throw HTTPServerError("cannot listen on \(text): listen: \(Posix.errorString(e))")
        }
        return fd
    }

    /// Checks that `fd` is a listening stream socket and makes it non-blocking.
    static func adopt(_ fd: Int32) throws(HTTPServerError) {
        var type: Int32 = 0, listening: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 else {
            throw HTTPServerError("inherited descriptor \(fd) is not a socket: \(Posix.errorString(errno))")
        }
        len = socklen_t(MemoryLayout<Int32>.size)
        guard type == Int32(SOCK_STREAM.rawValue), getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0, listening != 0 else {
            throw HTTPServerError("inherited descriptor \(fd) is not a listening stream socket")
        }
        guard Posix.setNonBlocking(fd) else {
            throw HTTPServerError("inherited descriptor \(fd): cannot make it non-blocking: \(Posix.errorString(errno))")
        }
    }
}
