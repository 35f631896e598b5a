import ClusterModel
import Foundation
import Testing
@testable import Notify

/// Alerts and helpers shared by the Notify tests.
enum Fixture {
    static let firedAt = Date(timeIntervalSince1970: 1_795_341_600)  // 2026-11-22T10:00:00Z

    static func alert(_ name: String = "VaultSealed", cluster: String = "prod", node: String? = "vault-2",
                      severity: Severity = .critical, summary: String = "vault-2 is sealed (HTTP 503, sealed: true)",
                      value: Double? = 1, runbook: Bool = true) -> Alert {
        var labels = ["alertname": name, "cluster": cluster, "severity": severity.rawValue]
        if let node { labels["node"] = node }
        var annotations = ["summary": summary]
        if runbook { annotations["runbook_url"] = "https://runbooks.example/\(name).md" }
        return Alert(labels: labels, annotations: annotations, state: .firing, activeAt: firedAt, firedAt: firedAt, value: value)
    }

    static func resolved(_ alert: Alert, after seconds: Double = 252) -> Alert {
        var a = alert
        a.state = .resolved
        a.resolvedAt = a.firedAt!.addingTimeInterval(seconds)
        return a
    }

    static let latency = alert("HighLatency", node: "vault-1", severity: .warning, summary: "p99 latency 73 ms > 50 ms", value: 0.073)
    static let noLeader = alert("NoLeader", node: nil, summary: "no active node for 30s", value: nil)

    /// JSON text with keys sorted and pretty-printed, so golden files compare regardless of key order.
    static func normalized(_ text: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// Compares `json` with `Golden/<name>.json`; `UPDATE_GOLDEN=1` rewrites the file instead.
    static func expectGolden(_ name: String, _ json: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let actual = try normalized(json.serialized())
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try (actual + "\n").write(to: dir.appendingPathComponent("\(name).json"), atomically: true, encoding: .utf8)
            return
        }
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Golden"),
                               "missing Golden/\(name).json", sourceLocation: sourceLocation)
        let expected = try normalized(String(contentsOf: url, encoding: .utf8))
        #expect(actual == expected, "Golden/\(name).json differs", sourceLocation: sourceLocation)
    }
}
