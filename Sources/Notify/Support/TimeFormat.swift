#if canImport(Checked)
import Checked
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Calendar arithmetic in UTC without locales or `DateFormatter`: RFC 3339 output for payloads and
/// IMF-fixdate parsing for `Retry-After`.
enum TimeFormat {
    /// The zero time Alertmanager's webhook uses for `endsAt` while an alert fires.
    static let zeroTime = "0001-01-01T00:00:00Z"

    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in seconds since 1970: the range RFC 3339 can
    /// spell (four-digit years). Dates outside are clamped to it, so a hostile date never traps.
    static let earliest: Double = -62_135_596_800
    static let latest: Double = 253_402_300_799

    /// "2026-11-22T16:19:05Z", or with milliseconds ("…05.250Z") when the date has a fraction.
    /// A date outside years 1–9999 (or not finite) prints as the nearest end of that range.
    static func rfc3339(_ date: Date) -> String {
        var t = date.timeIntervalSince1970
        if !t.isFinite { t = t.isNaN ? 0 : (t < 0 ? earliest : latest) }
        t = min(max(t, earliest), latest)
        let whole = t.rounded(.down)
        var seconds = Int64(saturating: whole)
        var ms = Int(saturating: ((t - whole) * 1000).rounded())
        if ms >= 1000 { seconds += 1; ms -= 1000 }
        if seconds > Int64(saturating: latest) { seconds = Int64(saturating: latest); ms = 0 }
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secOfDay = Int(truncatingIfNeeded: seconds - days * 86400)
        let (y, m, d) = civil(fromDays: days)
        var text = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T"
        text += pad(secOfDay / 3600, 2) + ":" + pad(secOfDay / 60 % 60, 2) + ":" + pad(secOfDay % 60, 2)
        if ms > 0 { text += "." + pad(ms, 3) }
        return text + "Z"
    }

    /// Parses an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the form RFC 9110 requires senders
    /// to use: exactly two digits of day, four of year and two of each clock field (so a year of
    /// eleven digits is not a date, and nothing here can overflow).
    ///
    /// - SeeAlso: https://www.rfc-editor.org/rfc/rfc9110#name-date-time-formats
    static func parseHTTPDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = digits(parts[1], 2), let year = digits(parts[3], 4) else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let monthIndex = months.firstIndex(of: String(parts[2])) else { return nil }
        let clock = parts[4].split(separator: ":", omittingEmptySubsequences: false).compactMap { digits($0, 2) }
        guard clock.count == 3, (1...31).contains(day), (0..<24).contains(clock[0]), (0..<60).contains(clock[1]),
              (0...60).contains(clock[2]) else { return nil }
        let days = daysFromCivil(year, monthIndex + 1, day)
        let seconds = days * 86400 + Int64(truncatingIfNeeded: clock[0] * 3600 + clock[1] * 60 + clock[2])
        return Date(timeIntervalSince1970: Double(seconds))
    }

    /// The value of exactly `count` ASCII digits; nil for anything else.
    private static func digits(_ text: Substring, _ count: Int) -> Int? {
        guard text.utf8.count == count else { return nil }
        var value = 0
        for byte in text.utf8 {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int(truncatingIfNeeded: byte &- 0x30)
        }
        return value
    }

    /// "4m12s", "1h3m", "2d4h", "45s": the two largest non-zero units, for "resolved after …".
    static func humanDuration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds > 0 else { return "0s" }
        var rest = Int(saturating: seconds.rounded())
        if rest == 0 { return "0s" }
        let units: [(String, Int)] = [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)]
        var parts: [String] = []
        for (name, size) in units where rest >= size {
            parts.append("\(rest / size)\(name)")
            rest %= size
            if parts.count == 2 { break }
        }
        // Two largest units must be adjacent ("1h5s" reads oddly but is exact; keep it exact).
        return parts.joined()
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
    private static func pad(_ n: Int64, _ width: Int) -> String { pad(Int(truncatingIfNeeded: n), width) }

    /// Howard Hinnant's days-from-civil algorithm (proleptic Gregorian).
    private static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(truncatingIfNeeded: month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(truncatingIfNeeded: (month + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(truncatingIfNeeded: day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    private static func civil(fromDays z0: Int64) -> (Int64, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(truncatingIfNeeded: doy - (153 * mp + 2) / 5 + 1)
        let m = Int(truncatingIfNeeded: mp < 10 ? mp + 3 : mp - 9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
