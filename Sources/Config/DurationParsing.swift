#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Checked

/// Prometheus-style durations: `250ms`, `5s`, `1m30s`, `4h`, `14d`, `1w`, and `0`.
public enum DurationText {
    /// The longest duration a config file may give: 36500d (100 years), well inside `Duration`'s
    /// Int64 nanoseconds (292 years), so every accepted duration converts without a trap.
    public static let maxSeconds: Double = 36500 * 86400

    /// Seconds for a duration string, or nil if it is not one. The result is finite but may exceed
    /// `maxSeconds` (the reader reports that); a part too large to be a Double (`1` and 400 zeros)
    /// is not a duration.
    public static func seconds(_ text: String) -> Double? {
        let s = text.trimmingBlanks()
        if s == "0" { return 0 }
        var total = 0.0
        var number = ""
        var unit = ""
        var sawPart = false
        func flush() -> Bool {
            guard !number.isEmpty, let n = Double(finite: number) else { return false }
            let scale: Double
            switch unit {
            case "ns": scale = 1e-9
            case "us", "µs", "μs": scale = 1e-6
            case "ms": scale = 1e-3
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            case "d": scale = 86400
            case "w": scale = 604_800
            default: return false
            }
            total += n * scale; number = ""; unit = ""; sawPart = true
            return true
        }
        for ch in s {
            if ch.isNumber || ch == "." {
                if !unit.isEmpty { guard flush() else { return nil } }
                number.append(ch)
            } else if ch.isLetter || ch == "µ" {
                guard !number.isEmpty || !unit.isEmpty else { return nil }
                unit.append(ch)
            } else {
                return nil
            }
        }
        guard flush(), sawPart, total.isFinite else { return nil }
        return total
    }

    /// The shortest readable form: `50ms`, `30s`, `5m`, `1h30m`, `14d` (NaN and infinities are
    /// spelled out, and values beyond Int's range saturate, so no input traps).
    public static func format(_ seconds: Double) -> String {
        if seconds == 0 { return "0s" }
        guard seconds.isFinite else { return seconds.isNaN ? "NaN" : seconds < 0 ? "-Inf" : "+Inf" }
        if seconds < 0 { return "-" + format(-seconds) }
        if seconds < 1 { return "\(Int(saturating: (seconds * 1000).rounded()))ms" }
        var rest = Int(saturating: seconds.rounded())
        var out = ""
        for (unit, size) in [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            out += "\(rest / size)\(unit)"; rest %= size
        }
        return out
    }
}

extension Duration {
    /// Seconds as a Double.
    public var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
    /// `s` seconds; NaN is zero and values beyond Int64 nanoseconds (±292 years) saturate.
    public static func seconds(double s: Double) -> Duration { .nanoseconds(Int64(saturating: (s * 1e9).rounded())) }
}
