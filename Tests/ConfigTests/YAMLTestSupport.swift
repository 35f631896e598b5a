import Config
import Yams

/// A canonical one-line form of a node tree with every mark, for exact expectations:
/// `{p"key"@1:1: d"value"@1:6}@1:1`. Scalars are prefixed by their style (`p`lain, `s`ingle- or
/// `d`ouble-quoted, `l`iteral, `f`olded), followed by the Swift-escaped text and `!tag` if any.
func dump(_ node: YAMLNode?, tags: Bool = true) -> String {
    guard let node else { return "nil" }
    switch node {
    case .scalar(let s):
        let tag = tags ? s.tag.map { "!" + $0.rawValue } ?? "" : ""
        return "\(styleLetter(s.style))\(String(reflecting: s.text))\(tag)@\(s.mark)"
    case .mapping(let m):
        return "{" + m.pairs.map { dump($0.key, tags: tags) + ": " + dump($0.value, tags: tags) }.joined(separator: ", ") + "}@\(m.mark)"
    case .sequence(let s):
        return "[" + s.items.map { dump($0, tags: tags) }.joined(separator: ", ") + "]@\(s.mark)"
    }
}

/// The same form without marks, for comparing trees written in different layouts.
func shape(_ node: YAMLNode?) -> String {
    guard let node else { return "nil" }
    switch node {
    case .scalar(let s): return "\(styleLetter(s.style))\(String(reflecting: s.text))"
    case .mapping(let m): return "{" + m.pairs.map { shape($0.key) + ": " + shape($0.value) }.joined(separator: ", ") + "}"
    case .sequence(let s): return "[" + s.items.map { shape($0) }.joined(separator: ", ") + "]"
    }
}

func styleLetter(_ style: YAMLScalar.Style) -> String {
    switch style {
    case .plain: "p"
    case .singleQuoted: "s"
    case .doubleQuoted: "d"
    case .literal: "l"
    case .folded: "f"
    }
}

/// Parses `text`, returning the dump or `error: <problem> @line:column`.
func parsed(_ text: String, tags: Bool = true) -> String {
    do { return dump(try YAMLParser.parse(text), tags: tags) } catch {
        return "error: \(error.problem) @\(error.line):\(error.column)"
    }
}

// MARK: - Yams as the reference

/// Yams' tree in the same canonical form (marks included, tags left out: Yams resolves tags in
/// place as a side effect of hashing, so an explicit `!!str` cannot be told from a resolved
/// one), after expanding merge keys the way `YAMLParser` does (Yams' `compose` keeps `<<` as
/// an ordinary key).
/// A leading BOM is dropped first: Yams hands libyaml an explicit encoding, so libyaml does not
/// skip it.
func yamsDump(_ text: String) throws -> String {
    guard let node = try Yams.compose(yaml: text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text) else { return "nil" }
    return yamsDump(node: expandYamsMerges(node))
}

private func yamsDump(node: Yams.Node) -> String {
    let mark = node.mark.map { "@\($0.line):\($0.column)" } ?? "@?"
    switch node {
    case .scalar(let s):
        return "\(yamsStyle(s.style))\(String(reflecting: s.string))\(mark)"
    case .mapping(let m):
        return "{" + m.map { yamsDump(node: $0.key) + ": " + yamsDump(node: $0.value) }.joined(separator: ", ") + "}\(mark)"
    case .sequence(let s):
        return "[" + s.map { yamsDump(node: $0) }.joined(separator: ", ") + "]\(mark)"
    case .alias:
        return "alias\(mark)"
    }
}

private func yamsStyle(_ style: Node.Scalar.Style) -> String {
    switch style {
    case .plain, .any: "p"
    case .singleQuoted: "s"
    case .doubleQuoted: "d"
    case .literal: "l"
    case .folded: "f"
    }
}

private func isYamsMergeKey(_ node: Yams.Node) -> Bool {
    guard case .scalar(let s) = node else { return false }
    return s.string == "<<" && s.style == .plain
}

/// `<<` entries replaced in place by the merged mappings' pairs: explicit keys win, then
/// earlier merged mappings over later ones.
private func expandYamsMerges(_ node: Yams.Node) -> Yams.Node {
    switch node {
    case .scalar, .alias:
        return node
    case .sequence(let s):
        return .sequence(Node.Sequence(s.map(expandYamsMerges), s.tag, s.style, s.mark))
    case .mapping(let m):
        let pairs = m.map { (expandYamsMerges($0.key), expandYamsMerges($0.value)) }
        guard pairs.contains(where: { isYamsMergeKey($0.0) }) else {
            return .mapping(Node.Mapping(pairs, m.tag, m.style, m.mark))
        }
        let explicit = Set(pairs.filter { !isYamsMergeKey($0.0) }.compactMap { $0.0.scalar?.string })
        var merged: Set<String> = []
        var out: [(Yams.Node, Yams.Node)] = []
        for (k, v) in pairs {
            guard isYamsMergeKey(k) else { out.append((k, v)); continue }
            let sources: [Node.Mapping]
            switch v {
            case .mapping(let mm): sources = [mm]
            case .sequence(let ss): sources = ss.compactMap { $0.mapping }
            default: sources = []
            }
            for source in sources {
                for (sk, sv) in source where !explicit.contains(sk.scalar?.string ?? "") {
                    if merged.insert(sk.scalar?.string ?? "").inserted { out.append((sk, sv)) }
                }
            }
        }
        return .mapping(Node.Mapping(out, m.tag, m.style, m.mark))
    }
}
