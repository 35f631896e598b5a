import CurlTransport
import HTTPTransport
import Logging
import TestSupport
import Testing

/// A transport and a loopback server for one test; both are stopped by `close()`.
struct Harness {
    let transport = CurlTransport(logger: Logger(label: "test.curl"))
    let server: LoopbackHTTPServer

    init(host: String = "127.0.0.1") throws {
        server = try LoopbackHTTPServer(host: host)
    }

    func close() {
        transport.shutdown()
        server.stop()
    }

    func get(_ path: String, timeout: Duration = .seconds(5), maxBytes: Int = HTTPRequest.defaultMaxResponseBytes)
        async throws(TransportError) -> HTTPResponse {
        try await transport.send(HTTPRequest(url: server.url(path), timeout: timeout, maxResponseBytes: maxBytes))
    }

    /// The error a request fails with (a response is a test failure).
    func failure(of request: HTTPRequest) async -> TransportError? {
        do {
            let response = try await transport.send(request)
            Issue.record("expected an error, got status \(response.status)")
            return nil
        } catch {
            return error
        }
    }
}

func elapsed<T>(_ body: () async throws -> T) async rethrows -> (T, Duration) {
    let start = ContinuousClock.now
    let value = try await body()
    return (value, ContinuousClock.now - start)
}

