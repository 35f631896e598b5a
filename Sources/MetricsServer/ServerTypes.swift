/// A request as the handler sees it: GET or HEAD, no body, path percent-decoded, query split.
public struct ServerRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [String: String]
    public var headers: [HTTPField]
    /// The peer, e.g. "127.0.0.1:51234" or "[::1]:51234".
    public var remoteAddress: String
    /// Set when basic auth is configured and the request carried valid credentials.
    public var authenticatedUser: String?

    public init(method: String, path: String, query: [String: String] = [:], headers: [HTTPField] = [],
                remoteAddress: String = "", authenticatedUser: String? = nil) {
        self.method = method; self.path = path; self.query = query; self.headers = headers
        self.remoteAddress = remoteAddress; self.authenticatedUser = authenticatedUser
    }

    /// The first value of the named header (case-insensitive), if present.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveEquals(name) }?.value
    }
}

/// A complete response from a handler. The server adds `Content-Length`, `Connection` and `Date`
/// itself (any the handler sets are dropped), strips the body for HEAD and may gzip it.
public struct ServerResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int = 200, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status; self.headers = headers; self.body = body
    }

    /// `text/plain; charset=utf-8`.
    public static func text(_ text: String, status: Int = 200) -> ServerResponse {
        ServerResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array(text.utf8))
    }

    /// `text/html; charset=utf-8`.
    public static func html(_ html: String, status: Int = 200) -> ServerResponse {
        ServerResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8")], body: Array(html.utf8))
    }

    /// `application/json` from already-encoded bytes.
    public static func json(_ body: [UInt8], status: Int = 200) -> ServerResponse {
        ServerResponse(status: status, headers: [("Content-Type", "application/json")], body: body)
    }

    /// `application/json` from an already-encoded string.
    public static func json(_ body: String, status: Int = 200) -> ServerResponse {
        json(Array(body.utf8), status: status)
    }

    /// The first value of the named header (case-insensitive), if present.
    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveEquals(name) }?.1
    }
}

/// Where the server listens: an address it binds itself, or a socket that is already listening
/// (socket activation). An inherited descriptor is never shut down nor closed by the server: its
/// owner (systemd, or the caller) keeps it.
public enum ListenTarget: Sendable, Hashable {
    /// "127.0.0.1:9742", "[::1]:9742", "[::]:9742", "0.0.0.0:0" (port 0 = ephemeral), ":9742" (all interfaces).
    case address(String)
    case inheritedDescriptor(Int32)
}

/// Limits and options of `HTTPServer`; every field has a safe default.
public struct HTTPServerConfiguration: Sendable {
    /// Largest request head (request line + headers); beyond it the answer is 431 (414 for the request line).
    public var maxHeaderBytes: Int = 8 * 1024
    /// Time a client has to send a complete request head once it connects or starts a request (408 after).
    public var requestReadTimeout: Duration = .seconds(10)
    /// Time an idle keep-alive connection is kept open between requests (closed silently after).
    public var idleKeepAliveTimeout: Duration = .seconds(60)
    /// Longest time a client may go without reading anything while a response is pending (then: closed).
    public var writeTimeout: Duration = .seconds(10)
    /// Open connections beyond this are accepted and closed at once (with a best-effort 503).
    public var maxConnections: Int = 512
    /// How long `stop()` lets in-flight requests and responses finish before closing them.
    public var shutdownGracePeriod: Duration = .seconds(5)
    /// Gzip bodies larger than this when the client accepts gzip and the handler set no Content-Encoding.
    public var gzipMinimumBytes: Int = 1024
    public var gzipEnabled: Bool = true
    /// User → bcrypt hash (`$2a$`, `$2b$`, `$2y$`). nil disables authentication.
    public var basicAuth: [String: String]? = nil
    /// Paths served without credentials even when `basicAuth` is set (e.g. ["/-/healthy"]).
    public var unauthenticatedPaths: Set<String> = []
    /// Realm of the `WWW-Authenticate` challenge.
    public var authRealm: String = "sealwatch"

    // Limits against hostile clients. Every default is far above what a Prometheus scrape needs.

