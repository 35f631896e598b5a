#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The service watchdog systemd armed for this process (`WatchdogSec=`), as sd_watchdog_enabled(3) reads it.
public struct WatchdogConfig: Sendable, Equatable {
    /// systemd's timeout (`WATCHDOG_USEC`); always positive.
    public let timeout: Duration

    public init(timeout: Duration) { self.timeout = timeout }

    /// How often to ping: half the timeout, as sd_watchdog_enabled(3) recommends.
    public var pingInterval: Duration { timeout / 2 }

    /// Reads `WATCHDOG_USEC` and `WATCHDOG_PID` like sd_watchdog_enabled(3).
    ///
    /// - Returns: nil when `WATCHDOG_USEC` is unset or `WATCHDOG_PID` names another process.
    /// - Throws: when `WATCHDOG_USEC` is not a positive finite number of µs or `WATCHDOG_PID` is not a pid.
    public static func from(environment: [String: String] = ProcessInfo.processInfo.environment,
                            pid: Int32 = getpid()) throws(SystemdEnvironmentError) -> WatchdogConfig? {
        guard let usecText = environment["WATCHDOG_USEC"] else { return nil }
        guard let usec = parseUnsigned(usecText), usec > 0, usec < UInt64(Int64.max) else {
            throw SystemdEnvironmentError(variables: ["WATCHDOG_USEC"],
                                          reason: "expected a positive number of microseconds, got \"\(usecText)\"")
        }
        if let pidText = environment["WATCHDOG_PID"] {
            guard let target = parsePID(pidText) else {
                throw SystemdEnvironmentError(variables: ["WATCHDOG_PID"], reason: "expected a pid, got \"\(pidText)\"")
            }
            if target != pid { return nil }
        }
        return WatchdogConfig(timeout: .microseconds(Int64(usec)))
    }
}

/// The probe loop's proof of life: a lock-protected monotonic timestamp of the last completed cycle.
///
/// Creating it counts as progress, so start-up gets one full `maxStall` before the first cycle must finish.
public final class Heartbeat: Sendable {
    private let last: Mutex<ContinuousClock.Instant>

    public init(now: ContinuousClock.Instant = .now) { last = Mutex(now) }

    /// Records progress (call after each completed probe cycle).
    public func beat(now: ContinuousClock.Instant = .now) {
        last.withLock { $0 = now }
    }

    /// When progress was last recorded.
    public var lastBeat: ContinuousClock.Instant { last.withLock { $0 } }

    /// Time since the last recorded progress.
    public func age(now: ContinuousClock.Instant = .now) -> Duration { now - lastBeat }
}

/// Pings systemd's watchdog at half its timeout, but only while the probe loop makes progress.
///
/// A stalled loop (heartbeat older than `maxStall`) gets no pings, so systemd kills and restarts the
/// service after `WatchdogSec=`; a live loop keeps the service alive however long it runs.
public struct Watchdog: Sendable {
    public let config: WatchdogConfig
    private let logger: Logger?

    public init(config: WatchdogConfig, logger: Logger? = nil) {
        self.config = config
        self.logger = logger
    }

    /// The rule: ping only while the heartbeat is younger than `maxStall`.
    public static func shouldPing(age: Duration, maxStall: Duration) -> Bool {
        age < maxStall
    }

    /// Pings until the task is cancelled. `maxStall` should be probe interval + timeout + slack.
    public func run(heartbeat: Heartbeat, maxStall: Duration, notifier: SystemdNotifier) async {
        var stalled = false
        while !Task.isCancelled {
            let age = heartbeat.age()
            if Self.shouldPing(age: age, maxStall: maxStall) {
                if stalled {
                    logger?.notice("probe loop progressing again; resuming watchdog pings")
                    stalled = false
                }
                notifier.send(.watchdog)
            } else if !stalled {
                stalled = true
                logger?.error("probe loop made no progress; withholding watchdog pings",
                              metadata: ["stalled_for": "\(age)", "max_stall": "\(maxStall)"])
            }
            do {
                try await Task.sleep(for: config.pingInterval)
            } catch {
                return
            }
        }
    }
}
