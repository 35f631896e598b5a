import CLinux
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Sealwatch's HTTP/1.1 server for `/metrics` and its small pages: one dedicated thread running a
/// level-triggered epoll loop over non-blocking sockets (no SwiftNIO).
///
/// Invariants: the handler runs on the server thread, one request at a time, and must be fast; every
/// connection is bounded in time (read, idle, write-progress and total response deadlines) and in
/// memory (head size, queued bytes, pipelined requests, requests per connection). At
/// `maxConnections` the server makes room by closing, in this order, the oldest connection still
/// sending a request head (unless its next bytes are already waiting), the oldest idle keep-alive
/// one whose last answer was delivered, the one whose response has been stalled longest
/// (≥ `evictStalledWritersAfter`), or the oldest idle one whose last answer is still unread; only
/// when none qualifies is the new connection closed at once (with a best-effort 503), so the
/// listener never stalls. On EMFILE/ENFILE a reserve descriptor is given up to accept and close the
/// pending connection, so the level-triggered listener does not spin. bcrypt checks run on worker
/// threads, never on the loop. `stop()` stops accepting, lets in-flight responses finish within
/// `shutdownGracePeriod`, closes everything and joins the thread. An inherited listening descriptor is
/// never shut down or closed.
public final class HTTPServer: Sendable {
    private enum Lifecycle { case idle, running(pthread_t), stopped }

    private let loop: EventLoop
    private let lifecycle = Mutex<Lifecycle>(.idle)

    /// The bound address, e.g. "127.0.0.1:40123" or "[::1]:9742" (useful with port 0).
    public let localAddress: String

    /// Binds (or adopts) the listening socket; throws `HTTPServerError` naming the address on failure.
    public init(listen: ListenTarget, configuration: HTTPServerConfiguration = .init(), logger: Logger,
                handler: @escaping @Sendable (ServerRequest) -> ServerResponse) throws {
        let fd: Int32
        let owned: Bool
        switch listen {
        case .address(let text):
            fd = try Listener.open(text)
            owned = true
        case .inheritedDescriptor(let inherited):
            try Listener.adopt(inherited)
            fd = inherited
            owned = false
        }
        localAddress = SocketAddress.local(of: fd)?.description ?? "?"
        do {
            loop = try EventLoop(listenFD: fd, ownsListener: owned, configuration: configuration,
                                 logger: logger, handler: handler)
        } catch {
            if owned { close(fd) }
            throw error
        }
    }

    deinit { stop() }

    /// Spawns the server thread. Throws if already started or stopped, or if the thread cannot start.
    public func start() throws {
        try lifecycle.withLock { (state: inout Lifecycle) throws(HTTPServerError) in
            guard case .idle = state else { throw HTTPServerError("HTTPServer on \(localAddress) was already started") }
            signal(SIGPIPE, SIG_IGN)
            var thread = pthread_t()
            let context = Unmanaged.passRetained(loop).toOpaque()
            let rc = pthread_create(&thread, nil, { raw in
                let loop = Unmanaged<EventLoop>.fromOpaque(raw!).takeRetainedValue()
                loop.run()
                return nil
            }, context)
            guard rc == 0 else {
                Unmanaged<EventLoop>.fromOpaque(context).release()
                throw HTTPServerError("HTTPServer on \(localAddress): cannot start its thread: \(Posix.errorString(rc))")
            }
            state = .running(thread)
        }
    }

    /// Graceful stop: no new connections, in-flight responses finish (bounded by `shutdownGracePeriod`),
    /// then every connection is closed and the thread joined. Idempotent; a second concurrent caller
    /// returns without waiting.
    public func stop() {
        let thread: pthread_t? = lifecycle.withLock { state in
            switch state {
            case .idle:
                state = .stopped
                return nil
            case .running(let t):
                state = .stopped
                return t
            case .stopped:
                return nil
            }
        }
        guard let thread else { return }
        loop.requestStop()
        if pthread_equal(thread, pthread_self()) != 0 {
            pthread_detach(thread)  // stop() called from the handler: the loop ends after this request
        } else {
            pthread_join(thread, nil)
        }
    }

    /// The server's counters and gauges now; safe to call from any thread, at any time.
    public func stats() -> HTTPServerStats { loop.stats.snapshot }

    var loopForTesting: EventLoop { loop }

    /// True when `hash` is a bcrypt hash (`$2a$`/`$2b$`/`$2y$`) of `password` (libcrypt, constant-time compare).
    public static func verifyBcrypt(password: String, hash: String) -> Bool {
        BcryptVerifier().verify(password: password, hash: hash)
    }
}

/// One client connection; touched only by the server thread.
final class Connection {
    enum Phase { case reading, closeAfterWrite, lingering }

    /// One encoded piece of output (a response head or body); `endsResponse` on a response's last piece.
    struct Chunk {
        var bytes: [UInt8]
        var endsResponse: Bool
    }

