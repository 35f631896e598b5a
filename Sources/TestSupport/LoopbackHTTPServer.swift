import HTTPTransport
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An in-process HTTP/1.1 server on a loopback address for tests: scriptable routes (status,
/// headers, body, delays and misbehaviours), keep-alive, and a record of every request received.
///
/// ```swift
/// let server = try LoopbackHTTPServer()              // 127.0.0.1, kernel-chosen port
/// defer { server.stop() }
/// server.route("/v1/sys/health", .json(#"{"sealed":false,"standby":true}"#, status: 429))
/// server.route("/hooks/slack") { request in         // a fake receiver that validates payloads
///     request.bodyText.contains("VaultSealed") ? .init(status: 200, body: "ok") : .init(status: 400)
/// }
/// server.route("/v1/sys/leader", .hang)              // accepts, reads, never answers
/// let url = server.url("/v1/sys/health")             // "http://127.0.0.1:<port>/v1/sys/health"
/// let seen = await server.waitForRequests(count: 1)  // bounded wait, no sleeping in tests
/// ```
///
/// Invariants: it binds before `init` returns (connect at once); each connection runs on its own
/// detached thread (none on Swift's cooperative pool); handlers run on that thread, so they must
/// be quick and `@Sendable`; unrouted paths answer 404; request bodies must carry
/// `Content-Length` (chunked uploads get 501); `stop()` (also run on deinit) closes the listener
/// and every connection, including hung ones.
public final class LoopbackHTTPServer: Sendable {
    /// The address bound, e.g. "127.0.0.1" or "127.0.1.7" (any 127.0.0.0/8 address works on Linux).
    public let host: String
    /// The port bound (the kernel's choice when `init` got 0).
    public let port: Int

    private struct State {
        var exact: [String: @Sendable (RecordedRequest) -> LoopbackResponse] = [:]
        var prefixes: [(prefix: String, handler: @Sendable (RecordedRequest) -> LoopbackResponse)] = []
        var fallback: @Sendable (RecordedRequest) -> LoopbackResponse = { _ in LoopbackResponse(status: 404, body: "not found\n") }
        var requests: [RecordedRequest] = []
        var connections = 0
        var waiters: [UInt64: (count: Int, continuation: CheckedContinuation<[RecordedRequest], Never>)] = [:]
        var nextWaiter: UInt64 = 0
        var stopped = false
    }

    private let state = Mutex(State())
    private let stopSignal: LoopbackStopSignal
    private let listenFD: Int32

    /// Binds `host:port` (IPv4; port 0 lets the kernel choose) and starts accepting.
    public init(host: String = "127.0.0.1", port: Int = 0) throws(LoopbackSocketError) {
        let signal = try LoopbackStopSignal()
        let (fd, actualPort) = try LoopbackSocket.listen(host: host, port: port)
        self.host = host
        self.port = actualPort
        self.stopSignal = signal
        self.listenFD = fd
        let server = WeakServer(self)
        LoopbackThread.detach { LoopbackHTTPServer.acceptLoop(fd: fd, stop: signal, server: server) }
    }

    deinit { stop() }

    /// "http://host:port", without a trailing slash.
    public var baseURL: String { "http://\(host):\(port)" }

    /// `baseURL` + `path` ("/v1/sys/health" → "http://127.0.0.1:PORT/v1/sys/health").
    public func url(_ path: String) -> String { baseURL + path }

    /// Answers `path` (exact match on the path without query; a trailing "*" matches a prefix)
    /// with `response` every time. Replaces an earlier route for the same path.
    public func route(_ path: String, _ response: LoopbackResponse) {
        route(path) { _ in response }
    }

    /// Answers `path` with whatever `handler` returns for each request (runs on a server thread).
    public func route(_ path: String, _ handler: @escaping @Sendable (RecordedRequest) -> LoopbackResponse) {
        state.withLock { state in
            if path.hasSuffix("*") {
                let prefix = String(path.dropLast())
                state.prefixes.removeAll { $0.prefix == prefix }
                state.prefixes.append((prefix, handler))
                state.prefixes.sort { $0.prefix.count > $1.prefix.count }  // longest prefix wins
            } else {
                state.exact[path] = handler
            }
        }
    }

    /// What unrouted paths get (404 by default).
    public func setFallback(_ handler: @escaping @Sendable (RecordedRequest) -> LoopbackResponse) {
        state.withLock { $0.fallback = handler }
    }

    /// Every request received so far, in arrival order.
    public var requests: [RecordedRequest] { state.withLock { $0.requests } }

    /// The requests received so far for `path` (path without query).
    public func requests(path: String) -> [RecordedRequest] {
        state.withLock { $0.requests.filter { $0.path == path } }
    }

    /// How many TCP connections were accepted so far (keep-alive reuse shows as fewer than requests).
    public var connectionCount: Int { state.withLock { $0.connections } }

    /// Forgets the recorded requests (routes stay).
    public func clearRequests() { state.withLock { $0.requests.removeAll() } }

    /// Waits until at least `count` requests were recorded, or `timeout` passed; returns the
    /// requests recorded by then (check its count).
    public func waitForRequests(count: Int, timeout: Duration = .seconds(5)) async -> [RecordedRequest] {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskGroup(of: [RecordedRequest]?.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let ready: [RecordedRequest]? = self.state.withLock { state in
                        if state.requests.count >= count || state.stopped { return state.requests }
                        state.waiters[id] = (count, continuation)
                        return nil
                    }
                    if let ready { continuation.resume(returning: ready) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.releaseWaiter(id)
                return nil
            }
            var result: [RecordedRequest] = []
            for await value in group {
                if let value {
                    result = value
                    group.cancelAll()
                    self.releaseWaiter(id)
                }
            }
            return result
        }
    }

    /// Closes the listener and every connection (hung and dripping ones too). Idempotent.
    public func stop() {
        let waiters = state.withLock { state -> [CheckedContinuation<[RecordedRequest], Never>]? in
            guard !state.stopped else { return nil }
            state.stopped = true
            let pending = state.waiters.values.map(\.continuation)
            state.waiters.removeAll()
            return pending
        }
        guard let waiters else { return }
        // Refuses new connections right away. Only the accept thread closes the descriptor, and
        // only after `signal()`, so this never touches a reused descriptor number.
        _ = shutdown(listenFD, Int32(SHUT_RDWR))
        stopSignal.signal()
        let recorded = requests
        for waiter in waiters { waiter.resume(returning: recorded) }
    }

    // MARK: - Internals (server threads)

    private func releaseWaiter(_ id: UInt64) {
        let released = state.withLock { state -> (CheckedContinuation<[RecordedRequest], Never>, [RecordedRequest])? in
            guard let waiter = state.waiters.removeValue(forKey: id) else { return nil }
            return (waiter.continuation, state.requests)
        }
        if let (continuation, recorded) = released { continuation.resume(returning: recorded) }
    }

    private func record(_ request: RecordedRequest) -> @Sendable (RecordedRequest) -> LoopbackResponse {
        let (handler, ready) = state.withLock { state in
            state.requests.append(request)
            var ready: [CheckedContinuation<[RecordedRequest], Never>] = []
            for (id, waiter) in state.waiters where state.requests.count >= waiter.count {
                ready.append(waiter.continuation)
                state.waiters[id] = nil
            }
            let handler = state.exact[request.path]
                ?? state.prefixes.first(where: { request.path.hasPrefix($0.prefix) })?.handler
                ?? state.fallback
            return (handler, ready.map { ($0, state.requests) })
        }
        for (continuation, recorded) in ready { continuation.resume(returning: recorded) }
        return handler
    }

    private func nextConnectionID() -> Int {
        state.withLock { state in
            state.connections += 1
            return state.connections
        }
    }

    /// The threads hold the server weakly, so dropping the last reference stops it (deinit).
    private final class WeakServer: Sendable {
        nonisolated(unsafe) weak var server: LoopbackHTTPServer?
        init(_ server: LoopbackHTTPServer) { self.server = server }
    }

    /// Runs until `stop()` signals; closes the listening descriptor only then (see `stop()`).
    private static func acceptLoop(fd: Int32, stop: LoopbackStopSignal, server: WeakServer) {
        defer { close(fd) }
        while stop.waitReadable(fd) {
            let client = LoopbackSocket.accept(fd)
            if client < 0 {
                if stop.isSignalled { return }
                if errno == EMFILE || errno == ENFILE { _ = stop.sleep(.milliseconds(10)) }
                continue
            }
            guard let owner = server.server else {  // deinit is running stop()
                close(client)
                _ = stop.sleep(nil)
                return
            }
            LoopbackSocket.configureAccepted(client)
            let id = owner.nextConnectionID()
            LoopbackThread.detach { serve(client, connectionID: id, stop: stop, server: server) }
        }
    }

    private static func serve(_ fd: Int32, connectionID: Int, stop: LoopbackStopSignal, server: WeakServer) {
        defer { close(fd) }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            switch LoopbackRequestParser.parse(buffer, connectionID: connectionID) {
            case .invalid(let status):
                let reply = LoopbackResponse(status: status, body: "bad request\n")
                LoopbackSocket.sendAll(fd, reply.head(keepAlive: false, bodyLength: reply.body.count) + reply.body)
                return
            case .incomplete:
                guard stop.waitReadable(fd) else { return }
                let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { return }
                buffer.append(contentsOf: chunk[0..<count])
            case .request(let request, let keepAlive, let consumed):
                buffer.removeFirst(consumed)
                guard let owner = server.server else { return }
                let handler = owner.record(request)
                let response = handler(request)
                guard answer(fd, request: request, response: response, keepAlive: keepAlive, stop: stop) else { return }
            }
        }
    }

    /// Writes `response`; false when the connection must close afterwards.
    private static func answer(_ fd: Int32, request: RecordedRequest, response: LoopbackResponse,
                               keepAlive: Bool, stop: LoopbackStopSignal) -> Bool {
        if response.delay > .zero, !stop.sleep(response.delay) { return false }
        let body = request.method == "HEAD" ? [] : response.body
        switch response.behavior {
        case .normal:
            let head = response.head(keepAlive: keepAlive, bodyLength: response.body.count)
            return LoopbackSocket.sendAll(fd, head + body) && keepAlive
        case .hang:
            _ = stop.sleep(nil)
            return false
        case .drip(let chunkSize, let interval):
            guard LoopbackSocket.sendAll(fd, response.head(keepAlive: keepAlive, bodyLength: response.body.count)) else { return false }
            var offset = 0
            while offset < body.count {
                guard stop.sleep(interval) else { return false }
                let end = min(offset + chunkSize, body.count)
                guard LoopbackSocket.sendAll(fd, Array(body[offset..<end])) else { return false }
                offset = end
            }
            return keepAlive
        case .raw(let bytes):
            LoopbackSocket.sendAll(fd, bytes)
            return false
        case .truncate(let bodyBytes):
            let head = response.head(keepAlive: true, bodyLength: response.body.count)
            LoopbackSocket.sendAll(fd, head + body.prefix(max(0, bodyBytes)))
            return false
        case .closeWithoutAnswer:
            return false
        }
    }
}
