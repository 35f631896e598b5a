import Config
import Daemon
import HTTPTransport
import Logging

/// Chooses the alert sink (notifications arrive with the Notify target).
enum Sinks {
    static func make(logger: Logger) -> @Sendable (SealwatchConfig, any HTTPTransport, String) throws -> any AlertSink {
        { _, _, _ in LogOnlySink() }
    }
    static func test(config: SealwatchConfig, receiver: String?, logger: Logger) async -> Int32 {
        print("no notification support yet")
        return 1
    }
}
