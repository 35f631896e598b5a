import ClusterModel
@testable import Daemon
import Foundation
import MetricsServer
import Testing

/// The `/metrics` exposition of a fixed scenario (three fake nodes, one sealed, a cluster label, the
/// server's own counters), pinned as a golden file: every family's HELP and TYPE line and every
/// series' name with its label names (values and timings vary, names must not). A rename, a lost
/// HELP line or a new label shows as a diff. Regenerate with SEALWATCH_UPDATE_GOLDEN=1 after a
/// deliberate change, and say so in the commit.
@Suite struct ExpositionGoldenTests {
    static let golden = repoRoot.appendingPathComponent("Tests/DaemonTests/Golden/metrics-shape.txt")

    /// HELP/TYPE lines as they are; series as `name{label,label}` (sorted); unique, sorted.
    static func shape(_ exposition: String) -> [String] {
        var out = Set<String>()
        for line in exposition.split(separator: "\n") {
            if line.hasPrefix("#") { out.insert(String(line)); continue }
            let name = line.prefix { $0 != "{" && $0 != " " }
            var labels: [String] = []
            if let open = line.firstIndex(of: "{"), let close = line.lastIndex(of: "}") {
                var rest = line[line.index(after: open)..<close]
                while let eq = rest.firstIndex(of: "=") {
                    labels.append(String(rest[..<eq]).trimmingCharacters(in: CharacterSet(charactersIn: ", ")))
                    // Skip the quoted value (escaped quotes included).
                    var i = rest.index(eq, offsetBy: 2, limitedBy: rest.endIndex) ?? rest.endIndex
                    while i < rest.endIndex, rest[i] != "\"" { i = rest[i] == "\\" ? rest.index(i, offsetBy: 2) : rest.index(after: i) }
                    rest = i < rest.endIndex ? rest[rest.index(after: i)...] : rest[rest.endIndex...]
                }
            }
            out.insert(labels.isEmpty ? String(name) : "\(name){\(labels.sorted().joined(separator: ","))}")
        }
        return out.sorted()
    }

    @Test func expositionShapeIsPinned() async throws {
        let (metrics, _, servers) = try await sealedClusterCycle()
        defer { servers.forEach { $0.stop() } }
        metrics.record(server: HTTPServerStats())
        metrics.publish()
        let text = String(decoding: metrics.emit(), as: UTF8.self)
        let shape = Self.shape(text).joined(separator: "\n") + "\n"
        if ProcessInfo.processInfo.environment["SEALWATCH_UPDATE_GOLDEN"] == "1" {
            try shape.write(to: Self.golden, atomically: true, encoding: .utf8)
        }
        let pinned = try String(contentsOf: Self.golden, encoding: .utf8)
        let missing = Set(pinned.split(separator: "\n")).subtracting(shape.split(separator: "\n"))
        let added = Set(shape.split(separator: "\n")).subtracting(pinned.split(separator: "\n"))
        #expect(missing.isEmpty && added.isEmpty, "missing: \(missing.sorted())\nadded: \(added.sorted())")
    }
}
