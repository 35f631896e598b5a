import CurlTransport
import HTTPTransport
import Logging
import TestSupport
import Testing

/// `send(batch:)`: every request goes to the loop at once and the caller is resumed once.
@Suite("CurlTransport batches")
struct BatchTests {
    @Test func resultsComeBackInOrderWithTheirOwnTimes() async throws {
        let h = try Harness()
        defer { h.close() }
        h.server.route("/a", .json("{\"a\":1}"))
        h.server.route("/b", .json("{}", status: 503))
        h.server.route("/hang", .hang)
        let closed = try LoopbackHTTPServer()
        let refused = closed.url("/x")
        closed.stop()
        let requests = [
            HTTPRequest(url: h.server.url("/a"), timeout: .milliseconds(800)),
            HTTPRequest(url: h.server.url("/hang"), timeout: .milliseconds(800)),
            HTTPRequest(url: refused, timeout: .milliseconds(800)),
            HTTPRequest(url: h.server.url("/b"), timeout: .milliseconds(800)),
        ]
        let (outcomes, took) = await elapsed { await h.transport.send(batch: requests) }
        #expect(outcomes.count == 4)
        #expect((try? outcomes[0].result.get())?.body == Array("{\"a\":1}".utf8))
        #expect(outcomes[1].result.failure?.kind == .timeout)
        #expect(outcomes[2].result.failure?.kind == .connectionRefused)
        #expect((try? outcomes[3].result.get())?.status == 503)
        // The hung request holds the batch to its deadline; the others carry their own, short, times.
        #expect(took >= .milliseconds(790) && took < .milliseconds(1500))
        #expect(outcomes[1].elapsed >= .milliseconds(790))
        for i in [0, 2, 3] { #expect(outcomes[i].elapsed < .milliseconds(400)) }
    }

    @Test func emptyBatchReturnsAtOnce() async {
        let transport = CurlTransport(logger: Logger(label: "test.curl"))
        defer { transport.shutdown() }
        #expect(await transport.send(batch: []).isEmpty)
    }

    @Test func twoHundredRequestsInOneBatch() async throws {
        let h = try Harness()
        defer { h.close() }
        h.server.route("/n", .json("{}"))
        let outcomes = await h.transport.send(batch: (0..<200).map { _ in HTTPRequest(url: h.server.url("/n"), timeout: .seconds(5)) })
        #expect(outcomes.map { (try? $0.result.get())?.status ?? 0 } == Array(repeating: 200, count: 200))
    }

    @Test func cancellingTheTaskCancelsEveryRequest() async throws {
        let h = try Harness()
        defer { h.close() }
        h.server.route("/hang", .hang)
        let task = Task { await h.transport.send(batch: (0..<3).map { _ in HTTPRequest(url: h.server.url("/hang"), timeout: .seconds(10)) }) }
        _ = await h.server.waitForRequests(count: 3)
        let (outcomes, took) = await elapsed {
            task.cancel()
            return await task.value
        }
        #expect(outcomes.map { $0.result.failure?.kind } == [.cancelled, .cancelled, .cancelled])
        #expect(took < .milliseconds(500))
    }

    @Test func shutdownFailsABatchInFlightAndLaterOnes() async throws {
        let h = try Harness()
        defer { h.close() }
        h.server.route("/hang", .hang)
        h.server.route("/a", .json("{}"))
        let inFlight = Task { await h.transport.send(batch: [HTTPRequest(url: h.server.url("/hang"), timeout: .seconds(10)),
                                                             HTTPRequest(url: h.server.url("/a"), timeout: .seconds(10))]) }
        _ = await h.server.waitForRequests(count: 2)
        h.transport.shutdown()
        let outcomes = await inFlight.value
        #expect(outcomes[0].result.failure?.kind == .cancelled)
        let later = await h.transport.send(batch: [HTTPRequest(url: h.server.url("/a"))])
        #expect(later.map { $0.result.failure?.kind } == [.cancelled])
    }
}

extension Result where Failure == TransportError {
    var failure: TransportError? {
        if case .failure(let e) = self { return e }
        return nil
    }
}
