import Config
import Foundation
import Testing
import Yams

/// Random trees rendered as YAML in several layouts (block, flow, block with flow inside, and
/// block dressed up with comments, blank lines, anchors, aliases, tags, folded and multi-line
/// scalars) and scalar styles (plain where safe, single- and double-quoted, literal blocks) parse
/// back to the same tree, and to the same tree and marks as Yams.
@Suite struct YAMLGeneratedTests {
    enum Layout: String, CaseIterable, Sendable { case block, flow, mixed, decorated }

    @Test(arguments: Layout.allCases)
    func renderedTreesParseBack(_ layout: Layout) throws {
        var yamsChecked = 0   // documents also compared with Yams
        for seed in UInt64(1)...150 {
            var generator = TreeGenerator(seed: seed &* 7919 &+ UInt64(layout.rawValue.count))
            let tree = generator.tree(depth: 0)
            var renderer = TreeRenderer(seed: seed, layout: layout)
            let (yaml, expected) = renderer.document(tree)
            let node: YAMLNode?
            do { node = try YAMLParser.parse(yaml) } catch {
                Issue.record("seed \(seed): \(error)\n\(yaml)"); continue
            }
            #expect(shape(node) == expected, "seed \(seed):\n\(yaml)")
            if let theirs = try? yamsDump(yaml) {
                #expect(dump(node, tags: false) == theirs, "seed \(seed) (Yams):\n\(yaml)")
                yamsChecked += 1
            } else {
                Issue.record("seed \(seed): Yams rejects it\n\(yaml)")
            }
        }
        print("YAML generated documents (\(layout)): 150 parse back, \(yamsChecked) also compared with Yams")
        #expect(yamsChecked == 150)
    }

    /// A generated config of 1,000 nodes (~87 KB, ~7,700 YAML nodes) parses; one parse, ~50 ms in
    /// a debug build.
    @Test func largeConfigParses() throws {
        let count = Self.count(try YAMLParser.parse(Self.largeConfig(nodes: 1_000)))
        #expect(count >= 1_000)
    }

    /// Not a test of speed (timings vary by machine): prints them for a report when
    /// `SEALWATCH_YAML_TIMINGS=1`. Off by default: its repeated parses take ~2 s of CPU, which
    /// starves the timing-sensitive tests of other suites under a parallel `swift test`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SEALWATCH_YAML_TIMINGS"] == "1",
                   "set SEALWATCH_YAML_TIMINGS=1 to print parse timings"))
    func printParseTimings() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let example = try String(contentsOf: repo.appendingPathComponent("config/sealwatch.example.yml"), encoding: .utf8)
        let large = Self.largeConfig(nodes: 1_000)
        let longLine = "a: [é, " + Array(repeating: "x", count: 39_999).joined(separator: ", ") + "]\n"
        let clock = ContinuousClock()
        func median(_ text: String, runs: Int) throws -> Duration {
            var times: [Duration] = []
            for _ in 0..<runs { times.append(try clock.measure { _ = try YAMLParser.parse(text) }) }
            return times.sorted()[runs / 2]
        }
        let exampleTime = try median(example, runs: 200)
        let largeTime = try median(large, runs: 20)
        let longLineTime = try median(longLine, runs: 5)
        let count = Self.count(try YAMLParser.parse(large))
        print("YAMLParser: config/sealwatch.example.yml (\(example.utf8.count) bytes) \(exampleTime); "
              + "generated config (\(large.utf8.count) bytes, \(count) nodes) \(largeTime); "
              + "one line of 40,000 flow items after an 'é' (\(longLine.utf8.count) bytes) \(longLineTime) (median, debug build)")
        #expect(count >= 1_000)
    }

    /// A config with `nodes` Vault nodes spread over clusters, each cluster with labels and rules.
    static func largeConfig(nodes: Int) -> String {
        var out = "global:\n  interval: 5s\n  timeout: 2s\nclusters:\n"
        let perCluster = 10
        for c in 0..<(nodes / perCluster) {
            out += "  - name: cluster-\(c)\n    labels: {env: prod, region: \"eu-\(c % 3)\"}\n    token_file: vault-token\n    nodes:\n"
            for n in 0..<perCluster {
                out += "      - name: vault-\(c)-\(n)\n        address: \"https://10.\(c / 250).\(c % 250).\(n):8200\"\n"
            }
            out += "    rules:\n      HighLatency: {threshold: 50ms, window: 5m, for: 1m}\n      NoLeader:\n        for: 30s\n"
        }
        return out
    }

    static func count(_ node: YAMLNode?) -> Int {
        switch node {
        case nil: 0
        case .scalar: 1
        case .mapping(let m)?: 1 + m.pairs.reduce(0) { $0 + count($1.key) + count($1.value) }
        case .sequence(let s)?: 1 + s.items.reduce(0) { $0 + count($1) }
        }
    }
}

