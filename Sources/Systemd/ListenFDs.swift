#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CSystemd
#if canImport(Glibc)
import Glibc
#endif

/// A socket systemd passed to this process (socket activation): its fd and its `FileDescriptorName=`.
public struct InheritedSocket: Sendable, Hashable {
    public let fd: Int32
    /// The name from LISTEN_FDNAMES, or "unknown" when the manager passed no names.
    public let name: String

    public init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
    }
}

/// Socket activation: the file descriptors systemd passed in `LISTEN_PID`/`LISTEN_FDS`/`LISTEN_FDNAMES`.
public enum ListenFDs {
    /// First inherited fd (SD_LISTEN_FDS_START).
    public static let firstFD: Int32 = 3
    /// The variables socket activation sets; unset after reading so children don't inherit them.
    public static let variables = ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"]
    /// The `FileDescriptorName=` of the metrics socket in `sealwatch.socket`.
    public static let metricsName = "metrics"

    /// Reads the inherited sockets from `environment`, as sd_listen_fds_with_names(3) does, without side effects.
    ///
    /// - Returns: no sockets when `LISTEN_PID` or `LISTEN_FDS` is unset or `LISTEN_PID` is another process.
    /// - Throws: when a variable is malformed or `LISTEN_FDNAMES` does not hold one name per fd.
    public static func parse(environment: [String: String], pid: Int32 = getpid()) throws(SystemdEnvironmentError) -> [InheritedSocket] {
        guard let pidText = environment["LISTEN_PID"] else { return [] }
        guard let target = parsePID(pidText) else {
            throw SystemdEnvironmentError(variables: ["LISTEN_PID"], reason: "expected a pid, got \"\(pidText)\"")
        }
        guard target == pid else { return [] }
        guard let countText = environment["LISTEN_FDS"] else { return [] }
        guard let count = parseUnsigned(countText), count <= UInt64(Int32.max - firstFD) else {
            throw SystemdEnvironmentError(variables: ["LISTEN_FDS"], reason: "expected a count of fds, got \"\(countText)\"")
        }
        let n = Int(count)
        var names = Array(repeating: "unknown", count: n)
        if let namesText = environment["LISTEN_FDNAMES"] {
            let given = namesText.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard given.count == n else {
                throw SystemdEnvironmentError(variables: ["LISTEN_FDS", "LISTEN_FDNAMES"],
                                              reason: "LISTEN_FDS=\(n) but LISTEN_FDNAMES holds \(given.count) name(s)")
            }
            names = given
        }
        return (0..<n).map { InheritedSocket(fd: firstFD + Int32($0), name: names[$0]) }
    }

    /// Picks the metrics socket: the one named "metrics", or the only one.
    ///
    /// - Throws: when several sockets were passed and none is named "metrics".
    public static func selectMetrics(from sockets: [InheritedSocket]) throws(SystemdEnvironmentError) -> InheritedSocket? {
        if let named = sockets.first(where: { $0.name == metricsName }) { return named }
        if sockets.count <= 1 { return sockets.first }
        throw SystemdEnvironmentError(variables: ["LISTEN_FDNAMES"],
                                      reason: "\(sockets.count) sockets passed (\(sockets.map(\.name).joined(separator: ", "))) and none is named \"\(metricsName)\"")
    }

    /// The inherited metrics listening socket, or nil when the service was not socket-activated.
    ///
    /// Reads `environment` with ``parse(environment:pid:)``, marks the inherited fds close-on-exec and
    /// unsets the LISTEN_* variables of the process environment. Call it once, early, before other
    /// threads read the environment.
    public static func metricsSocket(environment: [String: String] = ProcessInfo.processInfo.environment,
                                     pid: Int32 = getpid()) throws(SystemdEnvironmentError) -> Int32? {
        let sockets = try parse(environment: environment, pid: pid)
        defer { unsetVariables() }
        for socket in sockets { _ = fcntl(socket.fd, F_SETFD, FD_CLOEXEC) }
        return try selectMetrics(from: sockets)?.fd
    }

    /// The inherited sockets as libsystemd's sd_listen_fds_with_names(3) reports them for this process.
    ///
    /// Unsets the LISTEN_* variables and marks the fds close-on-exec (libsystemd does both).
    public static func inherited() throws(SystemdEnvironmentError) -> [InheritedSocket] {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        let count = sd_listen_fds_with_names(1, &names)
        defer {
            if let names {
                var i = 0
                while let name = names[i] { free(name); i += 1 }
                free(names)
            }
        }
        guard count >= 0 else {
            throw SystemdEnvironmentError(variables: variables,
                                          reason: "sd_listen_fds_with_names failed: \(String(cString: strerror(-count)))")
        }
        return (0..<Int(count)).map { i in
            let name = names?[i].map { String(cString: $0) } ?? "unknown"
            return InheritedSocket(fd: firstFD + Int32(i), name: name)
        }
    }

    static func unsetVariables() {
        for name in variables { unsetenv(name) }
    }
}
