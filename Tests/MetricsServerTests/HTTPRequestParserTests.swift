@testable import MetricsServer
import Testing

private func parse(_ text: String, maxHeaderBytes: Int = 8192) -> HTTPParseResult {
    var parser = HTTPRequestParser(maxHeaderBytes: maxHeaderBytes)
    return parser.parse(Array(text.utf8))
}

private func head(_ result: HTTPParseResult) -> (HTTPRequestHead, Int)? {
    if case .request(let h, let consumed) = result { return (h, consumed) }
    return nil
}

struct GoodRequest: Sendable, CustomTestStringConvertible {
    var raw: String
    var method: String
    var path: String
    var query: [String: String]
    var keepAlive: Bool
    var testDescription: String { raw.debugDescription }
}

@Suite struct HTTPRequestParserTests {
    @Test(arguments: [
        GoodRequest(raw: "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", method: "GET", path: "/metrics", query: [:], keepAlive: true),
        GoodRequest(raw: "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", method: "HEAD", path: "/", query: [:], keepAlive: true),
        GoodRequest(raw: "GET /a%20b/%C3%A9?x=1&y=a+b%21&flag&x=2 HTTP/1.1\r\nHost: x\r\n\r\n", method: "GET",
                    path: "/a b/é", query: ["x": "1", "y": "a b!", "flag": ""], keepAlive: true),
        GoodRequest(raw: "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", method: "GET", path: "/", query: [:], keepAlive: false),
        GoodRequest(raw: "GET / HTTP/1.1\r\nHost: x\r\nConnection: TE, Close\r\n\r\n", method: "GET", path: "/", query: [:], keepAlive: false),
        GoodRequest(raw: "GET / HTTP/1.0\r\n\r\n", method: "GET", path: "/", query: [:], keepAlive: false),
        GoodRequest(raw: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", method: "GET", path: "/", query: [:], keepAlive: true),
        GoodRequest(raw: "GET http://example:9742/metrics?a=b HTTP/1.1\r\nHost: example\r\n\r\n", method: "GET",
                    path: "/metrics", query: ["a": "b"], keepAlive: true),
        GoodRequest(raw: "\r\nGET /lf-only HTTP/1.1\nHost: x\n\n", method: "GET", path: "/lf-only", query: [:], keepAlive: true),
        GoodRequest(raw: "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nX-Empty:\r\nX-Pad:   v  \r\n\r\n", method: "GET", path: "/",
                    query: [:], keepAlive: true),
    ])
    func parsesGoodRequests(_ c: GoodRequest) throws {
        let (h, consumed) = try #require(head(parse(c.raw)))
        #expect(h.method == c.method)
        #expect(h.path == c.path)
        #expect(h.query == c.query)
        #expect(h.keepAlive == c.keepAlive)
        #expect(consumed == c.raw.utf8.count)
    }

    @Test func keepsHeadersInOrderWithTrimmedValues() throws {
        let (h, _) = try #require(head(parse("GET / HTTP/1.1\r\nHost: x\r\nX-Pad: \t v w \t\r\nAccept-Encoding: gzip\r\n\r\n")))
        #expect(h.headers == [HTTPField(name: "Host", value: "x"), HTTPField(name: "X-Pad", value: "v w"),
                              HTTPField(name: "Accept-Encoding", value: "gzip")])
        #expect(h.header("accept-encoding") == "gzip")
        #expect(h.version == HTTPVersion(major: 1, minor: 1))
    }

    @Test(arguments: [
        "GET /metrics?name[]=up HTTP/1.1\r\nHost: h\r\nUser-Agent: Prometheus/2.42\r\nAccept: text/plain\r\n\r\n",
        "\r\n\r\nHEAD / HTTP/1.0\r\n\r\n",
    ])
    func splitAtEveryByteGivesTheSameRequest(_ raw: String) throws {
        let bytes = Array(raw.utf8)
        let (whole, _) = try #require(head(parse(raw)))
        for cut in 1..<bytes.count {
            // Feed a prefix, then the whole buffer, to the same parser (as a connection would).
            var parser = HTTPRequestParser()
            #expect(parser.parse(Array(bytes[0..<cut])) == .needMore, "cut at \(cut)")
            #expect(parser.parse(bytes) == .request(whole, consumed: bytes.count), "cut at \(cut)")
        }
        // And one byte at a time.
        var parser = HTTPRequestParser()
        for n in 1..<bytes.count { #expect(parser.parse(Array(bytes[0..<n])) == .needMore) }
        #expect(parser.parse(bytes) == .request(whole, consumed: bytes.count))
    }

    @Test(arguments: [
        ("GARBAGE\r\n\r\n", 400),
        ("GET /\r\n\r\n", 400),
        ("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n", 400),
        ("GET / HTTX/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET metrics HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET /a\u{7F} HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (" GET / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        ("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", 405),
        ("DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", 405),
        ("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 405),
        ("get / HTTP/1.1\r\nHost: x\r\n\r\n", 405),
        ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 413),
        ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413),
        ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nX: a\u{01}b\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", 400),
        ("GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET /%ff HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET /?a=%4 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ])
    func rejectsBadRequests(_ raw: String, _ status: Int) {
        #expect(parse(raw).errorStatus == status)
    }

    @Test func rejectsBinaryGarbageAtTheFirstByte() {
        var parser = HTTPRequestParser()
        #expect(parser.parse([0x16, 0x03, 0x01]).errorStatus == 400)  // a TLS ClientHello
    }

    @Test func oversizedHeaderIs431AndLongRequestLineIs414() {
        let big = "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 9000) + "\r\n\r\n"
        #expect(parse(big).errorStatus == 431)
        // Not yet complete but already over the limit: no need to wait for the end.
        #expect(parse(String(big.prefix(8300))).errorStatus == 431)
        #expect(parse("GET /" + String(repeating: "a", count: 9000)).errorStatus == 414)
        // Exactly at the limit is fine.
        let prefix = "GET / HTTP/1.1\r\nHost: x\r\nX: "
        let exact = prefix + String(repeating: "b", count: 100 - prefix.utf8.count - 4) + "\r\n\r\n"
        #expect(exact.utf8.count == 100)
        #expect(head(parse(exact, maxHeaderBytes: 100)) != nil)
        #expect(parse(exact + "", maxHeaderBytes: 99).errorStatus == 431)
    }

    @Test func pipelinedRequestsAreConsumedOneAtATime() throws {
        let first = "GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
        let second = "HEAD /two?x=y HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        var buffer = Array((first + second + "GET /thr").utf8)
        var parser = HTTPRequestParser()
        let (h1, c1) = try #require(head(parser.parse(buffer)))
        #expect(h1.path == "/one" && c1 == first.utf8.count)
        buffer.removeFirst(c1)
        let (h2, c2) = try #require(head(parser.parse(buffer)))
        #expect(h2.method == "HEAD" && h2.path == "/two" && h2.query == ["x": "y"] && !h2.keepAlive && c2 == second.utf8.count)
        buffer.removeFirst(c2)
        #expect(parser.parse(buffer) == .needMore)
    }

    @Test func queryDecoding() {
        #expect(PercentDecoding.decodeQuery("a=1&&b=%3D%26&c=x=y&a=2") == ["a": "1", "b": "=&", "c": "x=y"])
        #expect(PercentDecoding.decodeQuery(nil) == [:])
        #expect(PercentDecoding.decodeQuery("a=%G1") == nil)
    }
}

@Suite struct HelperTests {
    @Test(arguments: [
        ("gzip", true), ("deflate, gzip;q=0.5", true), ("GZIP", true), ("x-gzip", true), ("gzip;q=0", false),
        ("gzip; q=0.000", false), ("deflate, br", false), ("", false), ("*", false),
    ])
    func acceptEncoding(_ value: String, _ accepted: Bool) {
        #expect(GzipCompressor.accepts(value) == accepted)
    }

    @Test func gzipRoundTrip() throws {
        let input = Array(String(repeating: "sealwatch_node_up{node=\"vault-1\"} 1\n", count: 500).utf8)
        let compressor = GzipCompressor()
        for _ in 0..<3 {  // the stream is reset and reused
            let z = try #require(compressor.compress(input))
            #expect(z.count < input.count / 10)
            #expect(z.prefix(2) == [0x1F, 0x8B])
            #expect(gunzip(z) == input)
        }
        #expect(gunzip(try #require(compressor.compress([]))) == [])
    }

    @Test(arguments: [
        ("Basic dXNlcjpwYXNz", "user", "pass"),
        ("basic   dXNlcjpwOmFzcw==", "user", "p:ass"),
        ("Basic OnBhc3M=", "", "pass"),
    ])
    func parsesBasicCredentials(_ header: String, _ user: String, _ password: String) throws {
        let (u, p) = try #require(BasicAuthenticator.parseBasic(header))
        #expect(u == user && p == password)
    }

    @Test(arguments: ["Bearer abc", "Basic", "Basic !!!", "Basic dXNlcg==", "Basic dXNlcjpwYXNz=x"])
    func rejectsMalformedBasicCredentials(_ header: String) {
        #expect(BasicAuthenticator.parseBasic(header) == nil)
    }

    @Test(arguments: [
        // OpenBSD/John the Ripper's published vector, a $2y$ (htpasswd-style) and a $2b$ hash.
        ("U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", true),
        ("U*V", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", false),
        ("s3cret", "$2y$04$abcdefghijklmnopqrstuuLZYjhNQAOdpbzt4WxWlUHjv1wsyH5DG", true),
        ("s3cret ", "$2y$04$abcdefghijklmnopqrstuuLZYjhNQAOdpbzt4WxWlUHjv1wsyH5DG", false),
        ("", "$2y$04$abcdefghijklmnopqrstuuLZYjhNQAOdpbzt4WxWlUHjv1wsyH5DG", false),
        ("s3cret", "$1$abcdefgh$notbcrypt", false),
        ("s3cret", "s3cret", false),
        ("s3cret", "$2y$04$abcdefghijklmnopqrstuuLZYjhNQAOdpbzt4WxWlUHjv1wsyH5DX", false),
    ])
    func verifiesBcrypt(_ password: String, _ hash: String, _ ok: Bool) {
        #expect(HTTPServer.verifyBcrypt(password: password, hash: hash) == ok)
    }

    @Test(arguments: [
        ("127.0.0.1:9742", "127.0.0.1:9742"), ("[::1]:80", "[::1]:80"), ("[::]:0", "[::]:0"), ("0.0.0.0:0", "0.0.0.0:0"),
        (":9100", "[::]:9100"), ("localhost:1", "127.0.0.1:1"),
    ])
    func parsesListenAddresses(_ text: String, _ shown: String) throws {
        #expect(try SocketAddress.parse(text).description == shown)
    }

    @Test(arguments: ["127.0.0.1", "::1:80", "[::1]", "1.2.3.4:99999", "1.2.3.4:", "example.com:80", "[::1:80", "1.2.3:80"])
    func rejectsBadListenAddresses(_ text: String) {
        #expect(throws: HTTPServerError.self) { try SocketAddress.parse(text) }
    }
}
