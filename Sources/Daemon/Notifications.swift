import Config
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import HTTPTransport
import CurlTransport
import Logging
import Notify

/// Builds the notification dispatcher for `run`, and runs `notify test`.
public enum Notifications {
    public static func make(logger: Logger) -> @Sendable (SealwatchConfig, any HTTPTransport, String) throws -> any AlertSink {
        { config, transport, stateDir in
            try Dispatcher(config: config, transport: transport, stateDirectory: stateDir,
                           environment: ProcessInfo.processInfo.environment, logger: logger)
        }
    }

    /// `sealwatch notify test`: exit 0 when every receiver accepted both messages.
    public static func test(config: SealwatchConfig, receiver: String?, logger: Logger) async -> Int32 {
        if let receiver, !config.receivers.contains(where: { $0.name == receiver }) {
            print("no receiver named \"\(receiver)\" (defined: \(config.receivers.map(\.name).joined(separator: ", ")))")
            return 64
        }
        if config.receivers.isEmpty { print("no receivers configured"); return 1 }
        let transport = CurlTransport(logger: logger)
        defer { transport.shutdown() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sealwatch-notify-test-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let dispatcher = try Dispatcher(config: config, transport: transport, stateDirectory: dir,
                                            environment: ProcessInfo.processInfo.environment, logger: logger)
            let results = await dispatcher.sendTest(receiver: receiver, now: Date())
            for r in results { print("\(r.ok ? "ok    " : "FAILED") \(r.receiver) (\(r.integration)): \(r.detail)") }
            return results.allSatisfy(\.ok) ? 0 : 1
        } catch {
            print("cannot set up notifications: \(error)")
            return 1
        }
    }
}
