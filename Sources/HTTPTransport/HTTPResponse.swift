/// Where the time of one transfer went, as blackbox_exporter's phases. Each value is the duration
/// of that phase alone (not curl's cumulative times); phases that did not happen are zero
/// (a reused connection has no DNS, connect or TLS time).
public struct TransferTimings: Sendable, Hashable {
    public var dns: Duration
    public var connect: Duration
    public var tls: Duration
    /// From request sent to the first response byte ("processing").
    public var firstByte: Duration
    /// From the first byte to the last ("transfer").
    public var transfer: Duration
    /// Wall time of the whole transfer.
    public var total: Duration
    public var reusedConnection: Bool
    public init(dns: Duration = .zero, connect: Duration = .zero, tls: Duration = .zero, firstByte: Duration = .zero,
                transfer: Duration = .zero, total: Duration = .zero, reusedConnection: Bool = false) {
        self.dns = dns; self.connect = connect; self.tls = tls; self.firstByte = firstByte
        self.transfer = transfer; self.total = total; self.reusedConnection = reusedConnection
    }
}

/// A complete response. Any status is a response; deciding what a status means is the caller's job.
public struct HTTPResponse: Sendable, Hashable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var timings: TransferTimings
    /// Leaf certificate expiry of an HTTPS peer, when the transport could read it.
    public var peerCertificateExpiry: Double?  // seconds since 1970
    public init(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = [], timings: TransferTimings = TransferTimings(),
                peerCertificateExpiry: Double? = nil) {
        self.status = status; self.headers = headers; self.body = body; self.timings = timings
        self.peerCertificateExpiry = peerCertificateExpiry
    }
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}