@Suite("CurlTransport against LoopbackHTTPServer")
struct CurlTransportTests {
    @Test func okResponseCarriesStatusBodyAndHeaders() async throws {
        let h = try Harness()
        defer { h.close() }
        h.server.route("/v1/sys/health", .init(status: 200, headers: ["X-Vault-Test": "yes"], body: #"{"sealed":false}"#))
        let response = try await h.get("/v1/sys/health")
        #expect(response.status == 200)
        #expect(response.bodyText == #"{"sealed":false}"#)
        #expect(response.headers["x-vault-test"] == "yes")
        #expect(response.headers["Content-Length"] == "16")
        #expect(response.peerCertificateExpiry == nil)
        let seen = try #require(h.server.requests.first)
        #expect(seen.method == "GET")
        #expect(seen.headers["User-Agent"] == "sealwatch")
    }

    @Test func postBodyAndHeadersArrive() async throws {
        let h = try Harness()
        defer { h.close() }
        h.server.route("/hook") { request in
            request.headers["X-Signature"] == "abc" ? .init(status: 202, body: "accepted") : .init(status: 400)
        }
        let payload = Array(#"{"status":"firing","alerts":[]}"#.utf8) + [UInt8](repeating: UInt8(ascii: " "), count: 2000)
        let response = try await h.transport.send(HTTPRequest(
            method: .POST, url: h.server.url("/hook?x=1"),
            headers: ["Content-Type": "application/json", "X-Signature": "abc"], body: payload))
        #expect(response.status == 202)
        let seen = try #require(h.server.requests(path: "/hook").first)
        #expect(seen.method == "POST")
        #expect(seen.query == "x=1")
        #expect(seen.body == payload)
        #expect(seen.headers["Content-Type"] == "application/json")
        #expect(seen.headers["Expect"] == nil)  // no 100-continue round trip for bodies over 1 KiB
    }

    @Test func putAndHeadMethods() async throws {
        let h = try Harness()
        defer { h.close() }
        h.server.route("/x", .init(status: 200, body: "body"))
        let put = try await h.transport.send(HTTPRequest(method: .PUT, url: h.server.url("/x"), body: Array("data".utf8)))
        let head = try await h.transport.send(HTTPRequest(method: .HEAD, url: h.server.url("/x")))
        #expect(put.status == 200)
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
        #expect(h.server.requests.map(\.method) == ["PUT", "HEAD"])
        #expect(h.server.requests.first?.bodyText == "data")
    }

    @Test(arguments: [429, 472, 473, 474, 501, 503, 530, 404, 500])
    func nonSuccessStatusesAreResponses(status: Int) async throws {
        let h = try Harness()
        defer { h.close() }
        h.server.route("/v1/sys/health", .json(#"{"sealed":true}"#, status: status))
        let response = try await h.get("/v1/sys/health")
        #expect(response.status == status)
        #expect(response.bodyText == #"{"sealed":true}"#)
    }

    @Test func hungServerTimesOutAtTheDeadline() async throws {
        let h = try Harness()
        defer { h.close() }
        h.server.route("/v1/sys/health", .hang)
        let request = HTTPRequest(url: h.server.url("/v1/sys/health"), timeout: .milliseconds(500))
        let (error, took) = await elapsed { await h.failure(of: request) }
        #expect(error?.kind == .timeout)
        #expect(took >= .milliseconds(450))
        #expect(took < .milliseconds(800))
    }

    @Test func drippingBodyIsCutOffAtTheTotalDeadline() async throws {
        let h = try Harness()
        defer { h.close() }
        h.server.route("/slow", .drip(body: String(repeating: "x", count: 100), chunkSize: 1, interval: .milliseconds(50)))
        let request = HTTPRequest(url: h.server.url("/slow"), timeout: .milliseconds(500))
        let (error, took) = await elapsed { await h.failure(of: request) }
        #expect(error?.kind == .timeout)
        #expect(took < .milliseconds(800))
    }

    @Test func delayWithinDeadlineSucceedsAndShowsInTimings() async throws {
        let h = try Harness()
        defer { h.close() }
        h.server.route("/slow", LoopbackResponse(body: "late").delayed(by: .milliseconds(50)))
        let response = try await h.get("/slow")
        #expect(response.bodyText == "late")
        #expect(response.timings.firstByte >= .milliseconds(45))
        #expect(response.timings.total >= response.timings.firstByte)
        #expect(response.timings.total < .seconds(1))
        #expect(response.timings.tls == .zero)
    }

    /// Content-Length over the cap (curl refuses at the head) and an unannounced body (the write
    /// callback refuses) both end as `.responseTooLarge`.
    @Test(arguments: [
        ("announced", LoopbackResponse.huge(byteCount: 3 << 20)),
        ("unannounced", LoopbackResponse.raw(Array("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".utf8)
            + [UInt8](repeating: 65, count: 3 << 20))),
    ])
    func oversizedBodyIsRefused(name: String, response: LoopbackResponse) async throws {
        let h = try Harness()
        defer { h.close() }
        h.server.route("/big", response)
        let error = await h.failure(of: HTTPRequest(url: h.server.url("/big"), maxResponseBytes: 1 << 20))
        #expect(error?.kind == .responseTooLarge, "\(name)")
        #expect(error?.detail == "response body exceeds 1048576 bytes")
    }

    @Test func bodyExactlyAtTheCapIsAccepted() async throws {
        let h = try Harness()
        defer { h.close() }
        h.server.route("/big", .huge(byteCount: 4096))
        let response = try await h.get("/big", maxBytes: 4096)
        #expect(response.body.count == 4096)
    }

    @Test func redirectIsReturnedNotFollowed() async throws {
        let h = try Harness()
        defer { h.close() }
        h.server.route("/old", .redirect(to: "/new"))
        h.server.route("/new", .init(status: 200, body: "moved"))
        let response = try await h.get("/old")
        #expect(response.status == 302)
        #expect(response.headers["Location"] == "/new")
        #expect(h.server.requests.map(\.path) == ["/old"])
    }

    @Test(arguments: ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/x"])
    func otherSchemesAreRefused(url: String) async throws {
        let h = try Harness()
        defer { h.close() }
        let error = await h.failure(of: HTTPRequest(url: url))
        #expect(error?.kind == .protocolError)
        #expect(error?.detail.contains("root:") == false)
    }

    @Test func malformedURLIsAnInvalidRequest() async throws {
        let h = try Harness()
        defer { h.close() }
        let error = await h.failure(of: HTTPRequest(url: "http://[not a host/x"))
        #expect(error?.kind == .invalidRequest)
    }

    @Test func refusedConnectionIsConnectionRefused() async throws {
        let h = try Harness()
        defer { h.close() }
        let closed = try LoopbackHTTPServer()
        let url = closed.url("/v1/sys/health")
        closed.stop()
        let error = await h.failure(of: HTTPRequest(url: url, timeout: .seconds(2)))
        #expect(error?.kind == .connectionRefused)
    }

    @Test(arguments: [
        ("garbage", LoopbackResponse.garbage, TransportError.Kind.protocolError),
        ("truncated", LoopbackResponse.truncated(body: String(repeating: "y", count: 100), sentBytes: 10), .protocolError),
        ("hang-up", LoopbackResponse.closeWithoutAnswer, .connectionFailed),
    ])
    func misbehavingServersAreErrors(name: String, response: LoopbackResponse, kind: TransportError.Kind) async throws {
        let h = try Harness()
        defer { h.close() }
        h.server.route("/bad", response)
        let error = await h.failure(of: HTTPRequest(url: h.server.url("/bad")))
        #expect(error?.kind == kind, "\(name): \(String(describing: error))")
    }

    @Test func detailNeverCarriesCredentialsOrQuery() async throws {
        let h = try Harness()
        defer { h.close() }
        h.server.route("/v1/sys/health", .hang)
        let url = "http://sealwatch:hunter2pw@127.0.0.1:\(h.server.port)/v1/sys/health?token=s.secret123"
        let error = try #require(await h.failure(of: HTTPRequest(url: url, timeout: .milliseconds(200))))
        #expect(error.kind == .timeout, "\(error)")
        #expect(!error.description.contains("hunter2pw"))
        #expect(!error.description.contains("s.secret123"))
    }

    @Test func secondRequestReusesTheConnection() async throws {
        let h = try Harness()
        defer { h.close() }
        h.server.route("/v1/sys/health", .json("{}"))
        let first = try await h.get("/v1/sys/health")
        let second = try await h.get("/v1/sys/health")
        #expect(first.timings.reusedConnection == false)
        #expect(second.timings.reusedConnection == true)
        #expect(second.timings.connect == .zero)
        #expect(h.server.connectionCount == 1)
        #expect(h.server.requests.map(\.connectionID) == [1, 1])
    }

    @Test func twoHundredConcurrentRequestsComplete() async throws {
        let h = try Harness()
        defer { h.close() }
        h.server.route("/n*") { request in .init(status: 200, body: request.path) }
        let statuses = await withTaskGroup(of: (Int, Int).self) { group in
            for i in 0..<200 {
                group.addTask {
                    do {
                        let response = try await h.get("/n/\(i)")
                        return (i, response.bodyText == "/n/\(i)" ? response.status : -1)
                    } catch {
                        Issue.record("request \(i): \(error)")
                        return (i, 0)
                    }
                }
            }
            var all: [Int: Int] = [:]
            for await (i, status) in group { all[i] = status }
            return all
        }
        #expect(statuses.count == 200)
        #expect(statuses.values.allSatisfy { $0 == 200 })
    }

    @Test func oneHungNodeDoesNotDelayTheOthers() async throws {
        let h = try Harness()
        defer { h.close() }
        h.server.route("/hang", .hang)
        h.server.route("/fast", .json("{}"))
        let hung = Task { await h.failure(of: HTTPRequest(url: h.server.url("/hang"), timeout: .seconds(3))) }
        _ = await h.server.waitForRequests(count: 1)  // the hung request is in flight
        let (fast, took) = await elapsed {
            await withTaskGroup(of: Int.self) { group in
                for _ in 0..<20 { group.addTask { (try? await h.get("/fast", timeout: .seconds(3)))?.status ?? 0 } }
                return await group.reduce(into: [Int]()) { $0.append($1) }
            }
        }
        #expect(fast == Array(repeating: 200, count: 20))
        #expect(took < .milliseconds(500))
        hung.cancel()
        #expect(await hung.value?.kind == .cancelled)
    }

    @Test func cancellingTheTaskFailsWithCancelledPromptly() async throws {
        let h = try Harness()
        defer { h.close() }
        h.server.route("/hang", .hang)
        let task = Task { await h.failure(of: HTTPRequest(url: h.server.url("/hang"), timeout: .seconds(10))) }
        _ = await h.server.waitForRequests(count: 1)
        let (error, took) = await elapsed {
            task.cancel()
            return await task.value
        }
        #expect(error?.kind == .cancelled)
        #expect(took < .milliseconds(500))
    }

    @Test func shutdownFailsInFlightAndLaterRequests() async throws {
        let h = try Harness()
        defer { h.close() }
        h.server.route("/hang", .hang)
        let inFlight = Task { await h.failure(of: HTTPRequest(url: h.server.url("/hang"), timeout: .seconds(10))) }
        _ = await h.server.waitForRequests(count: 1)
        h.transport.shutdown()
        #expect(await inFlight.value?.kind == .cancelled)
        let later = await h.failure(of: HTTPRequest(url: h.server.url("/hang")))
        #expect(later?.kind == .cancelled)
    }

    @Test func serverBindsOtherLoopbackAddresses() async throws {
        let h = try Harness(host: "127.0.1.7")
        defer { h.close() }
        h.server.route("/v1/sys/health", .json("{}", status: 429))
        #expect(h.server.baseURL.hasPrefix("http://127.0.1.7:"))
        #expect(try await h.get("/v1/sys/health").status == 429)
    }

    @Test func headerInjectionIsRefused() async throws {
        let h = try Harness()
        defer { h.close() }
        let error = await h.failure(of: HTTPRequest(url: h.server.url("/"), headers: ["X-Evil": "a\r\nHost: other"]))
        #expect(error?.kind == .invalidRequest)
        #expect(h.server.requests.isEmpty)
    }
}