/// SplitMix64: a small seeded generator, so a failing seed reproduces.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next(using: n)) }
    private mutating func next(using n: Int) -> UInt64 { next() % UInt64(n) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
}

indirect enum Tree {
    case scalar(String)
    case mapping([(String, Tree)])
    case sequence([Tree])
}

struct TreeGenerator {
    var random: SeededRandom
    init(seed: UInt64) { random = SeededRandom(state: seed) }

    static let words = [
        "a", "vault-1", "10s", "1500ms", "true", "no", "null", "~", "", "0", "-1", "1.5", "2%",
        "http://127.0.0.1:8200", "https://10.0.0.11:8200/", "$2b$10$N9qo8uLOickgx2ZMRZoMye", "a:b", "a#b",
        "two words", "ünïcödé", "😀", "日本語", "key: value", "# not a comment", "- dash", "[x]", "{y}",
        "it's", "say \"hi\"", "back\\slash", "line1\nline2", "line1\nline2\n", "tab\there", " lead", "trail ",
        "*star", "&amp", "!bang", "|pipe", ">fold", "%pct", "@at", "`tick`", "<<", "---", "...", "a,b",
    ]
    static let alphabet = Array("abcXYZ019 -_:#,'\"\\\n\t[]{}&*!|>%@./é€😀")

    mutating func text() -> String {
        if random.chance(60) { return Self.words[random.below(Self.words.count)] }
        return String((0..<random.below(12)).map { _ in Self.alphabet[random.below(Self.alphabet.count)] })
    }

    mutating func tree(depth: Int) -> Tree {
        if depth >= 4 || (depth > 0 && random.chance(45)) { return .scalar(text()) }
        let count = random.below(depth == 0 ? 6 : 5)
        if random.chance(55) {
            var keys: Set<String> = []
            var pairs: [(String, Tree)] = []
            for _ in 0..<count {
                var key = text().replacingOccurrences(of: "\n", with: " ")
                if key.isEmpty { key = "k" }
                guard keys.insert(key).inserted else { continue }
                pairs.append((key, tree(depth: depth + 1)))
            }
            return .mapping(pairs)
        }
        return .sequence((0..<count).map { _ in tree(depth: depth + 1) })
    }
}

/// Renders a `Tree` as YAML and, alongside, the `shape()` the parser should give it (which
/// depends on the scalar style chosen for each scalar).
struct TreeRenderer {
    var random: SeededRandom
    let layout: YAMLGeneratedTests.Layout
    let width: Int
    /// Comments, blank lines, anchors, aliases, tags, folded and multi-line plain scalars.
    var decorate: Bool { layout == .decorated }
    /// Anchors written so far, with the shape an alias to them stands for.
    var anchors: [(name: String, shape: String)] = []
    /// The entry just written ended with a block scalar (a blank line after it would be content).
    var endedWithBlockScalar = false

    init(seed: UInt64, layout: YAMLGeneratedTests.Layout) {
        random = SeededRandom(state: seed ^ 0xA5A5)
        self.layout = layout
        width = [2, 3, 4][Int(seed % 3)]
    }

    mutating func document(_ tree: Tree) -> (String, String) {
        if layout == .flow {
            let (text, shape) = flow(tree, indent: 0)
            return ((random.chance(30) ? "---\n" : "") + text + "\n", shape)
        }
        let (lines, shape) = block(tree, indent: 0)
        let start = decorate && random.chance(30) ? "# generated\n---\n" : ""
        let end = decorate && random.chance(30) && !endedWithBlockScalar ? "...\n# end\n" : ""
        return (start + lines.joined(separator: "\n") + "\n" + end, shape)
    }

    /// After an entry of a block collection at `indent`: maybe a comment line or a blank line.
    mutating func decoration(indent: Int) -> [String] {
        defer { endedWithBlockScalar = false }
        guard decorate else { return [] }
        if random.chance(15) { return [String(repeating: " ", count: indent) + "# note: \(random.below(100))"] }
        if random.chance(10) && !endedWithBlockScalar { return [""] }
        return []
    }

    /// `&aN ` before a node (recorded once the node is complete, by `anchored`), or nothing.
    mutating func anchorPrefix() -> String? {
        guard decorate, random.chance(15) else { return nil }
        return "a\(anchors.count + random.below(1000) * 100)"
    }

    mutating func anchored(_ name: String?, _ shape: String) {
        if let name { anchors.append((name, shape)) }
    }

    /// `*aN` in place of a node, with the shape of what it refers to.
    mutating func alias() -> (String, String)? {
        guard decorate, !anchors.isEmpty, random.chance(8) else { return nil }
        let target = anchors[random.below(anchors.count)]
        return ("*" + target.name, target.shape)
    }

    // MARK: Block

