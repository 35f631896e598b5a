/// A reader of the Prometheus text exposition format (0.0.4), small and strict about its limits,
/// for the bodies of `/v1/sys/metrics?format=prometheus` (40–200 KB, hundreds of families, of
/// which Sealwatch keeps a dozen). Compiled standalone by scripts/fuzz/run.sh telemetry,
/// scripts/telemetry-diff.sh and scripts/bench/telemetry-parser.sh: no imports.
///
/// One pass over the bytes, no copy of the body. Every sample line is checked against the grammar,
/// but only a line whose metric name the `Selection` wants becomes strings and a `Double`: the rest
/// is validated in place without allocating, so the problem count is the same whatever the
/// selection. What it accepts: `# HELP` / `# TYPE` / other comments (skipped, not validated),
/// blank lines, `name{l="v",…} value [timestamp]` with an optional trailing comma in the label
/// set and blanks around its tokens (none needed between `}` and the value), label values with
/// the escapes `\\`, `\"` and `\n`, the values `NaN`, `+Inf`, `-Inf`, `Inf` and decimal or
/// exponent floats, an integer timestamp, `\r\n` line ends, spaces or tabs
/// between tokens. What it refuses, line by line, counting each as a problem with its 1-based line
/// number: a metric name that is not `[a-zA-Z_:][a-zA-Z0-9_:]*`, a label name that is not
/// `[a-zA-Z_][a-zA-Z0-9_]*`, the same label name twice, an unterminated label set or quote, a bad
/// escape, a label value over `maxLabelValueBytes`, more than `maxLabels` labels, a line over
/// `maxLineBytes`, a value that is not a number (hex floats, `1_000`, `inf`, `infinity` are not),
/// a timestamp that is not an integer, text after the timestamp, invalid UTF-8 in a label value.
/// A whole body over `maxBodyBytes` is refused before parsing; at most `maxSamples` samples are
/// kept (`truncated` says more were wanted).
///
/// Duplicate series (same name and labels twice) are all kept, in order: the reader of the
/// samples decides (`TelemetryReader` lets the last one win, as Prometheus' own scrape does).
public struct PrometheusText: Sendable {
    /// One kept sample.
    public struct Sample: Sendable, Hashable {
        public var name: String
        /// Label pairs in the order written.
        public var labels: [(name: String, value: String)]
        public var value: Double
        public init(name: String, labels: [(name: String, value: String)], value: Double) {
            self.name = name; self.labels = labels; self.value = value
        }
        public func label(_ key: String) -> String? { labels.first { $0.name == key }?.value }
        public static func == (a: Sample, b: Sample) -> Bool {
            a.name == b.name && a.value.bitPattern == b.value.bitPattern
                && a.labels.map(\.name) == b.labels.map(\.name) && a.labels.map(\.value) == b.labels.map(\.value)
        }
        public func hash(into h: inout Hasher) { h.combine(name); h.combine(value.bitPattern) }
    }

    /// Which metric names to keep: exact names and name prefixes (`vault_route_`). `all` keeps everything.
    public struct Selection: Sendable {
        /// Exact names by length: a line's name is compared only with the names of its length.
        var exactByLength: [[[UInt8]]]
        var prefixes: [[UInt8]]
        var everything: Bool
        /// First bytes of every exact name and prefix, for a one-load first check.
        var firstBytes: [Bool]
        public init(names: [String], prefixes: [String] = []) {
            let exact = names.map { Array($0.utf8) }
            var byLength = [[[UInt8]]](repeating: [], count: (exact.map(\.count).max() ?? 0) + 1)
            for name in exact where !byLength[name.count].contains(name) { byLength[name.count].append(name) }
            exactByLength = byLength
            self.prefixes = prefixes.map { Array($0.utf8) }.filter { !$0.isEmpty }
            everything = prefixes.contains("")
            var first = [Bool](repeating: false, count: 256)
            for bytes in exact + self.prefixes { if let b = bytes.first { first[Int(b)] = true } }
            firstBytes = first
        }
        public static let all: Selection = {
            var s = Selection(names: [])
            s.everything = true
            return s
        }()

