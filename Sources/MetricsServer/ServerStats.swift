import Synchronization

/// The server's counters: written by the server thread, read by any thread through
/// `HTTPServer.stats()`. One uncontended lock per update (tens of nanoseconds; a few per request).
final class StatsCounters: Sendable {
    enum Counter: Int, CaseIterable {
        case accepted, acceptErrors, rejected, evictedIncomplete, evictedIdle, evictedStalled, writeTimeouts,
             readTimeouts, requests, requestLimitCloses, authChecks, authFailures, authFailuresCached,
             authFailuresThrottled
    }
    enum Gauge: Int, CaseIterable {
        case openConnections, queuedOutputBytes
        /// Largest queued bytes / queued responses one connection has held (for tests).
        case peakConnectionQueuedBytes, peakConnectionQueuedResponses
    }

    private struct Values {
        var counters = [Int](repeating: 0, count: Counter.allCases.count)
        var gauges = [Int](repeating: 0, count: Gauge.allCases.count)
    }
    private let values = Mutex(Values())

    func add(_ c: Counter, _ n: Int = 1) { values.withLock { $0.counters[c.rawValue] += n } }
    func set(_ g: Gauge, _ value: Int) { values.withLock { $0.gauges[g.rawValue] = value } }
    func raise(_ g: Gauge, to value: Int) { values.withLock { $0.gauges[g.rawValue] = max($0.gauges[g.rawValue], value) } }
    func get(_ c: Counter) -> Int { values.withLock { $0.counters[c.rawValue] } }
    func get(_ g: Gauge) -> Int { values.withLock { $0.gauges[g.rawValue] } }

    /// All values, taken under one lock.
    var snapshot: HTTPServerStats {
        let v = values.withLock { $0 }
        func get(_ c: Counter) -> Int { v.counters[c.rawValue] }
        func get(_ g: Gauge) -> Int { v.gauges[g.rawValue] }
        var s = HTTPServerStats()
        s.acceptedConnections = get(.accepted)
        s.acceptErrors = get(.acceptErrors)
        s.rejectedConnections = get(.rejected)
        s.evictedHeaderIncomplete = get(.evictedIncomplete)
        s.evictedIdle = get(.evictedIdle)
        s.evictedStalledWriters = get(.evictedStalled)
        s.writeTimeouts = get(.writeTimeouts)
        s.readTimeouts = get(.readTimeouts)
        s.requests = get(.requests)
        s.requestLimitCloses = get(.requestLimitCloses)
        s.authChecks = get(.authChecks)
        s.authFailures = get(.authFailures)
        s.authFailuresCached = get(.authFailuresCached)
        s.authFailuresThrottled = get(.authFailuresThrottled)
        s.openConnections = get(.openConnections)
        s.queuedOutputBytes = get(.queuedOutputBytes)
        return s
    }
}
