#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// The optional parameters a rule reads (used to reject overrides that would be silently ignored).
enum RuleParameter: Sendable, Hashable {
    case threshold, window, minSamples, maxChanges, minFailureTolerance
}

/// One alert rule: a small pure type that turns a snapshot window, its settings and the time into findings.
///
/// Three-valued verdict per alert identity (node name, or nil for the cluster-level instance):
/// a `Finding` = condition true; listed in `Evaluation.unknown` = the data needed is absent this
/// round (no token → no Raft view, node unreachable, too few samples) and the engine keeps the
/// alert's current state (no new alert, no promotion, no resolve); anything else = condition false.
/// Keeping state on unknown avoids resolve/re-fire flapping when a probe fails now and then.
protocol Rule: Sendable {
    var name: String { get }
    /// Defaults from DESIGN §4 (`runbookURL` is filled in by the catalog).
    var defaults: RuleSettings { get }
    var parameters: Set<RuleParameter> { get }
    /// Whether the rule reads per-node samples (`RuleInput.samples`) over its window; the window
    /// keeps those samples only as long as such a rule needs them. No default: a rule that reads
    /// samples and forgot to say so would silently see only the newest one.
    var readsNodeSamples: Bool { get }
    /// Why `threshold` is unacceptable, or nil.
    func thresholdProblem(_ value: Double) -> String?
    func evaluate(_ input: RuleInput) -> Evaluation
}

extension Rule {
    var parameters: Set<RuleParameter> { [] }
    func thresholdProblem(_ value: Double) -> String? {
        value.isFinite && value > 0 ? nil : "must be > 0"
    }
}

/// What a rule sees: one cluster's window, its settings, the time and the expected Raft peers.
struct RuleInput {
    var cluster: String
    var window: SnapshotWindow
    /// The newest snapshot (the engine skips clusters whose window is empty).
    var latest: ClusterSnapshot
    var settings: RuleSettings
    var now: Date
    /// Configured or learned Raft node_ids; nil when neither is known.
    var expectedPeers: [String]?
    /// This cluster's incidents that paged (`AlertBook.incidents`), for `evidence(of:seconds:)`.
    var incidents: [Incident] = []

    /// Indices into `window.times` (and the per-snapshot caches) of the samples within
    /// `[now - seconds, now]` (all samples when `seconds` is nil).
    func range(seconds: Double?) -> Range<Int> {
        let times = window.times
        guard let seconds else { return times.startIndex..<times.endIndex }
        let from = now.addingTimeInterval(-seconds)
        var end = times.endIndex
        while end > times.startIndex && times[end - 1] > now { end -= 1 }
        var start = end
        while start > times.startIndex && times[start - 1] >= from { start -= 1 }
        return start..<end
    }
}

/// A condition that holds: the alert's node (nil for cluster scope), observed value and texts.
struct Finding: Sendable, Hashable {
    var node: String?
    var value: Double?
    /// Observed value vs threshold in human units, e.g. "p99 latency 73 ms > 50 ms over 5m (41 samples)".
    var summary: String
    var description: String
    /// Labels of this finding beyond the identity (e.g. `source: canary`); updated while it holds.
    var labels: [String: String] = [:]
}

/// A rule's verdict for one step (see `Rule` for the three values).
struct Evaluation: Sendable {
    var findings: [Finding] = []
    /// Identities (node name, nil = cluster-level) whose condition is unknown this step.
    var unknown: Set<String?> = []
    /// Every identity is unknown.
    var unknownAll = false

    static let allUnknown = Evaluation(unknownAll: true)

    func isUnknown(_ node: String?) -> Bool { unknownAll || unknown.contains(node) }
}

extension NodeObservation {
    /// true = sealed, false = not sealed, nil = cannot tell (unreachable, unknown answer without a body).
    var sealedVerdict: Bool? {
        switch state {
        case .sealed: return true
        case .unreachable: return nil
        case .uninitialized, .removed: return false
        case .unknown: return health?.sealed ?? sealStatus?.sealed
        case .invalidResponse: return nil       // an answer that contradicts itself says nothing
        default: return state.isUnsealed ? false : nil
        }
    }
}
