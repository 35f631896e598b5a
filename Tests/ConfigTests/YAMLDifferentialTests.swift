import Config
import Foundation
import Testing
import Yams

/// `YAMLParser` (our tree, built from libyaml's events) against Yams' `compose` (libyaml's own
/// document loader, wrapped) on a corpus: every config fixture, the example config and
/// hand-written snippets for each supported feature. Both sit on libyaml, so this checks the
/// builder: the trees must agree on shape, scalar texts, styles (plain vs quoted vs block),
/// aliases and merge keys, and the line and column of every node.
@Suite struct YAMLDifferentialTests {
    /// Snippets covering the supported subset, the way operators write config files.
    static let snippets: [String] = [
        // Comments, blank lines, BOM, CRLF, document markers, directives.
        "# leading comment\n\na: 1   # trailing\n\n   # indented comment\nb: 2\n",
        "\u{FEFF}a: 1\nb: x\n",
        "a: 1\r\nb:\r\n  - x\r\n  - 'y'\r\n",
        "---\na: 1\n...\n",
        "--- # comment\na: 1\n... # end\n",
        "%YAML 1.2\n---\na: 1\n",
        "--- text\n",
        "--- [a, b]\n",
        "--- |\n  literal at the top\n",
        // Block structure, indentation widths, compact nesting.
        "a:\n    b:\n        c: 1\n    d: 2\ne: 3\n",
        "clusters:\n  - name: a\n    address: b\n  - name: c\n    address: d\n",
        "- name: a\n  address: b\n- name: c\n",
        "key:\n- a\n- b\nother: 1\n",
        "- - a\n  - b\n- - c\n  -   - d\n",
        "- a:\n  - x\n  - y\n  b: 1\n",
        "- a:\n    b: 1\n  c: 2\n",
        "- - - deep\n",
        "a:\n  - x\n# comment at column 0\n  - y\n",
        "outer:\n  inner:\n  - 1\n  - 2\n  after: x\n",
        // Empty values.
        "a:\nb: ~\nc: null\nd:\n  # only a comment\ne: 1\n",
        "-\n- a\n-\n",
        "a:\n  b:\n  c:\n",
        "- a:\n  b:\n",
        // Flow collections.
        "{a: 1, b: [x, y]}\n",
        "nodes: [\n  a,\n  b,\n]\nnext: 1\n",
        "a: {b: {c: [1, [2, 3]]}, d: []}\n",
        "[a, b, ]\n",
        "{a: 1, }\n",
        "{a: , b: 2}\n",
        "x: {a: }\n",
        "{a, b: c}\n",
        "[a: 1, b]\n",
        "{\"a\":1, \"b\": [true, null], \"c\": {\"d\": \"e\"}}\n",
        "a: []\nb: {}\nc: [ ]\n",
        "- [a,\n   b]\n- {c: d,\n   e: f}\n",
        "- {name: vault-1, address: \"https://10.0.0.11:8200\"}\n- {name: vault-2, address: 'https://10.0.0.12:8200'}\n",
        "a: [http://127.0.0.1:8200, 'b']\n",
        // Inside brackets indentation does not matter: lines at or left of the enclosing key.
        "clusters:\n  - name: prod\n    labels: {\n    team: x\n    }\n",
        "a:\n  b: [\n  1\n]\n",
        "a:\n  b: [\n  1\n]\nc: 2\n",
        "a:\n  b: [x,\ny]\n  c: 1\n",
        "- [a,\nb]\n- {c: d,\ne: f}\n- g\n",
        "- a: [x,\ny]\n  b: 1\n",
        "a: {x: 1,\ny: 2}\n",
        "a: [\n# comment at column 1\nx]\n",
        "a: [x\ny,\n  z\nw]\n",
        "[a\n---x]\n",
        "[a,\n---x]\n",
        "[a:\nb]\n",
        "[a: b\n, c]\n",
        // Plain scalars.
        "url: http://127.0.0.1:8200\nhash: $2b$10$abcdefghijklmnopqrstuv\ntime: 12:30:00\nkey: a#b\nk2: a #comment\n",
        "a: this is\n  a long\n\n  text\nb: x\n",
        "- first\n  continued\n- second\n",
        "a: -x\nb: ?y\nc: :z\nd: x:y\n",
        "key:    value with spaces   \n",
        "a:\tvalue\nb: [1,\t2]\n",
        "a: 1\nb: -2\nc: 0x1F\nd: 1e3\ne: true\nf: off\ng: 2%\n",
        "just text\n",
        "~\n",
        "a:\n  text on the next line\nb:\n  'quoted on the next line'\n",
        // Quoted scalars.
        "a: 'it''s'\nb: 'multi\n  line\n\n  x'\n",
        "a: \"tab\\there \\\\ \\\" \\/ \\0 \\x41 \\u00e9 \\U0001F600 \\N \\_ \\L \\P \\e \\a \\b \\v \\f \\r\"\n",
        "a: \"one\n  two\\\n  three\n\n  four\"\nb: 1\n",
        "a: \"trailing   \n  spaces\"\n",
        "- \"a\n  b\"\n- c\n",
        "a: 'x' # comment\nb: \"y\" # c\n",
        "\"quoted key\": 1\n'single key': 2\nplain key: 3\n",
        "a: \"\"\nb: ''\n",
        // Block scalars.
        "a: |\n  line1\n  line2\n\n  line3\nb: 1\n",
        "a: >\n  one\n  two\n\n  three\n    indented\n  four\nb: 1\n",
        "a: |-\n  x\n\nb: |+\n  y\n\n\nc: |\n  z\n\n",
        "a: |2\n    two extra\n  base\n",
        "- |1\n  one extra\n- >-\n  folded\n  text\n",
        "cert: |\n  -----BEGIN CERTIFICATE-----\n  MIIBszCCAVmgAwIBAgIUe3\n  -----END CERTIFICATE-----\nkey: x\n",
        ">+\n a\n  b\n\n c\n\n",
        "a: | # a comment\n  text\n",
        "a: |\n  no newline at end",
        "a: >\n\n  leading empty line\n",
        "- key: |\n    in a compact mapping\n  other: 1\n",
        // Anchors, aliases, merge keys.
        "base: &b {x: 1}\nuse: *b\nlist: [*b, *b]\n",
        "a: &v 5\nb: *v\n",
        "a: &m\n  x: 1\nb: *m\n",
        "- &k key: v\n- *k\n",
        "a: &s [1, 2]\nb:\n  - *s\n",
        "base: &b\n  x: 1\n  y: 2\nderived:\n  <<: *b\n  y: 3\n",
        "a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n",
        "a: &a {x: 1}\nb: {<<: *a, y: 2}\n",
        "defaults: &d\n  interval: 5s\n  timeout: 2s\nglobal:\n  <<: *d\n  timeout: 1s\n",
        // Tags.
        "a: !!str 123\nb: !!int \"5\"\nc: !!float 1.5\nd: !!bool yes\ne: !!null ~\nf: !!map {x: 1}\ng: !!seq [1]\n",
        "a: !!str\nb: 1\n",
        "a: &x !!str 1\nb: !!str &y 2\nc: *x\n",
        "- !!str\n  text\n",
        // Unicode.
        "name: ünïcödé\nemoji: \"😀 x\"\n日本: 語\n",
        "ключ: [значение, \"ещё\"]\n",
    ]