    let fd: Int32
    /// Unique for the server's lifetime (descriptors are reused).
    let id: UInt64
    let peer: String
    /// The peer's address without the port: the unit of the auth budget.
    let peerHost: String
    var phase = Phase.reading
    var input: [UInt8] = []
    var parser: HTTPRequestParser
    /// Encoded responses not yet sent (bodies are not copied); the first chunk is sent up to `outputOffset`.
    var output: [Chunk] = []
    var outputOffset = 0
    /// Bytes queued and not yet sent.
    var pendingOutput: Int { output.reduce(0) { $0 + $1.bytes.count } - outputOffset }
    /// Bytes the queued chunks really hold (their capacities, the sent part of the first included).
    var heldOutput = 0
    /// Responses queued and not completely sent.
    var queuedResponses: Int { output.reduce(0) { $0 + ($1.endsResponse ? 1 : 0) } }
    var events: UInt32 = 0
    var served = 0
    var peerClosed = false
    var lingerAfterWrite = false
    /// The last send hit EAGAIN (the client is not reading fast enough).
    var writeBlocked = false
    /// A request whose credentials a worker thread is checking; nothing else is answered meanwhile.
    var awaitingAuth: HTTPRequestHead?
    var evictionClass = EvictionClass.none
    var evictionEpoch: UInt64 = 0
    /// Deadline of the request being received; nil while idle between requests.
    var requestDeadline: UInt64?
    var idleDeadline: UInt64 = .max
    /// Progress deadline of the output (moved on by every send that makes progress).
    var writeDeadline: UInt64 = .max
    /// Total deadline of the response being sent.
    var responseDeadline: UInt64 = .max
    var lingerDeadline: UInt64 = .max

    init(fd: Int32, id: UInt64, peer: String, maxHeaderBytes: Int) {
        self.fd = fd; self.id = id; self.peer = peer
        self.peerHost = peer.lastIndex(of: ":").map { String(peer[..<$0]) } ?? peer
        self.parser = HTTPRequestParser(maxHeaderBytes: maxHeaderBytes)
    }

    var deadline: UInt64 {
        if phase == .lingering { return lingerDeadline }
        if pendingOutput > 0 { return min(writeDeadline, responseDeadline) }
        return requestDeadline ?? idleDeadline
    }
}

/// The epoll loop. Its mutable state is confined to the server thread (or to the owner before
/// `start()` and after the join), which is why it may be marked `@unchecked Sendable`.
final class EventLoop: @unchecked Sendable {
    private let epfd: Int32
    private let wakefd: Int32
    private let listenFD: Int32
    private let ownsListener: Bool
    private let config: HTTPServerConfiguration
    private var logger: Logger
    private let handler: @Sendable (ServerRequest) -> ServerResponse
    private let stopRequested = Atomic<Bool>(false)

    private let readTimeout: UInt64, idleTimeout: UInt64, writeTimeout: UInt64, graceTimeout: UInt64
    private let responseTimeout: UInt64, stallEvictAge: UInt64
    let stats = StatsCounters()
    private static let lingerTimeout: UInt64 = 2_000_000_000
    private static let acceptPause: UInt64 = 100_000_000
    private static let maxAcceptsPerWake = 256

    // Server-thread state.
    private var connections: [Int32: Connection] = [:]
    private var nextConnectionID: UInt64 = 0
    /// Candidates for eviction at `maxConnections`, one queue per `EvictionClass` (index = raw value).
    private var evictionQueues = [EvictionQueue](repeating: EvictionQueue(), count: EvictionClass.allCases.count)
    /// Bytes held by every connection's queued output.
    private var heldOutputTotal = 0
    /// /dev/null, opened at start and given up on EMFILE/ENFILE to accept (and close) one connection.
    private var reserveFD: Int32 = -1
    private var authWorkers: AuthWorkers?
    private var authInFlight = 0
    private var listenerOpen = true
    private var listenerRegistered = true
    private var acceptPausedUntil: UInt64?
    private var stopping = false
    private var graceDeadline: UInt64 = .max
    private var nextSweep: UInt64 = .max
    private var lastOverloadLog: UInt64 = 0
    private var closedFDs = false
    private let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    private lazy var gzip = GzipCompressor()
    private let authenticator: BasicAuthenticator?
    private var dateCache: (second: Int, text: String) = (-1, "")

    init(listenFD: Int32, ownsListener: Bool, configuration: HTTPServerConfiguration, logger: Logger,
         handler: @escaping @Sendable (ServerRequest) -> ServerResponse) throws(HTTPServerError) {
        func nanos(_ d: Duration) -> UInt64 {
            let (s, atto) = d.components
            return s < 0 ? 0 : UInt64(s) * 1_000_000_000 + UInt64(max(0, atto) / 1_000_000_000)
        }
        self.listenFD = listenFD
        self.ownsListener = ownsListener
        self.config = configuration
        self.handler = handler
        self.logger = logger
        self.logger[metadataKey: "http.listen"] = "\(SocketAddress.local(of: listenFD)?.description ?? "?")"
        readTimeout = nanos(configuration.requestReadTimeout)
        idleTimeout = nanos(configuration.idleKeepAliveTimeout)
        writeTimeout = nanos(configuration.writeTimeout)
        graceTimeout = nanos(configuration.shutdownGracePeriod)
        responseTimeout = nanos(configuration.responseWriteTimeout)
        stallEvictAge = nanos(configuration.evictStalledWritersAfter)
        authenticator = configuration.basicAuth.map {
            BasicAuthenticator(users: $0, burst: configuration.authCheckBurst, perSecond: configuration.authChecksPerSecond)
        }

        let ep = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard ep >= 0 else { throw HTTPServerError("epoll_create1: \(Posix.errorString(errno))") }
        let wake = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard wake >= 0 else {
            close(ep)
            throw HTTPServerError("eventfd: \(Posix.errorString(errno))")
        }
        epfd = ep
        wakefd = wake
        reserveFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard Self.control(ep, EPOLL_CTL_ADD, wake, EPOLLIN.rawValue),
              Self.control(ep, EPOLL_CTL_ADD, listenFD, EPOLLIN.rawValue) else {
            let e = errno
            close(ep); close(wake)
            throw HTTPServerError("epoll_ctl: \(Posix.errorString(e))")
        }
    }

