/// Scalars: plain (with line folding), single- and double-quoted (escapes, folding) and block
/// scalars (`|`, `>`, chomping and indentation indicators), with libyaml's folding rules.
extension YAMLParser {
    /// A plain scalar being read: a range of the input, or the folded bytes once it spans lines.
    struct PlainText {
        var start: Int
        var end: Int
        var folded: [UInt8]?
    }

    func scalar(_ plain: PlainText, style: YAMLScalar.Style, at offset: Int) -> Built {
        let text = plain.folded.map { String(decoding: $0, as: UTF8.self) }
            ?? input.string(plain.start..<plain.end)
        return Built(node: .scalar(YAMLScalar(text: text, style: style, mark: input.mark(offset))), height: 0, weight: 1)
    }

    /// Whether a plain scalar can start at the cursor: not an indicator, except `-`, `?` and `:`
    /// followed by a character that is not a blank (nor, in flow context, a flow indicator).
    func canStartPlain(inFlow: Bool) -> Bool {
        switch c {
        case YAMLByte.dash, YAMLByte.question, YAMLByte.colon:
            return !YAMLByte.endsIndicator(at(1), inFlow: inFlow)
        case YAMLByte.comma, YAMLByte.openBracket, YAMLByte.closeBracket, YAMLByte.openBrace, YAMLByte.closeBrace, YAMLByte.hash,
             YAMLByte.ampersand, YAMLByte.star, YAMLByte.bang, YAMLByte.pipe, YAMLByte.greater, YAMLByte.quote, YAMLByte.doubleQuote,
             YAMLByte.percent, UInt8(ascii: "@"), UInt8(ascii: "`"):
            return false
        default:
            return !YAMLByte.isBlankOrEnd(c)
        }
    }

    /// One line of a plain scalar. Stops at `: ` (or `:` at the end of the line), at ` #`, at the
    /// end of the line and, in flow context, at `,[]{}` and `:` before one of them; trailing
    /// blanks are not part of the text. The cursor stays at the character that stopped it.
    mutating func scanPlainLine(inFlow: Bool) -> PlainText {
        let start = i
        var end = i
        while true {
            let b = c
            if YAMLByte.isBreakOrEnd(b) { break }
            if b == YAMLByte.colon {
                if YAMLByte.endsIndicator(at(1), inFlow: inFlow) { break }
            } else if inFlow && YAMLByte.isFlowIndicator(b) {
                break
            } else if b == YAMLByte.hash && i > start && YAMLByte.isBlank(input[i - 1]) {
                break
            }
            i += 1
            if !YAMLByte.isBlank(b) { end = i }
        }
        return PlainText(start: start, end: end, folded: nil)
    }

    /// Continues a plain scalar over the following lines while they are indented more than
    /// `parentIndent` and do not start with a comment, a document marker or an indicator that
    /// would end the scalar. One line break folds to a space; each empty line is a newline.
    mutating func continuePlain(_ plain: inout PlainText, parentIndent n: Int, inFlow: Bool) throws(YAMLSyntaxError) {
        while c == YAMLByte.lineFeed {
            var j = i, breaks = 0, lineBegin = i
            repeat {
                j += 1; breaks += 1; lineBegin = j
                while YAMLByte.isBlank(input[j]) { j += 1 }
            } while input[j] == YAMLByte.lineFeed
            if j >= input.count { return }
            if input.column(j) <= n || isDocumentMarker(at: j) { return }
            let b = input[j]
            if b == YAMLByte.hash { return }
            if b == YAMLByte.colon && YAMLByte.endsIndicator(input[j + 1], inFlow: inFlow) { return }
            if inFlow && YAMLByte.isFlowIndicator(b) { return }
            if !inFlow {
                for k in lineBegin..<j where input[k] == YAMLByte.tab && k - lineBegin <= n {
                    throw fail("tabs are not allowed for indentation; use spaces", at: k)
                }
            }
            if plain.folded == nil { plain.folded = Array(input.bytes[plain.start..<plain.end]) }
            if breaks == 1 {
                plain.folded!.append(YAMLByte.space)
            } else {
                plain.folded!.append(contentsOf: repeatElement(YAMLByte.lineFeed, count: breaks - 1))
            }
            i = j
            let line = scanPlainLine(inFlow: inFlow)
            plain.folded!.append(contentsOf: input.bytes[line.start..<line.end])
        }
    }

    // MARK: - Quoted

