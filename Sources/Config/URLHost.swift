#if canImport(Glibc)
import Glibc
#endif

/// The host of an `http://` or `https://` URL, parsed from the authority rather than matched by
/// prefix (`http://127.0.0.1.evil.example/` is a host under `evil.example`, not loopback).
public enum URLHost {
    /// The host of `url`: lowercased, IPv6 without its brackets; nil when there is no `scheme://`
    /// or the host is empty.
    public static func host(of url: String) -> String? {
        guard let sep = url.firstRange(of: "://") else { return nil }
        let rest = url[sep.upperBound...]
        let end = rest.firstIndex { (c: Character) -> Bool in c == "/" || c == "?" || c == "#" } ?? rest.endIndex
        var authority = rest[..<end]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let host: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
        } else {
            host = authority[..<(authority.firstIndex(of: ":") ?? authority.endIndex)]
        }
        return host.isEmpty ? nil : host.lowercased()
    }

    /// Whether `host` (as returned by `host(of:)`) is this machine: `localhost`, 127.0.0.0/8 in
    /// strict dotted-quad form (no leading zeros, which some resolvers read as octal), `::1`, or
    /// `::ffff:127.x.y.z`.
    public static func isLoopback(host: String) -> Bool {
        if host == "localhost" || host == "localhost." { return true }
        if let octets = dottedQuad(host) { return octets[0] == 127 }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, host, &v6) == 1 else { return false }
        let b = withUnsafeBytes(of: v6) { Array($0) }
        if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return true }                       // ::1
        return b[0..<10].allSatisfy { $0 == 0 } && b[10] == 0xff && b[11] == 0xff && b[12] == 127  // ::ffff:127.x.y.z
    }

    /// Whether `url` names a loopback host.
    public static func isLoopbackURL(_ url: String) -> Bool {
        host(of: url).map(isLoopback(host:)) ?? false
    }

    /// Four decimal octets 0...255 without leading zeros, or nil.
    static func dottedQuad(_ s: String) -> [Int]? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [Int] = []
        for p in parts {
            guard (1...3).contains(p.count), p.allSatisfy({ $0.isASCII && $0.isNumber }),
                  p.count == 1 || p.first != "0", let v = Int(p), v <= 255 else { return nil }
            out.append(v)
        }
        return out
    }
}