    deinit {
        closeOwnFDs()
        readBuffer.deallocate()
    }

    private func closeOwnFDs() {
        guard !closedFDs else { return }
        closedFDs = true
        close(epfd)
        close(wakefd)
        if reserveFD >= 0 { close(reserveFD) }
        reserveFD = -1
        if ownsListener && listenerOpen { close(listenFD) }
        listenerOpen = false
    }

    private static func control(_ ep: Int32, _ op: Int32, _ fd: Int32, _ events: UInt32) -> Bool {
        var ev = epoll_event()
        ev.events = events
        ev.data.fd = fd
        return epoll_ctl(ep, op, fd, &ev) == 0
    }

    func requestStop() {
        stopRequested.store(true, ordering: .sequentiallyConsistent)
        var one: UInt64 = 1
        _ = write(wakefd, &one, 8)
    }

    // MARK: - Loop

    func run() {
        _ = clinux_set_thread_name("sealwatch-http")
        logger.debug("HTTP server thread started")
        let capacity = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        if authenticator != nil {
            let workers = AuthWorkers(wakefd: wakefd)
            if workers.start(count: config.authWorkerThreads) > 0 {
                authWorkers = workers
            } else {
                logger.error("cannot start a credential-check thread; checking bcrypt on the server thread")
            }
        }
        defer { authWorkers?.stopAndJoin() }
        if stopRequested.load(ordering: .sequentiallyConsistent) { beginStop(now: Posix.monotonicNanos()) }

        while true {
            var now = Posix.monotonicNanos()
            if stopping && (connections.isEmpty || now >= graceDeadline) { break }
            var wakeAt = nextSweep
            if let paused = acceptPausedUntil { wakeAt = min(wakeAt, paused) }
            if stopping { wakeAt = min(wakeAt, graceDeadline) }
            let timeoutMs: Int32 = wakeAt == .max ? -1 : Int32(min(60_000, (wakeAt &- min(wakeAt, now) + 999_999) / 1_000_000))

            let n = epoll_wait(epfd, events, Int32(capacity), timeoutMs)
            if n < 0 {
                if errno == EINTR { continue }
                logger.error("epoll_wait failed; HTTP server stops", metadata: ["error": "\(Posix.errorString(errno))"])
                break
            }
            now = Posix.monotonicNanos()
            for i in 0..<Int(n) {
                let fd = events[i].data.fd
                let mask = events[i].events
                if fd == wakefd {
                    var value: UInt64 = 0
                    _ = read(wakefd, &value, 8)
                    if stopRequested.load(ordering: .sequentiallyConsistent) && !stopping { beginStop(now: now) }
                    completeAuthChecks(now: now)
                } else if fd == listenFD {
                    if listenerOpen { acceptConnections(now: now) }
                } else if let conn = connections[fd] {
                    handle(conn, mask: mask, now: now)
                }
            }
            if let paused = acceptPausedUntil, now >= paused, listenerOpen, !stopping {
                acceptPausedUntil = nil
                listenerRegistered = Self.control(epfd, EPOLL_CTL_MOD, listenFD, EPOLLIN.rawValue)
            }
            if now >= nextSweep { sweep(now: now) }
            stats.set(.openConnections, connections.count)
            stats.set(.queuedOutputBytes, heldOutputTotal)
        }

        for conn in Array(connections.values) { closeConnection(conn) }
        closeOwnFDs()
        logger.debug("HTTP server thread finished")
    }

    private func beginStop(now: UInt64) {
        stopping = true
        graceDeadline = now &+ graceTimeout
        if listenerOpen {
            _ = epoll_ctl(epfd, EPOLL_CTL_DEL, listenFD, nil)
            if ownsListener { close(listenFD) }
            listenerOpen = false
        }
        for conn in Array(connections.values) where isIdle(conn) { closeConnection(conn) }
        logger.debug("HTTP server stopping", metadata: ["http.in_flight": "\(connections.count)"])
    }

    /// Nothing received of a next request and nothing left to send.
    private func isIdle(_ conn: Connection) -> Bool {
        conn.phase == .reading && conn.pendingOutput == 0 && conn.input.isEmpty && conn.awaitingAuth == nil
    }

    private func schedule(_ deadline: UInt64) {
        if deadline < nextSweep { nextSweep = deadline }
    }

    private func sweep(now: UInt64) {
        var next = UInt64.max
        for conn in Array(connections.values) {
            if conn.deadline <= now {
                expire(conn, now: now)
                if connections[conn.fd] === conn { next = min(next, conn.deadline) }
            } else {
                next = min(next, conn.deadline)
            }
        }
        nextSweep = next
    }

