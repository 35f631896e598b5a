/// Flow collections: `[a, b]` and `{a: 1, b: 2}`, nested, over several lines, with trailing
/// commas, `{a}` and `{a: }` (null values) and single-pair mappings in sequences (`[a: 1]`).
///
/// Inside brackets indentation does not matter, as in libyaml (and so Yams and PyYAML): a
/// continuation line may sit at or left of the key that holds the collection, and a plain scalar
/// continues onto such a line. Only the end of the input or a document marker (`---`, `...` at
/// the start of a line) leaves a collection unterminated.
extension YAMLParser {
    /// The flow collection at the cursor (`[` or `{`): entries up to the closing bracket, separated
    /// by commas (a trailing comma allowed).
    mutating func flowCollection(depth: Int) throws(YAMLSyntaxError) -> Built {
        guard depth < YAMLParser.maxDepth else { throw tooDeep(at: i) }
        let open = i, mark = input.mark(i)
        let isSequence = c == YAMLByte.openBracket
        let close = isSequence ? YAMLByte.closeBracket : YAMLByte.closeBrace
        i += 1
        var items: [YAMLNode] = [], pairs: [YAMLPair] = []
        var tally = Tally(), hasMerge = false
        while true {
            try skipFlowSpace(open: open)
            if c == close { i += 1; break }
            if c == YAMLByte.comma { throw fail("expected \(isSequence ? "a value" : "a key") before ','", at: i) }
            if isSequence {
                let start = i
                let item = try flowSequenceEntry(open: open, depth: depth + 1)
                items.append(item.node)
                guard tally.add(item) else { throw tooMany(at: start) }
            } else {
                let (key, value, valueStart) = try flowMappingEntry(open: open, depth: depth + 1)
                hasMerge = hasMerge || YAMLParser.isMergeKey(key.node)
                pairs.append(YAMLPair(key: key.node, value: value.node))
                guard tally.add(key, value) else { throw tooMany(at: valueStart) }
            }
            try skipFlowSpace(open: open)
            if c == YAMLByte.comma { i += 1; continue }
            if c == close { i += 1; break }
            throw expectedSeparator(open)
        }
        if isSequence { return tally.built(.sequence(YAMLSequence(items: items, mark: mark))) }
        if hasMerge { pairs = try YAMLParser.expandMerges(pairs) }
        return tally.built(.mapping(YAMLMapping(pairs: pairs, mark: mark)))
    }

    /// An entry of a flow sequence; `key: value` there is a mapping with that one pair. A `:` on
    /// a later line than the entry starts does not make it a key (libyaml's rule): the sequence
    /// expected a `,` or `]` there, most likely because its `]` is missing.
    mutating func flowSequenceEntry(open: Int, depth: Int) throws(YAMLSyntaxError) -> Built {
        let start = i
        let node = try flowNode(open: open, depth: depth)
        let end = i
        try skipFlowSpace(open: open)
        guard c == YAMLByte.colon else { return node }
        if input.containsBreak(start..<i) { throw expectedSeparator(open) }
        guard depth < YAMLParser.maxDepth else { throw tooDeep(at: start) }
        try checkKey(node, start: start, end: end)
        i += 1
        try skipFlowSpace(open: open)
        let value = c == YAMLByte.comma || c == YAMLByte.closeBracket ? empty(at: i)
            : try flowNode(open: open, depth: depth + 1)
        var pairs = [YAMLPair(key: node.node, value: value.node)]
        if YAMLParser.isMergeKey(node.node) { pairs = try YAMLParser.expandMerges(pairs) }
        return Built(node: .mapping(YAMLMapping(pairs: pairs, mark: input.mark(start))),
                     height: value.height + 1, weight: 1 + node.weight + value.weight)
    }

