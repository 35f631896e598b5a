// The request parser is pure Swift with no imports, so scripts/fuzz can compile this file on its own
// (together with HTTPRequestHead.swift) into a libFuzzer harness.

/// Why a request head was rejected: the HTTP status to answer with and a short reason for logs.
/// After any error the connection is closed, since the rest of the byte stream cannot be trusted.
public struct HTTPParseError: Error, Sendable, Hashable {
    public var status: Int
    public var reason: String
    public init(status: Int, reason: String) { self.status = status; self.reason = reason }

    static func badRequest(_ reason: String) -> HTTPParseError { .init(status: 400, reason: reason) }
}

/// The outcome of feeding the bytes received so far to `HTTPRequestParser`.
public enum HTTPParseResult: Sendable, Hashable {
    /// The head is not complete yet; call again with more bytes (the same prefix, extended).
    case needMore
    /// A complete request head occupying the first `consumed` bytes. Bytes after it belong to the
    /// next (pipelined) request.
    case request(HTTPRequestHead, consumed: Int)
    /// The request is malformed or not acceptable; answer with `error.status` and close.
    case error(HTTPParseError)

    /// The error status, or nil for `.needMore` and `.request`.
    public var errorStatus: Int? { if case .error(let e) = self { return e.status } else { return nil } }
}

/// An incremental HTTP/1.x request-head parser for a server that accepts only bodiless GET and HEAD.
///
/// Feed it the connection's whole unconsumed input each time more bytes arrive; it remembers how far it
/// has already scanned, so a client that trickles one byte at a time costs linear, not quadratic, work.
/// After `.request` or `.error` it resets itself; the caller drops the `consumed` bytes before the next
/// call. Limits: the head (request line, headers and the blank line) may not exceed `maxHeaderBytes`
/// (431, or 414 when the request line alone is too long); methods other than GET and HEAD get 405;
/// a request announcing a body gets 413 (`Content-Length` > 0) or 400 (`Transfer-Encoding`).
public struct HTTPRequestParser: Sendable {
    public let maxHeaderBytes: Int

    private var scanned = 0          // bytes already examined
    private var lineStart = 0        // start of the line being scanned
    private var headStart = 0        // start of the request line (after skipped empty lines)
    private var requestLineEnd = -1  // index of the LF ending the request line, once seen
    private var methodEnded = false  // an SP has ended the method token

    public init(maxHeaderBytes: Int = 8192) {
        self.maxHeaderBytes = max(64, maxHeaderBytes)
    }

    /// Forgets any partial scan; call when the input buffer was replaced by unrelated bytes.
    public mutating func reset() {
        scanned = 0; lineStart = 0; headStart = 0; requestLineEnd = -1; methodEnded = false
    }

    public mutating func parse(_ bytes: [UInt8]) -> HTTPParseResult {
        bytes.withUnsafeBytes { parse($0) }
    }

    public mutating func parse(_ buffer: UnsafeRawBufferPointer) -> HTTPParseResult {
        let result = scan(buffer)
        if case .needMore = result { return result }
        reset()
        return result
    }

    private mutating func scan(_ buf: UnsafeRawBufferPointer) -> HTTPParseResult {
        if scanned > buf.count { reset() }  // caller passed a shorter buffer: start over
        var i = scanned
        while i < buf.count {
            if i >= maxHeaderBytes {
                if requestLineEnd < 0 { return .error(.init(status: 414, reason: "request line too long")) }
                return .error(.init(status: 431, reason: "request header fields too large"))
            }
            let byte = buf[i]
            if requestLineEnd < 0 && !methodEnded && byte != ASCII.cr && byte != ASCII.lf {
                // Reject obvious garbage (a TLS ClientHello, binary noise) at its first byte instead
                // of waiting for a line ending that may never come.
                if byte == ASCII.space {
                    if i == lineStart { return .error(.badRequest("empty method")) }
                    methodEnded = true
                } else if byte != ASCII.cr && byte != ASCII.lf && !ASCII.isTokenChar(byte) {
                    return .error(.badRequest("invalid method character"))
                }
            }
            if byte == ASCII.lf {
                let contentEnd = (i > lineStart && buf[i - 1] == ASCII.cr) ? i - 1 : i
                if contentEnd == lineStart {
                    if requestLineEnd < 0 {
                        // RFC 9112 §2.2: ignore empty lines received before the request line.
                        headStart = i + 1
                    } else {
                        scanned = i + 1
                        return finish(buf, end: i + 1)
                    }
                } else if requestLineEnd < 0 {
                    requestLineEnd = i
                    if let error = Self.checkRequestLine(UnsafeRawBufferPointer(rebasing: buf[lineStart..<contentEnd])) {
                        return .error(error)
                    }
                }
                lineStart = i + 1
            }
            i += 1
        }
        scanned = i
        return .needMore
    }