        /// Whether the name `buffer[from..<to]` is wanted; no allocation.
        func wants(_ buffer: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
            if everything { return true }
            let count = to - from
            guard count > 0, firstBytes[Int(buffer[from])] else { return false }
            if count < exactByLength.count {
                for name in exactByLength[count] where Self.equal(buffer, from, name) { return true }
            }
            for p in prefixes where count >= p.count && Self.equal(buffer, from, p) { return true }
            return false
        }

        private static func equal(_ buffer: UnsafeBufferPointer<UInt8>, _ from: Int, _ bytes: [UInt8]) -> Bool {
            bytes.withUnsafeBufferPointer { b in
                var k = b.count - 1   // names mostly share their prefix: compare from the end
                while k >= 0 { if buffer[from + k] != b[k] { return false }; k -= 1 }
                return true
            }
        }
    }

    /// A line that could not be read: its 1-based number and why.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    public struct Result: Sendable {
        public var samples: [Sample] = []
        /// The first problems (at most `maxProblems` kept) and how many there were in all.
        public var problems: [Problem] = []
        public var problemCount = 0
        /// Sample lines seen (kept, skipped or bad; not comments or blank lines).
        public var sampleLines = 0
        /// The body was over `maxBodyBytes` and was not read.
        public var tooLarge = false
        /// More than `maxSamples` samples were wanted; the rest were dropped.
        public var truncated = false
    }

    public var maxBodyBytes = 16 << 20
    public var maxLineBytes = 64 << 10
    public var maxLabelValueBytes = 4 << 10
    public var maxLabels = 32
    public var maxSamples = 50_000
    public var maxProblems = 10

    public init() {}

    public func parse(_ body: [UInt8], keeping selection: Selection) -> Result {
        var result = Result()
        guard body.count <= maxBodyBytes else { result.tooLarge = true; return result }
        body.withUnsafeBufferPointer { buffer in
            var scratch = Scratch()
            var start = 0
            var lineNumber = 0
            let n = buffer.count
            while start < n {
                lineNumber += 1
                var end = start
                while end < n && buffer[end] != 0x0A { end += 1 }
                var lineEnd = end
                if lineEnd > start && buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let lineStart = start
                start = end + 1
                var i = lineStart
                while i < lineEnd && (buffer[i] == 0x20 || buffer[i] == 0x09) { i += 1 }
                if i == lineEnd || buffer[i] == 0x23 { continue }   // blank; '#': HELP, TYPE or a comment
                result.sampleLines += 1
                if lineEnd - lineStart > maxLineBytes { note(&result, lineNumber, "line longer than \(maxLineBytes) bytes"); continue }
                if let problem = readSample(buffer, i, lineEnd, selection, &scratch, &result) { note(&result, lineNumber, problem) }
            }
        }
        return result
    }

    /// Reused per line: where the label names of the current line are (for the duplicate check).
    private struct Scratch {
        var labelNames: [(start: Int, end: Int)] = []
    }

    private func note(_ r: inout Result, _ line: Int, _ reason: String) {
        r.problemCount += 1
        if r.problems.count < maxProblems { r.problems.append(Problem(line: line, reason: reason)) }
    }

    @inline(__always) private static func isNameStart(_ b: UInt8) -> Bool { isLabelStart(b) || b == 0x3A }
    @inline(__always) private static func isNameByte(_ b: UInt8) -> Bool { isNameStart(b) || (b >= 0x30 && b <= 0x39) }
    @inline(__always) private static func isLabelStart(_ b: UInt8) -> Bool { (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == 0x5F }
    @inline(__always) private static func isLabelByte(_ b: UInt8) -> Bool { isLabelStart(b) || (b >= 0x30 && b <= 0x39) }
    @inline(__always) private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }

    /// One sample line `buffer[from..<end]` (from: its first non-blank byte). Returns the problem,
    /// or nil when the line is good (kept or not).
    private func readSample(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ end: Int, _ selection: Selection,
                            _ scratch: inout Scratch, _ r: inout Result) -> String? {
        var i = from
        guard Self.isNameStart(b[i]) else { return "a sample must start with a metric name" }
        while i < end && Self.isNameByte(b[i]) { i += 1 }
        let nameEnd = i
        let keep = selection.wants(b, from, nameEnd)
        var labels: [(name: String, value: String)] = []
        scratch.labelNames.removeAll(keepingCapacity: true)
        var brace = i
        while brace < end && Self.isSpace(b[brace]) { brace += 1 }
        let hasLabels = brace < end && b[brace] == 0x7B   // '{', blanks before it allowed (as Go's parser)
        if hasLabels {
            i = brace + 1
            while true {
                while i < end && Self.isSpace(b[i]) { i += 1 }
                guard i < end else { return "unterminated label set" }
                if b[i] == 0x7D { i += 1; break }   // '}' (also after a trailing comma)
                guard scratch.labelNames.count < maxLabels else { return "more than \(maxLabels) labels" }
                let ls = i
                guard Self.isLabelStart(b[i]) else { return "bad label name" }
                while i < end && Self.isLabelByte(b[i]) { i += 1 }
                let le = i
                for seen in scratch.labelNames where seen.end - seen.start == le - ls {
                    var k = 0
                    while k < le - ls && b[seen.start + k] == b[ls + k] { k += 1 }
                    if k == le - ls { return "label name repeated" }
                }
                scratch.labelNames.append((ls, le))
                while i < end && Self.isSpace(b[i]) { i += 1 }
                guard i < end, b[i] == 0x3D else { return "expected '=' after a label name" }
                i += 1
                while i < end && Self.isSpace(b[i]) { i += 1 }
                guard i < end, b[i] == 0x22 else { return "a label value must be quoted" }
                i += 1
                let vs = i
                var escapes = false
                var closed = false
                while i < end {
                    let c = b[i]
                    if c == 0x22 { closed = true; break }
                    if c == 0x5C {   // backslash
                        guard i + 1 < end else { break }
                        let e = b[i + 1]
                        guard e == 0x5C || e == 0x22 || e == 0x6E else { return "bad escape in a label value" }
                        escapes = true
                        i += 2
                    } else {
                        i += 1
                    }
                    if i - vs > maxLabelValueBytes { return "label value longer than \(maxLabelValueBytes) bytes" }
                }
                guard closed else { return "unterminated label value" }
                let ve = i
                i += 1
                guard Self.isValidUTF8(b, vs, ve) else { return "label value is not UTF-8" }
                if keep {
                    let value = escapes ? Self.unescape(b, vs, ve) : String(decoding: UnsafeBufferPointer(rebasing: b[vs..<ve]), as: UTF8.self)
                    labels.append((String(decoding: UnsafeBufferPointer(rebasing: b[ls..<le]), as: UTF8.self), value))
                }
                while i < end && Self.isSpace(b[i]) { i += 1 }
                if i < end && b[i] == 0x2C { i += 1; continue }   // ','
                guard i < end, b[i] == 0x7D else { return "expected ',' or '}' in the label set" }
                i += 1
                break
            }
        }
        // A blank separates the name from the value; after a label set it is optional (as Go's parser).
        guard i < end, hasLabels || Self.isSpace(b[i]) else { return i < end ? "bad byte in the metric name" : "no value" }
        while i < end && Self.isSpace(b[i]) { i += 1 }
        let vs = i
        while i < end && !Self.isSpace(b[i]) { i += 1 }
        let ve = i
        guard let kind = Self.numberKind(b, vs, ve) else { return "the value is not a number" }
        // An optional integer timestamp, then nothing.
        while i < end && Self.isSpace(b[i]) { i += 1 }
        if i < end {
            if b[i] == 0x2D || b[i] == 0x2B { i += 1 }
            let digits = i
            while i < end && b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
            guard i > digits else { return "the timestamp is not an integer" }
            while i < end && Self.isSpace(b[i]) { i += 1 }
            guard i == end else { return "unexpected text after the value" }
        }
        guard keep else { return nil }
        guard r.samples.count < maxSamples else { r.truncated = true; return nil }
        let value: Double
        switch kind {
        case .nan: value = .nan
        case .plusInfinity: value = .infinity
        case .minusInfinity: value = -.infinity
        case .decimal:
            // The shape is checked: Double's own parser only converts (it would accept "inf", "0x1p3").
            guard let v = Double(String(decoding: UnsafeBufferPointer(rebasing: b[vs..<ve]), as: UTF8.self)) else { return "the value is not a number" }
            value = v
        }
        r.samples.append(Sample(name: String(decoding: UnsafeBufferPointer(rebasing: b[from..<nameEnd]), as: UTF8.self), labels: labels, value: value))
        return nil
    }

    enum NumberKind { case nan, plusInfinity, minusInfinity, decimal }

    /// The shape of a sample value: `NaN`, `+Inf`, `-Inf`, `Inf`, or a decimal float with optional
    /// sign, fraction and exponent (no hex floats, no underscores, no "infinity"). nil: not a number.
    static func numberKind(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> NumberKind? {
        let count = to - from
        guard count > 0, count <= 64 else { return nil }
        func equals(_ s: StaticString) -> Bool {
            guard s.utf8CodeUnitCount == count else { return false }
            let p = s.utf8Start
            for k in 0..<count where b[from + k] != p[k] { return false }
            return true
        }
        switch b[from] {
        case 0x4E: return equals("NaN") ? .nan : nil
        case 0x49: return equals("Inf") ? .plusInfinity : nil
        case 0x2B where count == 4 && b[from + 1] == 0x49: return equals("+Inf") ? .plusInfinity : nil   // not "+2e4"
        case 0x2D where count == 4 && b[from + 1] == 0x49: return equals("-Inf") ? .minusInfinity : nil
        default: break
        }
        var i = from
        if b[i] == 0x2B || b[i] == 0x2D { i += 1 }
        var digits = 0
        while i < to && b[i] >= 0x30 && b[i] <= 0x39 { i += 1; digits += 1 }
        if i < to && b[i] == 0x2E {
            i += 1
            while i < to && b[i] >= 0x30 && b[i] <= 0x39 { i += 1; digits += 1 }
        }
        guard digits > 0 else { return nil }
        if i < to && (b[i] == 0x65 || b[i] == 0x45) {
            i += 1
            if i < to && (b[i] == 0x2B || b[i] == 0x2D) { i += 1 }
            var e = 0
            while i < to && b[i] >= 0x30 && b[i] <= 0x39 { i += 1; e += 1 }
            guard e > 0 else { return nil }
        }
        return i == to ? .decimal : nil
    }

    /// A sample value from its text (for tests and tools): nil when it is not a number.
    static func number(_ text: String) -> Double? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { m -> Double? in
            let b = UnsafeBufferPointer(m)
            switch numberKind(b, 0, b.count) {
            case .nan: return .nan
            case .plusInfinity: return .infinity
            case .minusInfinity: return -.infinity
            case .decimal: return Double(text)
            case nil: return nil
            }
        }
    }

    /// A label value with its escapes (checked by the caller) replaced.
    private static func unescape(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(to - from)
        var i = from
        while i < to {
            if b[i] == 0x5C && i + 1 < to {
                let e = b[i + 1]
                out.append(e == 0x6E ? 0x0A : e)
                i += 2
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF), in place.
    static func isValidUTF8(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
        var i = from
        while i < to {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            let need: Int
            var scalar: UInt32
            let minimum: UInt32
            if c & 0xE0 == 0xC0 { need = 1; scalar = UInt32(c & 0x1F); minimum = 0x80 }
            else if c & 0xF0 == 0xE0 { need = 2; scalar = UInt32(c & 0x0F); minimum = 0x800 }
            else if c & 0xF8 == 0xF0 { need = 3; scalar = UInt32(c & 0x07); minimum = 0x10000 }
            else { return false }
            guard to - i > need else { return false }
            for k in 1...need {
                let d = b[i + k]
                guard d & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(d & 0x3F)
            }
            guard scalar >= minimum, scalar <= 0x10FFFF, scalar & 0xFFFFF800 != 0xD800 else { return false }
            i += need + 1
        }
        return true
    }
}
