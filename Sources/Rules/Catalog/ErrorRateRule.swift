#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// ErrorRate (node, and the cluster-level instance without a node label): failed canary requests /
/// all canary requests within `window` is strictly greater than `threshold` (exactly 1 % does not
/// fire; `source: canary`), or, where the server exports response status codes (Vault 1.20+), its
/// 5xx responses / all responses over the window are (`source: server`).
///
/// A canary failed on a timeout, a transport error, a bad body or an error status; `refused`
/// (401/403/404: our own token, policy or path) is CanaryRefused's and TokenExpiring's, never an
/// error here. Canaries count only while the node answers health unsealed and the cluster has a
/// leader (`SnapshotWindow`), and samples from an incident that paged are left out
/// (`RuleInput.evidence`): a restart or an election shorter than NodeUnreachable's or NoLeader's
/// `for` pages nothing. Fewer than `min_samples` canaries (and no server figures) is unknown.
struct ErrorRateRule: Rule {
    let name = "ErrorRate"
    let defaults = RuleSettings(name: "ErrorRate", forSeconds: 60, severity: .warning,
                                threshold: 0.01, windowSeconds: 300, minSamples: 50)
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
        var clusterServer: (failed: Double, total: Double) = (0, 0)

        func judge(_ node: String?, failed: Int, total: Int, server: (failed: Double, total: Double)?) {
            let who = node ?? "cluster \(input.cluster)"
            let scope = node == nil ? "cluster " : ""
            // Division is correctly rounded, so exactly 1/100 equals the literal 0.01 and does not fire.
            if total >= minSamples, Double(failed) / Double(total) > threshold {
                let ratio = Double(failed) / Double(total)
                ev.findings.append(Finding(
                    node: node, value: ratio,
                    summary: "\(scope)error rate \(Format.percent(ratio)) > \(Format.percent(threshold))\(over) (\(failed) of \(total) canary requests failed)",
                    description: "Requests through \(who) fail as a client would see them (timeouts, transport errors, 5xx, bad bodies).",
                    labels: ["source": "canary"]))
            } else if let server, server.total >= Double(minSamples), server.failed / server.total > threshold {
                let ratio = server.failed / server.total
                ev.findings.append(Finding(
                    node: node, value: ratio,
                    summary: "\(scope)server-side 5xx rate \(Format.percent(ratio)) > \(Format.percent(threshold))\(over) (\(Format.number(server.failed)) of \(Format.number(server.total)) responses)",
                    description: "\(who) reports 5xx answers to its clients in its own telemetry.",
                    labels: ["source": "server"]))
            } else if total < minSamples && server == nil {
                ev.unknown.insert(node)
            }
        }

        for node in input.latest.nodes {
            let name = node.node.name
            var failed = 0, total = 0
            for sample in input.evidence(of: name, seconds: s.windowSeconds) {
                total += Int(sample.canaries)
                failed += Int(sample.canariesFailed)
            }
            clusterFailed += failed; clusterTotal += total
            let server = input.serverErrors(of: name, seconds: s.windowSeconds)
            if let server { clusterServer.failed += server.failed; clusterServer.total += server.total }
            judge(name, failed: failed, total: total, server: server)
        }
        judge(nil, failed: clusterFailed, total: clusterTotal, server: clusterServer.total > 0 ? clusterServer : nil)
        return ev
    }
}

extension RuleInput {
    /// 5xx responses and all responses of `node` between its first and last telemetry read within
    /// the window (counter differences; a counter that went down was reset and restarts the sum).
    func serverErrors(of node: String, seconds: Double?) -> (failed: Double, total: Double)? {
        let from = now.timeIntervalSinceReferenceDate - (seconds ?? .infinity)
        let points = window.telemetryPoints(of: node).filter { $0.at >= from && $0.responses != nil }
        guard points.count >= 2 else { return nil }
        var failed = 0.0, total = 0.0
        for (a, b) in zip(points, points.dropFirst()) {
            guard let ta = a.responses, let tb = b.responses, let fa = a.serverErrors, let fb = b.serverErrors else { continue }
            if tb >= ta && fb >= fa { total += tb - ta; failed += fb - fa } else { total += tb; failed += fb }
        }
        return (failed, total)
    }
}
