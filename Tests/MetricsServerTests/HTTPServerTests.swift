import CLinux
@testable import MetricsServer
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

private let get = "GET / HTTP/1.1\r\nHost: t\r\n\r\n"
private func req(_ path: String, _ extra: String = "") -> String { "GET \(path) HTTP/1.1\r\nHost: t\r\n\(extra)\r\n" }

@Suite(.timeLimit(.minutes(1))) struct HTTPServerTests {
    @Test func getReturnsTheHandlersResponse() async throws {
        try await withServer { server in
            let address = server.localAddress
            #expect(address.hasPrefix("127.0.0.1:") && !address.hasSuffix(":0"))
            let r = try await offPool {
                let c = try TestClient(address)
                try c.send(req("/hello%20world?b=2&a=1"))
                return try c.readResponse()
            }
            #expect(r.status == 200)
            #expect(r.text == "GET /hello world?a=1&b=2 user=-")
            #expect(r.header("Content-Length") == "\(r.body.count)")
            #expect(r.header("Content-Type") == "text/plain; charset=utf-8")
            #expect(r.header("Connection") == nil)
            #expect(r.header("Date")?.hasSuffix(" GMT") == true)
        }
    }

    @Test func headHasTheSameHeadersAndNoBody() async throws {
        try await withServer { server in
            let (g, h, after) = try await offPool {
                let c = try TestClient(server.localAddress)
                try c.send(req("/big"))
                let g = try c.readResponse()
                try c.send("HEAD /big HTTP/1.1\r\nHost: t\r\n\r\n")
                let h = try c.readResponse(head: true)
                try c.send(req("/after"))  // the connection is still in sync: no stray body bytes
                return (g, h, try c.readResponse())
            }
            #expect(h.status == 200 && h.body.isEmpty)
            #expect(h.header("Content-Length") == g.header("Content-Length"))
            #expect(h.header("Content-Type") == g.header("Content-Type"))
            #expect(after.text == "GET /after? user=-")
        }
    }

    @Test func keepAliveServesThreeRequestsIncluding404OnOneConnection() async throws {
        try await withServer { server in
            let statuses = try await offPool {
                let c = try TestClient(server.localAddress)
                var statuses: [Int] = []
                for path in ["/a", "/missing", "/c"] {
                    try c.send(req(path))
                    statuses.append(try c.readResponse().status)
                }
                return statuses
            }
            #expect(statuses == [200, 404, 200])
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrderThenClosed() async throws {
        try await withServer { server in
            let (texts, closed) = try await offPool {
                let c = try TestClient(server.localAddress)
                try c.send(req("/1") + req("/2") + "HEAD /3 HTTP/1.1\r\nHost: t\r\n\r\n" + req("/4", "Connection: close\r\n"))
                var texts = [try c.readResponse().text, try c.readResponse().text]
                let h = try c.readResponse(head: true)
                texts.append("\(h.status) \(h.body.count)")
                let last = try c.readResponse()
                texts.append(last.text + " " + (last.header("Connection") ?? ""))
                return (texts, c.closedByServer())
            }
            #expect(texts == ["GET /1? user=-", "GET /2? user=-", "200 0", "GET /4? user=- close"])
            #expect(closed)
        }
    }

    @Test func http10ClosesUnlessKeepAliveIsAsked() async throws {
        try await withServer { server in
            let (plain, plainClosed, ka, kaReuse) = try await offPool {
                let c = try TestClient(server.localAddress)
                try c.send("GET /x HTTP/1.0\r\n\r\n")
                let plain = try c.readResponse()
                let d = try TestClient(server.localAddress)
                try d.send("GET /y HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                let ka = try d.readResponse()
                try d.send("GET /z HTTP/1.0\r\n\r\n")
                return (plain, c.closedByServer(), ka, try d.readResponse())
            }
            #expect(plain.status == 200 && plain.header("Connection") == "close" && plainClosed)
            #expect(ka.header("Connection") == "keep-alive" && kaReuse.text == "GET /z? user=-")
        }
    }

    @Test func badRequestsGetTheirStatusAndAClose() async throws {
        try await withServer { server in
            let results = try await offPool {
                var results: [String] = []
                for raw in ["GARBAGE / SOMETHING\r\n\r\n", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi",
                            "GET / HTTP/1.1\r\nHost: t\r\nX: " + String(repeating: "a", count: 9000) + "\r\n\r\n"] {
                    let c = try TestClient(server.localAddress)
                    try c.send(raw)
                    let r = try c.readResponse()
                    results.append("\(r.status) \(r.header("Connection") ?? "") \(r.header("Allow") ?? "-") \(c.closedByServer())")
                }
                return results
            }
            #expect(results == ["400 close - true", "405 close GET, HEAD true", "431 close - true"])
        }
    }

    @Test func slowClientIsCutOffWith408AfterTheReadTimeout() async throws {
        var config = HTTPServerConfiguration()
        config.requestReadTimeout = .milliseconds(300)
        try await withServer(configuration: config) { server in
            let (status, elapsed, closed, idleClosed) = try await offPool {
                let start = ContinuousClock.now
                let c = try TestClient(server.localAddress)
                try c.send("GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ")  // and never finish
                let r = try c.readResponse()
                let elapsed = ContinuousClock.now - start
                let silent = try TestClient(server.localAddress)  // connects and sends nothing
                let s = try silent.readResponse()
                return (r.status, elapsed, c.closedByServer(), s.status)
            }
            #expect(status == 408)
            #expect(elapsed >= .milliseconds(290) && elapsed < .seconds(2))
            #expect(closed)
            #expect(idleClosed == 408)
        }
    }

    @Test func idleKeepAliveConnectionIsClosedSilently() async throws {
        var config = HTTPServerConfiguration()
        config.idleKeepAliveTimeout = .milliseconds(200)
        try await withServer(configuration: config) { server in
            let (status, closed, leftover) = try await offPool {
                let c = try TestClient(server.localAddress)
                try c.send(get)
                let r = try c.readResponse()
                return (r.status, c.closedByServer(), c.pendingBytes)
            }
            #expect(status == 200 && closed && leftover == 0)
        }
    }

    @Test func connectionCapRefusesTheExtraConnectionAtOnceWhenNothingMayBeEvicted() async throws {
        var config = HTTPServerConfiguration()
        config.maxConnections = 2
        config.evictStalledWritersAfter = .seconds(60)
        let big = [UInt8](repeating: 0x61, count: 8 << 20)
        try await withServer(configuration: config, handler: { _ in ServerResponse(body: big) }) { server in
            let (status, closed) = try await offPool {
                // Two clients that ask for a large body and do not read: their responses are pending,
                // stalled for less than `evictStalledWritersAfter`, so neither may be evicted.
                let stalled = try (0..<2).map { _ in try TestClient(server.localAddress, receiveBuffer: 4096) }
                for c in stalled { try c.send(get) }
                while server.stats().queuedOutputBytes < 2 * big.count { usleep(1000) }
                let third = try TestClient(server.localAddress)
                let r = try third.readResponse()
                return (r.status, third.closedByServer())
            }
            #expect(status == 503 && closed)
            let stats = server.stats()
            #expect(stats.rejectedConnections == 1 && stats.evictedConnections == 0)
        }
    }

    @Test func gzipOnlyWhenAskedAndLargeEnough() async throws {
        try await withServer { server in
            let (plain, zipped, small, refused) = try await offPool {
                let c = try TestClient(server.localAddress)
                try c.send(req("/big"))
                let plain = try c.readResponse()
                try c.send(req("/big", "Accept-Encoding: deflate, gzip\r\n"))
                let zipped = try c.readResponse()
                try c.send(req("/small", "Accept-Encoding: gzip\r\n"))
                let small = try c.readResponse()
                try c.send(req("/big", "Accept-Encoding: gzip;q=0\r\n"))
                return (plain, zipped, small, try c.readResponse())
            }
            #expect(plain.header("Content-Encoding") == nil && plain.header("Vary") == "Accept-Encoding")
            #expect(zipped.header("Content-Encoding") == "gzip" && zipped.header("Vary") == "Accept-Encoding")
            #expect(zipped.body.count < plain.body.count / 5)
            #expect(gunzip(zipped.body) == plain.body)
            #expect(small.header("Content-Encoding") == nil && small.header("Vary") == nil)
            #expect(refused.header("Content-Encoding") == nil && refused.body == plain.body)
        }
    }

    @Test func handlerSetContentEncodingIsLeftAlone() async throws {
        let body = [UInt8](repeating: 0x41, count: 4096)
        try await withServer(handler: { _ in ServerResponse(headers: [("Content-Encoding", "identity")], body: body) }) { server in
            let r = try await offPool {
                let c = try TestClient(server.localAddress)
                try c.send(req("/", "Accept-Encoding: gzip\r\n"))
                return try c.readResponse()
            }
            #expect(r.header("Content-Encoding") == "identity" && r.body == body)
        }
    }

    @Test func basicAuth() async throws {
        var config = HTTPServerConfiguration()
        config.basicAuth = ["prom": "$2y$04$abcdefghijklmnopqrstuuLZYjhNQAOdpbzt4WxWlUHjv1wsyH5DG"]  // s3cret
        config.unauthenticatedPaths = ["/-/healthy"]
        let sawAuthorization = Atomic<Bool>(false)
        try await withServer(configuration: config, handler: { request in
            if request.header("Authorization") != nil { sawAuthorization.store(true, ordering: .relaxed) }
            return echoHandler(request)
        }) { server in
            let responses = try await offPool {
                let c = try TestClient(server.localAddress)
                var out: [ClientResponse] = []
                for extra in ["", "Authorization: Basic cHJvbTpzM2NyZXQ=\r\n", "Authorization: Basic cHJvbTpzM2NyZXQ=\r\n",
                              "Authorization: Basic cHJvbTp3cm9uZw==\r\n", "Authorization: Basic bm9ib2R5OnMzY3JldA==\r\n"] {
                    try c.send(req("/metrics", extra))
                    out.append(try c.readResponse())
                }
                try c.send(req("/-/healthy"))
                out.append(try c.readResponse())
                return out
            }
            #expect(responses.map(\.status) == [401, 200, 200, 401, 401, 200])
            #expect(responses[0].header("WWW-Authenticate") == "Basic realm=\"sealwatch\"")
            #expect(responses[1].text == "GET /metrics? user=prom")
            #expect(responses[5].text == "GET /-/healthy? user=-")
            let leaked = sawAuthorization.load(ordering: .relaxed)
            #expect(!leaked)  // credentials never reach the handler
        }
    }

    @Test func ipv6Loopback() async throws {
        try await withServer(.address("[::1]:0")) { server in
            #expect(server.localAddress.hasPrefix("[::1]:"))
            let r = try await offPool {
                let c = try TestClient(server.localAddress)
                try c.send(get)
                return try c.readResponse()
            }
            #expect(r.status == 200)
        }
    }

    @Test func bindErrorNamesTheAddress() async throws {
        try await withServer { server in
            let error = #expect(throws: HTTPServerError.self) {
                _ = try HTTPServer(listen: .address(server.localAddress), logger: quietLogger, handler: echoHandler)
            }
            #expect(error?.description == "cannot listen on \(server.localAddress): bind: Address already in use")
        }
    }

    @Test func adoptsAnInheritedListeningDescriptorAndLeavesItOpen() async throws {
        // What systemd would pass: a bound, listening socket.
        let fd = try Listener.open("127.0.0.1:0")
        defer { close(fd) }
        let address = try #require(SocketAddress.local(of: fd)).description
        try await withServer(.inheritedDescriptor(fd)) { server in
            #expect(server.localAddress == address)
            let r = try await offPool {
                let c = try TestClient(address)
                try c.send(get)
                return try c.readResponse()
            }
            #expect(r.status == 200)
        }
        // After stop() the descriptor is still open and listening: the server neither closed nor shut it down.
        var listening: Int32 = 0
        var len = socklen_t(4)
        #expect(getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening == 1)
        #expect(throws: HTTPServerError.self) {
            _ = try HTTPServer(listen: .inheritedDescriptor(-1), logger: quietLogger, handler: echoHandler)
        }
    }

    @Test func stopCompletesAnInFlightResponse() async throws {
        let entered = Atomic<Bool>(false)
        let server = try HTTPServer(listen: .address("127.0.0.1:0"), logger: quietLogger) { request in
            entered.store(true, ordering: .sequentiallyConsistent)
            usleep(300_000)  // a slow handler, still running when stop() is called
            return echoHandler(ServerRequest(method: request.method, path: "/big"))
        }
        try server.start()
        let address = server.localAddress
        let (response, closed, refused, stopTook) = try await offPool {
            let c = try TestClient(address)
            try c.send(get)
            while !entered.load(ordering: .sequentiallyConsistent) { usleep(1000) }
            let start = ContinuousClock.now
            server.stop()
            let took = ContinuousClock.now - start
            let r = try c.readResponse()
            return (r, c.closedByServer(), (try? TestClient(address)) == nil, took)
        }
        #expect(response.status == 200 && response.body == echoHandler(ServerRequest(method: "GET", path: "/big")).body)
        #expect(response.header("Connection") == "close")
        #expect(closed && refused)
        #expect(stopTook >= .milliseconds(200) && stopTook < .seconds(3))
    }

    @Test func stopClosesIdleConnectionsPromptly() async throws {
        let server = try HTTPServer(listen: .address("127.0.0.1:0"), logger: quietLogger, handler: echoHandler)
        try server.start()
        let took = try await offPool {
            let idle = try (0..<3).map { _ in try TestClient(server.localAddress) }
            try idle[0].send(get)
            _ = try idle[0].readResponse()
            let start = ContinuousClock.now
            server.stop()
            server.stop()  // idempotent
            return (ContinuousClock.now - start, idle.allSatisfy { $0.closedByServer() }).0
        }
        #expect(took < .seconds(2))  // no grace-period wait for idle connections (default grace: 5 s)
        #expect(throws: HTTPServerError.self) { try server.start() }
    }

    @Test func clientsThatCloseWithoutReadingDoNotKillTheServer() async throws {
        let big = [UInt8](repeating: 0x61, count: 2 << 20)
        try await withServer(handler: { _ in ServerResponse(body: big) }) { server in
            let status = try await offPool {
                for _ in 0..<10 {
                    let c = try TestClient(server.localAddress)
                    try c.send(String(repeating: get, count: 20))
                    // Closing with unread data resets the connection: the server's next send gets EPIPE/ECONNRESET.
                }
                usleep(100_000)
                let c = try TestClient(server.localAddress)
                try c.send(req("/"))
                return try c.readResponse().status
            }
            #expect(status == 200)
        }
    }

    @Test func slowReaderGetsEveryPipelinedByteIntact() async throws {
        let body = (0..<(160 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try await withServer(handler: { _ in ServerResponse(body: body) }) { server in
            let ok = try await offPool {
                let c = try TestClient(server.localAddress, receiveBuffer: 4096)
                try c.send(String(repeating: get, count: 12))
                usleep(200_000)  // let the server hit EAGAIN and wait for EPOLLOUT
                return try (0..<12).map { _ in try c.readResponse().body == body }
            }
            #expect(ok == Array(repeating: true, count: 12))
        }
    }
}
