// libFuzzer harness for Config's YAML parser (the reader of sealwatch.yml), built by `scripts/fuzz/run.sh SECONDS yaml`.
// Invariants: never crash, hang or overflow the stack (ASan, -timeout); an error points inside the
// document; a document that parses gives the same tree (marks included) with CRLF line endings and
// behind a BOM; and the tree written back as flow YAML with double-quoted scalars parses to the same
// texts and structure.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYAML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let node: YAMLNode?
    do { node = try YAMLParser.parse(text) } catch {
        let lines = text.utf8.reduce(1) { $1 == 0x0A || $1 == 0x0D ? $0 + 1 : $0 }
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

/// The tree as flow YAML, every scalar double-quoted with escapes; nil past `budget` nodes
/// (aliases can make the expanded tree large).
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
                if u.value < 0x20 || u.value == 0x7F {
                    let hex = Array("0123456789ABCDEF")
                    out += "\\x" + String(hex[Int(u.value >> 4)]) + String(hex[Int(u.value & 0xF)])
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
            parts.append(k + ": " + v)
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
