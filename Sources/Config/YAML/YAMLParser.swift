/// A YAML parser for configuration files: one document, block and flow collections, every scalar
/// style, anchors, aliases, merge keys and the core-schema tags; no Foundation.
///
/// It reads UTF-8 bytes with a recursive descent that follows the structure of the file
/// (indentation for block collections, brackets for flow ones) and builds `YAMLNode`s directly,
/// each with the line and column libyaml would give it. Complex keys (`? `), `%TAG`, custom tags
/// and multiple documents are rejected with an error that names them.
///
/// Limits against hostile input: collections nest at most `maxDepth` deep (counting what aliases
/// bring in), and the document may stand for at most `maxNodes` nodes once aliases and merges are
/// counted as copies. Aliases share the anchored node's storage, so nothing is ever copied
/// exponentially ("billion laughs" stops at the count).
public struct YAMLParser {
    /// Deepest nesting of collections (a config file needs fewer than 10).
    public static let maxDepth = 256
    /// Most nodes the document may expand to through aliases and merges (a large config has ~1,000).
    public static let maxNodes = 100_000

    /// Parses one YAML document; nil when it holds no node (empty, only comments, or only `---`).
    public static func parse(_ text: String) throws(YAMLSyntaxError) -> YAMLNode? {
        var parser = YAMLParser(input: try YAMLInput(text))
        return try parser.document()?.node
    }

    let input: YAMLInput
    /// The cursor: a byte offset into `input`.
    var i = 0
    /// Anchored nodes by name; a later anchor of the same name replaces an earlier one.
    var anchors: [String: Built] = [:]

    init(input: YAMLInput) { self.input = input }

    /// A node with what the limits need: its height in collections and the number of nodes it
    /// stands for (aliases counted as copies).
    struct Built {
        var node: YAMLNode
        var height: Int
        var weight: Int
    }

    /// A collection's `Built` sizes while its entries are read: one node for itself plus its
    /// children's weights, and the tallest child.
    struct Tally {
        var weight = 1, height = 0
        /// Adds the children; false once the collection stands for more than `maxNodes` nodes.
        mutating func add(_ children: Built...) -> Bool {
            for child in children { weight += child.weight; height = max(height, child.height) }
            return weight <= YAMLParser.maxNodes
        }
        func built(_ node: YAMLNode) -> Built { Built(node: node, height: height + 1, weight: weight) }
    }

    /// Where a block node starts, which decides what it may be.
    enum Context {
        /// First on its line, or after `- ` on the same line (`- - a`, `- key: value` start compact
        /// collections): anything, including a block mapping or sequence.
        case anyNode
        /// After `key: ` or `--- `: a scalar, flow collection, alias or block scalar only.
        case inlineValue
    }

    /// Anchor and tag written before a node.
    struct Properties {
        var start: Int?
        var anchor: String?
        var tag: YAMLTag?
        var tagText = ""
        var isEmpty: Bool { start == nil }
    }

    // MARK: - Cursor

    @inline(__always) var c: UInt8 { input[i] }
    @inline(__always) func at(_ k: Int) -> UInt8 { input[i + k] }
    var atEnd: Bool { i >= input.count }
    /// At a comment, a line break or the end: nothing more on this line.
    var atLineEnd: Bool { c == YAMLByte.hash || YAMLByte.isBreakOrEnd(c) }

    func fail(_ problem: String, at offset: Int) -> YAMLSyntaxError {
        YAMLSyntaxError(problem: problem, at: input.mark(offset))
    }

    mutating func skipBlanks() { while YAMLByte.isBlank(c) { i += 1 } }

    /// Moves over blanks and a comment, to the line break or the end of the input.
    mutating func skipBlanksAndComment() {
        skipBlanks()
        if c == YAMLByte.hash { while !YAMLByte.isBreakOrEnd(c) { i += 1 } }
    }

    /// Moves over blanks, comments and line breaks to the next token. A token that starts a line
    /// must be indented with spaces: a tab there is an error (block context only).
    mutating func skipToNextToken() throws(YAMLSyntaxError) {
        skipBlanksAndComment()
        while c == YAMLByte.lineFeed { i += 1; skipBlanksAndComment() }
        guard !atEnd else { return }
        var k = i
        while k > 0 && YAMLByte.isBlank(input[k - 1]) { k -= 1 }
        guard k == 0 || input[k - 1] == YAMLByte.lineFeed else { return }   // not the first token of its line
        while k < i {
            if input[k] == YAMLByte.tab { throw fail("tabs are not allowed for indentation; use spaces", at: k) }
            k += 1
        }
    }

