/// Keeps secrets out of logs, errors and stats, as alertmanager's `RedactURL`.
public enum RedactURL {
    /// `scheme://host[:port]/<redacted>`: a Slack or webhook URL's path is itself the credential,
    /// so only the origin survives. Userinfo is dropped too. Text that is not a URL becomes "<redacted>".
    public static func redact(_ url: String) -> String {
        guard let separator = url.firstRange(of: "://") else { return "<redacted>" }
        let rest = url[separator.upperBound...]
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var authority = rest[..<end]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let scheme = url[..<separator.lowerBound]
        return "\(scheme)://\(authority)" + (end == rest.endIndex ? "" : "/<redacted>")
    }
}

/// What a receiver might echo back of a request, and the scrubber that removes it: the one
/// implementation behind every path that turns a receiver's answer into text (`NotifyError.detail`,
/// the outbox's `lastError`, log lines, `sealwatch notify test`).
///
/// Pure (no imports), so the fuzz harness compiles it.
public enum Secrets {
    /// The replacement text.
    public static let marker = "<redacted>"

    /// The secret parts of a request: of the URL, the path with its query, the path, the query,
    /// every query value and every path segment that looks like a credential (8+ characters or
    /// containing a digit), userinfo (also percent-decoded); the `Authorization` value and its
    /// credential after the scheme word; a PagerDuty `routing_key` in the body.
    public static func of(url: String, authorization: String? = nil, body: [UInt8]? = nil) -> [String] {
        var found: [String] = []
        func add(_ s: Substring) {
            guard s.count >= 4 else { return }
            found.append(String(s))
            if let decoded = percentDecoded(s), decoded != s { found.append(decoded) }
        }
        if let scheme = url.firstRange(of: "://") {
            let rest = url[scheme.upperBound...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@") {
                let userinfo = authority[..<at]
                add(userinfo)
                if let colon = userinfo.firstIndex(of: ":") { add(userinfo[userinfo.index(after: colon)...]) }
            }
            let tail = rest[authorityEnd...]
            let withoutFragment = tail[..<(tail.firstIndex(of: "#") ?? tail.endIndex)]
            add(withoutFragment)
            add(withoutFragment.drop(while: { $0 == "/" }))
            let queryStart = withoutFragment.firstIndex(of: "?")
            let path = withoutFragment[..<(queryStart ?? withoutFragment.endIndex)]
            add(path)
            add(path.drop(while: { $0 == "/" }))
            for segment in path.split(separator: "/") where segment.count >= 8 || segment.contains(where: \.isNumber) {
                add(segment)
            }
            if let queryStart {
                let query = withoutFragment[withoutFragment.index(after: queryStart)...]
                add(query)
                for pair in query.split(separator: "&") {
                    add(pair)
                    if let eq = pair.firstIndex(of: "=") { add(pair[pair.index(after: eq)...]) }
                }
            }
        }
        if let authorization {
            add(Substring(authorization))
            if let space = authorization.firstIndex(of: " ") { add(authorization[authorization.index(after: space)...].drop(while: { $0 == " " })) }
        }
        if let body, let key = routingKey(in: body) { add(Substring(key)) }
        return found
    }

    /// `text` with every secret (4+ characters) replaced by "<redacted>", longest first so a
    /// secret's fragments never survive the replacement of a shorter one. Matching is on UTF-8
    /// bytes, not characters: a secret followed by a combining mark is still found. The
    /// replacement contains '<', which no secret of `of(url:…)` contains, so no new occurrence can form.
    public static func scrub(_ text: String, secrets: [String]) -> String {
        guard !text.isEmpty else { return text }
        var bytes = Array(text.utf8)
        var changed = false
        for secret in Set(secrets).sorted(by: { $0.utf8.count > $1.utf8.count || ($0.utf8.count == $1.utf8.count && $0 < $1) })
        where secret.count >= 4 {
            let needle = Array(secret.utf8)
            if let replaced = replacing(needle, in: bytes) { bytes = replaced; changed = true }
        }
        // Both ends of every replaced range are scalar boundaries (the secret is valid UTF-8), so this is valid too.
        return changed ? String(decoding: bytes, as: UTF8.self) : text
    }

    /// `haystack` with every occurrence of `needle` replaced by `marker`; nil when there is none.
    static func replacing(_ needle: [UInt8], in haystack: [UInt8]) -> [UInt8]? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        var out: [UInt8] = []
        var i = 0, found = false
        let last = haystack.count - needle.count
        while i < haystack.count {
            if i <= last && haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) {
                if !found { out.reserveCapacity(haystack.count); out.append(contentsOf: haystack[..<i]); found = true }
                out.append(contentsOf: marker.utf8)
                i += needle.count
                continue
            }
            if found { out.append(haystack[i]) }
            i += 1
        }
        return found ? out : nil
    }

    /// True when `text` holds `secret` as a byte sequence (what `scrub` removes).
    static func contains(_ text: String, _ secret: String) -> Bool {
        replacing(Array(secret.utf8), in: Array(text.utf8)) != nil
    }

    /// The value of the first `"routing_key":"…"` in a JSON body (PagerDuty's secret is in the body).
    static func routingKey(in body: [UInt8]) -> String? {
        let needle = Array(#""routing_key":""#.utf8)
        guard body.count > needle.count else { return nil }
        var i = 0
        while i + needle.count <= body.count {
            if body[i] == needle[0] && body[i..<(i + needle.count)].elementsEqual(needle) {
                let start = i + needle.count
                guard let end = body[start...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
                return String(decoding: body[start..<end], as: UTF8.self)
            }
            i += 1
        }
        return nil
    }

    /// `%XX` sequences decoded (nil when malformed or not UTF-8).
    static func percentDecoded(_ s: Substring) -> String? {
        guard s.contains("%") else { return String(s) }
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "%") {
                guard let h = it.popFirst(), let l = it.popFirst(), let hv = hex(h), let lv = hex(l) else { return nil }
                bytes.append(hv << 4 | lv)
            } else {
                bytes.append(b)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }
}
