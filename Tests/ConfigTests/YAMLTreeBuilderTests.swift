import Config
import Testing

/// `YAMLParser` (libyaml's events, built into `YAMLNode`s): the trees and marks the reader relies
/// on, what the builder adds to libyaml (aliases, merge keys, core-schema tags, one document,
/// scalar keys), the errors as a config's author sees them, and the limits that stop hostile
/// input. Trees are compared through `dump()` (see YAMLTestSupport.swift): `p"a"@1:1` is a plain
/// scalar "a" at line 1, column 1; `s`/`d` are single/double-quoted, `l`/`f` literal/folded block
/// scalars, `{k: v}@L:C` a mapping, `[x]@L:C` a sequence.
@Suite struct YAMLTreeBuilderTests {
    static let trees: [(String, String, String)] = [
        ("comments", "# c\n\na: 1 # t\n\n  # c2\nb: 2\n", #"{p"a"@3:1: p"1"@3:4, p"b"@6:1: p"2"@6:4}@3:1"#),
        ("BOM and CRLF", "\u{FEFF}a: 1\r\nb:\r\n  - x\r\n", #"{p"a"@1:1: p"1"@1:4, p"b"@2:1: [p"x"@3:5]@3:3}@1:1"#),
        ("lone CR", "a: 1\rb: 2\r", #"{p"a"@1:1: p"1"@1:4, p"b"@2:1: p"2"@2:4}@1:1"#),
        ("document markers", "--- # doc\na: 1\n...\n# after\n", #"{p"a"@2:1: p"1"@2:4}@2:1"#),
        ("%YAML directive", "%YAML 1.1\n---\na: 1\n", #"{p"a"@3:1: p"1"@3:4}@3:1"#),
        ("empty document", "", "nil"),
        ("only comments", "   \n# only\n", "nil"),
        ("only markers", "---\n...\n", "nil"),
        ("scalar after ---", "--- text\n", #"p"text"@1:5"#),
        ("compact mappings in a sequence", "- name: a\n  address: b\n- name: c\n",
         #"[{p"name"@1:3: p"a"@1:9, p"address"@2:3: p"b"@2:12}@1:3, {p"name"@3:3: p"c"@3:9}@3:3]@1:1"#),
        ("sequence at the key's indentation", "key:\n- a\n- b\nother: 1\n",
         #"{p"key"@1:1: [p"a"@2:3, p"b"@3:3]@2:1, p"other"@4:1: p"1"@4:8}@1:1"#),
        ("empty values", "a:\nb: ~\nc:\n  # nothing\nd: 1\n",
         #"{p"a"@1:1: p""@1:3, p"b"@2:1: p"~"@2:4, p"c"@3:1: p""@3:3, p"d"@5:1: p"1"@5:4}@1:1"#),
        ("empty sequence entries", "-\n- a\n-\n", #"[p""@1:2, p"a"@2:3, p""@3:2]@1:1"#),
        ("flow mapping empty values", "{a: , b}\n", #"{p"a"@1:2: p""@1:5, p"b"@1:7: p""@1:8}@1:1"#),
        ("flow mapping {a: }", "x: {a: }\n", #"{p"x"@1:1: {p"a"@1:5: p""@1:8}@1:4}@1:1"#),
        ("flow mapping lines at the key's indentation", "clusters:\n  - name: prod\n    labels: {\n    team: x\n    }\n",
         #"{p"clusters"@1:1: [{p"name"@2:5: p"prod"@2:11, p"labels"@3:5: {p"team"@4:5: p"x"@4:11}@3:13}@2:5]@2:3}@1:1"#),
        ("multi-line plain scalar", "a: this is\n  a long\n\n  text\n", #"{p"a"@1:1: p"this is a long\ntext"@1:4}@1:1"#),
        ("double-quoted folding", "a: \"one\n  two\\\n  three\n\n  four\"\n", #"{p"a"@1:1: d"one twothree\nfour"@1:4}@1:1"#),
        ("literal", "a: |\n  line1\n  line2\n\n  line3\nb: 1\n", #"{p"a"@1:1: l"line1\nline2\n\nline3\n"@1:4, p"b"@6:1: p"1"@6:4}@1:1"#),
        ("alias is the anchored node", "base: &b {x: 1}\nuse: *b\n", #"{p"base"@1:1: {p"x"@1:11: p"1"@1:14}@1:7, p"use"@2:1: {p"x"@1:11: p"1"@1:14}@1:7}@1:1"#),
        ("anchor on a block mapping", "a: &m\n  x: 1\n", #"{p"a"@1:1: {p"x"@2:3: p"1"@2:6}@1:4}@1:1"#),
        ("anchor on a key", "- &k key: v\n- *k\n", #"[{p"key"@1:3: p"v"@1:11}@1:3, p"key"@1:3]@1:1"#),
        ("merge key: explicit keys win", "base: &b\n  x: 1\n  y: 2\nderived:\n  <<: *b\n  y: 3\n",
         #"{p"base"@1:1: {p"x"@2:3: p"1"@2:6, p"y"@3:3: p"2"@3:6}@1:7, p"derived"@4:1: {p"x"@2:3: p"1"@2:6, p"y"@6:3: p"3"@6:6}@5:3}@1:1"#),
        ("merge list: earlier mappings win", "a: &a {x: 1, w: 0}\nb: &b {x: 2, y: 2}\nc:\n  z: 3\n  <<: [*a, *b]\n",
         #"{p"a"@1:1: {p"x"@1:8: p"1"@1:11, p"w"@1:14: p"0"@1:17}@1:4, p"b"@2:1: {p"x"@2:8: p"2"@2:11, p"y"@2:14: p"2"@2:17}@2:4, p"c"@3:1: {p"z"@4:3: p"3"@4:6, p"x"@1:8: p"1"@1:11, p"w"@1:14: p"0"@1:17, p"y"@2:14: p"2"@2:17}@4:3}@1:1"#),
        ("merge in a flow mapping", "a: &a {x: 1}\nb: {<<: *a, y: 2}\n",
         #"{p"a"@1:1: {p"x"@1:8: p"1"@1:11}@1:4, p"b"@2:1: {p"x"@1:8: p"1"@1:11, p"y"@2:13: p"2"@2:16}@2:4}@1:1"#),
        ("quoted << is an ordinary key", "a: &a {x: 1}\nb: {'<<': *a}\n", #"{p"a"@1:1: {p"x"@1:8: p"1"@1:11}@1:4, p"b"@2:1: {s"<<"@2:5: {p"x"@1:8: p"1"@1:11}@1:4}@2:4}@1:1"#),
        ("core tags", "a: !!str 123\nb: !!int \"5\"\nc: !!float 1.5\nd: !!bool yes\ne: !!null ~\nf: !!map {x: 1}\ng: !!seq [1]\nh: !<tag:yaml.org,2002:str> x\n",
         #"{p"a"@1:1: p"123"!str@1:4, p"b"@2:1: d"5"!int@2:4, p"c"@3:1: p"1.5"!float@3:4, p"d"@4:1: p"yes"!bool@4:4, p"e"@5:1: p"~"!null@5:4, p"f"@6:1: {p"x"@6:11: p"1"@6:14}@6:4, p"g"@7:1: [p"1"@7:11]@7:4, p"h"@8:1: p"x"!str@8:4}@1:1"#),
        ("tag on an empty value", "a: !!str\nb: 1\n", #"{p"a"@1:1: p""!str@1:4, p"b"@2:1: p"1"@2:4}@1:1"#),
        ("unicode columns", "日本: \"😀\"\n", #"{p"日本"@1:1: d"😀"@1:5}@1:1"#),
        // libyaml takes complex keys; a scalar one is an ordinary key.
        ("complex key", "? a\n: b\n", #"{p"a"@1:3: p"b"@2:3}@1:1"#),
    ]

    @Test(arguments: trees)
    func parsesToTree(_ name: String, _ yaml: String, _ expected: String) {
        #expect(parsed(yaml) == expected, "\(name)")
    }

    @Test func doubleQuotedUnicodeLineEscapes() throws {
        let node = try #require(try YAMLParser.parse(#"a: "\N\_\L\P""#))
        guard case .mapping(let m) = node else { Issue.record("not a mapping"); return }
        #expect(m.pairs[0].value.scalar?.text.unicodeScalars.map(\.value) == [0x85, 0xA0, 0x2028, 0x2029])
    }

    /// `!!str` and quotes make a scalar a string, never null or a boolean; other tags keep YAML's
    /// implicit typing.
    @Test func implicitTyping() throws {
        let node = try #require(try YAMLParser.parse("a: yes\nb: !!str yes\nc: 'yes'\nd: !!bool 'yes'\ne: ~\nf: !!str\n"))
        guard case .mapping(let m) = node else { Issue.record("not a mapping"); return }
        #expect(m.pairs.map { $0.value.scalar!.isImplicitlyTyped } == [true, false, false, true, true, false])
    }

    /// Errors of our own (kept from the hand-written parser), then libyaml's wording for the
    /// syntax errors config authors make most, with the construct it was reading.
    static let errors: [(String, String, Int, Int)] = [
        // Tabs, stray content, documents, directives.
        ("key:\n\t- a\n", "tabs are not allowed for indentation; use spaces", 2, 1),
        ("  a: 1\nb: 2\n", "unexpected content after the top-level value (check the indentation)", 2, 1),
        ("a: \u{01}\n", "control character 0x01 is not allowed in YAML", 1, 4),
        ("a: x\u{80}\n", "control character U+0080 is not allowed in YAML", 1, 5),
        ("a: 1\n---\nb: 2\n", "only one YAML document is allowed", 2, 1),
        ("a: 1\n...\nb: 2\n", "only one YAML document is allowed", 3, 1),
        ("%TAG ! tag:example.com,2000:\n---\na: 1\n", "%TAG directives are not supported", 1, 1),
        // Keys, anchors, aliases, tags, merge keys.
        ("[a]: b\n", "non-scalar mapping keys are not supported", 1, 1),
        ("{{a: 1}: b}\n", "non-scalar mapping keys are not supported", 1, 2),
        ("a: &k [1]\n*k : b\n", "non-scalar mapping keys are not supported", 2, 1),
        ("a: *nope\n", "unknown alias *nope", 1, 4),
        ("a: &a [*a]\n", "unknown alias *a", 1, 8),
        ("a: !foo x\n", "unsupported tag !foo", 1, 4),
        ("a: !!binary x\n", "unsupported tag !!binary", 1, 4),
        ("a: !!map [1]\n", "tag !!map cannot be used on a sequence", 1, 4),
        ("a: !!str {b: 1}\n", "tag !!str cannot be used on a mapping", 1, 4),
        ("a: !!seq x\n", "tag !!seq cannot be used on a scalar", 1, 4),
        ("x: &x {a: 1}\nb: {<<: 5}\n", "the value of a merge key '<<' must be a mapping or a list of mappings", 2, 5),
        ("x: &x {a: 1}\nb:\n  <<: [*x, 2]\n", "the value of a merge key '<<' must be a mapping or a list of mappings", 3, 3),
        // libyaml's words.
        ("a:\n  b: 1\n c: 2\n", "did not find expected key (while parsing a block mapping at line 1, column 1)", 3, 2),
        ("a:\n  - x\n  y: 1\n", "did not find expected '-' indicator (while parsing a block collection at line 2, column 3)", 3, 3),
        ("global:\n  interval:5s\n  timeout: 2s\n", "mapping values are not allowed in this context", 3, 10),
        ("a: \"abc\nb: 1\n", "found unexpected end of stream (while scanning a quoted scalar at line 1, column 4)", 3, 1),
        ("a: [1, 2\nb: 3\n", "did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 4)", 2, 2),
        ("x:\n  - {a: 1\n", "did not find expected ',' or '}' (while parsing a flow mapping at line 2, column 5)", 3, 1),
        ("a: 1\nb\n", "could not find expected ':' (while scanning a simple key at line 2, column 1)", 3, 1),
        ("a: @x\n", "found character that cannot start any token (while scanning for the next token)", 1, 4),
        ("a: |\n  x\n\ty\n", "found a tab character where an indentation space is expected (while scanning a block scalar at line 1, column 4)", 3, 1),
        ("a: \"\\q\"\n", "found unknown escape character (while parsing a quoted scalar at line 1, column 4)", 1, 5),
        ("%YAML 2.0\n---\n", "found incompatible YAML document", 1, 1),
    ]

    @Test(arguments: errors)
    func rejects(_ yaml: String, _ problem: String, _ line: Int, _ column: Int) {
        #expect(throws: YAMLSyntaxError(problem: problem, line: line, column: column)) { try YAMLParser.parse(yaml) }
    }

    // MARK: - Limits

    @Test func nestingIsLimited() throws {
        let deep = YAMLParser.maxDepth
        #expect(try YAMLParser.parse(String(repeating: "[", count: deep) + String(repeating: "]", count: deep)) != nil)
        let tooDeep = String(repeating: "[", count: deep + 1) + String(repeating: "]", count: deep + 1)
        #expect(throws: YAMLSyntaxError(problem: "collections are nested more than 256 levels deep", line: 1, column: 257)) {
            try YAMLParser.parse(tooDeep)
        }
        // Block nesting, far past the limit: an error, not a stack overflow.
        var block = ""
        for level in 0..<1_000 { block += String(repeating: " ", count: level) + "k:\n" }
        #expect(throws: YAMLSyntaxError.self) { try YAMLParser.parse(block) }
        #expect(throws: YAMLSyntaxError.self) { try YAMLParser.parse(String(repeating: "- ", count: 10_000) + "x\n") }
        #expect(throws: YAMLSyntaxError.self) { try YAMLParser.parse(String(repeating: "{a: ", count: 10_000)) }
    }

    /// Aliases count with the depth of what they bring in, so chaining them cannot build a tree
    /// deeper than the limit.
    @Test func aliasesCountTowardsDepth() {
        let nested = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        let yaml = "a: &a \(nested)\nb: " + String(repeating: "[", count: 60) + "*a" + String(repeating: "]", count: 60) + "\n"
        #expect(throws: YAMLSyntaxError(problem: "collections are nested more than 256 levels deep", line: 2, column: 64)) {
            try YAMLParser.parse(yaml)
        }
    }

    /// "Billion laughs": each level refers to the previous one ten times. Aliases share the
    /// anchored node, and the expanded size is counted, so this fails fast instead of expanding.
    @Test func aliasExpansionIsLimited() throws {
        var yaml = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            yaml += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let start = ContinuousClock.now
        #expect(throws: YAMLSyntaxError.self) { try YAMLParser.parse(yaml) }
        #expect(ContinuousClock.now - start < .seconds(1))
        do { _ = try YAMLParser.parse(yaml) } catch {
            #expect(error.problem == "the document expands to more than 100000 nodes through aliases")
            #expect(error.line == 5)
        }
        // Merges are counted the same way.
        var merges = "m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}\n"
        for level in 1...12 {
            merges += "m\(level): &m\(level) {<<: [" + Array(repeating: "*m\(level - 1)", count: 10).joined(separator: ", ") + "], k\(level): 1}\n"
        }
        #expect(throws: YAMLSyntaxError.self) { try YAMLParser.parse(merges) }
        // A few aliases are fine.
        #expect(try YAMLParser.parse("a: &a {x: [1, 2, 3]}\nb: [*a, *a, *a, *a]\n") != nil)
    }
}
