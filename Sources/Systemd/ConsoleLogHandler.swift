import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Where console log lines go: a function taking one complete line (with its "\n").
public struct ConsoleOutput: Sendable {
    /// Writes one line; must not buffer.
    public let write: @Sendable (String) -> Void
    /// Whether ANSI colour suits this output.
    public let isTerminal: Bool

    public init(isTerminal: Bool = false, write: @escaping @Sendable (String) -> Void) {
        self.write = write
        self.isTerminal = isTerminal
    }

    /// File descriptor 2, one `write(2)` per line (no stdio buffering), colour when it is a TTY.
    public static var standardError: ConsoleOutput {
        ConsoleOutput(isTerminal: isatty(2) == 1) { line in write(line, to: 2) }
    }

    /// Writes all of `text` to `fd` with `write(2)` (short writes and EINTR retried, no buffering);
    /// gives up silently on any other error, as a log line must never stop the daemon.
    public static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n > 0 { bytes = bytes.dropFirst(n) } else if n < 0 && errno == EINTR { continue } else { return }
        }
    }
}

/// A swift-log handler writing one readable line per entry for terminals and pipes:
/// `2026-11-22T16:40:01.123Z info  cluster=prod node=vault-2 state changed: standby → sealed`.
///
/// Metadata is sorted by key and logfmt-quoted; the whole line (message included) is single-line.
public struct ConsoleLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let output: ConsoleOutput
    private let colour: Bool
    private let clock: @Sendable () -> WallTime

    public init(label: String, level: Logger.Level = .info, output: ConsoleOutput = .standardError,
                metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider,
                clock: @escaping @Sendable () -> WallTime = { WallTime.now() }) {
        self.logLevel = level
        self.output = output
        self.colour = output.isTerminal
        self.metadataProvider = metadataProvider
        self.clock = clock
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = LogFormat.merge(metadata, metadataProvider, event.metadata)
        output.write(Self.line(time: clock(), level: event.level, metadata: merged,
                               message: event.message.description, colour: colour))
    }

    /// The rendered line, "\n" included.
    public static func line(time: WallTime, level: Logger.Level, metadata: Logger.Metadata,
                            message: String, colour: Bool = false) -> String {
        let name = label(level)
        let padded = name + String(repeating: " ", count: max(0, 5 - name.count))
        let levelText = colour ? "\u{1b}[\(ansi(level))m\(padded)\u{1b}[0m" : padded
        let pairs = LogFormat.pairs(metadata)
        return time.iso8601 + " " + levelText + " " + (pairs.isEmpty ? "" : pairs + " ")
            + LogFormat.escapeControls(message) + "\n"
    }

    /// Short level names, at most five characters, so columns line up.
    static func label(_ level: Logger.Level) -> String {
        switch level {
        case .trace: return "trace"
        case .debug: return "debug"
        case .info: return "info"
        case .notice: return "note"
        case .warning: return "warn"
        case .error: return "error"
        case .critical: return "crit"
        }
    }

    static func ansi(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: return "2"
        case .info: return "32"
        case .notice: return "36"
        case .warning: return "33"
        case .error: return "31"
        case .critical: return "1;31"
        }
    }
}
