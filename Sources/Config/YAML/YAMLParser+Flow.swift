/// Flow collections: `[a, b]` and `{a: 1, b: 2}`, nested, over several lines, with trailing
/// commas, `{a}` and `{a: }` (null values) and single-pair mappings in sequences (`[a: 1]`).
extension YAMLParser {
    /// The flow collection at the cursor (`[` or `{`). `blockIndent` is the indentation of the
    /// block collection around it: a continuation line indented no more than that (except one
    /// starting with `]`, `}` or `,`) means a bracket was never closed.
    mutating func flowCollection(blockIndent n: Int, depth: Int) throws(YAMLSyntaxError) -> Built {
        guard depth < YAMLParser.maxDepth else { throw tooDeep(at: i) }
        return c == YAMLByte.openBracket ? try flowSequence(blockIndent: n, depth: depth)
                                     : try flowMapping(blockIndent: n, depth: depth)
    }

    mutating func flowSequence(blockIndent n: Int, depth: Int) throws(YAMLSyntaxError) -> Built {
        let open = i, mark = input.mark(i)
        i += 1
        var items: [YAMLNode] = []
        var weight = 1, height = 0
        while true {
            try skipFlowSpace(open: open, blockIndent: n)
            if c == YAMLByte.closeBracket { i += 1; break }
            if c == YAMLByte.comma { throw fail("expected a value before ','", at: i) }
            let start = i
            let item = try flowSequenceEntry(open: open, blockIndent: n, depth: depth + 1)
            items.append(item.node)
            weight += item.weight
            height = max(height, item.height)
            if weight > YAMLParser.maxNodes { throw tooMany(at: start) }
            try skipFlowSpace(open: open, blockIndent: n)
            if c == YAMLByte.comma { i += 1; continue }
            if c == YAMLByte.closeBracket { i += 1; break }
            throw fail("expected ',' or ']' in the flow sequence", at: i)
        }
        return Built(node: .sequence(YAMLSequence(items: items, mark: mark)), height: height + 1, weight: weight)
    }

    /// An entry of a flow sequence; `key: value` there is a mapping with that one pair.
    mutating func flowSequenceEntry(open: Int, blockIndent n: Int, depth: Int) throws(YAMLSyntaxError) -> Built {
        let start = i
        try rejectFlowKeyIndicators()
        let node = try flowNode(open: open, blockIndent: n, depth: depth)
        let end = i
        try skipFlowSpace(open: open, blockIndent: n)
        guard c == YAMLByte.colon else { return node }
        guard depth < YAMLParser.maxDepth else { throw tooDeep(at: start) }
        try checkKey(node, start: start, end: end)
        i += 1
        try skipFlowSpace(open: open, blockIndent: n)
        let value = c == YAMLByte.comma || c == YAMLByte.closeBracket ? empty(at: i)
            : try flowNode(open: open, blockIndent: n, depth: depth + 1)
        var pairs = [YAMLPair(key: node.node, value: value.node)]
        if YAMLParser.isMergeKey(node.node) { pairs = try YAMLParser.expandMerges(pairs) }
        return Built(node: .mapping(YAMLMapping(pairs: pairs, mark: input.mark(start))),
                     height: value.height + 1, weight: 1 + node.weight + value.weight)
    }

    mutating func flowMapping(blockIndent n: Int, depth: Int) throws(YAMLSyntaxError) -> Built {
        let open = i, mark = input.mark(i)
        i += 1
        var pairs: [YAMLPair] = []
        var weight = 1, height = 0, hasMerge = false
        while true {
            try skipFlowSpace(open: open, blockIndent: n)
            if c == YAMLByte.closeBrace { i += 1; break }
            if c == YAMLByte.comma { throw fail("expected a key before ','", at: i) }
            try rejectFlowKeyIndicators()
            let keyStart = i
            var valueStart = i
            let key = try flowNode(open: open, blockIndent: n, depth: depth + 1)
            try checkKey(key, start: keyStart, end: i)
            try skipFlowSpace(open: open, blockIndent: n)
            let value: Built
            if c == YAMLByte.colon {
                i += 1
                try skipFlowSpace(open: open, blockIndent: n)
                valueStart = i
                value = c == YAMLByte.comma || c == YAMLByte.closeBrace ? empty(at: i)
                    : try flowNode(open: open, blockIndent: n, depth: depth + 1)
            } else if c == YAMLByte.comma || c == YAMLByte.closeBrace {
                value = empty(at: i)   // `{a, b}`: keys without values
            } else {
                throw fail("expected ':', ',' or '}' in the flow mapping", at: i)
            }
            hasMerge = hasMerge || YAMLParser.isMergeKey(key.node)
            pairs.append(YAMLPair(key: key.node, value: value.node))
            weight += key.weight + value.weight
            height = max(height, value.height)
            if weight > YAMLParser.maxNodes { throw tooMany(at: valueStart) }
            try skipFlowSpace(open: open, blockIndent: n)
            if c == YAMLByte.comma { i += 1; continue }
            if c == YAMLByte.closeBrace { i += 1; break }
            throw fail("expected ',' or '}' in the flow mapping", at: i)
        }
        if hasMerge { pairs = try YAMLParser.expandMerges(pairs) }
        return Built(node: .mapping(YAMLMapping(pairs: pairs, mark: mark)), height: height + 1, weight: weight)
    }

