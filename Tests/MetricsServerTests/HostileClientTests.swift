import CLinux
@testable import MetricsServer
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

private func req(_ path: String, _ extra: String = "") -> String { "GET \(path) HTTP/1.1\r\nHost: t\r\n\(extra)\r\n" }

/// ~1 MiB of exposition-like text (gzip shrinks it about 20×).
private let exposition: [UInt8] = {
    var text = ""
    for i in 0..<12_000 {
        text += "sealwatch_node_request_duration_seconds_bucket{cluster=\"prod\",node=\"vault-\(i % 97)\",le=\"\(i % 13)\"} \(i)\n"
    }
    return Array(text.utf8)
}()

private func basic(_ user: String, _ password: String) -> String {
    let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    let bytes = Array("\(user):\(password)".utf8)
    var out: [UInt8] = []
    var i = 0
    while i < bytes.count {
        let n = min(3, bytes.count - i)
        var v = UInt32(bytes[i]) << 16
        if n > 1 { v |= UInt32(bytes[i + 1]) << 8 }
        if n > 2 { v |= UInt32(bytes[i + 2]) }
        for j in 0..<4 { out.append(j <= n ? table[Int((v >> UInt32(18 - 6 * j)) & 63)] : UInt8(ascii: "=")) }
        i += 3
    }
    return "Authorization: Basic \(String(decoding: out, as: UTF8.self))\r\n"
}

