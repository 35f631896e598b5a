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
    /// Sends every request at once and returns their results in order when the last one is done.
    /// A transport may do this without a task per request (CurlTransport does: a poll cycle's
    /// hundreds of requests then cost one suspension instead of hundreds of task frames).
    func send(batch requests: [HTTPRequest]) async -> [BatchOutcome]
}

/// One request's result in a batch, and how long after the batch started it completed.
public struct BatchOutcome: Sendable {
    public var result: Result<HTTPResponse, TransportError>
    public var elapsed: Duration
    public init(result: Result<HTTPResponse, TransportError>, elapsed: Duration) {
        self.result = result; self.elapsed = elapsed
    }
}

extension HTTPTransport {
    /// One child task per request.
    public func send(batch requests: [HTTPRequest]) async -> [BatchOutcome] {
        let start = ContinuousClock.now
        return await withTaskGroup(of: (Int, BatchOutcome).self) { group in
            for (i, request) in requests.enumerated() {
                group.addTask {
                    let result: Result<HTTPResponse, TransportError>
                    do throws(TransportError) { result = .success(try await self.send(request)) } catch { result = .failure(error) }
                    return (i, BatchOutcome(result: result, elapsed: ContinuousClock.now - start))
                }
            }
            var results = [BatchOutcome?](repeating: nil, count: requests.count)
            for await (i, r) in group { results[i] = r }
            return results.map { $0! }
        }
    }
}
