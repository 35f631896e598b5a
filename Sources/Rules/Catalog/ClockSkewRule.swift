#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// ClockSkew (node): |clock skew| > `threshold` (seconds). Uses `clock_skew_ms` from sys/health when
/// present; otherwise compares `server_time_utc` with the snapshot's time. That field has whole-second
/// resolution and the request takes time, so the true skew lies in
/// [server - takenAt - requestSeconds, server + 1 - takenAt]; it fires only when that whole interval is
/// beyond the threshold (the value reported is the interval's nearest bound to zero).
struct ClockSkewRule: Rule {
    let name = "ClockSkew"
    let readsNodeSamples = false
    let defaults = RuleSettings(name: "ClockSkew", forSeconds: 120, severity: .warning, threshold: 1)
    var parameters: Set<RuleParameter> { [.threshold] }

    func evaluate(_ input: RuleInput) -> Evaluation {
        let s = input.latest
        let threshold = input.settings.threshold ?? 1
        var ev = Evaluation()
        for n in s.nodes {
            guard let skew = n.clockSkew(at: s.takenAt) else {
                if !n.reachable || n.health == nil { ev.unknown.insert(n.node.name) }
                continue
            }
            guard abs(skew) > threshold else { continue }
            ev.findings.append(Finding(
                node: n.node.name, value: skew,
                summary: "\(n.node.name) clock is \(Format.duration(abs(skew))) \(skew > 0 ? "ahead" : "behind") (> \(Format.duration(threshold)))",
                description: "The clock of \(n.node.name) in cluster \(input.cluster) is off; Raft, tokens and TLS depend on synchronised time (check NTP)."))
        }
        return ev
    }
}
