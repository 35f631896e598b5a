#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CSystemd
#if canImport(Glibc)
import Glibc
#endif

/// One assignment of the sd_notify(3) protocol; several are joined with "\n" into one datagram.
public enum NotifyState: Sendable, Hashable {
    /// `READY=1`: start-up (or a reload) finished.
    case ready
    /// `RELOADING=1` plus `MONOTONIC_USEC=` (CLOCK_MONOTONIC µs), as `Type=notify-reload` requires.
    case reloading
    /// `STOPPING=1`: shutdown began.
    case stopping
    /// `WATCHDOG=1`: keep-alive ping.
    case watchdog
    /// `STATUS=`: one-line free text shown by `systemctl status` (newlines become spaces).
    case status(String)
    /// `MAINPID=`: the service's main process.
    case mainPID(Int32)
    /// `ERRNO=`: an errno-style failure code.
    case errno(Int32)

    /// The assignment text, with `monotonicMicroseconds` used for `.reloading`.
    public func assignment(monotonicMicroseconds: UInt64) -> String {
        switch self {
        case .ready: return "READY=1"
        case .reloading: return "RELOADING=1\nMONOTONIC_USEC=\(monotonicMicroseconds)"
        case .stopping: return "STOPPING=1"
        case .watchdog: return "WATCHDOG=1"
        case .status(let text): return "STATUS=" + NotifyState.singleLine(text)
        case .mainPID(let pid): return "MAINPID=\(pid)"
        case .errno(let code): return "ERRNO=\(code)"
        }
    }

    static func singleLine(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\n" || $0 == "\r" ? " " : $0 }))
    }
}

/// Why a notification could not be delivered (the notifier itself never throws from `send`).
public enum NotifyError: Error, Equatable, CustomStringConvertible {
    /// NOTIFY_SOCKET names something other than an absolute path or an abstract `@name`.
    case unsupportedSocket(String)
    /// The socket address does not fit in `sockaddr_un`.
    case pathTooLong(String)
    /// A system call failed with this errno.
    case system(call: String, errno: Int32)

    public var description: String {
        switch self {
        case .unsupportedSocket(let s): return "NOTIFY_SOCKET=\(s) is neither an absolute path nor an abstract @name"
        case .pathTooLong(let s): return "NOTIFY_SOCKET=\(s) is longer than a unix socket address allows"
        case .system(let call, let code): return "\(call) failed: \(String(cString: strerror(code)))"
        }
    }
}

/// Sends sd_notify(3) messages to the socket named by `NOTIFY_SOCKET`.
///
/// Exists only when `NOTIFY_SOCKET` is set (the initializer returns nil otherwise, so callers hold an
/// optional and outside systemd every call is a no-op). When the socket is the one in this process's
/// real environment, delivery goes through libsystemd's `sd_pid_notify`; for an explicitly passed
/// environment (tests) the datagram is sent directly, non-blocking, to the AF_UNIX path or abstract name.
public struct SystemdNotifier: Sendable {
    /// The NOTIFY_SOCKET value: an absolute path or `@abstract-name`.
    public let socket: String
    private let viaLibsystemd: Bool

    public init?(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let socket = environment["NOTIFY_SOCKET"], !socket.isEmpty else { return nil }
        self.socket = socket
        self.viaLibsystemd = getenv("NOTIFY_SOCKET").map { String(cString: $0) } == socket
    }

    /// The datagram text for `states`, joined with "\n".
    public static func message(_ states: [NotifyState], monotonicMicroseconds: UInt64 = monotonicMicroseconds()) -> String {
        states.map { $0.assignment(monotonicMicroseconds: monotonicMicroseconds) }.joined(separator: "\n")
    }

    /// CLOCK_MONOTONIC now, in microseconds (systemd's `MONOTONIC_USEC` clock).
    public static func monotonicMicroseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1_000
    }

    /// Sends `states` as one datagram; returns false (and drops the message) when delivery failed.
    @discardableResult
    public func send(_ states: NotifyState...) -> Bool {
        (try? deliver(states)) != nil
    }

    /// Sends `states` as one datagram, reporting why delivery failed.
    public func deliver(_ states: [NotifyState]) throws(NotifyError) {
        guard !states.isEmpty else { return }
        let text = Self.message(states)
        if viaLibsystemd {
            let rc = sd_pid_notify(0, 0, text)
            if rc < 0 { throw .system(call: "sd_pid_notify", errno: -rc) }
            return
        }
        try Self.sendDatagram(Array(text.utf8), to: socket)
    }

    /// Sends `bytes` to the AF_UNIX datagram socket `socket` (absolute path or `@abstract`).
    static func sendDatagram(_ bytes: [UInt8], to socket: String) throws(NotifyError) {
        var path = Array(socket.utf8)
        let abstract = path.first == UInt8(ascii: "@")
        guard abstract || path.first == UInt8(ascii: "/") else { throw .unsupportedSocket(socket) }
        if abstract { path[0] = 0 }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        // A filesystem path keeps room for its NUL; an abstract name is exactly its bytes.
        guard path.count <= (abstract ? capacity : capacity - 1) else { throw .pathTooLong(socket) }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: path)
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + path.count + (abstract ? 0 : 1))

        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw .system(call: "socket", errno: Glibc.errno) }
        defer { close(fd) }
        while true {
            let sent = withUnsafePointer(to: &addr) { ap in
                ap.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    bytes.withUnsafeBytes { buf in
                        sendto(fd, buf.baseAddress, buf.count, Int32(MSG_NOSIGNAL), sa, length)
                    }
                }
            }
            if sent >= 0 { return }
            let code = Glibc.errno
            if code != EINTR { throw .system(call: "sendto", errno: code) }
        }
    }
}
