/// Builds a `YAMLNode` tree from a parser's events (libyaml's, through `YAMLParser`), adding what
/// libyaml leaves to its loaders: aliases resolved to the anchored node (sharing its storage, never
/// copied), merge keys (`<<`) expanded, core-schema tags only, scalar keys only, and the limits.
///
/// Limits against hostile input: collections nest at most `YAMLParser.maxDepth` deep (counting
/// what aliases bring in), and the document may stand for at most `YAMLParser.maxNodes` nodes once
/// aliases and merges are counted as copies ("billion laughs" stops at the count). The builder
/// keeps its own stack, so no input can make it recurse.
struct YAMLTreeBuilder {
    /// A node with what the limits need: its height in collections and the number of nodes it
    /// stands for (aliases counted as copies).
    struct Built {
        var node: YAMLNode
        var height: Int
        var weight: Int
    }

    /// A collection whose end event has not come yet.
    private struct Frame {
        var isMapping: Bool
        var mark: YAMLMark
        var anchor: String?
        var items: [YAMLNode] = []
        var pairs: [YAMLPair] = []
        /// In a mapping, the key whose value comes next (nil: the next node is a key).
        var key: YAMLNode?
        /// One node for the collection itself plus its children's weights, and the tallest child.
        var weight = 1, height = 0
        var hasMerge = false
    }

    private var stack: [Frame] = []
    /// Anchored nodes by name; a later anchor of the same name replaces an earlier one. A
    /// collection is recorded when it ends, so it cannot contain an alias of itself.
    private var anchors: [String: Built] = [:]
    /// The document's top node once it is complete.
    private(set) var root: Built?

    // MARK: - Events

    mutating func scalar(_ text: String, style: YAMLScalar.Style, tag: String?, anchor: String?,
                         at mark: YAMLMark) throws(YAMLSyntaxError) {
        let tag = try Self.coreTag(tag, at: mark)
        if let tag, tag == .map || tag == .seq {
            throw YAMLSyntaxError(problem: "tag \(Self.display(tag)) cannot be used on a scalar", at: mark)
        }
        let built = Built(node: .scalar(YAMLScalar(text: text, style: style, tag: tag, mark: mark)), height: 0, weight: 1)
        if let anchor { anchors[anchor] = built }
        try add(built)
    }

    /// `*name`: the anchored node itself (shared, not copied).
    mutating func alias(_ name: String, at mark: YAMLMark) throws(YAMLSyntaxError) {
        guard let target = anchors[name] else { throw YAMLSyntaxError(problem: "unknown alias *\(name)", at: mark) }
        if stack.count + target.height > YAMLParser.maxDepth { throw Self.tooDeep(at: mark) }
        try add(target, at: mark)
    }

    mutating func startCollection(mapping: Bool, tag: String?, anchor: String?, at mark: YAMLMark) throws(YAMLSyntaxError) {
        if let top = stack.last, top.isMapping, top.key == nil {
            throw YAMLSyntaxError(problem: "non-scalar mapping keys are not supported", at: mark)
        }
        if let tag = try Self.coreTag(tag, at: mark), tag != (mapping ? .map : .seq) {
            throw YAMLSyntaxError(problem: "tag \(Self.display(tag)) cannot be used on a \(mapping ? "mapping" : "sequence")",
                                  at: mark)
        }
        guard stack.count < YAMLParser.maxDepth else { throw Self.tooDeep(at: mark) }
        stack.append(Frame(isMapping: mapping, mark: mark, anchor: anchor))
    }

    mutating func endCollection() throws(YAMLSyntaxError) {
        guard let frame = stack.popLast() else { preconditionFailure("collection end without a start") }
        let node: YAMLNode
        if frame.isMapping {
            let pairs = frame.hasMerge ? try Self.expandMerges(frame.pairs) : frame.pairs
            node = .mapping(YAMLMapping(pairs: pairs, mark: frame.mark))
        } else {
            node = .sequence(YAMLSequence(items: frame.items, mark: frame.mark))
        }
        let built = Built(node: node, height: frame.height + 1, weight: frame.weight)
        if let anchor = frame.anchor { anchors[anchor] = built }
        try add(built)
    }

    /// Puts a finished node into the open collection (as a key, a value or an item), or makes it
    /// the root. `mark` is where it is written: an alias's own place, not its target's.
    private mutating func add(_ child: Built, at mark: YAMLMark? = nil) throws(YAMLSyntaxError) {
        guard !stack.isEmpty else { root = child; return }
        let top = stack.count - 1
        stack[top].weight += child.weight
        stack[top].height = max(stack[top].height, child.height)
        guard stack[top].weight <= YAMLParser.maxNodes else {
            throw YAMLSyntaxError(problem: "the document expands to more than \(YAMLParser.maxNodes) nodes through aliases",
                                  at: mark ?? child.node.mark)
        }
        guard stack[top].isMapping else { stack[top].items.append(child.node); return }
        if let key = stack[top].key {
            stack[top].pairs.append(YAMLPair(key: key, value: child.node))
            stack[top].key = nil
        } else {
            // A collection key fails at its start; this is an alias of one.
            guard case .scalar = child.node else {
                throw YAMLSyntaxError(problem: "non-scalar mapping keys are not supported", at: mark ?? child.node.mark)
            }
            stack[top].key = child.node
            if Self.isMergeKey(child.node) { stack[top].hasMerge = true }
        }
    }

    // MARK: - Tags

    /// The core-schema prefix: libyaml resolves `!!name` (and `!<tag:yaml.org,2002:name>`) to it.
    static let corePrefix = "tag:yaml.org,2002:"

    /// The core-schema tag libyaml resolved, nil for none; any other tag is an error.
    static func coreTag(_ resolved: String?, at mark: YAMLMark) throws(YAMLSyntaxError) -> YAMLTag? {
        guard let resolved else { return nil }
        guard resolved.hasPrefix(corePrefix), let tag = YAMLTag(rawValue: String(resolved.dropFirst(corePrefix.count))) else {
            let written = resolved.hasPrefix(corePrefix) ? "!!" + resolved.dropFirst(corePrefix.count) : resolved
            throw YAMLSyntaxError(problem: "unsupported tag \(written)", at: mark)
        }
        return tag
    }

    static func display(_ tag: YAMLTag) -> String { "!!" + tag.rawValue }

    // MARK: - Limits and merge keys

    static func tooDeep(at mark: YAMLMark) -> YAMLSyntaxError {
        YAMLSyntaxError(problem: "collections are nested more than \(YAMLParser.maxDepth) levels deep", at: mark)
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
