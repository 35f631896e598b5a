/// Walks a parsed YAML tree (`YAMLParser`) and reads typed values while collecting `ConfigIssue`s
/// with key paths and lines. Every mapping is read through `MappingReader`, whose `finish()` reports the
/// keys nobody asked for — unknown keys are errors, never silently ignored (Codable would ignore them).
final class YAMLReader {
    private(set) var issues: [ConfigIssue] = []

    func add(_ issue: ConfigIssue) { issues.append(issue) }

    func issue(_ path: String, _ message: String, at node: YAMLNode?) {
        issues.append(ConfigIssue(path: path, message: message, line: node?.mark.line, column: node?.mark.column))
    }

    static func isNull(_ node: YAMLNode) -> Bool {
        guard case .scalar(let s) = node else { return false }
        return s.isImplicitlyTyped && ["", "~", "null", "Null", "NULL"].contains(s.text)
    }

    func mapping(_ node: YAMLNode?, _ path: String) -> MappingReader? {
        guard let node, !YAMLReader.isNull(node) else { return nil }
        guard case .mapping(let m) = node else {
            issue(path, "must be a mapping (key: value pairs)", at: node); return nil
        }
        return MappingReader(reader: self, path: path, node: node, mapping: m)
    }

    func sequence(_ node: YAMLNode?, _ path: String) -> [(String, YAMLNode)] {
        guard let node, !YAMLReader.isNull(node) else { return [] }
        guard case .sequence(let seq) = node else {
            issue(path, "must be a list", at: node); return []
        }
        return seq.items.enumerated().map { ("\(path)[\($0.offset)]", $0.element) }
    }

    func string(_ node: YAMLNode, _ path: String) -> String? {
        guard case .scalar(let s) = node else {
            issue(path, "must be a string", at: node); return nil
        }
        return s.text
    }

    func nonEmptyString(_ node: YAMLNode, _ path: String) -> String? {
        guard let s = string(node, path) else { return nil }
        if s.trimmingBlanks().isEmpty { issue(path, "must not be empty", at: node); return nil }
        return s
    }

    func bool(_ node: YAMLNode, _ path: String) -> Bool? {
        guard case .scalar(let s) = node, s.isImplicitlyTyped else {
            issue(path, "must be true or false", at: node); return nil
        }
        switch s.text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: issue(path, "must be true or false, not \"\(s.text)\"", at: node); return nil
        }
    }

    func int(_ node: YAMLNode, _ path: String, min: Int? = nil, max: Int? = nil) -> Int? {
        guard case .scalar(let s) = node, let v = Int(s.text) else {
            issue(path, "must be a whole number", at: node); return nil
        }
        if let min, v < min { issue(path, "must be at least \(min), not \(v)", at: node); return nil }
        if let max, v > max { issue(path, "must be at most \(max), not \(v)", at: node); return nil }
        return v
    }

    /// Largest magnitude of a plain number (thresholds): far beyond any sensible threshold, and small
    /// enough that every consumer can turn it into an integer or a `Duration` without trapping.
    static let maxNumber: Double = 1e15

    /// A number (`0.01`), a percentage (`1%`) or a duration (`50ms`, as seconds); finite and within
    /// `maxNumber` (durations within `DurationText.maxSeconds`).
    func number(_ node: YAMLNode, _ path: String) -> Double? {
        guard case .scalar(let s) = node else { issue(path, "must be a number", at: node); return nil }
        let plain: Double?
        if s.text.hasSuffix("%"), let v = Double(s.text.dropLast()) { plain = v / 100 } else { plain = Double(s.text) }
        if let v = plain {
            guard v.isFinite, abs(v) <= YAMLReader.maxNumber else {
                issue(path, "must be a finite number between -1e15 and 1e15, not \"\(s.text)\"", at: node); return nil
            }
            return v
        }
        if let d = DurationText.seconds(s.text) { return checkedDuration(d, s.text, path, node) }
        issue(path, "must be a number, a percentage or a duration, not \"\(s.text)\"", at: node); return nil
    }

    /// A duration such as `5s`, at most `DurationText.maxSeconds`; `positive` rejects zero.
    func duration(_ node: YAMLNode, _ path: String, positive: Bool = false) -> Double? {
        guard case .scalar(let s) = node else { issue(path, "must be a duration like 5s", at: node); return nil }
        guard let v = DurationText.seconds(s.text) else {
            issue(path, "must be a duration like 500ms, 5s, 1m or 4h, not \"\(s.text)\"", at: node); return nil
        }
        if positive && v <= 0 { issue(path, "must be greater than 0", at: node); return nil }
        return checkedDuration(v, s.text, path, node)
    }

    private func checkedDuration(_ seconds: Double, _ text: String, _ path: String, _ node: YAMLNode) -> Double? {
        guard seconds <= DurationText.maxSeconds else {
            issue(path, "must be at most 36500d (100 years), not \"\(text)\"", at: node); return nil
        }
        return seconds
    }

    func stringMap(_ node: YAMLNode?, _ path: String) -> [String: String] {
        guard let m = mapping(node, path) else { return [:] }
        var out: [String: String] = [:]
        for (key, value) in m.all() {
            if let v = string(value, "\(path).\(key)") { out[key] = v }
        }
        return out
    }

    func stringList(_ node: YAMLNode?, _ path: String) -> [String] {
        sequence(node, path).compactMap { string($0.1, $0.0) }
    }
}

