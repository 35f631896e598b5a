// TEMPORARY interface stub while the parser is written on branch wt-telemetry; replaced at merge.
import ClusterModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public struct TelemetryProblem: Error, Sendable, Hashable {
    public var reason: String
    public var detail: String
    public init(reason: String, detail: String) { self.reason = reason; self.detail = detail }
}

public enum TelemetryReader {
    public static func read(_ body: [UInt8], contentType: String?, at: Date) -> Result<NodeTelemetry, TelemetryProblem> {
        .failure(TelemetryProblem(reason: "invalid_text", detail: "parser not merged yet"))
    }
}
