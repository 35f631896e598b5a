import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time for log timestamps (CLOCK_REALTIME), injectable in tests.
public struct WallTime: Sendable, Equatable {
    public var seconds: Int64
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// CLOCK_REALTIME now.
    public static func now() -> WallTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return WallTime(seconds: Int64(ts.tv_sec), nanoseconds: Int32(ts.tv_nsec))
    }

    /// RFC 3339 UTC with milliseconds, e.g. `2026-11-22T16:40:01.123Z`.
    public var iso8601: String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        return pad(parts.tm_year + 1900, 4) + "-" + pad(parts.tm_mon + 1, 2) + "-" + pad(parts.tm_mday, 2)
            + "T" + pad(parts.tm_hour, 2) + ":" + pad(parts.tm_min, 2) + ":" + pad(parts.tm_sec, 2)
            + "." + pad(nanoseconds / 1_000_000, 3) + "Z"
    }
}

/// Text helpers shared by the log handlers: every rendered value is a single line.
enum LogFormat {
    /// Replaces control characters with visible escapes (`\n`, `\r`, `\t`, `\u{1b}`), keeping one line.
    static func escapeControls(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isControl(scalar): out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// logfmt-style value: bare when it is plain, else double-quoted with `\"`, `\\` and control escapes.
    static func quoteIfNeeded(_ text: String) -> String {
        let plain = !text.isEmpty && !text.unicodeScalars.contains {
            $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\\" || isControl($0)
        }
        if plain { return text }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: out += escapeControls(String(scalar))
            }
        }
        return out + "\""
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F || (scalar.value >= 0x80 && scalar.value < 0xA0)
            || scalar.value == 0x2028 || scalar.value == 0x2029
    }

    /// Provider, handler and call metadata merged (later wins).
    static func merge(_ handler: Logger.Metadata, _ provider: Logger.MetadataProvider?, _ call: Logger.Metadata?) -> Logger.Metadata {
        var merged = provider?.get() ?? [:]
        merged.merge(handler) { _, new in new }
        if let call { merged.merge(call) { _, new in new } }
        return merged
    }

    /// `key=value` pairs sorted by key, values logfmt-quoted when needed.
    static func pairs(_ metadata: Logger.Metadata) -> String {
        metadata.sorted { $0.key < $1.key }
            .map { escapeControls($0.key) + "=" + quoteIfNeeded($0.value.description) }
            .joined(separator: " ")
    }
}
