/// One node of a parsed YAML document: a scalar, a mapping or a sequence, each with the place it
/// starts in the file.
///
/// Aliases are already resolved (an alias is the anchored node, sharing its storage) and merge
/// keys (`<<`) already expanded, so readers never see either. Values are plain Swift values with
/// no Foundation types, so the config layer stays on FoundationEssentials.
public enum YAMLNode: Hashable, Sendable {
    case scalar(YAMLScalar)
    case mapping(YAMLMapping)
    case sequence(YAMLSequence)

    /// Where the node starts: its first property (`&anchor`, `!!tag`) if it has one, else its
    /// first character (the quote of a quoted scalar, the `|` of a block scalar, the `-` of a
    /// block sequence, the first key of a block mapping, the bracket of a flow collection).
    /// Empty values sit where libyaml puts them: just after the `:` of `key:` or the `-` of a
    /// bare `-`, and at the `,` or closing bracket that ends an empty flow value.
    public var mark: YAMLMark {
        switch self {
        case .scalar(let s): s.mark
        case .mapping(let m): m.mark
        case .sequence(let s): s.mark
        }
    }

    /// The scalar, if this is one.
    public var scalar: YAMLScalar? {
        if case .scalar(let s) = self { return s }
        return nil
    }
}

/// A 1-based line and column; columns count Unicode scalars, like libyaml's marks.
public struct YAMLMark: Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public var description: String { "\(line):\(column)" }
}

/// A scalar: its text after unquoting, escapes and folding, and how it was written.
public struct YAMLScalar: Hashable, Sendable {
    public enum Style: Hashable, Sendable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }
    public var text: String
    public var style: Style
    /// The explicit tag (`!!str`, `!!int`, …), nil when none was written.
    public var tag: YAMLTag?
    public var mark: YAMLMark

    public init(text: String, style: Style, tag: YAMLTag? = nil, mark: YAMLMark) {
        self.text = text; self.style = style; self.tag = tag; self.mark = mark
    }

    /// Whether YAML's implicit typing applies, i.e. `null`, `~`, `true`, `yes`… mean what they say:
    /// a plain scalar without a tag, or any scalar with an explicit non-string tag
    /// (`!!bool "yes"`). Quoting or `!!str` makes the text a string, never null or a boolean.
    public var isImplicitlyTyped: Bool {
        if let tag { return tag != .str }
        return style == .plain
    }
}

/// A mapping: its pairs in file order. Duplicate keys are kept (the reader reports them).
public struct YAMLMapping: Hashable, Sendable {
    public var pairs: [YAMLPair]
    public var mark: YAMLMark
    public init(pairs: [YAMLPair], mark: YAMLMark) { self.pairs = pairs; self.mark = mark }
}

/// One `key: value` of a mapping; the key is always a scalar.
public struct YAMLPair: Hashable, Sendable {
    public var key: YAMLNode
    public var value: YAMLNode
    public init(key: YAMLNode, value: YAMLNode) { self.key = key; self.value = value }
}

/// A sequence: its items in file order.
public struct YAMLSequence: Hashable, Sendable {
    public var items: [YAMLNode]
    public var mark: YAMLMark
    public init(items: [YAMLNode], mark: YAMLMark) { self.items = items; self.mark = mark }
}

/// The tags the parser accepts (the YAML 1.2 core schema's, written `!!name` or
/// `!<tag:yaml.org,2002:name>`); any other tag is a syntax error.
public enum YAMLTag: String, Hashable, Sendable {
    case str, int, float, bool, null, map, seq
}

/// A document that is not valid YAML (or uses a feature outside the supported subset).
public struct YAMLSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong, in words for the person editing the file.
    public var problem: String
    public var line: Int
    public var column: Int
    public init(problem: String, line: Int, column: Int) {
        self.problem = problem; self.line = line; self.column = column
    }
    public init(problem: String, at mark: YAMLMark) { self.init(problem: problem, line: mark.line, column: mark.column) }
    public var description: String { "\(problem) (line \(line), column \(column))" }
}
