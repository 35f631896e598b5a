import Config
import Foundation
import Testing

/// `YAMLParser`: exact trees (with every mark) for each supported feature, exact errors, and the
/// limits that stop hostile input. Trees are compared through `dump()` (see YAMLTestSupport.swift):
/// `p"a"@1:1` is a plain scalar "a" at line 1, column 1; `s`/`d` are single/double-quoted,
/// `l`/`f` literal/folded block scalars, `{k: v}@L:C` a mapping, `[x]@L:C` a sequence.
@Suite struct YAMLParserTests {
    static let trees: [(String, String, String)] = [
        // Comments, blank lines, BOM, CRLF, document markers.
        ("comments", "# c\n\na: 1 # t\n\n  # c2\nb: 2\n", #"{p"a"@3:1: p"1"@3:4, p"b"@6:1: p"2"@6:4}@3:1"#),
        ("BOM and CRLF", "\u{FEFF}a: 1\r\nb:\r\n  - x\r\n", #"{p"a"@1:1: p"1"@1:4, p"b"@2:1: [p"x"@3:5]@3:3}@1:1"#),
        ("lone CR", "a: 1\rb: 2\r", #"{p"a"@1:1: p"1"@1:4, p"b"@2:1: p"2"@2:4}@1:1"#),
        ("document markers", "--- # doc\na: 1\n...\n# after\n", #"{p"a"@2:1: p"1"@2:4}@2:1"#),
        ("%YAML directive", "%YAML 1.1\n---\na: 1\n", #"{p"a"@3:1: p"1"@3:4}@3:1"#),
        ("empty document", "", "nil"),
        ("only comments", "   \n# only\n", "nil"),
        ("only markers", "---\n...\n", "nil"),
        ("scalar after ---", "--- text\n", #"p"text"@1:5"#),
        // Block structure.
        ("four-space indentation", "a:\n    b:\n        c: 1\n    d: 2\n",
         #"{p"a"@1:1: {p"b"@2:5: {p"c"@3:9: p"1"@3:12}@3:9, p"d"@4:5: p"2"@4:8}@2:5}@1:1"#),
        ("compact mappings in a sequence", "- name: a\n  address: b\n- name: c\n",
         #"[{p"name"@1:3: p"a"@1:9, p"address"@2:3: p"b"@2:12}@1:3, {p"name"@3:3: p"c"@3:9}@3:3]@1:1"#),
        ("sequence at the key's indentation", "key:\n- a\n- b\nother: 1\n",
         #"{p"key"@1:1: [p"a"@2:3, p"b"@3:3]@2:1, p"other"@4:1: p"1"@4:8}@1:1"#),
        ("nested sequences", "- - a\n  - b\n- - c\n", #"[[p"a"@1:5, p"b"@2:5]@1:3, [p"c"@3:5]@3:3]@1:1"#),
        ("empty values", "a:\nb: ~\nc:\n  # nothing\nd: 1\n",
         #"{p"a"@1:1: p""@1:3, p"b"@2:1: p"~"@2:4, p"c"@3:1: p""@3:3, p"d"@5:1: p"1"@5:4}@1:1"#),
        ("empty sequence entries", "-\n- a\n-\n", #"[p""@1:2, p"a"@2:3, p""@3:2]@1:1"#),
        ("continued list item", "a:\n  - x\n   - y\n", #"{p"a"@1:1: [p"x - y"@2:5]@2:3}@1:1"#),
        // Flow collections.
        ("flow mapping with a flow sequence", "{a: 1, b: [x, y]}\n",
         #"{p"a"@1:2: p"1"@1:5, p"b"@1:8: [p"x"@1:12, p"y"@1:15]@1:11}@1:1"#),
        ("multi-line flow with trailing comma", "nodes: [\n  a,\n  b,\n]\n", #"{p"nodes"@1:1: [p"a"@2:3, p"b"@3:3]@1:8}@1:1"#),
        ("flow mapping empty values", "{a: , b}\n", #"{p"a"@1:2: p""@1:5, p"b"@1:7: p""@1:8}@1:1"#),
        ("flow mapping {a: }", "x: {a: }\n", #"{p"x"@1:1: {p"a"@1:5: p""@1:8}@1:4}@1:1"#),
        ("single pair in a flow sequence", "[a: 1, b]\n", #"[{p"a"@1:2: p"1"@1:5}@1:2, p"b"@1:8]@1:1"#),
        ("JSON", #"{"a":1, "b": [true, null]}"#, #"{d"a"@1:2: p"1"@1:6, d"b"@1:9: [p"true"@1:15, p"null"@1:21]@1:14}@1:1"#),
        // Inside brackets indentation does not matter (libyaml's rule): lines at or left of the key.
        ("flow mapping lines at the key's indentation", "clusters:\n  - name: prod\n    labels: {\n    team: x\n    }\n",
         #"{p"clusters"@1:1: [{p"name"@2:5: p"prod"@2:11, p"labels"@3:5: {p"team"@4:5: p"x"@4:11}@3:13}@2:5]@2:3}@1:1"#),
        ("flow sequence lines left of the key", "a:\n  b: [\n  1\n]\nc: 2\n",
         #"{p"a"@1:1: {p"b"@2:3: [p"1"@3:3]@2:6}@2:3, p"c"@5:1: p"2"@5:4}@1:1"#),
        ("plain scalar continued at column 1 in a flow", "a: [x\ny,\nz]\n", #"{p"a"@1:1: [p"x y"@1:5, p"z"@3:1]@1:4}@1:1"#),
        ("flow at column 1 inside a block mapping", "a:\n  b: [x,\ny]\n  c: 1\n",
         #"{p"a"@1:1: {p"b"@2:3: [p"x"@2:7, p"y"@3:1]@2:6, p"c"@4:3: p"1"@4:6}@2:3}@1:1"#),
        // Plain scalars.
        ("plain scalars with ':' and '#'", "url: http://127.0.0.1:8200\nhash: $2b$10$abc\nk: a#b\nc: x # y\n",
         #"{p"url"@1:1: p"http://127.0.0.1:8200"@1:6, p"hash"@2:1: p"$2b$10$abc"@2:7, p"k"@3:1: p"a#b"@3:4, p"c"@4:1: p"x"@4:4}@1:1"#),
        ("multi-line plain scalar", "a: this is\n  a long\n\n  text\n", #"{p"a"@1:1: p"this is a long\ntext"@1:4}@1:1"#),
        // Quoted scalars.
        ("single-quoted", "a: 'it''s'\nb: 'one\n  two\n\n  three'\n", #"{p"a"@1:1: s"it\'s"@1:4, p"b"@2:1: s"one two\nthree"@2:4}@1:1"#),
        ("double-quoted escapes", #"a: "\t\\ \" \/ \0 \x41 \u00e9 \U0001F600 \e \a \b \v \f \r \n \ ""#,
         #"{p"a"@1:1: d"\t\\ \" / \0 A é 😀 \u{1B} \u{07} \u{08} \u{0B} \u{0C} \r \n  "@1:4}@1:1"#),
        ("double-quoted folding", "a: \"one\n  two\\\n  three\n\n  four\"\n", #"{p"a"@1:1: d"one twothree\nfour"@1:4}@1:1"#),
        // Block scalars.
        ("literal", "a: |\n  line1\n  line2\n\n  line3\nb: 1\n", #"{p"a"@1:1: l"line1\nline2\n\nline3\n"@1:4, p"b"@6:1: p"1"@6:4}@1:1"#),
        ("folded", "a: >\n  one\n  two\n\n  three\n    indented\n  four\n", #"{p"a"@1:1: f"one two\nthree\n  indented\nfour\n"@1:4}@1:1"#),
        ("chomping", "a: |-\n  x\n\nb: |+\n  y\n\n\nc: |\n  z\n\n", #"{p"a"@1:1: l"x"@1:4, p"b"@4:1: l"y\n\n\n"@4:4, p"c"@8:1: l"z\n"@8:4}@1:1"#),
        ("indentation indicator", "a: |2\n    two extra\n  base\n", #"{p"a"@1:1: l"  two extra\nbase\n"@1:4}@1:1"#),
        ("PEM block", "cert: |\n  -----BEGIN CERTIFICATE-----\n  MIIB\n  -----END CERTIFICATE-----\n",
         #"{p"cert"@1:1: l"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"@1:7}@1:1"#),
        // Anchors, aliases, merge keys.
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
        // Tags.
        ("core tags", "a: !!str 123\nb: !!int \"5\"\nc: !!float 1.5\nd: !!bool yes\ne: !!null ~\nf: !!map {x: 1}\ng: !!seq [1]\nh: !<tag:yaml.org,2002:str> x\n",
         #"{p"a"@1:1: p"123"!str@1:4, p"b"@2:1: d"5"!int@2:4, p"c"@3:1: p"1.5"!float@3:4, p"d"@4:1: p"yes"!bool@4:4, p"e"@5:1: p"~"!null@5:4, p"f"@6:1: {p"x"@6:11: p"1"@6:14}@6:4, p"g"@7:1: [p"1"@7:11]@7:4, p"h"@8:1: p"x"!str@8:4}@1:1"#),
        ("tag on an empty value", "a: !!str\nb: 1\n", #"{p"a"@1:1: p""!str@1:4, p"b"@2:1: p"1"@2:4}@1:1"#),
        // Unicode: columns count characters.
        ("unicode columns", "日本: \"😀\"\n", #"{p"日本"@1:1: d"😀"@1:5}@1:1"#),
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

    static let errors: [(String, String, Int, Int)] = [
        // Indentation.
        ("key:\n\t- a\n", "tabs are not allowed for indentation; use spaces", 2, 1),
        ("a: |\n  x\n\ty\n", "tabs are not allowed for indentation; use spaces", 3, 1),
        ("a:\n  b: 1\n c: 2\n", "bad indentation of a mapping entry", 3, 2),
        ("a:\n  - x\n  y: 1\n", "expected a list item ('- ') at this indentation", 3, 3),
        ("- 'a'\n  - b\n", "bad indentation of a sequence entry", 2, 3),
        ("a: 1\n- b\n", "expected a mapping key at this indentation, found a list item ('- ')", 2, 1),
        ("a:\n  b: 1\n   c: 2\n", "mapping values are not allowed here: this line continues the value that starts at line 2, column 6 (check the indentation and the ': ' after keys)", 3, 5),
        ("global:\n  interval:5s\n  timeout: 2s\n", "mapping values are not allowed here: this line continues the value that starts at line 2, column 3 (check the indentation and the ': ' after keys)", 3, 10),
        ("  a: 1\nb: 2\n", "unexpected content after the top-level value (check the indentation)", 2, 1),
        // Quotes and flow collections that are never closed.
        ("a: \"abc\nb: 1\n", "unterminated double-quoted scalar: no closing \" before the end of the document", 1, 4),
        ("a: 'abc\n", "unterminated single-quoted scalar: no closing ' before the end of the document", 1, 4),
        ("a: [1, 2\n", "unterminated flow sequence: missing ']' for the '[' at line 1, column 4", 2, 1),
        ("a: [1,\n---\n]\n", "unterminated flow sequence: missing ']' for the '[' at line 1, column 4", 2, 1),
        ("a: {x: 1,\n...\n", "unterminated flow mapping: missing '}' for the '{' at line 1, column 4", 2, 1),
        // A bracket left open takes in the next lines, whatever their indentation (as in libyaml):
        // the next `key:` is where the collection wanted a ',' or its closing bracket.
        ("a: [1, 2\nb: 3\n", "expected ',' or ']' in the flow sequence that starts at line 1, column 4", 2, 2),
        ("a: {x: 1\nb: 3\n", "expected ',' or '}' in the flow mapping that starts at line 1, column 4", 2, 2),
        ("[a\n: b]\n", "expected ',' or ']' in the flow sequence that starts at line 1, column 1", 2, 1),
        ("a: [x\n  # c\n  y]\n", "expected ',' or ']' in the flow sequence that starts at line 1, column 4", 3, 3),
        ("x:\n  - {a: 1\n", "unterminated flow mapping: missing '}' for the '{' at line 2, column 5", 3, 1),
        ("a: [1, {b: 2]\n", "expected ',' or '}' in the flow mapping", 1, 13),
        ("a: {b: 1 c: 2}\n", "expected ',' or '}' in the flow mapping", 1, 11),
        ("[a, , b]\n", "expected a value before ','", 1, 5),
        // Mapping structure.
        ("key: value: other\n", "mapping values are not allowed here", 1, 11),
        ("? a\n: b\n", "complex mapping keys ('? ') are not supported", 1, 1),
        ("{? a: b}\n", "complex mapping keys ('? ') are not supported", 1, 2),
        ("[a]: b\n", "non-scalar mapping keys are not supported", 1, 1),
        ("{{a: 1}: b}\n", "non-scalar mapping keys are not supported", 1, 2),
        ("a: 1\nb\n", "could not find the ':' that follows a mapping key", 2, 2),
        ("a: 1\n: b\n", "missing mapping key before ':'", 2, 1),
        ("\"a\nb\": c\n", "a mapping key must be on a single line", 1, 1),
        ("a: - b\n", "block sequence entries are not allowed here", 1, 4),
        ("a: \"x\" y\n", "unexpected characters after the value", 1, 8),
        // Stray characters.
        ("a: @x\n", "found character '@' that cannot start any token", 1, 4),
        ("a: x\n]\n", "found character ']' that cannot start any token", 2, 1),
        ("a: \u{01}\n", "control character 0x01 is not allowed in YAML", 1, 4),
        ("[- a]\n", "block sequence entries ('- ') are not allowed inside a flow collection", 1, 2),
        // Documents and directives.
        ("a: 1\n---\nb: 2\n", "only one YAML document is allowed", 2, 1),
        ("a: 1\n...\nb: 2\n", "only one YAML document is allowed", 3, 1),
        ("%TAG ! tag:example.com,2000:\n---\na: 1\n", "%TAG directives are not supported", 1, 1),
        ("%YAML 2.0\n---\n", "unsupported YAML version \"2.0\" (1.1 and 1.2 are supported)", 1, 7),
        ("%FOO bar\n---\n", "unsupported directive %FOO", 1, 1),
        ("%YAML 1.2\na: 1\n", "a directive must be followed by a '---' line", 1, 1),
        // Scalars.
        ("a: \"\\q\"\n", "unknown escape sequence: '\\' followed by 'q'", 1, 5),
        ("a: \"\\u12\"\n", "escape \\u needs 4 hexadecimal digits", 1, 5),
        ("a: \"\\uD800\"\n", "escape \\u is not a valid Unicode code point", 1, 5),
        ("a: |0\n x\n", "the indentation indicator of a block scalar must be 1 to 9", 1, 5),
        ("a: |x\n", "expected a comment or a line break after the block scalar indicator", 1, 5),
        // Anchors, aliases, tags, merge keys.
        ("a: *nope\n", "unknown alias *nope", 1, 4),
        ("a: &x &y 1\n", "a node can have only one anchor", 1, 7),
        ("a: &x *y\n", "an alias cannot have an anchor or a tag", 1, 7),
        ("a: &\n", "expected a name after '&'", 1, 5),
        ("a: !foo x\n", "unsupported tag !foo", 1, 4),
        ("a: !!binary x\n", "unsupported tag !!binary", 1, 4),
        ("a: !!map [1]\n", "tag !!map cannot be used on a sequence", 1, 4),
        ("a: !!str {b: 1}\n", "tag !!str cannot be used on a mapping", 1, 4),
        ("x: &x {a: 1}\nb: {<<: 5}\n", "the value of a merge key '<<' must be a mapping or a list of mappings", 2, 5),
        ("x: &x {a: 1}\nb:\n  <<: [*x, 2]\n", "the value of a merge key '<<' must be a mapping or a list of mappings", 3, 3),
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