    /// Lines of `tree` as a block node whose lines all start at `indent`.
    mutating func block(_ tree: Tree, indent: Int) -> ([String], String) {
        let pad = String(repeating: " ", count: indent)
        switch tree {
        case .scalar(let s):
            if let literal = literal(s, indent: indent) { return ([pad + literal.header] + literal.lines, literal.shape) }
            let (text, shape) = inlineScalar(s, inFlow: false, isKey: false, allowEmpty: false)
            return ([pad + text], shape)
        case .sequence(let items) where !items.isEmpty:
            var lines: [String] = []
            var shapes: [String] = []
            for item in items {
                let (itemLines, itemShape) = sequenceItem(item, indent: indent)
                lines += itemLines + decoration(indent: indent)
                shapes.append(itemShape)
            }
            return (lines, "[" + shapes.joined(separator: ", ") + "]")
        case .mapping(let pairs) where !pairs.isEmpty:
            var lines: [String] = []
            var shapes: [String] = []
            for (key, value) in pairs {
                let (keyText, keyShape) = inlineScalar(key, inFlow: false, isKey: true, allowEmpty: false)
                let (valueLines, valueShape) = mappingValue(value, indent: indent)
                lines.append(pad + keyText + ":" + valueLines[0])
                lines += valueLines.dropFirst() + decoration(indent: indent)
                shapes.append(keyShape + ": " + valueShape)
            }
            return (lines, "{" + shapes.joined(separator: ", ") + "}")
        default:
            let (text, shape) = flow(tree, indent: indent)
            return ([pad + text], shape)
        }
    }

    /// `- item` lines; the item is laid out one step in and its first line takes the `- `.
    mutating func sequenceItem(_ item: Tree, indent: Int) -> ([String], String) {
        let pad = String(repeating: " ", count: indent)
        if case .scalar("") = item, random.chance(50) { return ([pad + "-"], "p\"\"") }
        if layout == .mixed || layout == .decorated, isCollection(item), random.chance(30) {
            let (text, shape) = flow(item, indent: indent + 1)
            return ([pad + "- " + text], shape)
        }
        var (lines, shape) = block(item, indent: indent + 2)
        lines[0] = pad + "- " + lines[0].dropFirst(indent + 2)
        return (lines, shape)
    }

    /// The value of a pair: the first element is what follows `key:` on its line.
    mutating func mappingValue(_ value: Tree, indent: Int) -> ([String], String) {
        switch value {
        case .scalar(let s):
            if s.isEmpty && random.chance(50) { return ([""], "p\"\"") }
            if let literal = literal(s, indent: indent + width) { return ([" " + literal.header] + literal.lines, literal.shape) }
            if decorate, Self.isPlainSafe(s, inFlow: false), !s.contains("  "), let space = s.firstIndex(of: " "),
               s[s.index(after: space)] != "#", random.chance(40) {
                // A plain scalar over two lines: the break folds back to the space.
                return ([" " + s[..<space], String(repeating: " ", count: indent + width) + s[s.index(after: space)...]],
                        "p" + String(reflecting: s))
            }
            let (text, shape) = inlineScalar(s, inFlow: false, isKey: false, allowEmpty: false)
            return ([" " + text + (decorate && random.chance(15) ? " # trailing" : "")], shape)
        case .sequence(let items) where !items.isEmpty:
            if layout != .block && random.chance(30) { let (t, s) = flow(value, indent: indent + 1); return ([" " + t], s) }
            let anchor = anchorPrefix()
            let (lines, shape) = block(value, indent: random.chance(40) ? indent : indent + width)
            anchored(anchor, shape)
            return ([anchor.map { " &" + $0 } ?? ""] + lines, shape)
        case .mapping(let pairs) where !pairs.isEmpty:
            if layout != .block && random.chance(30) { let (t, s) = flow(value, indent: indent + 1); return ([" " + t], s) }
            let anchor = anchorPrefix()
            let (lines, shape) = block(value, indent: indent + width)
            anchored(anchor, shape)
            return ([anchor.map { " &" + $0 } ?? ""] + lines, shape)
        default:
            let (text, shape) = flow(value, indent: indent + 1)
            return ([" " + text], shape)
        }
    }

    func isCollection(_ tree: Tree) -> Bool {
        if case .scalar = tree { return false }
        return true
    }

