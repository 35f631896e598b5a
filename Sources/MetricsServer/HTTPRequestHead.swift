// Pure value types of the request parser (no imports; compiled standalone by scripts/fuzz).

/// One header field as received: the name keeps its original case; lookups ignore case.
public struct HTTPField: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(name: String, value: String) { self.name = name; self.value = value }
}

/// An HTTP/1.x protocol version, e.g. 1.1.
public struct HTTPVersion: Sendable, Hashable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public init(major: Int, minor: Int) { self.major = major; self.minor = minor }
    public var description: String { "HTTP/\(major).\(minor)" }
}

/// A parsed, validated request head. `path` is percent-decoded valid UTF-8 without NUL bytes;
/// `keepAlive` already applies the HTTP/1.0 vs 1.1 defaults and the `Connection` header.
public struct HTTPRequestHead: Sendable, Hashable {
    /// `GET` or `HEAD` (the only methods the parser accepts).
    public var method: String
    /// The request target exactly as sent.
    public var target: String
    public var path: String
    public var rawQuery: Substring?
    public var query: [String: String]
    public var version: HTTPVersion
    public var headers: [HTTPField]
    public var keepAlive: Bool

    public init(method: String, target: String, path: String, rawQuery: Substring?, query: [String: String],
                version: HTTPVersion, headers: [HTTPField], keepAlive: Bool) {
        self.method = method; self.target = target; self.path = path; self.rawQuery = rawQuery; self.query = query
        self.version = version; self.headers = headers; self.keepAlive = keepAlive
    }

    /// The first value of the named header (case-insensitive), if present.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveEquals(name) }?.value
    }
}

extension String {
    /// ASCII case-insensitive equality (header names are ASCII tokens).
    func caseInsensitiveEquals(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { x, y in (x >= 0x41 && x <= 0x5A ? x | 0x20 : x) == (y >= 0x41 && y <= 0x5A ? y | 0x20 : y) }
    }
}