    /// `---` or `...` at the start of a line, followed by a blank or the end of the line.
    func isDocumentMarker(at k: Int) -> Bool {
        guard k == 0 || input[k - 1] == YAMLByte.lineFeed else { return false }
        let b = input[k]
        guard b == YAMLByte.dash || b == YAMLByte.dot else { return false }
        return input[k + 1] == b && input[k + 2] == b && YAMLByte.isBlankOrEnd(input[k + 3])
    }

    /// At the end of the input or a document marker: the document's content ends here.
    var atDocumentEnd: Bool { atEnd || isDocumentMarker(at: i) }

    /// The cursor is at `- ` (a block sequence entry).
    var atBlockEntry: Bool { c == YAMLByte.dash && YAMLByte.isBlankOrEnd(at(1)) && !isDocumentMarker(at: i) }

    /// The cursor is at a `:` that separates a key from its value in block context.
    var atBlockValueIndicator: Bool { c == YAMLByte.colon && YAMLByte.isBlankOrEnd(at(1)) }

    static func describe(_ b: UInt8) -> String {
        b >= 0x21 && b < 0x7F ? "'\(Character(Unicode.Scalar(b)))'" : YAMLInput.hex(b)
    }

    // MARK: - Document

    mutating func document() throws(YAMLSyntaxError) -> Built? {
        try skipToNextToken()
        var sawYAMLDirective = false
        var directive: Int?
        while c == YAMLByte.percent && (i == 0 || input[i - 1] == YAMLByte.lineFeed) {
            directive = i
            try self.directive(&sawYAMLDirective)
            try skipToNextToken()
        }
        var root: Built?
        if isDocumentMarker(at: i) && c == YAMLByte.dash {
            i += 3
            skipBlanks()
            if atLineEnd {
                try skipToNextToken()
                if !atDocumentEnd {
                    root = try blockNode(parentIndent: -1, context: .anyNode, depth: 0)
                }
            } else {
                root = try blockNode(parentIndent: -1, context: .inlineValue, depth: 0)
            }
        } else {
            if let directive { throw fail("a directive must be followed by a '---' line", at: directive) }
            if !atDocumentEnd {
                root = try blockNode(parentIndent: -1, context: .anyNode, depth: 0)
            }
        }
        try skipToNextToken()
        var ended = false
        if isDocumentMarker(at: i) && c == YAMLByte.dot {
            i += 3
            ended = true
            try skipToNextToken()
        }
        if !atEnd {
            if ended || isDocumentMarker(at: i) || c == YAMLByte.percent {
                throw fail("only one YAML document is allowed", at: i)
            }
            throw fail("unexpected content after the top-level value (check the indentation)", at: i)
        }
        return root
    }

    /// `%YAML 1.1` or `%YAML 1.2`; every other directive is rejected.
    mutating func directive(_ sawYAML: inout Bool) throws(YAMLSyntaxError) {
        let start = i
        i += 1
        let name = word()
        switch name {
        case "YAML":
            skipBlanks()
            let versionStart = i
            let version = word()
            guard version == "1.1" || version == "1.2" else {
                throw fail("unsupported YAML version \"\(version)\" (1.1 and 1.2 are supported)", at: versionStart)
            }
            if sawYAML { throw fail("duplicate %YAML directive", at: start) }
            sawYAML = true
        case "TAG":
            throw fail("%TAG directives are not supported", at: start)
        default:
            throw fail("unsupported directive %\(name)", at: start)
        }
        skipBlanks()
        guard atLineEnd else { throw fail("unexpected characters after the %YAML directive", at: i) }
    }

    /// The bytes up to the next blank or line break.
    mutating func word() -> String {
        let start = i
        while !YAMLByte.isBlankOrEnd(c) { i += 1 }
        return input.string(start..<i)
    }

    // MARK: - Block nodes

