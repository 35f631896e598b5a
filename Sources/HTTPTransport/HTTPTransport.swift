/// The one outbound-HTTP role in Sealwatch. Probing and Notify depend on this protocol; only
/// `CurlTransport` implements it against the network (tests may use a loopback server instead).
///
/// Invariants every implementation keeps:
/// - `send` never blocks a thread of Swift's cooperative pool;
/// - the request's `timeout` is a total deadline covering connect, headers and body;
/// - redirects are never followed, only `http` and `https` are allowed;
/// - a response larger than `maxResponseBytes` fails with `.responseTooLarge`.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse
}