    /// Every fixture under testdata/, the example config and the snippets.
    static func corpus() throws -> [(String, String)] {
        var files: [(String, String)] = []
        let dir = Bundle.module.path(forResource: "testdata", ofType: nil)!
        for name in try FileManager.default.contentsOfDirectory(atPath: dir).sorted() {
            files.append((name, try String(contentsOfFile: "\(dir)/\(name)", encoding: .utf8)))
        }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        files.append(("sealwatch.example.yml", try String(contentsOf: repo.appendingPathComponent("config/sealwatch.example.yml"), encoding: .utf8)))
        return files + snippets.enumerated().map { ("snippet \($0.offset)", $0.element) }
    }

    @Test func corpusMatchesYams() throws {
        let corpus = try Self.corpus()
        var compared = 0
        for (name, text) in corpus {
            let ours = parsed(text, tags: false)
            if let theirs = try? yamsDump(text) {
                #expect(ours == theirs, "\(name):\n\(text)")
            } else {
                #expect(ours.hasPrefix("error: "), "\(name): Yams rejects it, YAMLParser accepts it:\n\(text)")
            }
            compared += 1
        }
        #expect(compared >= 60)
        print("YAML differential corpus: \(compared) documents")
    }

    /// Inputs that are not YAML: both parsers must refuse them.
    static let invalid: [String] = [
        "a: b: c\n",
        "a: 'x\n",
        "a: \"x\n",
        "a: [x\n",
        "a: {x: 1\n",
        "- a\nb: c\n",
        "a: 1\n b: 2\n",
        "a:\n  - x\n  y: 1\n",
        "[a, b]]\n",
        "a: *unknown\n",
        "--- a\n--- b\n",
        "\tkey: value\n",
        "key: @x\n",
        "a: |0\n x\n",
        "a: \"\\q\"\n",
        "a: - b\n",
        "a:\n  b: 1\n c: 2\n",
        "{a: 1} x\n",
        "a: \"x\" y\n",
        "key: value\n  other: x\n",
        // Flow collections left open: only the end or a document marker ends them.
        "a: [1, 2\nb: 3\n",
        "a: {x: 1\nb: 3\n",
        "a: [1,\n---\n]\n",
        "a: [x\n...\n]\n",
        "[a,\n--- x]\n",
        "[a\n: b]\n",
        "{a\nb: c}\n",
        "[\"a\nb\": c]\n",
        "a: [x\n  # c\n  y]\n",
    ]

    @Test(arguments: invalid)
    func bothRejectInvalidInput(_ text: String) {
        #expect(throws: YAMLSyntaxError.self) { try YAMLParser.parse(text) }
        #expect(throws: (any Error).self) { try Yams.compose(yaml: text) }
    }
}