    /// A single- or double-quoted scalar starting at the cursor. Lines fold as in plain scalars
    /// (blanks around a line break are dropped); `''` is a quote in single-quoted scalars, and
    /// double-quoted ones take every YAML escape, including `\` before a line break.
    mutating func quotedScalar(at markOffset: Int) throws(YAMLSyntaxError) -> Built {
        let open = i
        let quote = c
        let double = quote == YAMLByte.doubleQuote
        i += 1
        // Fast path: the closing quote on the same line, nothing to unescape.
        var k = i
        while true {
            let b = input[k]
            if b == quote || b == YAMLByte.backslash || YAMLByte.isBreakOrEnd(b) { break }
            k += 1
        }
        if k < input.count && input[k] == quote && (double || input[k + 1] != YAMLByte.quote) {
            let text = input.string(i..<k)
            i = k + 1
            return quoted(text, double: double, at: markOffset)
        }
        while k > i && YAMLByte.isBlank(input[k - 1]) { k -= 1 }   // blanks before a break are not content
        var out = Array(input.bytes[i..<k])
        i = k
        while true {
            if atEnd { throw unterminatedQuote(open) }
            let b = c
            switch b {
            case quote:
                if !double && at(1) == YAMLByte.quote { out.append(YAMLByte.quote); i += 2; continue }
                i += 1
                return quoted(String(decoding: out, as: UTF8.self), double: double, at: markOffset)
            case YAMLByte.backslash where double:
                try escape(into: &out, open: open)
            case YAMLByte.space, YAMLByte.tab:
                let blanks = i
                skipBlanks()
                if !YAMLByte.isBreakOrEnd(c) { out.append(contentsOf: input.bytes[blanks..<i]) }
            case YAMLByte.lineFeed:
                try foldQuotedLines(into: &out, open: open, escapedBreak: false)
            default:
                out.append(b)
                i += 1
            }
        }
    }

    func quoted(_ text: String, double: Bool, at offset: Int) -> Built {
        Built(node: .scalar(YAMLScalar(text: text, style: double ? .doubleQuoted : .singleQuoted, mark: input.mark(offset))),
              height: 0, weight: 1)
    }

    func unterminatedQuote(_ open: Int) -> YAMLSyntaxError {
        let kind = input[open] == YAMLByte.doubleQuote ? "double" : "single"
        let q = input[open] == YAMLByte.doubleQuote ? "\"" : "'"
        return fail("unterminated \(kind)-quoted scalar: no closing \(q) before the end of the document", at: open)
    }

    /// At a line break inside quotes: one break becomes a space (none after an escaped break),
    /// each further empty line a newline; leading blanks of the next line are dropped.
    mutating func foldQuotedLines(into out: inout [UInt8], open: Int, escapedBreak: Bool) throws(YAMLSyntaxError) {
        var breaks = 0
        while c == YAMLByte.lineFeed {
            i += 1
            breaks += 1
            if isDocumentMarker(at: i) { throw unterminatedQuote(open) }
            skipBlanks()
        }
        if breaks == 1 && !escapedBreak {
            out.append(YAMLByte.space)
        } else {
            out.append(contentsOf: repeatElement(YAMLByte.lineFeed, count: breaks - 1))
        }
    }

