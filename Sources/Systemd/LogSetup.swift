#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Chooses the process-wide log handler: journald when stderr is the journal's stream, else the console.
public enum LogSetup {
    /// Bootstraps swift-log once for the process (LoggingSystem allows a single bootstrap).
    public static func bootstrap(level: Logger.Level,
                                 environment: [String: String] = ProcessInfo.processInfo.environment) {
        let journal = stderrIsJournal(environment: environment)
        LoggingSystem.bootstrap { label in
            journal ? JournalLogHandler(label: label, level: level) as any LogHandler
                    : ConsoleLogHandler(label: label, level: level) as any LogHandler
        }
    }

    /// True when `JOURNAL_STREAM` names fd 2's device and inode (systemd.exec(5)'s documented test).
    public static func stderrIsJournal(environment: [String: String]) -> Bool {
        var st = stat()
        guard fstat(2, &st) == 0 else { return false }
        return journalStreamMatches(environment["JOURNAL_STREAM"], device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    /// True when `value` is `<device>:<inode>` (decimal) and equals the given pair.
    public static func journalStreamMatches(_ value: String?, device: UInt64, inode: UInt64) -> Bool {
        guard let value else { return false }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let dev = parseUnsigned(String(parts[0])), let ino = parseUnsigned(String(parts[1])) else {
            return false
        }
        return dev == device && ino == inode
    }
}
