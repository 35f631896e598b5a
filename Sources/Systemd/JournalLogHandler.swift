import CSystemd
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A swift-log handler sending structured entries to journald with `sd_journal_sendv`.
///
/// Fields: MESSAGE (the metadata pairs, then the message, as the console shows them), PRIORITY
/// (syslog level), SYSLOG_IDENTIFIER, CODE_FILE/CODE_LINE/CODE_FUNC, and each metadata key as
/// `SEALWATCH_<KEY>` (uppercased, dots and other non-alphanumerics → `_`) with a single-line value.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let identifier: String

    public init(label: String, level: Logger.Level = .info, identifier: String = "sealwatch",
                metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider) {
        self.logLevel = level
        self.identifier = identifier
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = LogFormat.merge(metadata, metadataProvider, event.metadata)
        let fields = Self.fields(level: event.level, message: event.message.description, metadata: merged,
                                 file: event.file, function: event.function, line: event.line, identifier: identifier)
        Self.send(fields)
    }

    /// The journal fields of one entry, in order (pure; what `log` sends).
    public static func fields(level: Logger.Level, message: String, metadata: Logger.Metadata,
                              file: String, function: String, line: UInt, identifier: String = "sealwatch") -> [String] {
        let pairs = LogFormat.pairs(metadata)
        var fields = [
            "MESSAGE=" + (pairs.isEmpty ? "" : pairs + " ") + LogFormat.escapeControls(message),
            "PRIORITY=\(priority(level))",
            "SYSLOG_IDENTIFIER=" + identifier,
            "CODE_FILE=" + file,
            "CODE_LINE=\(line)",
            "CODE_FUNC=" + function,
        ]
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            fields.append(fieldName(key) + "=" + LogFormat.escapeControls(value.description))
        }
        return fields
    }

    /// syslog priority for a swift-log level (trace and debug are both 7).
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// `SEALWATCH_` + the key uppercased with every character outside [A-Z0-9_] as `_`, at most 64 bytes.
    public static func fieldName(_ key: String) -> String {
        let body = key.uppercased().unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "A"..."Z", "0"..."9", "_": return Character(scalar)
            default: return "_"
            }
        }
        return String(("SEALWATCH_" + String(body)).prefix(64))
    }

    /// Sends `fields` as one journal entry; failures are dropped (logging must never fail the caller).
    static func send(_ fields: [String]) {
        var buffer: [UInt8] = []
        var ranges: [(offset: Int, count: Int)] = []
        for field in fields {
            ranges.append((buffer.count, field.utf8.count))
            buffer.append(contentsOf: field.utf8)
        }
        buffer.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            let vectors = ranges.map { iovec(iov_base: UnsafeMutableRawPointer(mutating: base + $0.offset), iov_len: $0.count) }
            _ = sd_journal_sendv(vectors, Int32(vectors.count))
        }
    }
}
