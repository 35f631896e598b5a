import Synchronization

/// Control messages for the poll loop, delivered between cycles so a reload never races a cycle.
public enum Control: Sendable, Equatable { case reload, stop }

/// A single-consumer mailbox the poll loop waits on with a deadline: `wait(until:)` returns the
/// next message, or nil when the deadline passes first (time for the next cycle).
public final class Mailbox: Sendable {
    private struct State {
        var queue: [Control] = []
        var waiter: CheckedContinuation<Control?, Never>?
        var waiterID = 0
    }
    private let state = Mutex(State())
    public init() {}

    public func post(_ c: Control) {
        let w: CheckedContinuation<Control?, Never>? = state.withLock { s in
            if let w = s.waiter { s.waiter = nil; return w }
            s.queue.append(c); return nil
        }
        w?.resume(returning: c)
    }

    public func wait(until deadline: ContinuousClock.Instant) async -> Control? {
        if let c = state.withLock({ s in s.queue.isEmpty ? nil : s.queue.removeFirst() }) { return c }
        if deadline <= .now { return nil }
        return await withCheckedContinuation { (cont: CheckedContinuation<Control?, Never>) in
            let id: Int? = state.withLock { s in
                if !s.queue.isEmpty { return nil }
                s.waiterID += 1; s.waiter = cont; return s.waiterID
            }
            guard let id else {
                let c = state.withLock { $0.queue.removeFirst() }
                cont.resume(returning: c); return
            }
            Task {
                try? await Task.sleep(until: deadline, clock: .continuous)
                let w: CheckedContinuation<Control?, Never>? = state.withLock { s in
                    guard s.waiterID == id, let w = s.waiter else { return nil }
                    s.waiter = nil; return w
                }
                w?.resume(returning: nil)
            }
        }
    }
}
