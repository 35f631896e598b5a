/// Why a transfer produced no response. `reason` is a stable, low-cardinality label for metrics
/// (`sealwatch_probe_errors_total{reason=…}`); `detail` is for humans and never holds secrets
/// (implementations strip credentials and query strings from URLs before putting them here).
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case timeout                 // total or connect deadline passed
        case connectionRefused = "connection_refused"
        case dns                     // name did not resolve
        case tlsCertificate = "tls_certificate"   // untrusted CA, expired, name mismatch
        case tlsHandshake = "tls_handshake"       // handshake or client-certificate failure
        case responseTooLarge = "response_too_large"
        case protocolError = "protocol_error"     // malformed HTTP, bad redirect attempt, unsupported scheme
        case connectionFailed = "connection_failed"   // reset, unreachable network, other socket errors
        case invalidRequest = "invalid_request"       // bad URL, unreadable CA or key file
        case cancelled
    }
    public var kind: Kind
    public var detail: String
    public init(_ kind: Kind, _ detail: String) { self.kind = kind; self.detail = detail }
    public var reason: String { kind.rawValue }
    public var description: String { "\(kind.rawValue): \(detail)" }
}
