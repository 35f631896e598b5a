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
    /// Recent incidents that paged (a NodeUnreachable, NoLeader, ClusterUnreachable or ClusterSealed
    /// that fired), from the start of their condition to their resolve: the windowed warnings leave
    /// out the samples of that time, so an incident that already paged and resolved does not page
    /// again as HighLatency or ErrorRate. Oldest first; kept as long as a window can reach back.
    public var incidents: [Incident]

    public init() {
        alerts = [:]; lastEvaluation = nil; learnedPeers = [:]; incidents = []
    }

    public init(alerts: [Alert], lastEvaluation: Date? = nil, learnedPeers: [String: [String]] = [:], incidents: [Incident] = []) {
        self.alerts = Dictionary(alerts.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })
        self.lastEvaluation = lastEvaluation; self.learnedPeers = learnedPeers; self.incidents = incidents
    }

    /// The alerts in a stable order (cluster, alertname, node).
    public var sorted: [Alert] { alerts.keys.sorted().map { alerts[$0]! } }
    public var firing: [Alert] { sorted.filter { $0.state == .firing } }
    public var pending: [Alert] { sorted.filter { $0.state == .pending } }

    private enum CodingKeys: String, CodingKey { case alerts, lastEvaluation, learnedPeers, incidents }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let list = try c.decodeIfPresent([Alert].self, forKey: .alerts) ?? []
        self.init(alerts: list,
                  lastEvaluation: try c.decodeIfPresent(Date.self, forKey: .lastEvaluation),
                  learnedPeers: try c.decodeIfPresent([String: [String]].self, forKey: .learnedPeers) ?? [:],
                  incidents: try c.decodeIfPresent([Incident].self, forKey: .incidents) ?? [])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sorted, forKey: .alerts)
        try c.encodeIfPresent(lastEvaluation, forKey: .lastEvaluation)
        try c.encode(learnedPeers, forKey: .learnedPeers)
        try c.encode(incidents, forKey: .incidents)
    }
}

/// The span of one incident that paged: which alert, on which cluster (and node), from the start
/// of its condition (`activeAt`) to its resolve (`to`, nil while it fires).
public struct Incident: Sendable, Codable, Hashable {
    public var alertname: String
    public var cluster: String
    /// nil for a cluster-wide incident, which covers every node of the cluster.
    public var node: String?
    public var from: Date
    public var to: Date?
    public init(alertname: String, cluster: String, node: String?, from: Date, to: Date? = nil) {
        self.alertname = alertname; self.cluster = cluster; self.node = node; self.from = from; self.to = to
    }
    /// True when `time` lies within the incident (an open one reaches to the present).
    public func covers(_ time: Date) -> Bool { time >= from && (to.map { time <= $0 } ?? true) }
}