/// Reads the keys of one YAML mapping; `finish()` reports every key that was not read.
final class MappingReader {
    let reader: YAMLReader
    let path: String
    let node: YAMLNode
    private let pairs: [(String, YAMLNode, YAMLNode)]   // key text, key node, value
    private var used: Set<String> = []

    init(reader: YAMLReader, path: String, node: YAMLNode, mapping: YAMLMapping) {
        self.reader = reader; self.path = path; self.node = node
        var seen: Set<String> = []
        var pairs: [(String, YAMLNode, YAMLNode)] = []
        for pair in mapping.pairs {
            let (k, v) = (pair.key, pair.value)
            let key = k.scalar?.text ?? "?"
            if !seen.insert(key).inserted {
                reader.issue(MappingReader.join(path, key), "duplicate key", at: k)
                continue
            }
            pairs.append((key, k, v))
        }
        self.pairs = pairs
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    func keyPath(_ key: String) -> String { MappingReader.join(path, key) }

    /// The value node of `key`, marking it known. Null values count as absent.
    func value(_ key: String) -> YAMLNode? {
        used.insert(key)
        guard let v = pairs.first(where: { $0.0 == key })?.2, !YAMLReader.isNull(v) else { return nil }
        return v
    }
    /// Whether `key` is present (null or not); marks it known.
    func has(_ key: String) -> Bool { used.insert(key); return pairs.contains { $0.0 == key } }

    /// Every pair, marking all keys known (for free-form maps such as labels).
    func all() -> [(String, YAMLNode)] {
        pairs.forEach { used.insert($0.0) }
        return pairs.map { ($0.0, $0.2) }
    }

    func string(_ key: String) -> String? { value(key).flatMap { reader.string($0, keyPath(key)) } }
    func nonEmptyString(_ key: String) -> String? { value(key).flatMap { reader.nonEmptyString($0, keyPath(key)) } }
    func bool(_ key: String) -> Bool? { value(key).flatMap { reader.bool($0, keyPath(key)) } }
    func int(_ key: String, min: Int? = nil, max: Int? = nil) -> Int? {
        value(key).flatMap { reader.int($0, keyPath(key), min: min, max: max) }
    }
    func number(_ key: String) -> Double? { value(key).flatMap { reader.number($0, keyPath(key)) } }
    func duration(_ key: String, positive: Bool = false) -> Double? {
        value(key).flatMap { reader.duration($0, keyPath(key), positive: positive) }
    }
    func mapping(_ key: String) -> MappingReader? { reader.mapping(value(key), keyPath(key)) }
    func sequence(_ key: String) -> [(String, YAMLNode)] { reader.sequence(value(key), keyPath(key)) }
    func stringMap(_ key: String) -> [String: String] { reader.stringMap(value(key), keyPath(key)) }
    func stringList(_ key: String) -> [String] { reader.stringList(value(key), keyPath(key)) }

    /// Line of a key's value (or of the mapping), for issues found after reading.
    func mark(_ key: String) -> YAMLNode? { pairs.first { $0.0 == key }?.2 ?? node }

    /// Reads a secret given inline (`key`) or by file (`key_file`); both set is an error.
    func secret(_ key: String, required: Bool) -> SecretSource? {
        let fileKey = key + "_file"
        let inline = nonEmptyString(key)
        let file = nonEmptyString(fileKey)
        switch (inline, file) {
        case (.some, .some):
            reader.issue(keyPath(key), "set either \(key) or \(fileKey), not both", at: mark(key)); return nil
        case (.some(let v), nil):
            return SecretSource(.literal(Secret(v)), keyPath: keyPath(key))
        case (nil, .some(let f)):
            let origin: SecretSource.Origin = f.contains("/") ? .file(f) : .credential(f)
            return SecretSource(origin, keyPath: keyPath(fileKey))
        case (nil, nil):
            if required { reader.issue(path, "missing \(key) or \(fileKey)", at: node) }
            return nil
        }
    }

    /// Reports the keys that were never read as unknown, naming the allowed ones.
    func finish() {
        for (key, keyNode, _) in pairs where !used.contains(key) {
            let allowed = used.sorted().joined(separator: ", ")
            reader.issue(keyPath(key), "unknown key (allowed here: \(allowed))", at: keyNode)
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (and other Unicode space
    /// separators) — `trimmingCharacters(in: .whitespaces)` without full Foundation.
    func trimmingBlanks() -> String {
        func isBlank(_ c: Character) -> Bool {
            c == " " || c == "\t" || (c.unicodeScalars.count == 1 && c.unicodeScalars.first!.properties.generalCategory == .spaceSeparator)
        }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else { return "" }
        return String(self[first...last])
    }
}