    /// A literal block scalar for multi-line text whose lines can be written as they are.
    mutating func literal(_ s: String, indent: Int) -> (header: String, lines: [String], shape: String)? {
        guard s.contains("\n"), random.chance(60) else { return nil }
        let body = s.hasSuffix("\n") ? String(s.dropLast()) : s
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        guard !body.hasSuffix("\n"), lines.allSatisfy({ !$0.isEmpty && $0.first != " " && $0.first != "\t" && $0.last != " " && $0.last != "\t" }) else {
            return nil
        }
        let pad = String(repeating: " ", count: indent + width)
        endedWithBlockScalar = true
        if decorate && random.chance(50) {
            // Folded: each line break of the text is an empty line in the source.
            let source = lines.flatMap { [pad + $0, ""] }.dropLast()
            return (s.hasSuffix("\n") ? ">" : ">-", Array(source), "f" + String(reflecting: s))
        }
        return (s.hasSuffix("\n") ? "|" : "|-", lines.map { pad + $0 }, "l" + String(reflecting: s))
    }

    // MARK: Flow

    /// A line break inside a flow collection: usually indented past the collection, sometimes at
    /// column 1 (inside brackets indentation does not matter).
    mutating func lineBreak(_ indented: String) -> String {
        random.chance(25) ? "\n" : indented
    }

    mutating func flow(_ tree: Tree, indent: Int) -> (String, String) {
        let breakPad = "\n" + String(repeating: " ", count: indent + 1)
        switch tree {
        case .scalar(let s):
            return inlineScalar(s, inFlow: true, isKey: false, allowEmpty: false)
        case .sequence(let items):
            var parts: [String] = []
            var shapes: [String] = []
            for item in items {
                let (t, s) = flow(item, indent: indent + 1)
                parts.append(t); shapes.append(s)
            }
            let separator = random.chance(20) ? "," + lineBreak(breakPad) : ", "
            let trailing = !parts.isEmpty && random.chance(20) ? "," : ""
            let shape = "[" + shapes.joined(separator: ", ") + "]"
            let anchor = anchorPrefix()
            anchored(anchor, shape)
            return ((anchor.map { "&" + $0 + " " } ?? "") + "[" + parts.joined(separator: separator) + trailing + "]", shape)
        case .mapping(let pairs):
            var parts: [String] = []
            var shapes: [String] = []
            for (key, value) in pairs {
                let (kt, ks) = inlineScalar(key, inFlow: true, isKey: true, allowEmpty: false)
                if case .scalar("") = value, random.chance(50) {
                    parts.append(random.chance(50) ? kt : kt + ": "); shapes.append(ks + ": p\"\""); continue
                }
                let (vt, vs) = flow(value, indent: indent + 1)
                parts.append(kt + ": " + vt); shapes.append(ks + ": " + vs)
            }
            let separator = random.chance(20) ? "," + lineBreak(breakPad) : ", "
            let trailing = !parts.isEmpty && random.chance(20) ? "," : ""
            let shape = "{" + shapes.joined(separator: ", ") + "}"
            let anchor = anchorPrefix()
            anchored(anchor, shape)
            return ((anchor.map { "&" + $0 + " " } ?? "") + "{" + parts.joined(separator: separator) + trailing + "}", shape)
        }
    }

    // MARK: Scalars

    /// The scalar as plain (when that reads back as the same text), single- or double-quoted.
    mutating func inlineScalar(_ s: String, inFlow: Bool, isKey: Bool, allowEmpty: Bool) -> (String, String) {
        guard !isKey else { return styledScalar(s, inFlow: inFlow, isKey: true) }
        if let alias = alias() { return alias }
        let anchor = anchorPrefix()
        let tag = decorate && random.chance(10) ? "!!str " : ""
        let (text, shape) = styledScalar(s, inFlow: inFlow, isKey: false)
        anchored(anchor, shape)
        return ((anchor.map { "&" + $0 + " " } ?? "") + tag + text, shape)
    }

    mutating func styledScalar(_ s: String, inFlow: Bool, isKey: Bool) -> (String, String) {
        if Self.isPlainSafe(s, inFlow: inFlow) && !(isKey && s == "<<") && random.chance(60) {
            return (s, "p" + String(reflecting: s))
        }
        if !s.contains("\n") && random.chance(50) {
            return ("'" + s.replacingOccurrences(of: "'", with: "''") + "'", "s" + String(reflecting: s))
        }
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += random.chance(50) ? "\\t" : "\t"
            default:
                if scalar.value > 0x7F && random.chance(30) {
                    out += scalar.value > 0xFFFF ? String(format: "\\U%08X", scalar.value) : String(format: "\\u%04X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return (out + "\"", "d" + String(reflecting: s))
    }

    static func isPlainSafe(_ s: String, inFlow: Bool) -> Bool {
        guard let first = s.first, let last = s.last else { return false }
        if "-?:,[]{}#&*!|>'\"%@`".contains(first) || first == " " || last == " " || last == ":" { return false }
        if s.contains(where: { $0 == "\n" || $0 == "\t" }) || s.contains(": ") || s.contains(" #") { return false }
        if s.hasPrefix("...") { return false }
        if inFlow && s.contains(where: { ",[]{}:#".contains($0) }) { return false }
        return true
    }
}
