internal import CYAML

/// Reads one YAML document of a configuration file into `YAMLNode`s: libyaml's event parser
/// (`yaml_parser_parse`, the parser under PyYAML and Ruby's Psych; C, no Foundation) does the
/// syntax — indentation, flow collections, every scalar style, folding, escapes — and gives each
/// event its line and column; `YAMLTreeBuilder` turns the events into the tree.
///
/// On top of libyaml: one document only, no `%TAG` directives, core-schema tags only, scalar
/// keys only, ASCII control characters rejected with their place, and the limits of
/// `YAMLTreeBuilder` (`maxDepth`, `maxNodes`).
/// - SeeAlso: https://pyyaml.org/wiki/LibYAML, /usr/include/yaml.h
public enum YAMLParser {
    /// Deepest nesting of collections (a config file needs fewer than 10).
    public static let maxDepth = 256
    /// Most nodes the document may expand to through aliases and merges (a large config has ~1,000).
    public static let maxNodes = 100_000

    /// Parses one YAML document; nil when it holds no node (empty, only comments, or only `---`).
    public static func parse(_ text: String) throws(YAMLSyntaxError) -> YAMLNode? {
        var text = text
        return try text.withUTF8 { bytes in Result { () throws(YAMLSyntaxError) in try parse(bytes) } }.get()
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(YAMLSyntaxError) -> YAMLNode? {
        try rejectControlCharacters(bytes)
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return nil }
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else { fatalError("libyaml: out of memory") }
        defer { yaml_parser_delete(parser) }
        // libyaml reads from `bytes` during every yaml_parser_parse, all within this call.
        yaml_parser_set_input_string(parser, base, bytes.count)
        var builder = YAMLTreeBuilder()
        var event = yaml_event_t()
        /// How the document ended: nil while it has not, true for an explicit `...`.
        var explicitEnd: Bool?
        while true {
            guard yaml_parser_parse(parser, &event) == 1 else {
                // After the document's end libyaml wants `---` or the end of the stream; anything
                // else is a second document (after `...`) or a line indented wrongly (at the top).
                switch explicitEnd {
                case true?: throw YAMLSyntaxError(problem: "only one YAML document is allowed", at: errorMark(parser, bytes))
                case false?: throw YAMLSyntaxError(problem: "unexpected content after the top-level value (check the indentation)",
                                                   at: errorMark(parser, bytes))
                case nil: throw syntaxError(parser, bytes)
                }
            }
            defer { yaml_event_delete(&event) }
            let mark = YAMLMark(event.start_mark)
            switch event.type {
            case YAML_STREAM_END_EVENT:
                guard let root = builder.root else { return nil }
                // `---` alone (or with a comment) is an empty plain scalar to libyaml: no node.
                if case .scalar(let s) = root.node, s.text.isEmpty, s.style == .plain, s.tag == nil { return nil }
                return root.node
            case YAML_DOCUMENT_START_EVENT:
                if explicitEnd != nil { throw YAMLSyntaxError(problem: "only one YAML document is allowed", at: mark) }
                let tags = event.data.document_start.tag_directives
                if tags.start != tags.end { throw YAMLSyntaxError(problem: "%TAG directives are not supported", at: mark) }
            case YAML_DOCUMENT_END_EVENT:
                explicitEnd = event.data.document_end.implicit == 0
            case YAML_SCALAR_EVENT:
                let s = event.data.scalar
                let text = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
                try builder.scalar(text, style: YAMLScalar.Style(s.style), tag: string(s.tag), anchor: string(s.anchor), at: mark)
            case YAML_ALIAS_EVENT:
                try builder.alias(string(event.data.alias.anchor) ?? "", at: mark)
            case YAML_SEQUENCE_START_EVENT:
                let s = event.data.sequence_start
                try builder.startCollection(mapping: false, tag: string(s.tag), anchor: string(s.anchor), at: mark)
            case YAML_MAPPING_START_EVENT:
                let m = event.data.mapping_start
                try builder.startCollection(mapping: true, tag: string(m.tag), anchor: string(m.anchor), at: mark)
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                try builder.endCollection()
            default:   // STREAM_START, NO_EVENT
                break
            }
        }
    }

