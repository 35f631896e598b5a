import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP → reload, SIGTERM/SIGINT → stop, delivered to a `Mailbox`. The default actions are
/// ignored first (or they would still kill us); SIGPIPE is ignored for good (sockets use MSG_NOSIGNAL too).
final class SignalHandlers: @unchecked Sendable {
    // DispatchSource objects are thread-safe; the array is written once in init.
    private let sources: [any DispatchSourceSignal]

    init(mailbox: Mailbox) {
        signal(SIGPIPE, SIG_IGN)
        let queue = DispatchQueue(label: "sealwatch.signals")
        sources = [(SIGHUP, Control.reload), (SIGTERM, .stop), (SIGINT, .stop)].map { sig, control in
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            s.setEventHandler { mailbox.post(control) }
            s.resume()
            return s
        }
    }

    func cancel() { sources.forEach { $0.cancel() } }
}