    private func expire(_ conn: Connection, now: UInt64) {
        if conn.phase == .lingering || conn.pendingOutput > 0 || conn.requestDeadline == nil {
            if conn.pendingOutput > 0 {
                stats.add(.writeTimeouts)
                logger.debug("client too slow reading its response; closing", metadata: ["peer": "\(conn.peer)"])
            }
            closeConnection(conn)
            return
        }
        stats.add(.readTimeouts)
        logger.debug("request not received in time; answering 408", metadata: ["peer": "\(conn.peer)"])
        conn.input.removeAll()
        conn.requestDeadline = nil
        conn.lingerAfterWrite = true
        queue(conn, errorResponse(status: 408, reason: "request not received in time"), now: now)
        conn.phase = .closeAfterWrite
        flush(conn, now: now)
        reclassify(conn, now: now)
    }

    // MARK: - Accepting

    private func acceptConnections(now: UInt64) {
        for _ in 0..<Self.maxAcceptsPerWake {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    clinux_accept4(listenFD, $0, &length, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
                }
            }
            if fd < 0 {
                let e = errno
                switch e {
                case EAGAIN, EWOULDBLOCK: return
                case EINTR: continue
                case ECONNABORTED, EPROTO, EPERM:
                    stats.add(.acceptErrors)
                    continue
                case EMFILE, ENFILE:
                    stats.add(.acceptErrors)
                    logOverload("out of file descriptors; closing pending connections", now: now, error: e)
                    switch shedWithReserve() {
                    case .shed: continue
                    case .backlogEmpty: return
                    case .noReserve: break
                    }
                    fallthrough
                default:
                    // ENOBUFS, ENOMEM (or EMFILE without a reserve descriptor): the pending connection
                    // stays in the backlog and the level-triggered listener would spin; pause briefly.
                    if e != EMFILE && e != ENFILE { stats.add(.acceptErrors) }
                    logOverload("accept failed; pausing accepts for 100 ms", now: now, error: e)
                    acceptPausedUntil = now &+ Self.acceptPause
                    listenerRegistered = !Self.control(epfd, EPOLL_CTL_MOD, listenFD, 0)
                    return
                }
            }
            stats.add(.accepted)
            if connections.count >= config.maxConnections && !makeRoom(now: now) {
                refuse(fd)
                logOverload("connection limit reached and nothing to evict; closing new connection", now: now, error: nil)
                continue
            }
            var address = SocketAddress()
            address.storage = storage
            address.length = length
            if address.family == AF_INET || address.family == AF_INET6 {
                _ = Posix.setInt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            }
            nextConnectionID &+= 1
            let conn = Connection(fd: fd, id: nextConnectionID, peer: address.description, maxHeaderBytes: config.maxHeaderBytes)
            guard Self.control(epfd, EPOLL_CTL_ADD, fd, EPOLLIN.rawValue) else {
                close(fd)
                continue
            }
            conn.events = EPOLLIN.rawValue
            conn.requestDeadline = now &+ readTimeout
            schedule(now &+ readTimeout)
            connections[fd] = conn
            reclassify(conn, now: now)
        }
    }

    /// Closes a just-accepted connection with a best-effort 503.
    private func refuse(_ fd: Int32) {
        stats.add(.rejected)
        _ = Self.busyResponse.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        close(fd)
    }

    private static let busyResponse = Array(("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
        + "Content-Length: 32\r\nConnection: close\r\n\r\nService Unavailable: overloaded\n").utf8)

    private enum ShedOutcome { case shed, backlogEmpty, noReserve }

    /// EMFILE/ENFILE: gives the reserve descriptor back, accepts the pending connection and closes it
    /// at once (503), then takes the reserve again, so the backlog drains instead of the
    /// level-triggered listener waking the loop for ever.
    private func shedWithReserve() -> ShedOutcome {
        guard reserveFD >= 0 else { return .noReserve }
        close(reserveFD)
        let fd = clinux_accept4(listenFD, nil, nil, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
        let e = errno
        if fd >= 0 { refuse(fd) }
        reserveFD = open("/dev/null", O_RDONLY | O_CLOEXEC)  // may fail if another thread took the slot: retried later
        if fd >= 0 { return .shed }
        return e == EAGAIN || e == EWOULDBLOCK ? .backlogEmpty : .noReserve
    }

    // MARK: - Making room at the connection limit

    /// What `conn` could be evicted as, now.
    private func evictionClass(of conn: Connection) -> EvictionClass {
        if conn.phase == .reading && conn.awaitingAuth == nil && conn.pendingOutput == 0 {
            return conn.requestDeadline != nil || !conn.input.isEmpty ? .headerIncomplete : .idle
        }
        if conn.phase != .lingering && conn.pendingOutput > 0 && conn.writeBlocked { return .stalledWriter }
        return .none
    }

    /// Files `conn` under its current eviction class (a new entry only when the class changed).
    private func reclassify(_ conn: Connection, now: UInt64) {
        guard connections[conn.fd] === conn else { return }
        let c = evictionClass(of: conn)
        guard c != conn.evictionClass else { return }
        conn.evictionClass = c
        conn.evictionEpoch &+= 1
        guard c != .none else { return }
        evictionQueues[c.rawValue].push(.init(fd: conn.fd, id: conn.id, epoch: conn.evictionEpoch, since: now))
        evictionQueues[c.rawValue].compact(live: connections.count) { isLive($0, c) }
    }

    private func isLive(_ e: EvictionQueue.Entry, _ c: EvictionClass) -> Bool {
        guard let conn = connections[e.fd] else { return false }
        return conn.id == e.id && conn.evictionEpoch == e.epoch && conn.evictionClass == c
    }

    /// A connection younger than this is never evicted as header-incomplete: a real client's request
    /// follows its handshake within microseconds (on a LAN), and a fresh scrape must not lose its slot
    /// to the next connection of a flood.
    private static let evictionGrace: UInt64 = 10_000_000

    /// Closes one connection to make room for a new one; false if none may go. At most a few dozen
    /// queue entries and 32 `recv`/`ioctl` probes per call, so shedding stays cheap under a flood.
    private func makeRoom(now: UInt64) -> Bool {
        var probes = 0
        // 1. The oldest connection still sending its head, unless its next bytes are already waiting
        //    in the kernel (it is about to make progress).
        if let e = evictionQueues[EvictionClass.headerIncomplete.rawValue].first(limit: 64, isLive: { isLive($0, .headerIncomplete) }, { e in
            guard now &- e.since >= Self.evictionGrace, probes < 16 else { return .stop }
            probes += 1
            return Self.hasUnreadBytes(e.fd) ? .skip : .take
        }), let conn = connections[e.fd] {
            evict(conn, .evictedIncomplete, reset: true)
            return true
        }
        // 2. The oldest idle keep-alive connection whose last answer the kernel has delivered: closed
        //    normally (a next request it already sent is dropped unanswered, as when an idle
        //    connection times out; HTTP clients retry those).
        if let e = evictionQueues[EvictionClass.idle.rawValue].first(limit: 64, isLive: { isLive($0, .idle) }, { e in
            guard probes < 32 else { return .stop }
            probes += 1
            return clinux_unsent_bytes(e.fd) == 0 ? .take : .skip
        }), let conn = connections[e.fd] {
            evict(conn, .evictedIdle, reset: false)
            return true
        }
        // 3. The connection whose response has been stalled longest, if at least `evictStalledWritersAfter`.
        if let e = evictionQueues[EvictionClass.stalledWriter.rawValue].first(limit: 64, isLive: { isLive($0, .stalledWriter) }, { e in
            now &- e.since >= stallEvictAge ? .take : .stop  // oldest first: if this one is too recent, all are
        }), let conn = connections[e.fd] {
            evict(conn, .evictedStalled, reset: true)
            return true
        }
        // 4. The oldest idle connection (older than the grace) whose last answer is still in the
        //    kernel: a client that asked for something small and does not read it.
        if let e = evictionQueues[EvictionClass.idle.rawValue].first(limit: 64, isLive: { isLive($0, .idle) }, { e in
            now &- e.since >= Self.evictionGrace ? .take : .stop
        }), let conn = connections[e.fd] {
            evict(conn, .evictedIdle, reset: true)
            return true
        }
        return false
    }

    /// Forgets the connection; `reset` closes it abortively (RST: no TIME_WAIT, unsent data dropped),
    /// otherwise unread input is drained first so the close is a FIN, not a reset.
    private func evict(_ conn: Connection, _ counter: StatsCounters.Counter, reset: Bool) {
        stats.add(counter)
        if reset {
            var hard = linger(l_onoff: 1, l_linger: 0)
            setsockopt(conn.fd, SOL_SOCKET, SO_LINGER, &hard, socklen_t(MemoryLayout<linger>.size))
        } else {
            _ = recv(conn.fd, readBuffer.baseAddress, readBuffer.count, Int32(MSG_DONTWAIT))
        }
        closeConnection(conn)
    }

    private static func hasUnreadBytes(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) > 0
    }

    private func logOverload(_ message: Logger.Message, now: UInt64, error: Int32?) {
        guard now &- lastOverloadLog >= 10_000_000_000 || lastOverloadLog == 0 else { return }
        lastOverloadLog = now
        var metadata: Logger.Metadata = ["http.connections": "\(connections.count)"]
        if let error { metadata["error"] = "\(Posix.errorString(error))" }
        logger.warning(message, metadata: metadata)
    }

    // MARK: - Connection I/O

    private func handle(_ conn: Connection, mask: UInt32, now: UInt64) {
        if mask & EPOLLERR.rawValue != 0 || mask & EPOLLHUP.rawValue != 0 && conn.awaitingAuth != nil {
            closeConnection(conn)  // (a hang-up would be reported again and again while the check runs)
            return
        }
        if mask & (EPOLLIN.rawValue | EPOLLHUP.rawValue) != 0 {
            readable(conn, now: now)
            guard connections[conn.fd] === conn else { return }
        }
        if mask & EPOLLOUT.rawValue != 0 {
            flush(conn, now: now)
            guard connections[conn.fd] === conn else { return }
            if mayAnswer(conn) && !conn.input.isEmpty {
                process(conn, now: now)
            }
        }
        reclassify(conn, now: now)
    }

    /// True while `conn` may have its next request answered: not closing, no credential check in
    /// flight, and under the queued-bytes and pipelining caps (one response is always allowed).
    private func mayAnswer(_ conn: Connection) -> Bool {
        conn.phase == .reading && conn.awaitingAuth == nil
            && (conn.output.isEmpty || conn.heldOutput < config.maxQueuedBytesPerConnection
                && conn.queuedResponses < max(1, config.maxPipelinedRequests))
    }

    private func readable(_ conn: Connection, now: UInt64) {
        let n = read(conn.fd, readBuffer.baseAddress, readBuffer.count)
        if n < 0 {
            let e = errno
            if e == EAGAIN || e == EWOULDBLOCK || e == EINTR { return }
            closeConnection(conn)
            return
        }
        if conn.phase == .lingering {
            if n == 0 { closeConnection(conn) }
            return  // discard
        }
        if n == 0 {
            conn.peerClosed = true
        } else if conn.phase == .reading {
            if conn.input.isEmpty && conn.requestDeadline == nil {
                conn.requestDeadline = now &+ readTimeout
                schedule(now &+ readTimeout)
            }
            conn.input.append(contentsOf: UnsafeRawBufferPointer(start: readBuffer.baseAddress, count: n))
        }
        process(conn, now: now)
    }

    /// Parses and answers every complete request in the input, flushing as it goes and pausing while
    /// `mayAnswer` is false (EPOLLOUT or a finished credential check resumes it).
    private func process(_ conn: Connection, now: UInt64) {
        while true {
            let consumedAny = parseAvailable(conn, now: now)
            flush(conn, now: now)
            guard consumedAny, connections[conn.fd] === conn, !conn.input.isEmpty, mayAnswer(conn) else { return }
        }
    }

    /// Answers the complete requests in the input while `mayAnswer`; true if any was consumed.
    private func parseAvailable(_ conn: Connection, now: UInt64) -> Bool {
        var consumedAny = false
        while !conn.input.isEmpty && mayAnswer(conn) {
            let result = conn.input.withUnsafeBytes { conn.parser.parse($0) }
            switch result {
            case .needMore:
                if conn.peerClosed { conn.input.removeAll() }  // a truncated request can never complete
                break
            case .request(let head, let consumed):
                conn.input.removeFirst(consumed)
                consumedAny = true
                respond(conn, head: head, now: now)
                continue
            case .error(let error):
                logger.debug("bad request", metadata: ["peer": "\(conn.peer)", "http.status": "\(error.status)",
                                                       "http.reason": "\(error.reason)"])
                conn.input.removeAll()
                conn.lingerAfterWrite = true
                queue(conn, errorResponse(status: error.status, reason: error.reason), now: now)
                conn.phase = .closeAfterWrite
                consumedAny = true
            }
            break
        }
        if conn.phase == .reading {
            if conn.input.isEmpty {
                if conn.requestDeadline != nil || consumedAny {
                    conn.requestDeadline = nil
                    conn.idleDeadline = now &+ idleTimeout
                    schedule(conn.idleDeadline)
                }
            } else if consumedAny {
                conn.requestDeadline = now &+ readTimeout
                schedule(now &+ readTimeout)
            }
        }
        return consumedAny
    }

    /// Queues one encoded response.
    private func queue(_ conn: Connection, _ chunks: [[UInt8]], now: UInt64) {
        let parts = chunks.filter { !$0.isEmpty }
        guard !parts.isEmpty else { return }
        if conn.pendingOutput == 0 {
            conn.writeDeadline = now &+ writeTimeout
            conn.responseDeadline = now &+ responseTimeout
            schedule(min(conn.writeDeadline, conn.responseDeadline))
        }
        for (i, part) in parts.enumerated() {
            conn.output.append(.init(bytes: part, endsResponse: i == parts.count - 1))
            conn.heldOutput += part.capacity
            heldOutputTotal += part.capacity
        }
        stats.raise(.peakConnectionQueuedBytes, to: conn.heldOutput)
        stats.raise(.peakConnectionQueuedResponses, to: conn.queuedResponses)
    }

    /// One `sendmsg` (MSG_NOSIGNAL) of the first two pending chunks: a response's head and body go
    /// out in a single system call without being copied together.
    private func sendPending(_ conn: Connection) -> Int {
        func send(_ parts: [UnsafeRawBufferPointer]) -> Int {
            var iovecs = parts.map { iovec(iov_base: UnsafeMutableRawPointer(mutating: $0.baseAddress), iov_len: $0.count) }
            return iovecs.withUnsafeMutableBufferPointer { iov in
                var message = msghdr()
                message.msg_iov = iov.baseAddress
                message.msg_iovlen = iov.count
                return sendmsg(conn.fd, &message, Int32(MSG_NOSIGNAL))
            }
        }
        let offset = conn.outputOffset
        return conn.output[0].bytes.withUnsafeBytes { first in
            let head = UnsafeRawBufferPointer(rebasing: first[offset...])
            guard conn.output.count > 1 else { return send([head]) }
            return conn.output[1].bytes.withUnsafeBytes { second in send([head, second]) }
        }
    }

    private func flush(_ conn: Connection, now: UInt64) {
        while conn.pendingOutput > 0 {
            let n = sendPending(conn)
            if n > 0 {
                var sent = n + conn.outputOffset
                while let first = conn.output.first, sent >= first.bytes.count {
                    sent -= first.bytes.count
                    conn.heldOutput -= first.bytes.capacity
                    heldOutputTotal -= first.bytes.capacity
                    conn.output.removeFirst()
                    if first.endsResponse { conn.responseDeadline = now &+ responseTimeout }  // the next one's own budget
                }
                conn.outputOffset = sent
                conn.writeDeadline = now &+ writeTimeout  // a reader that makes progress keeps its connection
                conn.writeBlocked = false
                if conn.evictionClass == .stalledWriter { conn.evictionClass = .none }  // refiled, with a fresh time, if it stalls again
                continue
            }
            let e = errno
            if n < 0 && e == EINTR { continue }
            if n < 0 && (e == EAGAIN || e == EWOULDBLOCK) {
                conn.writeBlocked = true
                break
            }
            closeConnection(conn)  // EPIPE, ECONNRESET: the client went away
            return
        }
        if conn.pendingOutput == 0 {
            heldOutputTotal -= conn.heldOutput
            conn.heldOutput = 0
            conn.output.removeAll()
            conn.outputOffset = 0
            conn.writeBlocked = false
            switch conn.phase {
            case .closeAfterWrite:
                if conn.lingerAfterWrite && !conn.peerClosed {
                    startLinger(conn, now: now)
                } else {
                    closeConnection(conn)
                }
                return
            case .reading:
                if conn.peerClosed && conn.input.isEmpty && conn.awaitingAuth == nil || stopping && isIdle(conn) {
                    closeConnection(conn)
                    return
                }
            case .lingering:
                break
            }
            schedule(conn.deadline)  // the idle or request deadline applies again
        }
        updateInterest(conn)
    }

    /// Half-close and drain what the client still sends, so the kernel does not reset the connection
    /// (and destroy our error response) because of unread input.
    private func startLinger(_ conn: Connection, now: UInt64) {
        shutdown(conn.fd, Int32(SHUT_WR))
        conn.phase = .lingering
        conn.lingerDeadline = now &+ min(Self.lingerTimeout, max(readTimeout, 100_000_000))
        schedule(conn.lingerDeadline)
        updateInterest(conn)
    }

    private func updateInterest(_ conn: Connection) {
        var want: UInt32 = 0
        switch conn.phase {
        case .reading:
            if !conn.peerClosed && mayAnswer(conn) { want |= EPOLLIN.rawValue }
            if conn.pendingOutput > 0 { want |= EPOLLOUT.rawValue }
        case .closeAfterWrite:
            if conn.pendingOutput > 0 { want |= EPOLLOUT.rawValue }
        case .lingering:
            want = EPOLLIN.rawValue
        }
        if want != conn.events {
            conn.events = want
            _ = Self.control(epfd, EPOLL_CTL_MOD, conn.fd, want)
        }
    }

    private func closeConnection(_ conn: Connection) {
        guard connections.removeValue(forKey: conn.fd) != nil else { return }
        close(conn.fd)  // also removes it from the epoll set
        heldOutputTotal -= conn.heldOutput
        conn.heldOutput = 0
        conn.output.removeAll()
        if reserveFD < 0 { reserveFD = open("/dev/null", O_RDONLY | O_CLOEXEC) }  // after an EMFILE that took it
    }

    // MARK: - Responses

    /// How a request is answered once authentication (if any) is decided.
    private enum Answer {
        case handler(user: String?)
        case unauthorized
        case throttled
    }

    private func respond(_ conn: Connection, head: HTTPRequestHead, now: UInt64) {
        guard let authenticator, !config.unauthenticatedPaths.contains(head.path) else {
            return answer(conn, head: head, .handler(user: nil), now: now)
        }
        switch authenticator.decide(authorization: head.header("Authorization"), address: conn.peerHost, now: now) {
        case .allowed(let user):
            answer(conn, head: head, .handler(user: user), now: now)
        case .denied(let cached):
            if cached { stats.add(.authFailuresCached) }
            answer(conn, head: head, .unauthorized, now: now)
        case .throttled:
            stats.add(.authFailuresThrottled)
            answer(conn, head: head, .throttled, now: now)
        case .check(let check):
            guard let authWorkers else {
                let ok = authenticator.verifyInline(check, address: conn.peerHost, now: now)
                stats.add(.authChecks)
                if !ok { stats.add(.authFailures) }
                return answer(conn, head: head, ok ? .handler(user: check.user) : .unauthorized, now: now)
            }
            guard authInFlight < max(1, config.maxPendingAuthChecks) else {
                stats.add(.authFailuresThrottled)
                return answer(conn, head: head, .throttled, now: now)
            }
            authInFlight += 1
            conn.awaitingAuth = head
            authWorkers.submit(AuthJob(connectionID: conn.id, fd: conn.fd, check: check))
        }
    }

    /// Takes the workers' finished checks and answers the requests that waited for them.
    private func completeAuthChecks(now: UInt64) {
        guard let authWorkers, let authenticator else { return }
        for result in authWorkers.takeResults() {
            authInFlight -= 1
            stats.add(.authChecks)
            guard let conn = connections[result.fd], conn.id == result.connectionID, let head = conn.awaitingAuth else {
                // The client went away meanwhile; still learn from the result.
                if !authenticator.record(result.check, verified: result.ok, address: "", now: now) { stats.add(.authFailures) }
                continue
            }
            let ok = authenticator.record(result.check, verified: result.ok, address: conn.peerHost, now: now)
            if !ok { stats.add(.authFailures) }
            conn.awaitingAuth = nil
            answer(conn, head: head, ok ? .handler(user: result.check.user) : .unauthorized, now: now)
            process(conn, now: now)  // flushes, then answers what the client pipelined meanwhile
            if connections[conn.fd] === conn {
                updateInterest(conn)
                reclassify(conn, now: now)
            }
        }
    }

    private func answer(_ conn: Connection, head: HTTPRequestHead, _ answer: Answer, now: UInt64) {
        conn.served += 1
        stats.add(.requests)
        let response: ServerResponse
        switch answer {
        case .handler(let user):
            var request = ServerRequest(method: head.method, path: head.path, query: head.query, headers: head.headers,
                                        remoteAddress: conn.peer, authenticatedUser: user)
            // The handler never sees the credentials.
            if authenticator != nil { request.headers.removeAll { $0.name.caseInsensitiveEquals("authorization") } }
            response = handler(request)
        case .unauthorized:
            logger.debug("unauthorized request", metadata: ["peer": "\(conn.peer)", "http.path": "\(head.path)"])
            var denied = ServerResponse.text("Unauthorized\n", status: 401)
            denied.headers.append(("WWW-Authenticate", "Basic realm=\"\(config.authRealm)\""))
            response = denied
        case .throttled:
            var slow = ServerResponse.text("Too Many Requests: too many credential checks from this address\n", status: 429)
            slow.headers.append(("Retry-After", "1"))
            response = slow
        }
        let limitReached = conn.served >= max(1, config.maxRequestsPerConnection)
        if limitReached && head.keepAlive {
            stats.add(.requestLimitCloses)
            conn.lingerAfterWrite = true  // drain what it pipelined, so a reset does not destroy this response
        }
        // Decided after the handler ran: stop() may have been called meanwhile.
        let closeAfter = !head.keepAlive || limitReached || conn.peerClosed || stopping || stopRequested.load(ordering: .relaxed)
        let acceptsGzip = head.header("Accept-Encoding").map(GzipCompressor.accepts) ?? false
        let bytes = encode(response, omitBody: head.method == "HEAD", acceptsGzip: acceptsGzip,
                           close: closeAfter, http10: head.version.minor == 0)
        queue(conn, bytes, now: now)
        if closeAfter { conn.phase = .closeAfterWrite }
    }

    private static let serverOwnedHeaders: Set<String> = ["content-length", "connection", "transfer-encoding", "date", "keep-alive"]

    /// The response as [head, body] chunks.
    private func encode(_ response: ServerResponse, omitBody: Bool, acceptsGzip: Bool, close: Bool, http10: Bool) -> [[UInt8]] {
        var body = response.body
        var head = "HTTP/1.1 \(response.status) \(HTTPStatus.reason(response.status))\r\n"
        for (name, value) in response.headers where !Self.serverOwnedHeaders.contains(name.lowercased()) {
            head += Self.sanitize(name) + ": " + Self.sanitize(value) + "\r\n"
        }
        let bodyless = response.status == 204 || response.status == 304 || (100..<200).contains(response.status)
        if bodyless { body = [] }
        if config.gzipEnabled && body.count > config.gzipMinimumBytes && response.header("Content-Encoding") == nil {
            head += "Vary: Accept-Encoding\r\n"
            if acceptsGzip, let compressed = gzip.compress(body) {
                body = compressed
                head += "Content-Encoding: gzip\r\n"
            }
        }
        if response.status != 204 && !(100..<200).contains(response.status) { head += "Content-Length: \(body.count)\r\n" }
        head += "Date: \(httpDate())\r\n"
        if close {
            head += "Connection: close\r\n"
        } else if http10 {
            head += "Connection: keep-alive\r\n"
        }
        head += "\r\n"
        return omitBody ? [Array(head.utf8)] : [Array(head.utf8), body]
    }

    /// Replaces CR, LF and other control characters, so a handler cannot split the response.
    private static func sanitize(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F }) else { return s }
        return String(decoding: s.utf8.map { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F ? 0x20 : $0 }, as: UTF8.self)
    }

    private func errorResponse(status: Int, reason: String) -> [[UInt8]] {
        var response = ServerResponse.text("\(HTTPStatus.reason(status)): \(reason)\n", status: status)
        if status == 405 { response.headers.append(("Allow", "GET, HEAD")) }
        return encode(response, omitBody: false, acceptsGzip: false, close: true, http10: false)
    }

    /// IMF-fixdate of now, cached per second.
    private func httpDate() -> String {
        var t = time(nil)
        if Int(t) == dateCache.second { return dateCache.text }
        var tm = tm()
        gmtime_r(&t, &tm)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let text = "\(days[Int(tm.tm_wday)]), \(two(tm.tm_mday)) \(months[Int(tm.tm_mon)]) \(tm.tm_year + 1900) "
            + "\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)) GMT"
        dateCache = (Int(t), text)
        return text
    }
}
