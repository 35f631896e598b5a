#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The rule engine's durable state: every pending or firing alert by identity, the time of the last
/// evaluation (for restart tolerance) and the Raft peer sets learned per cluster.
///
/// Invariants: `alerts[k].key == k`; no alert in the book is `.inactive` or `.resolved` (a resolved
/// alert is reported once as a transition and then removed). Lives in ClusterModel so that
/// StateStore can persist it without depending on Rules.
///
/// Encoded as `{"alerts": [Alert…] sorted by key, "lastEvaluation": …, "learnedPeers": {cluster: [id…]}}`
/// (a dictionary keyed by a non-String type would encode as a flat array of alternating keys and values).
public struct AlertBook: Sendable, Codable, Hashable {
    public var alerts: [AlertKey: Alert]
    public var lastEvaluation: Date?
    /// Raft node_ids learned per cluster from the first fully healthy view (when none are configured).
    public var learnedPeers: [String: [String]]

    public init() {
        alerts = [:]; lastEvaluation = nil; learnedPeers = [:]
    }

    public init(alerts: [Alert], lastEvaluation: Date? = nil, learnedPeers: [String: [String]] = [:]) {
        self.alerts = Dictionary(alerts.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })
        self.lastEvaluation = lastEvaluation; self.learnedPeers = learnedPeers
    }

    /// The alerts in a stable order (cluster, alertname, node).
    public var sorted: [Alert] { alerts.keys.sorted().map { alerts[$0]! } }
    public var firing: [Alert] { sorted.filter { $0.state == .firing } }
    public var pending: [Alert] { sorted.filter { $0.state == .pending } }

    private enum CodingKeys: String, CodingKey { case alerts, lastEvaluation, learnedPeers }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let list = try c.decodeIfPresent([Alert].self, forKey: .alerts) ?? []
        self.init(alerts: list,
                  lastEvaluation: try c.decodeIfPresent(Date.self, forKey: .lastEvaluation),
                  learnedPeers: try c.decodeIfPresent([String: [String]].self, forKey: .learnedPeers) ?? [:])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sorted, forKey: .alerts)
        try c.encodeIfPresent(lastEvaluation, forKey: .lastEvaluation)
        try c.encode(learnedPeers, forKey: .learnedPeers)
    }
}
