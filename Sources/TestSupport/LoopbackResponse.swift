import HTTPTransport

/// One request as `LoopbackHTTPServer` received it, for assertions.
public struct RecordedRequest: Sendable, Hashable {
    public var method: String
    /// The request target as sent: path plus query, e.g. "/v1/sys/health?standbyok=true".
    public var target: String
    /// `target` without the query string.
    public var path: String
    /// The query string without "?", or nil when there was none.
    public var query: String?
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// 1-based number of the TCP connection that carried it, in accept order (keep-alive checks).
    public var connectionID: Int

    public init(method: String, target: String, headers: HTTPHeaders = [:], body: [UInt8] = [], connectionID: Int = 0) {
        self.method = method
        self.target = target
        if let question = target.firstIndex(of: "?") {
            path = String(target[..<question])
            query = String(target[target.index(after: question)...])
        } else {
            path = target
            query = nil
        }
        self.headers = headers
        self.body = body
        self.connectionID = connectionID
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// What `LoopbackHTTPServer` does with one request: an ordinary response (optionally delayed), or
/// one of the misbehaviours a monitor must survive (hang, drip, garbage, truncation, hang-up).
///
/// An ordinary response is written with `Content-Length` and keep-alive, head and body in ONE
/// `send` (two sends meet Nagle + delayed ACK: ~40 ms per request on a reused connection).
public struct LoopbackResponse: Sendable, Hashable {
    public enum Behavior: Sendable, Hashable {
        /// Status, headers and body at once.
        case normal
        /// Read the request, never answer, keep the connection open until `stop()`.
        case hang
        /// Send the head at once (announcing the full `Content-Length`), then the body in
        /// `chunkSize`-byte pieces, one every `interval`.
        case drip(chunkSize: Int, interval: Duration)
        /// Send exactly these bytes (not HTTP, or broken HTTP), then close the connection.
        case raw([UInt8])
        /// Send the head announcing the full body, only the first `bodyBytes` of it, then close.
        case truncate(bodyBytes: Int)
        /// Read the request, then close the connection without a byte of answer.
        case closeWithoutAnswer
    }

    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Waited before anything is written (the connection stays open meanwhile).
    public var delay: Duration
    public var behavior: Behavior

    /// A response with a text body.
    public init(status: Int = 200, headers: HTTPHeaders = [:], body: String = "", delay: Duration = .zero,
                behavior: Behavior = .normal) {
        self.init(status: status, headers: headers, bytes: Array(body.utf8), delay: delay, behavior: behavior)
    }

    /// A response with a binary body.
    public init(status: Int = 200, headers: HTTPHeaders = [:], bytes: [UInt8], delay: Duration = .zero,
                behavior: Behavior = .normal) {
        self.status = status
        self.headers = headers
        self.body = bytes
        self.delay = delay
        self.behavior = behavior
    }

    /// A JSON body with `Content-Type: application/json`.
    public static func json(_ json: String, status: Int = 200, headers: HTTPHeaders = [:]) -> LoopbackResponse {
        var all = headers
        if all["Content-Type"] == nil { all.add("Content-Type", "application/json") }
        return LoopbackResponse(status: status, headers: all, body: json)
    }

    /// Accept, read the request, never answer (a SIGSTOPped Vault node).
    public static let hang = LoopbackResponse(status: 0, behavior: .hang)

    /// Read the request and hang up.
    public static let closeWithoutAnswer = LoopbackResponse(status: 0, behavior: .closeWithoutAnswer)

    /// These bytes instead of an HTTP response, then close.
    public static func raw(_ bytes: [UInt8]) -> LoopbackResponse {
        LoopbackResponse(status: 0, bytes: [], behavior: .raw(bytes))
    }

    /// Text that is not HTTP at all.
    public static let garbage = LoopbackResponse.raw(Array("\u{1}\u{2}garbage, not HTTP\r\n\r\n".utf8))

    /// A 200 whose body arrives `chunkSize` bytes every `interval`.
    public static func drip(status: Int = 200, body: String, chunkSize: Int = 1, interval: Duration) -> LoopbackResponse {
        LoopbackResponse(status: status, body: body, behavior: .drip(chunkSize: max(chunkSize, 1), interval: interval))
    }

    /// A response whose `Content-Length` promises `body` but whose connection closes after `sentBytes`.
    public static func truncated(status: Int = 200, body: String, sentBytes: Int) -> LoopbackResponse {
        LoopbackResponse(status: status, body: body, behavior: .truncate(bodyBytes: sentBytes))
    }

    /// A body of `byteCount` bytes of "x".
    public static func huge(byteCount: Int, status: Int = 200) -> LoopbackResponse {
        LoopbackResponse(status: status, bytes: [UInt8](repeating: UInt8(ascii: "x"), count: byteCount))
    }

    /// A redirect (which clients must not follow).
    public static func redirect(to location: String, status: Int = 302) -> LoopbackResponse {
        LoopbackResponse(status: status, headers: ["Location": location], body: "")
    }

    /// The same response, answered after `delay`.
    public func delayed(by delay: Duration) -> LoopbackResponse {
        var copy = self
        copy.delay = delay
        return copy
    }

    /// Reason phrases for the status line (Vault's own codes included).
    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }

    /// Status line, headers and `Content-Length`; the body follows.
    func head(keepAlive: Bool, bodyLength: Int) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(Self.reasonPhrase(status))\r\n"
        for header in headers where header.name.lowercased() != "content-length" && header.name.lowercased() != "connection" {
            text += "\(header.name): \(header.value)\r\n"
        }
        text += "Content-Length: \(bodyLength)\r\n"
        text += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n"
        return Array(text.utf8)
    }
}