    /// Parses the node at the cursor (on a token, not a blank or comment). `parentIndent` is the
    /// indentation of the enclosing block collection (-1 at the top): continuation lines of this
    /// node must be indented more. `depth` counts the collections around the node.
    mutating func blockNode(parentIndent n: Int, context: Context, depth: Int,
                            inherited: Properties = Properties()) throws(YAMLSyntaxError) -> Built {
        var props = Properties()
        try readProperties(&props, inFlow: false)
        if !props.isEmpty && atLineEnd {
            // `key: &anchor` then the node on the following lines (or nothing).
            let merged = try merge(inherited, props)
            try skipToNextToken()
            let col = input.column(i)
            let sequenceHere = context == .inlineValue && col == n && atBlockEntry
            if atDocumentEnd || (col <= n && !sequenceHere) {
                return try apply(merged, to: empty(at: merged.start!))
            }
            if sequenceHere { return try apply(merged, to: blockSequence(indent: col, depth: depth, sharesIndentWithKey: true)) }
            return try blockNode(parentIndent: n, context: .anyNode, depth: depth, inherited: merged)
        }
        return try blockContent(parentIndent: n, context: context, depth: depth, inherited: inherited, props: props)
    }

    /// The node after its properties: `inherited` came from earlier lines and belong to this node
    /// even if it turns out to be a mapping; `props` are on this line and belong to a key if the
    /// node is one.
    mutating func blockContent(parentIndent n: Int, context: Context, depth: Int,
                               inherited: Properties, props: Properties) throws(YAMLSyntaxError) -> Built {
        let start = props.start ?? i
        switch c {
        case YAMLByte.dash where atBlockEntry:
            guard context != .inlineValue, props.isEmpty else {
                throw fail("block sequence entries are not allowed here", at: i)
            }
            return try apply(inherited, to: blockSequence(indent: input.column(i), depth: depth, sharesIndentWithKey: false))
        case YAMLByte.question where YAMLByte.isBlankOrEnd(at(1)):
            throw fail("complex mapping keys ('? ') are not supported", at: i)
        case YAMLByte.colon where YAMLByte.isBlankOrEnd(at(1)):
            throw fail(context == .inlineValue ? "mapping values are not allowed here" : "missing mapping key before ':'", at: i)
        case YAMLByte.pipe, YAMLByte.greater:
            let scalar = try blockScalar(parentIndent: n, mark: input.mark(inherited.start ?? start))
            return try apply(merge(inherited, props), to: scalar)
        default:
            break
        }
        if canStartPlain(inFlow: false) {
            var plain = scanPlainLine(inFlow: false)
            let keyEnd = i
            skipBlanks()
            if atBlockValueIndicator {
                let key = try apply(props, to: scalar(plain, style: .plain, at: start))
                return try startBlockMapping(firstKey: key, keyStart: start, keyEnd: keyEnd,
                                             context: context, inherited: inherited, depth: depth)
            }
            try continuePlain(&plain, parentIndent: n, inFlow: false)
            let node = try apply(merge(inherited, props), to: scalar(plain, style: .plain, at: inherited.start ?? start))
            skipBlanks()
            if plain.folded != nil && atBlockValueIndicator {
                let m = input.mark(plain.start)
                throw fail("mapping values are not allowed here: this line continues the value that starts at "
                           + "line \(m.line), column \(m.column) (check the indentation and the ': ' after keys)", at: i)
            }
            try expectLineEnd()
            return node
        }
        let node = try quotedFlowOrAlias(props, inherited: inherited, start: start, depth: depth)
        let keyEnd = i
        skipBlanks()
        if atBlockValueIndicator {
            return try startBlockMapping(firstKey: node, keyStart: start, keyEnd: keyEnd,
                                         context: context, inherited: inherited, depth: depth)
        }
        try expectLineEnd()
        _ = try merge(inherited, props)   // one anchor and one tag in all
        return try apply(inherited, to: node)
    }

    /// The first key of a block mapping was just read and the cursor is at its `:`.
    mutating func startBlockMapping(firstKey: Built, keyStart: Int, keyEnd: Int, context: Context,
                                    inherited: Properties, depth: Int) throws(YAMLSyntaxError) -> Built {
        guard context != .inlineValue else { throw fail("mapping values are not allowed here", at: i) }
        try checkKey(firstKey, start: keyStart, end: keyEnd)
        let mapping = try blockMapping(indent: input.column(keyStart), firstKey: firstKey, keyStart: keyStart, depth: depth)
        return try apply(inherited, to: mapping)
    }

    /// After a value: only blanks and a comment may follow on its line.
    mutating func expectLineEnd() throws(YAMLSyntaxError) {
        skipBlanks()
        if atLineEnd { return }
        if atBlockValueIndicator { throw fail("mapping values are not allowed here", at: i) }
        throw fail("unexpected characters after the value", at: i)
    }

