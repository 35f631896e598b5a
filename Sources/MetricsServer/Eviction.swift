/// What a connection is doing, as far as making room at `maxConnections` goes; in eviction order.
enum EvictionClass: Int, CaseIterable {
    /// Not evictable: a request is being answered and the client reads, or the connection lingers.
    case none
    /// Reading a request head that is not complete yet (a slowloris looks like this).
    case headerIncomplete
    /// Keep-alive between requests, nothing to send.
    case idle
    /// A response is pending and the client has not read for a while.
    case stalledWriter
}

/// Connections of one `EvictionClass` in the order they entered it (oldest first). Entries are
/// invalidated lazily: an entry counts only while the connection still has the same id and
/// eviction epoch (every class change bumps the epoch and pushes a new entry), and stale entries
/// are dropped from the front as they are met, or all at once when they outnumber live ones.
struct EvictionQueue {
    struct Entry {
        var fd: Int32
        var id: UInt64
        var epoch: UInt64
        /// When the connection entered the class (monotonic ns).
        var since: UInt64
    }

    private(set) var entries: [Entry] = []
    private(set) var head = 0
    /// An epoch no connection has: marks an entry taken out of the middle.
    static let dead = UInt64.max

    var count: Int { entries.count - head }

    mutating func push(_ entry: Entry) { entries.append(entry) }

    /// Visits live entries oldest first until `visit` returns `.stop` or `.take` (the entry is then
    /// removed and returned) or `limit` entries were looked at.
    enum Verdict { case skip, take, stop }
    mutating func first(limit: Int, isLive: (Entry) -> Bool, _ visit: (Entry) -> Verdict) -> Entry? {
        var i = head
        var looked = 0
        while i < entries.count && looked < limit {
            let e = entries[i]
            looked += 1
            guard e.epoch != Self.dead, isLive(e) else {
                if i == head { head += 1 } else { entries[i].epoch = Self.dead }
                i += 1
                continue
            }
            switch visit(e) {
            case .stop: return nil
            case .skip: i += 1
            case .take:
                if i == head { head += 1 } else { entries[i].epoch = Self.dead }
                return e
            }
        }
        return nil
    }

    /// Drops stale entries when there are more than `4 × live + 256` of them (amortized O(1) per push).
    mutating func compact(live: Int, isLive: (Entry) -> Bool) {
        if head > 4096 && head > entries.count / 2 {
            entries.removeFirst(head)
            head = 0
        }
        guard count > 4 * live + 256 else { return }
        entries = entries[head...].filter { $0.epoch != Self.dead && isLive($0) }
        head = 0
    }
}
