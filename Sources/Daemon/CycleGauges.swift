/// The per-cycle gauges (node, cluster, Raft, alert and queue state): plain values rendered in the
/// Prometheus text format next to the registry's families.
///
/// Why not registry gauges: swift-prometheus keeps an object graph per series (the gauge, its
/// atomic, its label array, pre-rendered bytes, the family's tables), ~450 bytes each; at 100
/// nodes that is ~5,000 series and ~2 MiB, most of the daemon's heap. Here a series is one
/// dictionary slot: its rendered label set and its value.
///
/// A series not set between two `sweep()`s is dropped by the second one, so a removed node or a
/// resolved alert never leaves a stale value behind. Families never mix: a family set here is
/// never also registered with the registry. Not thread-safe; `DaemonMetrics` holds it under a lock.
struct CycleGauges {
    private struct Family {
        var help: String
        /// `gauge`, or `summary` for re-exported quantiles (series keys of its `_sum` and `_count`
        /// start with that suffix).
        var type = "gauge"
        /// Rendered label set (`{a="1",b="2"}` or "") → value and the sweep it was last set in.
        /// `owner` tags the series of one source (a node's telemetry, its canaries) for `keep`.
        var series: [String: (value: Double, sweep: UInt64, owner: String?)] = [:]
    }
    private var families: [String: Family] = [:]
    private var sweepCount: UInt64 = 0

    var isEmpty: Bool { families.isEmpty }
    var seriesCount: Int { families.values.reduce(0) { $0 + $1.series.count } }

    mutating func set(_ name: String, help: String, labels: [String: String], _ value: Double, type: String = "gauge", suffix: String = "",
                      owner: String? = nil) {
        let rendered = suffix + CycleGauges.render(labels)
        let now = sweepCount
        if families[name] == nil { families[name] = Family(help: help, type: type) }
        families[name]!.series[rendered] = (value, now, owner)
    }

    /// Marks the series of `names` set with `owner` as set in this sweep, keeping their values (a
    /// source that reports every few cycles).
    mutating func keep(_ names: [String], owner: String) {
        let now = sweepCount
        for name in names {
            guard var family = families[name] else { continue }
            for (labels, entry) in family.series where entry.owner == owner {
                family.series[labels] = (entry.value, now, owner)
            }
            families[name] = family
        }
    }

    /// Drops what was not set since the previous sweep.
    mutating func sweep() {
        let current = sweepCount
        sweepCount += 1
        for name in Array(families.keys) {
            families[name]!.series = families[name]!.series.filter { $0.value.sweep >= current }
            if families[name]!.series.isEmpty { families[name] = nil }
        }
    }

    /// Appends every family (HELP, TYPE, then its series), in name and label order.
    func emit(into buffer: inout [UInt8]) {
        for name in families.keys.sorted() {
            let family = families[name]!
            buffer.append(contentsOf: "# HELP \(name) ".utf8)
            for b in family.help.utf8 {
                switch b {
                case UInt8(ascii: "\\"): buffer.append(contentsOf: #"\\"#.utf8)
                case UInt8(ascii: "\n"): buffer.append(contentsOf: #"\n"#.utf8)
                default: buffer.append(b)
                }
            }
            buffer.append(contentsOf: "\n# TYPE \(name) \(family.type)\n".utf8)
            for labels in family.series.keys.sorted() {
                buffer.append(contentsOf: name.utf8)
                buffer.append(contentsOf: labels.utf8)   // a summary's `_sum{…}` / `_count{…}` carry their suffix
                buffer.append(UInt8(ascii: " "))
                buffer.append(contentsOf: CycleGauges.format(family.series[labels]!.value).utf8)
                buffer.append(UInt8(ascii: "\n"))
            }
        }
    }

    /// `{k1="v1",k2="v2"}` with keys sorted and values escaped (backslash, quote, line feed), or "".
    /// Byte-wise: it runs for every gauge set, every cycle.
    static func render(_ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return "" }
        var out: [UInt8] = []
        out.reserveCapacity(16 * labels.count + 2)
        out.append(UInt8(ascii: "{"))
        for (i, key) in labels.keys.sorted().enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: key.utf8)
            out.append(UInt8(ascii: "="))
            out.append(UInt8(ascii: "\""))
            for b in labels[key]!.utf8 {
                switch b {
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\n"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
                default: out.append(b)
                }
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// A sample value as the text format spells it.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        return "\(value)"
    }
}