    /// Longest time one response may take to send in total, however steadily the client reads
    /// (`writeTimeout` only bounds a pause). After it the connection is closed.
    public var responseWriteTimeout: Duration = .seconds(30)
    /// Bytes a connection may hold queued for sending (buffer capacities, compressed or not) before
    /// the server stops reading and answering its further requests. One response is always allowed,
    /// so a connection holds at most this plus one response.
    public var maxQueuedBytesPerConnection: Int = 1 << 20
    /// Requests a connection may have sent ahead without reading their answers: beyond it the server
    /// stops answering and reading (TCP pushes back) until the client reads.
    public var maxPipelinedRequests: Int = 16
    /// Requests served on one connection; the last is answered with `Connection: close` (nginx: 1000).
    public var maxRequestsPerConnection: Int = 1000
    /// At `maxConnections`, a connection whose response has made no progress for this long may be
    /// closed to make room, after the header-incomplete and idle ones.
    public var evictStalledWritersAfter: Duration = .seconds(1)
    /// Threads verifying bcrypt hashes (off the event loop; each check costs tens of milliseconds).
    public var authWorkerThreads: Int = 1
    /// Credential checks waiting for a worker; beyond it requests are answered 429 at once.
    public var maxPendingAuthChecks: Int = 64
    /// Per client address: bcrypt checks allowed in a burst, then `authChecksPerSecond`. Beyond the
    /// bucket, requests whose credentials are not already known good are answered 429 at once.
    /// Known-good credentials are served from a cache and never throttled.
    public var authCheckBurst: Int = 10
    public var authChecksPerSecond: Double = 2

    public init() {}

    public init(maxHeaderBytes: Int = 8 * 1024, requestReadTimeout: Duration = .seconds(10),
                idleKeepAliveTimeout: Duration = .seconds(60), writeTimeout: Duration = .seconds(10),
                maxConnections: Int = 512, shutdownGracePeriod: Duration = .seconds(5),
                gzipEnabled: Bool = true, basicAuth: [String: String]? = nil, unauthenticatedPaths: Set<String> = []) {
        self.maxHeaderBytes = maxHeaderBytes; self.requestReadTimeout = requestReadTimeout
        self.idleKeepAliveTimeout = idleKeepAliveTimeout; self.writeTimeout = writeTimeout
        self.maxConnections = maxConnections; self.shutdownGracePeriod = shutdownGracePeriod
        self.gzipEnabled = gzipEnabled; self.basicAuth = basicAuth; self.unauthenticatedPaths = unauthenticatedPaths
    }
}

/// Counters and gauges of one `HTTPServer` since it was created; a consistent-enough snapshot
/// (each field is read atomically on its own) that any thread may take with `HTTPServer.stats()`.
public struct HTTPServerStats: Sendable, Hashable {
    /// Connections accepted (including those then refused or evicted).
    public var acceptedConnections = 0
    /// `accept` failures other than "no connection pending" (EMFILE, ENFILE, ENOBUFS, ECONNABORTED …).
    public var acceptErrors = 0
    /// Connections accepted and closed at once with a 503 because of `maxConnections`, nothing being
    /// evictable, or because no descriptor was left (EMFILE/ENFILE handled with the reserve descriptor).
    public var rejectedConnections = 0
    /// Connections closed to make room at `maxConnections`, by what they were doing.
    public var evictedHeaderIncomplete = 0
    public var evictedIdle = 0
    public var evictedStalledWriters = 0
    /// Connections closed because a response was not read in time (`writeTimeout` or `responseWriteTimeout`).
    public var writeTimeouts = 0
    /// Requests answered 408 because the head did not arrive within `requestReadTimeout`.
    public var readTimeouts = 0
    /// Requests answered (any status).
    public var requests = 0
    /// Connections closed after `maxRequestsPerConnection` requests.
    public var requestLimitCloses = 0
    /// bcrypt verifications run (on the worker threads), and how many failed.
    public var authChecks = 0
    public var authFailures = 0
    /// Requests answered 401 from the cache of recently failed credentials, without bcrypt.
    public var authFailuresCached = 0
    /// Requests answered 429 without a bcrypt check (per-address budget spent, or worker queue full).
    public var authFailuresThrottled = 0
    /// Open connections and bytes they hold queued for sending, now.
    public var openConnections = 0
    public var queuedOutputBytes = 0

    public init() {}

    /// Every eviction, whatever the reason.
    public var evictedConnections: Int { evictedHeaderIncomplete + evictedIdle + evictedStalledWriters }
}

/// A failure to set up the server; the message names the address and the system error.
public struct HTTPServerError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Reason phrases for the statuses Sealwatch sends.
enum HTTPStatus {
    static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 503: return "Service Unavailable"
        case 505: return "HTTP Version Not Supported"
        default: return "Status \(status)"
        }
    }
}
