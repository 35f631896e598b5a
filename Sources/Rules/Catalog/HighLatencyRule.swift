#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// HighLatency (node): what clients see is slow. Either the p99 (nearest rank, and at least the two
/// slowest: one slow request is not a latency problem) of the node's canary latencies within
/// `window` exceeds `threshold` (`source: canary`), or the node's own server-side p99 of
/// `vault_core_handle_request` at its latest telemetry read does (`source: server`). Health probes
/// do not feed it: `sys/health` touches no token store, policy, audit log or storage.
/// Unknown when neither source has data (fewer than `min_samples` canaries, no telemetry).
struct HighLatencyRule: Rule {
    let name = "HighLatency"
    let defaults = RuleSettings(name: "HighLatency", forSeconds: 60, severity: .warning,
                                threshold: 0.050, windowSeconds: 300, minSamples: 30)
    var parameters: Set<RuleParameter> { [.threshold, .window, .minSamples] }
    var readsNodeSamples: Bool { true }

    func evaluate(_ input: RuleInput) -> Evaluation {
        let s = input.settings
        let threshold = s.threshold ?? 0.050, minSamples = max(1, s.minSamples ?? 1)
        let over = s.windowSeconds.map { " over \(Format.duration($0))" } ?? ""
        var ev = Evaluation()
        for node in input.latest.nodes {
            let name = node.node.name
            let evidence = input.evidence(of: name, seconds: s.windowSeconds)
            var latencies: [Double] = []
            latencies.reserveCapacity(evidence.count * 3)
            for sample in evidence { sample.appendCanaryLatencies(to: &latencies) }
            let canary = latencies.count >= minSamples ? nearestRank(0.99, latencies, atLeast: 2) : nil
            let server = input.recentTelemetry(node, seconds: s.windowSeconds)?.requestMs?.p99.map { $0 / 1000 }
            if let (p99, count) = canary, p99 > threshold {
                ev.findings.append(Finding(
                    node: name, value: p99,
                    summary: "canary p99 latency \(Format.milliseconds(p99)) > \(Format.milliseconds(threshold))\(over) (\(count) requests)",
                    description: "Requests through \(name) of cluster \(input.cluster) (token lookup, KV read or write) are slow: clients see the same.",
                    labels: ["source": "canary"]))
            } else if let p99 = server, p99 > threshold {
                ev.findings.append(Finding(
                    node: name, value: p99,
                    summary: "server-side p99 request time \(Format.milliseconds(p99)) > \(Format.milliseconds(threshold)) (vault_core_handle_request)",
                    description: "\(name) of cluster \(input.cluster) reports slow request handling in its own telemetry.",
                    labels: ["source": "server"]))
            } else if canary == nil && server == nil {
                ev.unknown.insert(name)
            }
        }
        return ev
    }
}

extension RuleInput {
    /// The node's telemetry (fresh or carried) when it was read within `seconds` (default 5
    /// minutes) of now; older is no evidence.
    func recentTelemetry(_ node: NodeObservation, seconds: Double?) -> NodeTelemetry? {
        guard let t = node.telemetry.telemetry, now.timeIntervalSince(t.takenAt) <= (seconds ?? 300) else { return nil }
        return t
    }
}
