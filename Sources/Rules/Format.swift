#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Checked

/// Human units for summaries ("73 ms", "1.1 %", "5m", "14d"), without locale or `String(format:)`.
enum Format {
    /// `x` rounded to at most `decimals` places, trailing zeros dropped: 1.10 → "1.1", 2.0 → "2".
    static func number(_ x: Double, decimals: Int = 2) -> String {
        guard x.isFinite else { return x.isNaN ? "NaN" : (x > 0 ? "+Inf" : "-Inf") }
        var scale = 1.0
        for _ in 0..<max(0, decimals) { scale *= 10 }
        let scaled = (abs(x) * scale).rounded()
        // Past 2^53 a Double has no fraction to show; its shortest description is exact enough
        // ("1e+19"), and no integer conversion can trap on it.
        guard scaled < 9e15, let n = Int64(finite: scaled), let s = Int64(finite: scale) else { return "\(x.rounded())" }
        var text = String(n / s)
        var frac = n % s, digits = decimals
        while digits > 0 && frac % 10 == 0 && frac != 0 { frac /= 10; digits -= 1 }
        if frac != 0 {
            let f = String(frac)
            text += "." + String(repeating: "0", count: max(0, digits - f.count)) + f
        }
        return (x < 0 && n != 0 ? "-" : "") + text
    }

    /// Seconds as milliseconds: "73 ms", "4.2 ms".
    static func milliseconds(_ seconds: Double) -> String {
        let ms = seconds * 1000
        return number(ms, decimals: abs(ms) < 10 ? 1 : 0) + " ms"
    }

    /// A ratio as a percentage: 0.011 → "1.1 %".
    static func percent(_ ratio: Double) -> String { number(ratio * 100, decimals: 2) + " %" }

    /// A duration in its two largest units: 300 → "5m", 90 → "1m30s", 1209600 → "14d"; under a minute with
    /// one decimal ("1.5s"), under a second with three ("0.25s").
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "∞" }
        if seconds < 0 { return "-" + duration(-seconds) }
        if seconds < 1 { return number(seconds, decimals: 3) + "s" }
        if seconds < 60 { return number(seconds, decimals: 1) + "s" }
        let total = Int64(saturating: seconds.rounded())
        let values = [total / 86_400, total % 86_400 / 3_600, total % 3_600 / 60, total % 60]
        let suffixes = ["d", "h", "m", "s"]
        guard let first = values.firstIndex(where: { $0 > 0 }) else { return "0s" }
        var parts = ["\(values[first])\(suffixes[first])"]
        if first + 1 < values.count, values[first + 1] > 0 { parts.append("\(values[first + 1])\(suffixes[first + 1])") }
        return parts.isEmpty ? "0s" : parts.joined()
    }

    /// Names joined for a summary: "vault-0, vault-2".
    static func list(_ names: [String]) -> String { names.joined(separator: ", ") }
}
