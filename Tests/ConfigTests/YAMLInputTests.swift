@testable import Config
import Testing

/// `YAMLInput`'s marks: columns count Unicode scalars, whatever order offsets are asked in, and
/// counting them costs one pass over a line, not one pass per mark.
@Suite struct YAMLInputTests {
    /// Every offset of a few lines of mixed ASCII, 2-, 3- and 4-byte characters, asked forward,
    /// backward and in a shuffled order, against counting from the line start.
    @Test func columnsInAnyOrder() throws {
        let text = "a: é日😀x\nplain\n\n  ключ: [значение, 😀😀, x]\n"
        let input = try YAMLInput(text)
        func expected(_ offset: Int) -> Int {
            let start = input.lineStarts[input.lineIndex(offset)]
            return input.bytes[start..<min(offset, input.count)].filter { $0 & 0xC0 != 0x80 }.count
        }
        let offsets = Array(0...input.count)
        var random = SeededRandom(state: 42)
        var shuffled = offsets
        shuffled.shuffle(using: &random)
        for order in [offsets, offsets.reversed(), shuffled] {
            for offset in order {
                #expect(input.column(offset) == expected(offset), "offset \(offset)")
            }
        }
    }

    /// A flow list of 10,000 items on one line behind a non-ASCII character: every item's mark is
    /// right, and the bytes counted for columns stay within twice the input (counting from the
    /// line start for each mark, as before, looked at ~150 million bytes here; 40,000 items took
    /// 1.5 s in a debug build).
    @Test func longNonASCIILineCostsOnePass() throws {
        let count = 10_000
        let input = try YAMLInput("a: [é, " + Array(repeating: "x", count: count - 1).joined(separator: ", ") + "]\n")
        var parser = YAMLParser(input: input)
        let root = try #require(try parser.document()?.node)
        guard case .mapping(let m) = root, case .sequence(let s) = m.pairs[0].value else {
            Issue.record("not a mapping with a sequence: \(dump(root))"); return
        }
        #expect(s.items.count == count)
        #expect(s.items[0].mark == YAMLMark(line: 1, column: 5))
        #expect(s.items.indices.dropFirst().allSatisfy { s.items[$0].mark == YAMLMark(line: 1, column: 8 + 3 * ($0 - 1)) })
        #expect(input.columnBytesScanned <= 2 * input.count, "\(input.columnBytesScanned) bytes counted for \(input.count)")
    }
}
