/// Reads the typed fields of one JSON object and notes every field that is present but unusable:
/// the wrong type, a non-finite number (`1e999999`), or an integer out of range. Absent and `null`
/// fields are simply nil. The notes are the reason a node's answer is `invalid_response`.
struct FieldReader {
    let object: JSONValue
    private(set) var problems: [String] = []

    init(_ object: JSONValue) { self.object = object }

    mutating func bool(_ key: String) -> Bool? {
        read(key, "a boolean") { $0.bool }
    }

    mutating func string(_ key: String) -> String? {
        read(key, "a string") { $0.string }
    }

    mutating func int(_ key: String) -> Int? {
        read(key, "an integer in range") { v in if case .number = v { return v.int }; return nil }
    }

    mutating func int64(_ key: String) -> Int64? {
        read(key, "an integer in range") { v in if case .number = v { return v.int64 }; return nil }
    }

    mutating func uint64(_ key: String) -> UInt64? {
        read(key, "a non-negative integer in range") { v in if case .number = v { return v.uint64 }; return nil }
    }

    /// Notes a problem that is not about one field's type (a contradiction between fields and code).
    mutating func note(_ problem: String) { problems.append(problem) }

    private mutating func read<T>(_ key: String, _ expected: String, _ convert: (JSONValue) -> T?) -> T? {
        guard let value = object[key] else { return nil }
        if let converted = convert(value) { return converted }
        problems.append("\(key): expected \(expected), got \(Self.describe(value))")
        return nil
    }

    /// A short, bounded description of a JSON value for a problem note (never the whole value).
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .number(let n): return n.isFinite ? "\(n)" : "a non-finite number"
        case .string(let s): return s.count > 24 ? "a string" : "\"\(s)\""
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
