/// A reader of the Prometheus text exposition format (0.0.4), small and strict about its limits,
/// for the bodies of `/v1/sys/metrics?format=prometheus` (40–200 KB, hundreds of families, of
/// which Sealwatch keeps a dozen).
///
/// One pass over the bytes, no copy of the body: a line whose metric name the `Selection` does not
/// want is skipped at the speed of a newline search, and only kept samples become strings. What it
/// accepts: `# HELP` / `# TYPE` / other comments (skipped), blank lines, `name{l="v",…} value
/// [timestamp]`, label values with the escapes `\\`, `\"` and `\n`, the values `NaN`, `+Inf`,
/// `-Inf` and decimal or exponent floats, `\r\n` line ends. What it refuses, line by line, counting
/// each as a problem with its line number: a name that is not `[a-zA-Z_:][a-zA-Z0-9_:]*`, an
/// unterminated label set or quote, a bad escape, a label value over `maxLabelValueBytes`, more
/// than `maxLabels` labels, a line over `maxLineBytes`, a value that is not a number, invalid UTF-8
/// in a kept line. A whole body over `maxBodyBytes` is refused before parsing; at most
/// `maxSamples` samples are kept. Duplicate series are all kept in order: the reader of the
/// samples decides (`TelemetryReader` lets the last one win, as Prometheus' parser does).
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
        var exact: Set<[UInt8]>
        var prefixes: [[UInt8]]
        var everything: Bool
        /// The length of the shortest exact name or prefix, for a fast first check.
        var firstBytes: Set<UInt8>
        public init(names: [String], prefixes: [String] = []) {
            exact = Set(names.map { Array($0.utf8) })
            self.prefixes = prefixes.map { Array($0.utf8) }
            everything = false
            firstBytes = Set((names + prefixes).compactMap { $0.utf8.first })
        }
        public static let all: Selection = {
            var s = Selection(names: [])
            s.everything = true
            return s
        }()
        func wants(_ name: UnsafeBufferPointer<UInt8>.SubSequence) -> Bool {
            if everything { return true }
            guard let first = name.first, firstBytes.contains(first) else { return false }
            if exact.contains(Array(name)) { return true }
            for p in prefixes where name.count >= p.count && name.prefix(p.count).elementsEqual(p) { return true }
            return false
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
        /// Sample lines seen (kept or not), for "was this Prometheus text at all".
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
            var start = 0
            var lineNumber = 0
            let n = buffer.count
            while start < n {
                lineNumber += 1
                var end = start
                while end < n && buffer[end] != 0x0A { end += 1 }
                var lineEnd = end
                if lineEnd > start && buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                defer { start = end + 1 }
                let line = buffer[start..<lineEnd]
                guard let first = line.first(where: { $0 != 0x20 && $0 != 0x09 }) else { continue }   // blank
                if first == 0x23 { continue }    // '#': HELP, TYPE or a comment
                result.sampleLines += 1
                if line.count > maxLineBytes { note(&result, lineNumber, "line longer than \(maxLineBytes) bytes"); continue }
                readSample(line, lineNumber, selection, &result)
            }
        }
        return result
    }

    private func note(_ r: inout Result, _ line: Int, _ reason: String) {
        r.problemCount += 1
        if r.problems.count < maxProblems { r.problems.append(Problem(line: line, reason: reason)) }
    }

    private static func isNameStart(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x5F || b == 0x3A }
    private static func isNameByte(_ b: UInt8) -> Bool { isNameStart(b) || (b >= 0x30 && b <= 0x39) }

    private func readSample(_ line: UnsafeBufferPointer<UInt8>.SubSequence, _ number: Int, _ selection: Selection, _ r: inout Result) {
        var i = line.startIndex
        let end = line.endIndex
        while i < end && (line[i] == 0x20 || line[i] == 0x09) { i += 1 }
        let nameStart = i
        guard i < end, Self.isNameStart(line[i]) else { note(&r, number, "a sample must start with a metric name"); return }
        while i < end && Self.isNameByte(line[i]) { i += 1 }
        let name = line[nameStart..<i]
        // Not wanted: skip without reading further (its syntax is its own business).
        guard selection.wants(name) else { return }
        var labels: [(name: String, value: String)] = []
        if i < end && line[i] == 0x7B {   // '{'
            i += 1
            while true {
                while i < end && (line[i] == 0x20 || line[i] == 0x09) { i += 1 }
                guard i < end else { note(&r, number, "unterminated label set"); return }
                if line[i] == 0x7D { i += 1; break }   // '}'
                guard labels.count < maxLabels else { note(&r, number, "more than \(maxLabels) labels"); return }
                let ls = i
                guard Self.isNameStart(line[i]) else { note(&r, number, "bad label name"); return }
                while i < end && Self.isNameByte(line[i]) { i += 1 }
                let labelName = line[ls..<i]
                while i < end && (line[i] == 0x20 || line[i] == 0x09) { i += 1 }
                guard i < end, line[i] == 0x3D else { note(&r, number, "expected '=' after a label name"); return }
                i += 1
                while i < end && (line[i] == 0x20 || line[i] == 0x09) { i += 1 }
                guard i < end, line[i] == 0x22 else { note(&r, number, "a label value must be quoted"); return }
                i += 1
                var value: [UInt8] = []
                var closed = false
                while i < end {
                    let b = line[i]
                    if b == 0x22 { closed = true; i += 1; break }
                    if b == 0x5C {   // backslash
                        guard i + 1 < end else { break }
                        switch line[i + 1] {
                        case 0x5C: value.append(0x5C)
                        case 0x22: value.append(0x22)
                        case 0x6E: value.append(0x0A)
                        default: note(&r, number, "bad escape in a label value"); return
                        }
                        i += 2
                    } else {
                        value.append(b)
                        i += 1
                    }
                    if value.count > maxLabelValueBytes { note(&r, number, "label value longer than \(maxLabelValueBytes) bytes"); return }
                }
                guard closed else { note(&r, number, "unterminated label value"); return }
                guard let v = String(validating: value, as: UTF8.self) else { note(&r, number, "label value is not UTF-8"); return }
                labels.append((String(decoding: labelName, as: UTF8.self), v))
                while i < end && (line[i] == 0x20 || line[i] == 0x09) { i += 1 }
                if i < end && line[i] == 0x2C { i += 1; continue }   // ','
                guard i < end, line[i] == 0x7D else { note(&r, number, "expected ',' or '}' in the label set"); return }
                i += 1
                break
            }
        }
        guard i < end, line[i] == 0x20 || line[i] == 0x09 else { note(&r, number, "expected a space before the value"); return }
        while i < end && (line[i] == 0x20 || line[i] == 0x09) { i += 1 }
        let vs = i
        while i < end && line[i] != 0x20 && line[i] != 0x09 { i += 1 }
        guard let value = Self.number(line[vs..<i]) else { note(&r, number, "the value is not a number"); return }
        // An optional integer timestamp, then nothing.
        while i < end && (line[i] == 0x20 || line[i] == 0x09) { i += 1 }
        if i < end {
            let ts = i
            if line[i] == 0x2D { i += 1 }
            while i < end && line[i] >= 0x30 && line[i] <= 0x39 { i += 1 }
            while i < end && (line[i] == 0x20 || line[i] == 0x09) { i += 1 }
            guard i == end, i > ts else { note(&r, number, "unexpected text after the value"); return }
        }
        guard r.samples.count < maxSamples else { r.truncated = true; return }
        r.samples.append(Sample(name: String(decoding: name, as: UTF8.self), labels: labels, value: value))
    }

    /// A sample value: `NaN`, `+Inf`, `-Inf`, `Inf`, or a decimal float with optional sign,
    /// fraction and exponent (no hex floats, no underscores, no "infinity").
    static func number(_ bytes: UnsafeBufferPointer<UInt8>.SubSequence) -> Double? {
        let count = bytes.count
        guard count > 0, count <= 64 else { return nil }
        func equals(_ s: StaticString) -> Bool {
            s.utf8CodeUnitCount == count && zip(bytes, UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)).allSatisfy { $0 == $1 }
        }
        if equals("NaN") { return .nan }
        if equals("+Inf") || equals("Inf") { return .infinity }
        if equals("-Inf") { return -.infinity }
        // Shape check first: Double(String) would accept "inf", "nan", "0x1p3" and friends.
        var i = bytes.startIndex
        if bytes[i] == 0x2B || bytes[i] == 0x2D { i += 1 }
        var digits = 0
        while i < bytes.endIndex && bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1; digits += 1 }
        if i < bytes.endIndex && bytes[i] == 0x2E {
            i += 1
            while i < bytes.endIndex && bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1; digits += 1 }
        }
        guard digits > 0 else { return nil }
        if i < bytes.endIndex && (bytes[i] == 0x65 || bytes[i] == 0x45) {
            i += 1
            if i < bytes.endIndex && (bytes[i] == 0x2B || bytes[i] == 0x2D) { i += 1 }
            var e = 0
            while i < bytes.endIndex && bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1; e += 1 }
            guard e > 0 else { return nil }
        }
        guard i == bytes.endIndex else { return nil }
        return Double(String(decoding: bytes, as: UTF8.self))
    }
}