    /// A block mapping whose entries start at column `indent`; the cursor is at the first key's `:`.
    mutating func blockMapping(indent: Int, firstKey: Built, keyStart: Int, depth: Int) throws(YAMLSyntaxError) -> Built {
        guard depth < YAMLParser.maxDepth else { throw tooDeep(at: keyStart) }
        let mark = input.mark(keyStart)
        var pairs: [YAMLPair] = []
        var tally = Tally(), hasMerge = false
        var key = firstKey
        while true {
            i += 1   // the ':'
            let valueStart = i
            let value = try blockValue(mappingIndent: indent, depth: depth + 1)
            hasMerge = hasMerge || YAMLParser.isMergeKey(key.node)
            pairs.append(YAMLPair(key: key.node, value: value.node))
            guard tally.add(key, value) else { throw tooMany(at: valueStart) }
            guard try atNextEntry(indent: indent, of: "mapping") else { break }
            if atBlockEntry { throw fail("expected a mapping key at this indentation, found a list item ('- ')", at: i) }
            key = try blockKey(depth: depth + 1)
        }
        if hasMerge { pairs = try YAMLParser.expandMerges(pairs) }
        return tally.built(.mapping(YAMLMapping(pairs: pairs, mark: mark)))
    }

    /// A key of a block mapping after the first, on its own line; leaves the cursor at its `:`.
    mutating func blockKey(depth: Int) throws(YAMLSyntaxError) -> Built {
        let start = i
        var props = Properties()
        try readProperties(&props, inFlow: false)
        if !props.isEmpty && atLineEnd { throw fail("expected a mapping key after the anchor or tag on this line", at: i) }
        if c == YAMLByte.question && YAMLByte.isBlankOrEnd(at(1)) { throw fail("complex mapping keys ('? ') are not supported", at: i) }
        if atBlockValueIndicator { throw fail("missing mapping key before ':'", at: i) }
        let key = canStartPlain(inFlow: false)
            ? try apply(props, to: scalar(scanPlainLine(inFlow: false), style: .plain, at: start))
            : try quotedFlowOrAlias(props, start: start, depth: depth)
        let end = i
        skipBlanks()
        guard atBlockValueIndicator else { throw fail("could not find the ':' that follows a mapping key", at: i) }
        try checkKey(key, start: start, end: end)
        return key
    }

    /// The quoted scalar, flow collection or alias at the cursor, with the properties `props`
    /// (starting at `start`) applied; an alias takes none, on its line or (`inherited`) before.
    mutating func quotedFlowOrAlias(_ props: Properties, inherited: Properties = Properties(), start: Int,
                                    depth: Int) throws(YAMLSyntaxError) -> Built {
        switch c {
        case YAMLByte.doubleQuote, YAMLByte.quote:
            return try apply(props, to: quotedScalar(at: start))
        case YAMLByte.openBracket, YAMLByte.openBrace:
            return try apply(props, to: flowCollection(depth: depth))
        case YAMLByte.star:
            guard props.isEmpty && inherited.isEmpty else { throw fail("an alias cannot have an anchor or a tag", at: i) }
            return try alias(depth: depth)
        default:
            throw fail("found character \(YAMLParser.describe(c)) that cannot start any token", at: i)
        }
    }

    /// Keys are scalars on one line (as YAML requires of keys without `? `).
    func checkKey(_ key: Built, start: Int, end: Int) throws(YAMLSyntaxError) {
        guard case .scalar = key.node else { throw fail("non-scalar mapping keys are not supported", at: start) }
        if input.containsBreak(start..<end) { throw fail("a mapping key must be on a single line", at: start) }
    }

    /// The value after a block mapping's `:` (the cursor is just past it).
    mutating func blockValue(mappingIndent indent: Int, depth: Int) throws(YAMLSyntaxError) -> Built {
        let afterColon = i
        skipBlanks()
        guard atLineEnd else { return try blockNode(parentIndent: indent, context: .inlineValue, depth: depth) }
        try skipToNextToken()
        if atDocumentEnd { return empty(at: afterColon) }
        let col = input.column(i)
        if col > indent { return try blockNode(parentIndent: indent, context: .anyNode, depth: depth) }
        if col == indent && atBlockEntry {
            // `key:` then `- item` lines at the key's own indentation.
            return try blockSequence(indent: indent, depth: depth, sharesIndentWithKey: true)
        }
        return empty(at: afterColon)
    }

