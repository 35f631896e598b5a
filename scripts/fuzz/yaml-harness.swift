// libFuzzer harness for Config's YAML path (libyaml's events built into YAMLNodes, the reader of
// sealwatch.yml), built by `scripts/fuzz/run.sh SECONDS yaml`. libyaml is the system library (not
// instrumented): coverage guides the fuzzer through the builder and our checks, and ASan sees
// every byte libyaml hands us.
// Invariants: never crash, hang or overflow the stack (ASan, -timeout); an error points inside the
// document; a document that parses gives the same tree (marks included) with CRLF line endings and
// behind a BOM; and the tree written back as flow YAML with double-quoted scalars parses to the same
// texts and structure.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYAML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let node: YAMLNode?
    do { node = try YAMLParser.parse(text) } catch {
        // libyaml also breaks lines at NEL, LS and PS (U+0085, U+2028, U+2029).
        let lines = text.unicodeScalars.reduce(1) { [0x0A, 0x0D, 0x85, 0x2028, 0x2029].contains($1.value) ? $0 + 1 : $0 }
        precondition(error.line >= 1 && error.line <= lines + 1 && error.column >= 1, "error mark outside the document: \(error)")
        return 0
    }
    guard let node else { return 0 }
    var crlf: [UInt8] = []   // every line break (LF, CRLF or a lone CR) as CRLF
    var bytes = Array(text.utf8)[...]
    while let b = bytes.popFirst() {
        if b == 0x0D && bytes.first == 0x0A { continue }
        crlf += b == 0x0A || b == 0x0D ? [0x0D, 0x0A] : [b]
    }
    precondition((try? YAMLParser.parse(String(decoding: crlf, as: UTF8.self))) == node, "CRLF line endings changed the tree")
    if !text.hasPrefix("\u{FEFF}") {
        precondition((try? YAMLParser.parse("\u{FEFF}" + text)) == node, "a BOM changed the tree")
    }
    var budget = 2_000
    if let flow = render(node, budget: &budget) {
        let again: YAMLNode??
        do { again = try YAMLParser.parse(flow) } catch { preconditionFailure("rendered tree does not parse: \(error)\n\(flow)") }
        precondition(again.map { $0.map(outline) } == outline(node), "rendered tree parses differently:\n\(flow)")
    }
    return 0
}

/// The tree as flow YAML, every scalar double-quoted with escapes (all but printable ASCII), every
/// key explicit (`? `); nil past `budget` nodes (aliases can make the expanded tree large).
func render(_ node: YAMLNode, budget: inout Int) -> String? {
    budget -= 1
    if budget < 0 { return nil }
    switch node {
    case .scalar(let s):
        var out = "\""
        for u in s.text.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if u.value < 0x20 || u.value >= 0x7F {
                    // Escaped, not written raw: libyaml folds NEL, LS and PS inside quotes like line breaks.
                    let digits = u.value < 0x100 ? 2 : u.value < 0x10000 ? 4 : 8
                    let hex = String(u.value, radix: 16, uppercase: true)
                    out += (digits == 2 ? "\\x" : digits == 4 ? "\\u" : "\\U") + String(repeating: "0", count: digits - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    case .mapping(let m):
        var parts: [String] = []
        for p in m.pairs {
            guard let k = render(p.key, budget: &budget), let v = render(p.value, budget: &budget) else { return nil }
            parts.append("? " + k + ": " + v)   // explicit key: an implicit one stops at 1,024 characters
        }
        return "{" + parts.joined(separator: ", ") + "}"
    case .sequence(let s):
        var parts: [String] = []
        for item in s.items {
            guard let v = render(item, budget: &budget) else { return nil }
            parts.append(v)
        }
        return "[" + parts.joined(separator: ",\n ") + "]"
    }
}

/// Structure and texts only (styles and marks differ after rendering).
func outline(_ node: YAMLNode) -> String {
    switch node {
    case .scalar(let s): return String(reflecting: s.text)
    case .mapping(let m): return "{" + m.pairs.map { outline($0.key) + ":" + outline($0.value) }.joined(separator: ",") + "}"
    case .sequence(let s): return "[" + s.items.map(outline).joined(separator: ",") + "]"
    }
}