    private static func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        p.map { String(cString: UnsafePointer($0)) }
    }

    // MARK: - Errors

    /// libyaml's words for the problem, with where the construct it was reading starts when that
    /// is elsewhere: "did not find expected key (while parsing a block mapping at line 1, column 1)".
    private static func syntaxError(_ parser: UnsafeMutablePointer<yaml_parser_t>,
                                    _ bytes: UnsafeBufferPointer<UInt8>) -> YAMLSyntaxError {
        let p = parser.pointee
        let mark = errorMark(parser, bytes)
        switch p.error {
        case YAML_MEMORY_ERROR:
            fatalError("libyaml: out of memory")
        case YAML_READER_ERROR:
            // Only non-ASCII characters get here (`rejectControlCharacters` takes the ASCII ones).
            let value = p.problem_value < 0 ? "" : " U+" + hex(UInt32(p.problem_value), digits: 4)
            return YAMLSyntaxError(problem: "control character\(value) is not allowed in YAML", at: mark)
        default:
            var problem = p.problem.map { String(cString: $0) } ?? "invalid YAML"
            if problem == "found character that cannot start any token", byte(at: mark, in: bytes) == 0x09 {
                problem = "tabs are not allowed for indentation; use spaces"
            } else if let context = p.context.map({ String(cString: $0) }) {
                let at = YAMLMark(p.context_mark)
                problem += at == mark ? " (\(context))" : " (\(context) at line \(at.line), column \(at.column))"
            }
            return YAMLSyntaxError(problem: problem, at: mark)
        }
    }

    private static func errorMark(_ parser: UnsafeMutablePointer<yaml_parser_t>, _ bytes: UnsafeBufferPointer<UInt8>) -> YAMLMark {
        let p = parser.pointee
        return p.error == YAML_READER_ERROR ? mark(ofByte: p.problem_offset, in: bytes) : YAMLMark(p.problem_mark)
    }

    /// Rejects C0 control characters other than tab, LF and CR, and DEL, at their line and column
    /// (libyaml's reader rejects them too, but by byte offset).
    private static func rejectControlCharacters(_ bytes: UnsafeBufferPointer<UInt8>) throws(YAMLSyntaxError) {
        for (offset, b) in bytes.enumerated() where (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D) || b == 0x7F {
            throw YAMLSyntaxError(problem: "control character 0x\(hex(UInt32(b), digits: 2)) is not allowed in YAML",
                                  at: mark(ofByte: offset, in: bytes))
        }
    }

    /// The line and column of a byte offset, counted as libyaml counts them: a BOM takes no
    /// column; CRLF, CR, LF, NEL, LS and PS break lines; a column is a Unicode scalar.
    static func mark(ofByte offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> YAMLMark {
        var line = 1, column = 1, k = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { k = 3 }
        while k < min(offset, bytes.count) {
            let width = breakWidth(at: k, in: bytes)
            if width > 0 {
                line += 1; column = 1; k += width
            } else {
                if bytes[k] & 0xC0 != 0x80 { column += 1 }
                k += 1
            }
        }
        return YAMLMark(line: line, column: column)
    }

    /// Bytes of the line break at `k`, 0 if none.
    private static func breakWidth(at k: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        func at(_ i: Int) -> UInt8 { i < bytes.count ? bytes[i] : 0 }
        switch bytes[k] {
        case 0x0A: return 1
        case 0x0D: return at(k + 1) == 0x0A ? 2 : 1
        case 0xC2 where at(k + 1) == 0x85: return 2
        case 0xE2 where at(k + 1) == 0x80 && (at(k + 2) == 0xA8 || at(k + 2) == 0xA9): return 3
        default: return 0
        }
    }

    /// The first byte of the character at `mark`, nil past the end of its line.
    private static func byte(at mark: YAMLMark, in bytes: UnsafeBufferPointer<UInt8>) -> UInt8? {
        var line = 1, column = 1, k = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { k = 3 }
        while k < bytes.count {
            let width = breakWidth(at: k, in: bytes)
            if line == mark.line && (column == mark.column || width > 0) { return column == mark.column ? bytes[k] : nil }
            if width > 0 {
                line += 1; column = 1; k += width
            } else {
                k += 1
                while k < bytes.count && bytes[k] & 0xC0 == 0x80 { k += 1 }
                column += 1
            }
        }
        return nil
    }

    private static func hex(_ v: UInt32, digits: Int) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }
}

extension YAMLMark {
    /// libyaml's marks are 0-based.
    init(_ m: yaml_mark_t) { self.init(line: Int(m.line) + 1, column: Int(m.column) + 1) }
}

extension YAMLScalar.Style {
    init(_ style: yaml_scalar_style_t) {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: self = .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: self = .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: self = .literal
        case YAML_FOLDED_SCALAR_STYLE: self = .folded
        default: self = .plain
        }
    }
}