    /// Syntax, version and method of a request line: `method SP request-target SP HTTP-version`.
    private static func checkRequestLine(_ line: UnsafeRawBufferPointer) -> HTTPParseError? {
        guard let parts = splitRequestLine(line) else { return .badRequest("malformed request line") }
        let (method, target, version) = parts
        guard !method.isEmpty, method.allSatisfy(ASCII.isTokenChar) else { return .badRequest("invalid method") }
        guard !target.isEmpty, target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return .badRequest("invalid request target") }
        guard let (major, _) = parseVersion(version) else { return .badRequest("invalid HTTP version") }
        guard major == 1 else { return .init(status: 505, reason: "HTTP version not supported") }
        guard methodAllowed(method) else { return .init(status: 405, reason: "method not allowed") }
        return nil
    }

    private static func methodAllowed(_ method: UnsafeRawBufferPointer) -> Bool {
        method.elementsEqual("GET".utf8) || method.elementsEqual("HEAD".utf8)
    }

    private static func splitRequestLine(_ line: UnsafeRawBufferPointer)
        -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer, UnsafeRawBufferPointer)? {
        guard let sp1 = line.firstIndex(of: ASCII.space) else { return nil }
        let rest = line[(sp1 + 1)...]
        guard let sp2 = rest.firstIndex(of: ASCII.space) else { return nil }
        let version = line[(sp2 + 1)...]
        if version.contains(ASCII.space) { return nil }
        return (UnsafeRawBufferPointer(rebasing: line[..<sp1]),
                UnsafeRawBufferPointer(rebasing: line[(sp1 + 1)..<sp2]),
                UnsafeRawBufferPointer(rebasing: version))
    }

    /// `HTTP/<digit>.<digit>`, exactly.
    static func parseVersion(_ v: UnsafeRawBufferPointer) -> (Int, Int)? {
        guard v.count == 8, v.starts(with: "HTTP/".utf8), ASCII.isDigit(v[5]), v[6] == ASCII.dot, ASCII.isDigit(v[7]) else {
            return nil
        }
        return (Int(v[5] - ASCII.zero), Int(v[7] - ASCII.zero))
    }

    /// Parses the complete head `buf[headStart..<end]` (which ends with the blank line).
    private func finish(_ buf: UnsafeRawBufferPointer, end: Int) -> HTTPParseResult {
        var lines: [UnsafeRawBufferPointer] = []
        var start = headStart
        var j = headStart
        while j < end {
            if buf[j] == ASCII.lf {
                let contentEnd = (j > start && buf[j - 1] == ASCII.cr) ? j - 1 : j
                lines.append(UnsafeRawBufferPointer(rebasing: buf[start..<contentEnd]))
                start = j + 1
            }
            j += 1
        }
        // lines: request line, header lines..., empty line.
        guard let requestLine = lines.first, let (methodBytes, targetBytes, versionBytes) = Self.splitRequestLine(requestLine),
              let (major, minor) = Self.parseVersion(versionBytes) else {
            return .error(.badRequest("malformed request line"))
        }
        let method = String(decoding: methodBytes, as: UTF8.self)
        let target = String(decoding: targetBytes, as: UTF8.self)

        var fields: [HTTPField] = []
        fields.reserveCapacity(lines.count)
        var hostCount = 0
        var contentLength: UInt64? = nil
        var connectionClose = false
        var connectionKeepAlive = false
        for line in lines.dropFirst() where !line.isEmpty {
            if line[0] == ASCII.space || line[0] == ASCII.tab { return .error(.badRequest("obsolete line folding")) }
            guard let colon = line.firstIndex(of: ASCII.colon), colon > 0 else { return .error(.badRequest("malformed header line")) }
            let nameBytes = UnsafeRawBufferPointer(rebasing: line[..<colon])
            guard nameBytes.allSatisfy(ASCII.isTokenChar) else { return .error(.badRequest("invalid header name")) }
            var vs = colon + 1, ve = line.count
            while vs < ve && (line[vs] == ASCII.space || line[vs] == ASCII.tab) { vs += 1 }
            while ve > vs && (line[ve - 1] == ASCII.space || line[ve - 1] == ASCII.tab) { ve -= 1 }
            let valueBytes = UnsafeRawBufferPointer(rebasing: line[vs..<ve])
            guard !valueBytes.contains(where: { ($0 < 0x20 && $0 != ASCII.tab) || $0 == 0x7F }) else {
                return .error(.badRequest("invalid header value"))
            }
            let field = HTTPField(name: String(decoding: nameBytes, as: UTF8.self), value: String(decoding: valueBytes, as: UTF8.self))
            switch ASCII.lowercased(nameBytes) {
            case "host":
                hostCount += 1
            case "content-length":
                for item in field.value.split(separator: ",", omittingEmptySubsequences: false) {
                    let digits = item.trimmingASCIISpaces()
                    guard !digits.isEmpty, digits.utf8.allSatisfy(ASCII.isDigit) else { return .error(.badRequest("invalid Content-Length")) }
                    let n: UInt64 = digits.utf8.count > 18 ? UInt64.max : UInt64(digits)!
                    if let previous = contentLength, previous != n { return .error(.badRequest("conflicting Content-Length")) }
                    contentLength = n
                }
            case "transfer-encoding":
                return .error(.badRequest("request bodies are not accepted"))
            case "connection":
                for token in field.value.split(separator: ",") {
                    switch token.trimmingASCIISpaces().lowercased() {
                    case "close": connectionClose = true
                    case "keep-alive": connectionKeepAlive = true
                    default: break
                    }
                }
            default:
                break
            }
            fields.append(field)
        }
        if hostCount > 1 || (hostCount == 0 && minor >= 1) { return .error(.badRequest("missing or repeated Host header")) }
        if let n = contentLength, n > 0 { return .error(.init(status: 413, reason: "request bodies are not accepted")) }

        guard let (path, rawQuery) = Self.splitTarget(target) else { return .error(.badRequest("invalid request target")) }
        guard let decodedPath = PercentDecoding.decode(Substring(path), plusIsSpace: false), !decodedPath.contains("\0") else {
            return .error(.badRequest("invalid percent-encoding in path"))
        }
        guard let query = PercentDecoding.decodeQuery(rawQuery) else { return .error(.badRequest("invalid percent-encoding in query")) }

        let keepAlive = minor >= 1 ? !connectionClose : (connectionKeepAlive && !connectionClose)
        let head = HTTPRequestHead(method: method, target: target, path: decodedPath, rawQuery: rawQuery, query: query,
                                   version: HTTPVersion(major: major, minor: minor), headers: fields, keepAlive: keepAlive)
        return .request(head, consumed: end)
    }

    /// Origin form (`/p?q`) or absolute form (`http://host/p?q`) → (path, query); nil otherwise.
    static func splitTarget(_ target: String) -> (Substring, Substring?)? {
        var rest = Substring(target)
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let lower = rest.prefix(8).lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            let afterScheme = rest[rest.index(rest.startIndex, offsetBy: lower.hasPrefix("http://") ? 7 : 8)...]
            guard let slash = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return ("/", nil) }
            rest = afterScheme[slash...]
            if rest.first == "?" { return ("/", rest.dropFirst()) }
        }
        guard rest.first == "/" else { return nil }
        if let q = rest.firstIndex(of: "?") { return (rest[..<q], rest[rest.index(after: q)...]) }
        return (rest, nil)
    }
}