    /// A block sequence whose `- ` indicators are at column `indent`; the cursor is at the first.
    /// `sharesIndentWithKey`: it is a mapping value written at the key's indentation, so a line at
    /// that indentation without `- ` is the mapping's next key rather than an error.
    mutating func blockSequence(indent: Int, depth: Int, sharesIndentWithKey: Bool) throws(YAMLSyntaxError) -> Built {
        guard depth < YAMLParser.maxDepth else { throw tooDeep(at: i) }
        let mark = input.mark(i)
        var items: [YAMLNode] = []
        var tally = Tally()
        while true {
            i += 1   // the '-'
            let afterDash = i
            skipBlanks()
            let item: Built
            if atLineEnd {
                try skipToNextToken()
                if atDocumentEnd || input.column(i) <= indent {
                    item = empty(at: afterDash)
                } else {
                    item = try blockNode(parentIndent: indent, context: .anyNode, depth: depth + 1)
                }
            } else {
                item = try blockNode(parentIndent: indent, context: .anyNode, depth: depth + 1)
            }
            items.append(item.node)
            guard tally.add(item) else { throw tooMany(at: afterDash - 1) }
            guard try atNextEntry(indent: indent, of: "sequence") else { break }
            if atBlockEntry { continue }
            if sharesIndentWithKey { break }
            throw fail("expected a list item ('- ') at this indentation", at: i)
        }
        return tally.built(.sequence(YAMLSequence(items: items, mark: mark)))
    }

    /// After an entry of a block collection whose entries start at column `indent`: moves to the
    /// next token and tells whether it is at that column, continuing the collection. The end of
    /// the document or a line indented less ends it; one indented more is an error.
    mutating func atNextEntry(indent: Int, of kind: String) throws(YAMLSyntaxError) -> Bool {
        try skipToNextToken()
        if atDocumentEnd { return false }
        let col = input.column(i)
        if col > indent { throw fail("bad indentation of a \(kind) entry", at: i) }
        return col == indent
    }

    // MARK: - Properties, aliases, merge keys

    /// Reads `&anchor` and `!tag` properties (in either order) and the blanks after them.
    mutating func readProperties(_ props: inout Properties, inFlow: Bool) throws(YAMLSyntaxError) {
        while c == YAMLByte.ampersand || c == YAMLByte.bang {
            let start = i
            if props.start == nil { props.start = start }
            if c == YAMLByte.ampersand {
                i += 1
                let name = try anchorName(after: "&")
                if props.anchor != nil { throw fail("a node can have only one anchor", at: start) }
                props.anchor = name
            } else {
                if props.tag != nil { throw fail("a node can have only one tag", at: start) }
                (props.tag, props.tagText) = try tag(inFlow: inFlow)
            }
            skipBlanks()
        }
    }

    mutating func anchorName(after indicator: String) throws(YAMLSyntaxError) -> String {
        let start = i
        while YAMLByte.isAnchorChar(c) { i += 1 }
        if i == start { throw fail("expected a name after '\(indicator)'", at: start) }
        guard YAMLByte.isBlankOrEnd(c) || YAMLByte.isFlowIndicator(c) || c == YAMLByte.colon else {
            throw fail("anchor and alias names may only contain letters, digits, '-' and '_'", at: i)
        }
        return input.string(start..<i)
    }

    /// `!!name` or `!<tag:yaml.org,2002:name>` for a core-schema type; any other tag is an error.
    mutating func tag(inFlow: Bool) throws(YAMLSyntaxError) -> (YAMLTag, String) {
        let start = i
        if at(1) == YAMLByte.less {
            while !YAMLByte.isBlankOrEnd(c) && c != YAMLByte.greater { i += 1 }
            if c == YAMLByte.greater { i += 1 }
        } else {
            while !YAMLByte.isBlankOrEnd(c) && !(inFlow && YAMLByte.isFlowIndicator(c)) { i += 1 }
        }
        let text = input.string(start..<i)
        let name: Substring? = text.hasPrefix("!!") ? text.dropFirst(2)
            : text.hasPrefix("!<tag:yaml.org,2002:") && text.hasSuffix(">") ? text.dropFirst(20).dropLast() : nil
        guard let name, let tag = YAMLTag(rawValue: String(name)) else {
            throw fail("unsupported tag \(text)", at: start)
        }
        guard YAMLByte.isBlankOrEnd(c) || (inFlow && YAMLByte.isFlowIndicator(c)) else {
            throw fail("unsupported tag \(text)", at: start)
        }
        return (tag, text)
    }