    /// One escape sequence of a double-quoted scalar; the cursor is at its backslash.
    mutating func escape(into out: inout [UInt8], open: Int) throws(YAMLSyntaxError) {
        let start = i
        let e = at(1)
        let simple: UInt32?
        switch e {
        case UInt8(ascii: "0"): simple = 0
        case UInt8(ascii: "a"): simple = 0x07
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "t"), YAMLByte.tab: simple = 0x09
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "v"): simple = 0x0B
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "e"): simple = 0x1B
        case YAMLByte.space: simple = 0x20
        case YAMLByte.doubleQuote: simple = 0x22
        case UInt8(ascii: "/"): simple = 0x2F
        case YAMLByte.backslash: simple = 0x5C
        case UInt8(ascii: "N"): simple = 0x85
        case UInt8(ascii: "_"): simple = 0xA0
        case UInt8(ascii: "L"): simple = 0x2028
        case UInt8(ascii: "P"): simple = 0x2029
        case YAMLByte.lineFeed:
            i += 1
            try foldQuotedLines(into: &out, open: open, escapedBreak: true)
            return
        case 0:
            throw unterminatedQuote(open)
        default:
            simple = nil
        }
        let value: UInt32
        if let simple {
            value = simple
            i += 2
        } else {
            let digits: Int
            switch e {
            case UInt8(ascii: "x"): digits = 2
            case UInt8(ascii: "u"): digits = 4
            case UInt8(ascii: "U"): digits = 8
            default:
                let shown = e < 0x80 ? YAMLParser.describe(e) : "a non-ASCII character"
                throw fail("unknown escape sequence: '\\' followed by \(shown)", at: start)
            }
            var v: UInt32 = 0
            for d in 0..<digits {
                guard let h = Character(Unicode.Scalar(input[i + 2 + d])).hexDigitValue else {
                    throw fail("escape \\\(Character(Unicode.Scalar(e))) needs \(digits) hexadecimal digits", at: start)
                }
                v = v << 4 | UInt32(h)
            }
            value = v
            i += 2 + digits
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw fail("escape \\\(Character(Unicode.Scalar(e))) is not a valid Unicode code point", at: start)
        }
        UTF8.encode(scalar) { out.append($0) }
    }

    // MARK: - Block scalars

    /// A `|` (literal) or `>` (folded) block scalar; the cursor is at the indicator. Follows
    /// libyaml: the content indentation is the indicator's digit past `parentIndent`, or that of
    /// the first non-empty line; chomping `-` strips the final line breaks, `+` keeps them all,
    /// and the default keeps one.
    mutating func blockScalar(parentIndent n: Int, mark: YAMLMark) throws(YAMLSyntaxError) -> Built {
        let literal = c == YAMLByte.pipe
        i += 1
        var chomping = 0   // -1 strip, 0 clip, +1 keep
        var increment = 0
        for _ in 0..<2 {
            if c == YAMLByte.plus || c == YAMLByte.dash {
                if chomping != 0 { throw fail("a block scalar can have only one chomping indicator", at: i) }
                chomping = c == YAMLByte.plus ? 1 : -1
                i += 1
            } else if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                if increment != 0 { throw fail("a block scalar can have only one indentation indicator", at: i) }
                if c == UInt8(ascii: "0") { throw fail("the indentation indicator of a block scalar must be 1 to 9", at: i) }
                increment = Int(c - UInt8(ascii: "0"))
                i += 1
            }
        }
        skipBlanksAndComment()
        guard YAMLByte.isBreakOrEnd(c) else {
            throw fail("expected a comment or a line break after the block scalar indicator", at: i)
        }
        if c == YAMLByte.lineFeed { i += 1 }
        var indent = increment == 0 ? 0 : (n >= 0 ? n + increment : increment)
        var out: [UInt8] = []
        var leadingBreak = false     // the break that ended the previous content line, not yet written
        var leadingBlank = false     // the previous content line started with a blank (not folded)
        var trailingBreaks = 0       // empty lines since
        try blockScalarBreaks(indent: &indent, breaks: &trailingBreaks, parentIndent: n)
        while !atEnd && i - input.lineStart(i) == indent {
            let trailingBlank = YAMLByte.isBlank(c)
            if !literal && leadingBreak && !leadingBlank && !trailingBlank {
                if trailingBreaks == 0 { out.append(YAMLByte.space) }
            } else if leadingBreak {
                out.append(YAMLByte.lineFeed)
            }
            leadingBreak = false
            out.append(contentsOf: repeatElement(YAMLByte.lineFeed, count: trailingBreaks))
            trailingBreaks = 0
            leadingBlank = trailingBlank
            let start = i
            while !YAMLByte.isBreakOrEnd(c) { i += 1 }
            out.append(contentsOf: input.bytes[start..<i])
            if atEnd { break }
            i += 1
            leadingBreak = true
            try blockScalarBreaks(indent: &indent, breaks: &trailingBreaks, parentIndent: n)
        }
        if chomping != -1 && leadingBreak { out.append(YAMLByte.lineFeed) }
        if chomping == 1 { out.append(contentsOf: repeatElement(YAMLByte.lineFeed, count: trailingBreaks)) }
        let scalar = YAMLScalar(text: String(decoding: out, as: UTF8.self), style: literal ? .literal : .folded, mark: mark)
        return Built(node: .scalar(scalar), height: 0, weight: 1)
    }

    /// Eats indentation and empty lines (counting them) up to the next content line, and fixes
    /// the indentation from the first content line when no indicator gave it.
    mutating func blockScalarBreaks(indent: inout Int, breaks: inout Int, parentIndent n: Int) throws(YAMLSyntaxError) {
        var maxIndent = 0
        var lineStart = i
        while true {
            while (indent == 0 || i - lineStart < indent) && c == YAMLByte.space { i += 1 }
            maxIndent = max(maxIndent, i - lineStart)
            if (indent == 0 || i - lineStart < indent) && c == YAMLByte.tab {
                throw fail("tabs are not allowed for indentation; use spaces", at: i)
            }
            guard c == YAMLByte.lineFeed else { break }
            i += 1
            lineStart = i
            breaks += 1
        }
        if indent == 0 { indent = max(maxIndent, n + 1, 1) }
    }
}
