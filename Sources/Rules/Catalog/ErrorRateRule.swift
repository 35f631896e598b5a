#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// ErrorRate (node, and the cluster-level instance without a node label): failed probes / all probes
/// within `window` is strictly greater than `threshold` (exactly 1 % does not fire). A probe failed
/// when `ProbeResult.failure` is set: transport failures, timeouts, unparseable bodies, unmapped 5xx
/// (a 503 from a sealed node or a 429 standby is an answer, not an error). Fewer than `min_samples`
/// probes is unknown. A node that does not answer at all is NodeUnreachable's: its unreachable
/// cycles count no probes here, and samples from an incident that paged (`RuleInput.evidence`) are
/// left out, so a restart shorter than NodeUnreachable's `for` pages nothing.
struct ErrorRateRule: Rule {
    let name = "ErrorRate"
    let defaults = RuleSettings(name: "ErrorRate", forSeconds: 60, severity: .warning,
                                threshold: 0.01, windowSeconds: 300, minSamples: 100)
    var parameters: Set<RuleParameter> { [.threshold, .window, .minSamples] }
    var readsNodeSamples: Bool { true }

    func thresholdProblem(_ value: Double) -> String? {
        value > 0 && value < 1 ? nil : "must be between 0 and 1"
    }

    func evaluate(_ input: RuleInput) -> Evaluation {
        let s = input.settings
        let threshold = s.threshold ?? 0.01, minSamples = max(1, s.minSamples ?? 1)
        let over = s.windowSeconds.map { " over \(Format.duration($0))" } ?? ""
        var ev = Evaluation()
        var clusterFailed = 0, clusterTotal = 0

        func judge(_ node: String?, failed: Int, total: Int) {
            guard total >= minSamples else { ev.unknown.insert(node); return }
            // Division is correctly rounded, so exactly 1/100 equals the literal 0.01 and does not fire.
            let ratio = Double(failed) / Double(total)
            guard ratio > threshold else { return }
            let who = node ?? "cluster \(input.cluster)"
            ev.findings.append(Finding(
                node: node, value: ratio,
                summary: "\(node == nil ? "cluster " : "")error rate \(Format.percent(ratio)) > \(Format.percent(threshold))\(over) (\(failed) of \(total) probes failed)",
                description: "Probes of \(who) fail (transport errors, timeouts, bad bodies or unexpected 5xx)."))
        }

        for n in input.latest.nodes.indices {
            let name = input.latest.nodes[n].node.name
            var failed = 0, total = 0
            for sample in input.evidence(of: name, seconds: s.windowSeconds) {
                total += Int(sample.probes)
                failed += Int(sample.failed)
            }
            clusterFailed += failed; clusterTotal += total
            judge(name, failed: failed, total: total)
        }
        judge(nil, failed: clusterFailed, total: clusterTotal)
        return ev
    }
}
