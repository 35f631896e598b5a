import CCurl

/// URL hygiene for error details: credentials, query strings and fragments never leave the transport.
enum Redaction {
    /// `scheme://host:port/path` of `url`, without userinfo, query or fragment.
    /// Works on text that does not parse as a URL too (it only cuts).
    static func redact(url: String) -> String {
        var text = Substring(url)
        if let cut = text.firstIndex(where: { $0 == "?" || $0 == "#" }) { text = text[..<cut] }
        guard let separator = text.firstRange(of: "://") else { return String(text) }
        let authorityStart = separator.upperBound
        let authorityEnd = text[authorityStart...].firstIndex(of: "/") ?? text.endIndex
        if let at = text[authorityStart..<authorityEnd].lastIndex(of: "@") {
            return String(text[..<authorityStart]) + String(text[text.index(after: at)...])
        }
        return String(text)
    }

    /// `scheme://host:port` of `url` (lower-cased scheme), for keying per-origin state.
    /// Byte-wise (it runs for every request): no userinfo, path, query or fragment.
    static func origin(of url: String) -> String {
        let b = Array(url.utf8)
        var i = 0
        while i + 2 < b.count && !(b[i] == 0x3A && b[i + 1] == 0x2F && b[i + 2] == 0x2F) { i += 1 }
        guard i + 2 < b.count else { return redact(url: url) }
        let authorityStart = i + 3
        var end = authorityStart
        while end < b.count && b[end] != 0x2F && b[end] != 0x3F && b[end] != 0x23 { end += 1 }
        var hostStart = authorityStart
        if let at = b[authorityStart..<end].lastIndex(of: 0x40) { hostStart = at + 1 }
        let scheme = b[0..<i].map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
        return String(decoding: scheme + [0x3A, 0x2F, 0x2F] + b[hostStart..<end], as: UTF8.self)
    }

    /// Removes every secret-bearing part of `url` (the full URL, its userinfo, query and fragment)
    /// from `text`, which may be curl's error buffer.
    static func scrub(_ text: String, url: String) -> String {
        var result = text
        let redacted = redact(url: url)
        if redacted != url { result = result.replacing(url, with: redacted) }
        for secret in secrets(in: url) where secret.count >= 3 {
            result = result.replacing(secret, with: "<redacted>")
        }
        return result
    }

    /// The userinfo, query and fragment of `url`, if any.
    static func secrets(in url: String) -> [String] {
        var found: [String] = []
        if let question = url.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            found.append(String(url[url.index(after: question)...]))
        }
        if let separator = url.firstRange(of: "://") {
            let rest = url[separator.upperBound...]
            let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
            if let at = rest[..<end].lastIndex(of: "@") {
                let userinfo = rest[..<at]
                found.append(String(userinfo))
                if let colon = userinfo.firstIndex(of: ":") {
                    found.append(String(userinfo[userinfo.index(after: colon)...]))
                }
            }
        }
        return found.filter { !$0.isEmpty }
    }
}

/// Server-name override through `CURLOPT_CONNECT_TO`: the URL names `serverName` (so SNI, the
/// Host header and certificate verification use it) while the TCP connection goes to the real
/// host and port.
///
/// - SeeAlso: https://curl.se/libcurl/c/CURLOPT_CONNECT_TO.html
enum URLRewrite {
    static func connectTo(url: String, serverName: String) -> (url: String, connectTo: String)? {
        guard let handle = curl_url() else { return nil }
        defer { curl_url_cleanup(handle) }
        guard curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK,
              let host = part(handle, CURLUPART_HOST, flags: 0),
              let port = part(handle, CURLUPART_PORT, flags: UInt32(CURLU_DEFAULT_PORT)),
              curl_url_set(handle, CURLUPART_HOST, serverName, 0) == CURLUE_OK,
              let rewritten = part(handle, CURLUPART_URL, flags: 0)
        else { return nil }
        let nameForConnectTo = serverName.contains(":") && !serverName.hasPrefix("[") ? "[\(serverName)]" : serverName
        return (rewritten, "\(nameForConnectTo):\(port):\(host):\(port)")
    }

    private static func part(_ handle: OpaquePointer, _ which: CURLUPart, flags: UInt32) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, which, &value, flags) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }
}

/// Parses OpenSSL's certificate dates as curl's certinfo prints them ("Jan  1 00:00:00 2030 GMT").
enum CertificateDate {
    /// Seconds since 1970 (UTC), or nil when the text is not in that format.
    static func parse(_ text: String) -> Double? {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 4 else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let monthIndex = months.firstIndex(of: String(fields[0])), let day = Int(fields[1]),
              let year = Int(fields[3]) else { return nil }
        let clock = fields[2].split(separator: ":")
        guard clock.count == 3, let hour = Int(clock[0]), let minute = Int(clock[1]), let second = Int(clock[2]),
              (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second),
              (1...9999).contains(year)   // X.509 GeneralizedTime has four digits; a larger year would overflow the arithmetic below
        else { return nil }
        let days = daysFromCivil(year: year, month: monthIndex + 1, day: day)
        return Double(days * 86_400 + hour * 3_600 + minute * 60 + second)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
