/// A document's UTF-8 bytes, ready for the parser: a leading BOM dropped, every line break (CRLF,
/// lone CR) turned into LF, and control characters rejected up front, so the parser only ever
/// sees `\n` and can treat byte 0 as "end of input".
///
/// Marks are computed from byte offsets on demand (a binary search over line starts), so the
/// parser can place an error at any offset it remembers — an opening quote, a bracket — not only
/// at the cursor.
struct YAMLInput {
    let bytes: [UInt8]
    /// Offset of the first byte of every line; `lineStarts[0] == 0`.
    let lineStarts: [Int]
    /// With only ASCII, a column is a byte distance; otherwise continuation bytes are skipped.
    let isASCII: Bool

    init(_ text: String) throws(YAMLSyntaxError) {
        let utf8 = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var starts = [0]
        var ascii = true
        var k = 0
        if utf8.count >= 3, utf8[0] == 0xEF, utf8[1] == 0xBB, utf8[2] == 0xBF { k = 3 }
        while k < utf8.count {
            let b = utf8[k]
            k += 1
            switch b {
            case 0x0A:
                out.append(0x0A); starts.append(out.count)
            case 0x0D:
                out.append(0x0A); starts.append(out.count)
                if k < utf8.count, utf8[k] == 0x0A { k += 1 }
            case 0x09:
                out.append(b)
            case 0x00..<0x20, 0x7F:
                let lineStart = starts[starts.count - 1]
                let column = out[lineStart...].reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 }
                throw YAMLSyntaxError(problem: "control character \(YAMLInput.hex(b)) is not allowed in YAML",
                                      line: starts.count, column: column)
            default:
                if b >= 0x80 { ascii = false }
                out.append(b)
            }
        }
        bytes = out; lineStarts = starts; isASCII = ascii
    }

    var count: Int { bytes.count }

    /// The byte at `offset`, or 0 past the end (the input never holds a 0 byte).
    @inline(__always) subscript(offset: Int) -> UInt8 {
        offset < bytes.count ? bytes[offset] : 0
    }

    /// The last column lookup. The parser asks about offsets near its cursor, which moves forward,
    /// so the last lookup on a line is where counting the next one starts: a long line full of
    /// non-ASCII text (one flow list of 40,000 items) costs one pass, not a pass per mark.
    private final class Hint {
        /// The line start, offset and column of the last column lookup (`lineStart` -1: none yet).
        var lineStart = -1, offset = 0, column = 0
        /// Bytes looked at to count columns, in all; tests check that it stays linear in the input.
        var scanned = 0
    }
    private let hint = Hint()

    /// Bytes looked at to count columns so far (see `Hint`).
    var columnBytesScanned: Int { hint.scanned }

    /// Index into `lineStarts` of the line holding `offset`.
    func lineIndex(_ offset: Int) -> Int {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    func lineStart(_ offset: Int) -> Int { lineStarts[lineIndex(offset)] }

    /// 0-based column of `offset`, in Unicode scalars.
    func column(_ offset: Int) -> Int {
        column(offset, lineStart: lineStart(offset))
    }

    /// The column of `offset` on the line starting at `start`: a byte distance with only ASCII,
    /// otherwise the bytes that start a character, counted from the last lookup on the same line
    /// (forward, or backward when that is shorter than from the line start).
    private func column(_ offset: Int, lineStart start: Int) -> Int {
        if isASCII { return offset - start }
        let end = min(offset, bytes.count)
        let n: Int
        if hint.lineStart == start && hint.offset <= end {
            n = hint.column + characters(hint.offset..<end)
        } else if hint.lineStart == start && hint.offset - end < end - start {
            n = hint.column - characters(end..<hint.offset)
        } else {
            n = characters(start..<end)
        }
        hint.lineStart = start; hint.offset = end; hint.column = n
        return n
    }

    /// Characters (bytes other than UTF-8 continuation bytes) in `range`.
    private func characters(_ range: Range<Int>) -> Int {
        hint.scanned += range.count
        var n = 0
        for k in range where bytes[k] & 0xC0 != 0x80 { n += 1 }
        return n
    }

    func mark(_ offset: Int) -> YAMLMark {
        let line = lineIndex(offset)
        return YAMLMark(line: line + 1, column: column(offset, lineStart: lineStarts[line]) + 1)
    }

    /// Whether a line break lies in `range` (a key must not span lines).
    func containsBreak(_ range: Range<Int>) -> Bool {
        bytes[range.clamped(to: 0..<bytes.count)].contains(0x0A)
    }

    /// The text of the bytes in `range`.
    func string(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

    static func hex(_ b: UInt8) -> String { (b < 0x10 ? "0x0" : "0x") + String(b, radix: 16, uppercase: true) }
}

/// Byte classes of the YAML grammar (all ASCII, so they never split a UTF-8 sequence).
enum YAMLByte {
    static let space: UInt8 = 0x20, tab: UInt8 = 0x09, lineFeed: UInt8 = 0x0A
    static let hash = UInt8(ascii: "#"), colon = UInt8(ascii: ":"), dash = UInt8(ascii: "-")
    static let question = UInt8(ascii: "?"), comma = UInt8(ascii: ","), quote = UInt8(ascii: "'")
    static let doubleQuote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
    static let openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]")
    static let openBrace = UInt8(ascii: "{"), closeBrace = UInt8(ascii: "}")
    static let ampersand = UInt8(ascii: "&"), star = UInt8(ascii: "*"), bang = UInt8(ascii: "!")
    static let pipe = UInt8(ascii: "|"), greater = UInt8(ascii: ">"), percent = UInt8(ascii: "%")
    static let dot = UInt8(ascii: "."), plus = UInt8(ascii: "+"), less = UInt8(ascii: "<")

    @inline(__always) static func isBlank(_ b: UInt8) -> Bool { b == space || b == tab }
    /// A line break or the end of the input.
    @inline(__always) static func isBreakOrEnd(_ b: UInt8) -> Bool { b == lineFeed || b == 0 }
    @inline(__always) static func isBlankOrEnd(_ b: UInt8) -> Bool { isBlank(b) || isBreakOrEnd(b) }
    @inline(__always) static func isFlowIndicator(_ b: UInt8) -> Bool {
        b == comma || b == openBracket || b == closeBracket || b == openBrace || b == closeBrace
    }
    /// Whether `next`, following `:`, `-` or `?`, makes it an indicator rather than part of a plain
    /// scalar: a blank, a line break, the end or, in flow context, a flow indicator.
    @inline(__always) static func endsIndicator(_ next: UInt8, inFlow: Bool) -> Bool {
        isBlankOrEnd(next) || (inFlow && isFlowIndicator(next))
    }
    /// Characters of anchor and alias names: libyaml's set (letters, digits, `-`, `_`) plus any
    /// non-ASCII character.
    @inline(__always) static func isAnchorChar(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            || b == dash || b == UInt8(ascii: "_") || b >= 0x80
    }
}