    /// An entry of a flow mapping: `key: value`, or `key:` and `key` with a null value.
    /// `valueStart` is where the value starts (the key, when there is no `:`).
    mutating func flowMappingEntry(open: Int, depth: Int) throws(YAMLSyntaxError) -> (key: Built, value: Built, valueStart: Int) {
        let keyStart = i
        let key = try flowNode(open: open, depth: depth)
        try checkKey(key, start: keyStart, end: i)
        try skipFlowSpace(open: open)
        if c == YAMLByte.colon {
            i += 1
            try skipFlowSpace(open: open)
            let valueStart = i
            let value = c == YAMLByte.comma || c == YAMLByte.closeBrace ? empty(at: i)
                : try flowNode(open: open, depth: depth)
            return (key, value, valueStart)
        }
        guard c == YAMLByte.comma || c == YAMLByte.closeBrace else { throw expectedSeparator(open, colon: true) }
        return (key, empty(at: i), valueStart: keyStart)   // `{a, b}`: keys without values
    }

    /// `? ` and a `:` with no key before it, where a flow key is expected.
    func rejectFlowKeyIndicators() throws(YAMLSyntaxError) {
        let separated = YAMLByte.endsIndicator(at(1), inFlow: true)
        if c == YAMLByte.question && separated { throw fail("complex mapping keys ('? ') are not supported", at: i) }
        if c == YAMLByte.colon && separated { throw fail("missing mapping key before ':'", at: i) }
    }

    /// A node inside a flow collection opened at `open`.
    mutating func flowNode(open: Int, depth: Int) throws(YAMLSyntaxError) -> Built {
        var props = Properties()
        try readProperties(&props, inFlow: true)
        if let start = props.start {
            try skipFlowSpace(open: open)
            if c == YAMLByte.comma || c == YAMLByte.closeBracket || c == YAMLByte.closeBrace
                || (c == YAMLByte.colon && YAMLByte.endsIndicator(at(1), inFlow: true)) {
                return try apply(props, to: empty(at: start))
            }
        }
        if c == YAMLByte.dash && YAMLByte.isBlankOrEnd(at(1)) {
            throw fail("block sequence entries ('- ') are not allowed inside a flow collection", at: i)
        }
        if c == YAMLByte.pipe || c == YAMLByte.greater {
            throw fail("block scalars ('|', '>') are not allowed inside a flow collection", at: i)
        }
        guard canStartPlain(inFlow: true) else {
            try rejectFlowKeyIndicators()
            return try quotedFlowOrAlias(props, start: props.start ?? i, depth: depth)
        }
        let start = i
        var plain = scanPlainLine(inFlow: true)
        try continuePlain(&plain, parentIndent: -1, inFlow: true)   // at any indentation
        return try apply(props, to: scalar(plain, style: .plain, at: start))
    }

    /// Moves over blanks, comments and line breaks inside the flow collection opened at `open`,
    /// whatever the indentation of the lines. The end of the input or a document marker means it
    /// was never closed; the error points there and names the opening bracket.
    mutating func skipFlowSpace(open: Int) throws(YAMLSyntaxError) {
        while true {
            skipBlanksAndComment()
            guard c == YAMLByte.lineFeed else { break }
            i += 1
            if isDocumentMarker(at: i) { throw unterminatedFlow(open) }
        }
        if atEnd { throw unterminatedFlow(open) }
    }

    /// The collection opened at `open` wanted a `,` or its closing bracket (or, after a mapping
    /// key, a `:`). When that is on a later line than the bracket, the error names the bracket:
    /// a bracket left open makes the next lines part of the collection.
    func expectedSeparator(_ open: Int, colon: Bool = false) -> YAMLSyntaxError {
        let sequence = input[open] == YAMLByte.openBracket
        var problem = "expected \(colon ? "':', " : "")',' or '\(sequence ? "]" : "}")' in the flow \(sequence ? "sequence" : "mapping")"
        if input.containsBreak(open..<i) {
            let m = input.mark(open)
            problem += " that starts at line \(m.line), column \(m.column)"
        }
        return fail(problem, at: i)
    }

    func unterminatedFlow(_ open: Int) -> YAMLSyntaxError {
        let m = input.mark(open)
        let sequence = input[open] == YAMLByte.openBracket
        return fail("unterminated flow \(sequence ? "sequence" : "mapping"): missing '\(sequence ? "]" : "}")' "
                    + "for the '\(sequence ? "[" : "{")' at line \(m.line), column \(m.column)", at: i)
    }
}