@Suite(.timeLimit(.minutes(1))) struct HostileClientTests {
    @Test func aSteadySlowReaderIsCutAtTheTotalResponseDeadline() async throws {
        var config = HTTPServerConfiguration()
        config.responseWriteTimeout = .milliseconds(300)  // writeTimeout (no progress) stays 10 s
        let big = [UInt8](repeating: 0x62, count: 16 << 20)
        try await withServer(configuration: config, handler: { _ in ServerResponse(body: big) }) { server in
            let received = try await offPool {
                let c = try TestClient(server.localAddress, receiveBuffer: 4096)
                try c.send(req("/"))
                var received = 0
                // Keep reading a little at a time: never idle long enough for writeTimeout.
                while server.stats().writeTimeouts == 0 {
                    received += try c.readSome(max: 1024)
                    usleep(5000)
                }
                return received + (try c.drainUntilClosed())
            }
            #expect(received < big.count)  // cut before the end, and the socket was closed (drain returned)
            #expect(server.stats().writeTimeouts == 1)
            #expect(server.stats().openConnections == 0)
        }
    }

    @Test func pipelinedGzipRequestsRespectTheQueuedBytesCap() async throws {
        var config = HTTPServerConfiguration()
        config.maxQueuedBytesPerConnection = 64 << 10
        config.maxPipelinedRequests = 1000  // let the bytes cap bind
        let count = 40
        try await withServer(configuration: config, handler: { _ in ServerResponse(body: exposition) }) { server in
            let (bodies, compressedSize) = try await offPool {
                let c = try TestClient(server.localAddress, receiveBuffer: 4096)
                try c.send(String(repeating: req("/metrics", "Accept-Encoding: gzip\r\n"), count: count))
                usleep(200_000)  // let the server fill the socket and stop at the cap
                var bodies: [[UInt8]] = []
                var size = 0
                for _ in 0..<count {
                    let r = try c.readResponse()
                    size = r.body.count
                    bodies.append(gunzip(r.body) ?? [])
                }
                return (bodies, size)
            }
            #expect(bodies.allSatisfy { $0 == exposition })
            #expect(compressedSize < exposition.count / 10)
            // At most the cap plus one response (its head and compressed body, held at their real size):
            // a compressed body kept in a buffer of the uncompressed size would exceed this tenfold.
            let peak = server.loopForTesting.stats.get(.peakConnectionQueuedBytes)
            #expect(peak <= (64 << 10) + compressedSize + 1024)
            #expect(server.stats().queuedOutputBytes == 0)
        }
    }

    @Test func pipelinedRequestsBeyondTheCapWaitForTheClientToRead() async throws {
        var config = HTTPServerConfiguration()
        config.maxPipelinedRequests = 3
        config.maxQueuedBytesPerConnection = 1 << 30
        let body = (0..<(300 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try await withServer(configuration: config, handler: { _ in ServerResponse(body: body) }) { server in
            let ok = try await offPool {
                let c = try TestClient(server.localAddress, receiveBuffer: 4096)
                try c.send(String(repeating: req("/"), count: 20))
                usleep(200_000)
                return try (0..<20).map { _ in try c.readResponse().body == body }
            }
            #expect(ok == Array(repeating: true, count: 20))
            #expect(server.loopForTesting.stats.get(.peakConnectionQueuedResponses) <= 3)
        }
    }

    @Test func theLastRequestAllowedOnAConnectionIsAnsweredWithClose() async throws {
        var config = HTTPServerConfiguration()
        config.maxRequestsPerConnection = 3
        try await withServer(configuration: config) { server in
            let (lines, closed) = try await offPool {
                let c = try TestClient(server.localAddress)
                try c.send(req("/1") + req("/2"))
                var lines = try (0..<2).map { _ in
                    let r = try c.readResponse()
                    return r.text + " " + (r.header("Connection") ?? "-")
                }
                try c.send(req("/3") + req("/4") + req("/5"))  // two more than allowed, pipelined
                let r = try c.readResponse()
                lines.append(r.text + " " + (r.header("Connection") ?? "-"))
                return (lines, c.closedByServer())
            }
            #expect(lines == ["GET /1? user=- -", "GET /2? user=- -", "GET /3? user=- close"])
            #expect(closed)
            #expect(server.stats().requestLimitCloses == 1 && server.stats().requests == 3)
        }
    }

    @Test func atTheCapTheOldestHeaderIncompleteConnectionMakesRoomForAFreshScrape() async throws {
        var config = HTTPServerConfiguration()
        config.maxConnections = 4
        try await withServer(configuration: config) { server in
            let (status, oldestClosed, othersOpen) = try await offPool {
                var slow: [TestClient] = []
                for _ in 0..<4 {  // half-sent requests, accepted one after the other
                    let c = try TestClient(server.localAddress, receiveTimeoutMs: 300)
                    try c.send("GET /slow HTTP/1.1\r\nHost: t\r\nX-Slow: ")
                    while server.stats().openConnections < slow.count + 1 { usleep(1000) }
                    slow.append(c)
                }
                usleep(20_000)  // older than the eviction grace (10 ms) that protects fresh connections
                let fresh = try TestClient(server.localAddress)
                try fresh.send(req("/fresh"))
                let r = try fresh.readResponse()
                // The oldest is reset; the others still wait for their requests (their reads time out).
                let others = slow.dropFirst().map { c in (try? c.readSome(max: 1)) == nil }
                return (r.status, slow[0].closedByServer(), others)
            }
            #expect(status == 200)
            #expect(oldestClosed)
            #expect(othersOpen == [true, true, true])
            let stats = server.stats()
            #expect(stats.evictedHeaderIncomplete == 1 && stats.rejectedConnections == 0)
        }
    }

    @Test func atTheCapAnIdleKeepAliveConnectionGoesBeforeANewOneIsRefused() async throws {
        var config = HTTPServerConfiguration()
        config.maxConnections = 2
        try await withServer(configuration: config) { server in
            let (statuses, idleClosed) = try await offPool {
                let idle = try (0..<2).map { _ in try TestClient(server.localAddress) }
                var statuses: [Int] = []
                for c in idle {
                    try c.send(req("/"))
                    statuses.append(try c.readResponse().status)
                }
                let fresh = try TestClient(server.localAddress)
                try fresh.send(req("/fresh"))
                statuses.append(try fresh.readResponse().status)
                return (statuses, idle[0].closedByServer())
            }
            #expect(statuses == [200, 200, 200])
            #expect(idleClosed)
            #expect(server.stats().evictedIdle == 1)
        }
    }

    @Test func aWrongPasswordFloodIsThrottledWhileGoodCredentialsAreServed() async throws {
        var config = HTTPServerConfiguration()
        config.basicAuth = ["prom": "$2y$04$abcdefghijklmnopqrstuuLZYjhNQAOdpbzt4WxWlUHjv1wsyH5DG"]  // s3cret
        config.unauthenticatedPaths = ["/-/healthy"]
        config.authCheckBurst = 3
        config.authChecksPerSecond = 0.001  // no refill within the test
        let good = basic("prom", "s3cret")
        try await withServer(configuration: config) { server in
            let address = server.localAddress
            // The scraper (127.0.0.2) authenticates once: its credentials are then cached.
            let first = try await offPool {
                let c = try TestClient(address, from: "127.0.0.2:0")
                try c.send(req("/metrics", good))
                return try c.readResponse()
            }
            #expect(first.status == 200 && first.text == "GET /metrics? user=prom")
            let known = try await offPool {  // a wrong password checked once, from its own address
                let c = try TestClient(address, from: "127.0.0.3:0")
                try c.send(req("/metrics", basic("prom", "known-wrong")))
                return try c.readResponse().status
            }
            #expect(known == 401)

            // Each task returns what it saw: "flood <status>" or "scrape <status> <text> | <healthy status>".
            let seen = try await withThrowingTaskGroup(of: [String].self) { group in
                for n in 0..<10 {  // 10 connections × 20 distinct wrong passwords from 127.0.0.1
                    group.addTask {
                        try await offPool {
                            let c = try TestClient(address)
                            return try (0..<20).map { i in
                                try c.send(req("/metrics", basic("prom", "wrong-\(n)-\(i)")))
                                return "flood \(try c.readResponse().status)"
                            }
                        }
                    }
                }
                group.addTask {
                    try await offPool {
                        let c = try TestClient(address, from: "127.0.0.2:0")
                        return try (0..<20).map { _ in
                            try c.send(req("/metrics", good))
                            let r = try c.readResponse()
                            try c.send(req("/-/healthy"))
                            let h = try c.readResponse()
                            return "scrape \(r.status) \(r.text) | \(h.status)"
                        }
                    }
                }
                var all: [String] = []
                for try await part in group { all += part }
                return all
            }
            var statuses: [Int: Int] = [:]
            for line in seen where line.hasPrefix("flood ") { statuses[Int(line.dropFirst(6))!, default: 0] += 1 }
            let served = seen.filter { $0.hasPrefix("scrape ") }
            #expect(Set(statuses.keys).isSubset(of: [401, 429]))
            #expect(statuses.values.reduce(0, +) == 200)
            #expect(statuses[429, default: 0] >= 197)  // at most the burst of 3 got a real check
            #expect(served == Array(repeating: "scrape 200 GET /metrics? user=prom | 200", count: 20))

            // Good credentials from the throttled address are still served (from the cache), and a
            // repeated wrong password is answered from the failure cache.
            let (same, repeated) = try await offPool {
                let c = try TestClient(address)
                try c.send(req("/metrics", good))
                let same = try c.readResponse().status
                try c.send(req("/metrics", basic("prom", "known-wrong")))
                return (same, try c.readResponse().status)
            }
            #expect(same == 200 && repeated == 401)
            let stats = server.stats()
            #expect(stats.authChecks <= 5)  // the scraper's first check, the known wrong one, the flood's burst
            #expect(stats.authFailuresThrottled >= 197 && stats.authFailuresCached >= 1)
        }
    }
}

/// EMFILE for real: this test binary is run again as a child process with only
/// `DescriptorExhaustionChild`, which lowers RLIMIT_NOFILE (a per-process limit, which would break
/// tests running in parallel here).
@Suite struct DescriptorExhaustionTests {
    @Test func onEMFILETheReserveDescriptorLetsThePendingConnectionsBeClosed() async throws {
        let marker = "/tmp/sealwatch-emfile-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(marker) }
        let status = try await offPool { try runChild(filter: "DescriptorExhaustionChild", marker: marker) }
        #expect(status == 0, "child test failed; run it alone: SEALWATCH_EMFILE_CHILD=/tmp/x <xctest> --filter DescriptorExhaustionChild")
        #expect(access(marker, F_OK) == 0, "the child ran no test")
    }
}

@Suite(.enabled(if: getenv("SEALWATCH_EMFILE_CHILD") != nil)) struct DescriptorExhaustionChild {
    @Test func acceptOnEMFILE() async throws {
        try await withServer { server in
            let address = try SocketAddress.parse(server.localAddress)
            let lines = try await offPool {
                // Sockets are created before the limit and connected after it (connect allocates no descriptor).
                let fds = (0..<3).map { _ in socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0) }
                var tv = timeval(tv_sec: 5, tv_usec: 0)
                for fd in fds { setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size)) }
                defer { for fd in fds { close(fd) } }
                var saved = rlimit()
                getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &saved)
                let lowestFree = open("/dev/null", O_RDONLY)
                close(lowestFree)
                var low = saved
                low.rlim_cur = rlim_t(lowestFree)  // every descriptor below it is in use: the next one fails
                guard setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &low) == 0 else { throw TestFailure("setrlimit: \(errno)") }
                defer { setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &saved) }
                var lines: [String] = []
                for fd in fds {
                    var a = address
                    let rc = withUnsafePointer(to: &a.storage) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, a.length) }
                    }
                    guard rc == 0 else { throw TestFailure("connect: \(errno)") }
                }
                for fd in fds {  // each gets the 503 and the close, instead of waiting in the backlog
                    var received: [UInt8] = []
                    var chunk = [UInt8](repeating: 0, count: 4096)
                    while true {
                        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                        if n <= 0 { break }
                        received += chunk[0..<n]
                    }
                    lines.append(String(decoding: received.prefix(32), as: UTF8.self))
                }
                return lines
            }
            #expect(lines == Array(repeating: "HTTP/1.1 503 Service Unavailable", count: 3))
            let stats = server.stats()
            #expect(stats.acceptErrors >= 3 && stats.acceptErrors <= 6)  // no spinning on the listener
            #expect(stats.rejectedConnections == 3)
            // With descriptors back, connections are served again.
            let status = try await offPool {
                let c = try TestClient(server.localAddress)
                try c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                return try c.readResponse().status
            }
            #expect(status == 200)
        }
        close(open(String(cString: getenv("SEALWATCH_EMFILE_CHILD")), O_WRONLY | O_CREAT | O_CLOEXEC, 0o600))  // "I ran"
    }
}

/// Runs this test binary again with `--filter filter` and SEALWATCH_EMFILE_CHILD=marker, output discarded; its exit status.
private func runChild(filter: String, marker: String) throws -> Int32 {
    var path = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &path, path.count - 1)
    guard n > 0 else { throw TestFailure("readlink /proc/self/exe: \(errno)") }
    let exe = String(decoding: path[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let args = [exe, "--testing-library", "swift-testing", "--filter", filter]
    var env: [String] = ["SEALWATCH_EMFILE_CHILD=\(marker)"]
    var p = environ
    while let entry = p.pointee {
        env.append(String(cString: entry))
        p += 1
    }
    let argv = args.map { strdup($0) } + [nil]
    let envp = env.map { strdup($0) } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, exe, &actions, nil, argv, envp)
    guard rc == 0 else { throw TestFailure("posix_spawn: \(rc)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return status
}