    /// `? ` and a `:` with no key before it, where a flow key is expected.
    func rejectFlowKeyIndicators() throws(YAMLSyntaxError) {
        let next = at(1)
        let separated = YAMLByte.isBlankOrEnd(next) || YAMLByte.isFlowIndicator(next)
        if c == YAMLByte.question && separated { throw fail("complex mapping keys ('? ') are not supported", at: i) }
        if c == YAMLByte.colon && separated { throw fail("missing mapping key before ':'", at: i) }
    }

    /// A node inside a flow collection opened at `open`.
    mutating func flowNode(open: Int, blockIndent n: Int, depth: Int) throws(YAMLSyntaxError) -> Built {
        var props = Properties()
        try readProperties(&props, inFlow: true)
        if let start = props.start {
            try skipFlowSpace(open: open, blockIndent: n)
            let next = at(1)
            if c == YAMLByte.comma || c == YAMLByte.closeBracket || c == YAMLByte.closeBrace
                || (c == YAMLByte.colon && (YAMLByte.isBlankOrEnd(next) || YAMLByte.isFlowIndicator(next))) {
                return try apply(props, to: empty(at: start))
            }
        }
        let node: Built
        switch c {
        case YAMLByte.openBracket, YAMLByte.openBrace:
            node = try flowCollection(blockIndent: n, depth: depth)
        case YAMLByte.doubleQuote, YAMLByte.quote:
            node = try quotedScalar(at: i)
        case YAMLByte.star:
            guard props.isEmpty else { throw fail("an alias cannot have an anchor or a tag", at: i) }
            return try alias(depth: depth)
        case YAMLByte.dash where YAMLByte.isBlankOrEnd(at(1)):
            throw fail("block sequence entries ('- ') are not allowed inside a flow collection", at: i)
        case YAMLByte.pipe, YAMLByte.greater:
            throw fail("block scalars ('|', '>') are not allowed inside a flow collection", at: i)
        default:
            try rejectFlowKeyIndicators()
            guard canStartPlain(inFlow: true) else {
                throw fail("found character \(YAMLParser.describe(c)) that cannot start any token", at: i)
            }
            let start = i
            var plain = scanPlainLine(inFlow: true)
            try continuePlain(&plain, parentIndent: n, inFlow: true)
            node = scalar(plain, style: .plain, at: start)
        }
        return try apply(props, to: node)
    }

    /// Moves over blanks, comments and line breaks inside the flow collection opened at `open`.
    /// The end of the input, a document marker, or a line indented no more than the enclosing
    /// block collection (other than one starting with `]`, `}` or `,`) means it was never closed;
    /// the error points there and names the opening bracket.
    mutating func skipFlowSpace(open: Int, blockIndent n: Int) throws(YAMLSyntaxError) {
        while true {
            skipBlanks()
            if c == YAMLByte.hash { while !YAMLByte.isBreakOrEnd(c) { i += 1 } }
            guard c == YAMLByte.lineFeed else { break }
            i += 1
            if isDocumentMarker(at: i) { throw unterminatedFlow(open) }
            skipBlanks()
            if c == YAMLByte.lineFeed || c == YAMLByte.hash || atEnd { continue }
            if input.column(i) <= n && c != YAMLByte.closeBracket && c != YAMLByte.closeBrace && c != YAMLByte.comma {
                throw unterminatedFlow(open)
            }
        }
        if atEnd { throw unterminatedFlow(open) }
    }

    func unterminatedFlow(_ open: Int) -> YAMLSyntaxError {
        let m = input.mark(open)
        let sequence = input[open] == YAMLByte.openBracket
        return fail("unterminated flow \(sequence ? "sequence" : "mapping"): missing '\(sequence ? "]" : "}")' "
                    + "for the '\(sequence ? "[" : "{")' at line \(m.line), column \(m.column)", at: i)
    }
}
