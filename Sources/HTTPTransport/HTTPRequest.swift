/// A header as sent or received; names compare case-insensitively through `HTTPHeaders`.
public struct HTTPHeader: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) { self.name = name; self.value = value }
}

/// An ordered header list with case-insensitive lookup.
public struct HTTPHeaders: Sendable, Hashable, ExpressibleByDictionaryLiteral, Sequence {
    public var entries: [HTTPHeader]
    public init(_ entries: [HTTPHeader] = []) { self.entries = entries }
    public init(dictionaryLiteral elements: (String, String)...) { entries = elements.map { HTTPHeader($0.0, $0.1) } }
    public subscript(name: String) -> String? {
        let lower = name.lowercased()
        return entries.first { $0.name.lowercased() == lower }?.value
    }
    public mutating func add(_ name: String, _ value: String) { entries.append(HTTPHeader(name, value)) }
    public func makeIterator() -> IndexingIterator<[HTTPHeader]> { entries.makeIterator() }
}

/// TLS settings of one request. Verification is on unless `insecureSkipVerify` is set.
public struct TLSOptions: Sendable, Hashable {
    /// PEM bundle of CAs to trust instead of the system store.
    public var caFile: String?
    /// PEM client certificate and key, for mTLS.
    public var certFile: String?
    public var keyFile: String?
    /// Name to send in SNI and to verify the certificate against, when it differs from the URL's host.
    public var serverName: String?
    public var insecureSkipVerify: Bool
    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil,
                serverName: String? = nil, insecureSkipVerify: Bool = false) {
        self.caFile = caFile; self.certFile = certFile; self.keyFile = keyFile
        self.serverName = serverName; self.insecureSkipVerify = insecureSkipVerify
    }
}

/// One outbound HTTP request with its limits.
public struct HTTPRequest: Sendable, Hashable {
    public enum Method: String, Sendable, Hashable { case GET, POST, PUT, HEAD }
    public var method: Method
    /// Absolute `http://` or `https://` URL.
    public var url: String
    public var headers: HTTPHeaders
    public var body: [UInt8]?
    /// Total deadline: connect, request, headers and body.
    public var timeout: Duration
    public var connectTimeout: Duration
    public var maxResponseBytes: Int
    public var tls: TLSOptions

    /// 1 MiB is far above any Vault status body (a few hundred bytes) and far below harm.
    public static let defaultMaxResponseBytes = 1 << 20

    public init(method: Method = .GET, url: String, headers: HTTPHeaders = [:], body: [UInt8]? = nil,
                timeout: Duration = .seconds(2), connectTimeout: Duration? = nil,
                maxResponseBytes: Int = HTTPRequest.defaultMaxResponseBytes, tls: TLSOptions = TLSOptions()) {
        self.method = method; self.url = url; self.headers = headers; self.body = body
        self.timeout = timeout; self.connectTimeout = connectTimeout ?? timeout
        self.maxResponseBytes = maxResponseBytes; self.tls = tls
    }
}