/// Percent-decoding of request paths and `application/x-www-form-urlencoded` queries.
enum PercentDecoding {
    /// Decodes `%XX` escapes (and `+` as a space when asked); nil on a bad escape or invalid UTF-8.
    static func decode(_ s: Substring, plusIsSpace: Bool) -> String? {
        let utf8 = s.utf8
        if !utf8.contains(where: { $0 == ASCII.percent || (plusIsSpace && $0 == ASCII.plus) }) { return String(s) }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var it = utf8.makeIterator()
        while let b = it.next() {
            if b == ASCII.percent {
                guard let h = it.next(), let l = it.next(), let hv = ASCII.hexValue(h), let lv = ASCII.hexValue(l) else { return nil }
                out.append(hv << 4 | lv)
            } else if plusIsSpace && b == ASCII.plus {
                out.append(ASCII.space)
            } else {
                out.append(b)
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    /// `a=1&b=x%20y&flag` → ["a": "1", "b": "x y", "flag": ""]; the first occurrence of a key wins.
    static func decodeQuery(_ raw: Substring?) -> [String: String]? {
        guard let raw, !raw.isEmpty else { return [:] }
        var result: [String: String] = [:]
        for pair in raw.split(separator: "&") {
            let key: Substring, value: Substring
            if let eq = pair.firstIndex(of: "=") { key = pair[..<eq]; value = pair[pair.index(after: eq)...] } else { key = pair; value = "" }
            guard let k = decode(key, plusIsSpace: true), let v = decode(value, plusIsSpace: true) else { return nil }
            if result[k] == nil { result[k] = v }
        }
        return result
    }
}

/// Byte constants and classes from RFC 9110.
enum ASCII {
    static let tab: UInt8 = 0x09, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D, space: UInt8 = 0x20
    static let percent: UInt8 = 0x25, plus: UInt8 = 0x2B, dot: UInt8 = 0x2E, zero: UInt8 = 0x30, colon: UInt8 = 0x3A

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// `tchar` of RFC 9110 §5.6.2.
    static func isTokenChar(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: return true
        default: return false
        }
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    static func lowercased(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}

extension StringProtocol {
    /// Drops leading and trailing spaces and tabs (HTTP's OWS).
    func trimmingASCIISpaces() -> Substring {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return Substring(s)
    }
}
