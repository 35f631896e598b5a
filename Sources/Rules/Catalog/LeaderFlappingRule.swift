#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// LeaderFlapping (cluster): more than `max_changes` leader changes within `window`. A change is a
/// different leader name between consecutive snapshots that both know one (A, none, A is no change;
/// A, none, B is one).
struct LeaderFlappingRule: Rule {
    let name = "LeaderFlapping"
    let readsNodeSamples = false
    let defaults = RuleSettings(name: "LeaderFlapping", forSeconds: 0, severity: .warning, windowSeconds: 600, maxChanges: 3)
    var parameters: Set<RuleParameter> { [.window, .maxChanges] }

    func evaluate(_ input: RuleInput) -> Evaluation {
        let s = input.settings
        let maxChanges = s.maxChanges ?? 3
        var changes = 0
        var previous: String?
        let leaders = input.window.leaders
        for i in input.range(seconds: s.windowSeconds) {
            guard let l = leaders[i] else { continue }
            if let p = previous, p != l { changes += 1 }
            previous = l
        }
        guard changes > maxChanges else { return Evaluation() }
        let over = s.windowSeconds.map { " within \(Format.duration($0))" } ?? ""
        return Evaluation(findings: [Finding(
            node: nil, value: Double(changes),
            summary: "\(changes) leader changes\(over) > \(maxChanges)",
            description: "The active node of cluster \(input.cluster) keeps changing: look for network flaps, overloaded nodes or clock problems.")])
    }
}