    func merge(_ a: Properties, _ b: Properties) throws(YAMLSyntaxError) -> Properties {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        if a.anchor != nil && b.anchor != nil { throw fail("a node can have only one anchor", at: b.start!) }
        if a.tag != nil && b.tag != nil { throw fail("a node can have only one tag", at: b.start!) }
        var m = a
        m.anchor = a.anchor ?? b.anchor
        if a.tag == nil { m.tag = b.tag; m.tagText = b.tagText }
        return m
    }

    /// Gives `built` its properties: the tag (checked against the node's kind), the mark of the
    /// first property, and the anchor (recorded for later aliases).
    mutating func apply(_ props: Properties, to built: Built) throws(YAMLSyntaxError) -> Built {
        guard let start = props.start else { return built }
        var b = built
        let mark = input.mark(start)
        switch b.node {
        case .scalar(var s):
            if let tag = props.tag {
                guard tag != .map && tag != .seq else { throw fail("tag \(props.tagText) cannot be used on a scalar", at: start) }
                s.tag = tag
            }
            s.mark = mark
            b.node = .scalar(s)
        case .mapping(var m):
            if let tag = props.tag, tag != .map { throw fail("tag \(props.tagText) cannot be used on a mapping", at: start) }
            m.mark = mark
            b.node = .mapping(m)
        case .sequence(var s):
            if let tag = props.tag, tag != .seq { throw fail("tag \(props.tagText) cannot be used on a sequence", at: start) }
            s.mark = mark
            b.node = .sequence(s)
        }
        if let anchor = props.anchor { anchors[anchor] = b }
        return b
    }

    /// `*name`: the anchored node itself (shared, not copied).
    mutating func alias(depth: Int) throws(YAMLSyntaxError) -> Built {
        let start = i
        i += 1
        let name = try anchorName(after: "*")
        guard let target = anchors[name] else { throw fail("unknown alias *\(name)", at: start) }
        if depth + target.height > YAMLParser.maxDepth { throw tooDeep(at: start) }
        return target
    }

    /// An empty (null) value: a plain scalar with no text.
    func empty(at offset: Int) -> Built {
        Built(node: .scalar(YAMLScalar(text: "", style: .plain, mark: input.mark(offset))), height: 0, weight: 1)
    }

    func tooDeep(at offset: Int) -> YAMLSyntaxError {
        fail("collections are nested more than \(YAMLParser.maxDepth) levels deep", at: offset)
    }

    func tooMany(at offset: Int) -> YAMLSyntaxError {
        fail("the document expands to more than \(YAMLParser.maxNodes) nodes through aliases", at: offset)
    }

    static func isMergeKey(_ key: YAMLNode) -> Bool {
        guard case .scalar(let s) = key else { return false }
        return s.text == "<<" && s.style == .plain && s.tag == nil
    }

    /// Replaces each `<<: mapping` (or `<<: [m1, m2]`) entry by the merged mappings' pairs, in place.
    /// Keys written in the mapping itself win, then earlier merged mappings over later ones.
    /// Merged pairs keep their own nodes, so their marks point at where they are written.
    static func expandMerges(_ pairs: [YAMLPair]) throws(YAMLSyntaxError) -> [YAMLPair] {
        var explicit: Set<String> = []
        for p in pairs where !isMergeKey(p.key) { explicit.insert(p.key.scalar?.text ?? "") }
        var merged: Set<String> = []
        var out: [YAMLPair] = []
        for p in pairs {
            guard isMergeKey(p.key) else { out.append(p); continue }
            let sources = if case .sequence(let s) = p.value { s.items } else { [p.value] }
            for source in sources {
                guard case .mapping(let m) = source else {
                    throw YAMLSyntaxError(problem: "the value of a merge key '<<' must be a mapping or a list of mappings",
                                          at: p.key.mark)
                }
                for q in m.pairs {
                    let k = q.key.scalar?.text ?? ""
                    if !explicit.contains(k) && merged.insert(k).inserted { out.append(q) }
                }
            }
        }
        return out
    }
}
