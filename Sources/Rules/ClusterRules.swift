#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// The rule configuration of one cluster: its nodes, expected Raft peers and the settings of every rule.
/// A rule missing from `settings` runs with its defaults (monitoring never vanishes by omission).
public struct ClusterRules: Sendable {
    public let cluster: String
    public let nodes: [NodeRef]
    /// Raft node_ids from the config; nil = learn them from the first fully healthy view (kept in the `AlertBook`).
    public let expectedPeers: [String]?
    public let settings: [String: RuleSettings]
    /// The cluster's own `labels:` from the config (e.g. `env: prod`): every alert of the cluster
    /// carries them, so routes, silences and receivers can match them. They never hold the identity
    /// labels (`alertname`, `cluster`, `node`, `severity`: the config rejects those), and they are
    /// not part of the fingerprint: changing them does not change an alert's identity.
    public let labels: [String: String]

    public init(cluster: String, nodes: [NodeRef], expectedPeers: [String]?, settings: [RuleSettings],
                labels: [String: String] = [:]) {
        self.cluster = cluster; self.nodes = nodes; self.expectedPeers = expectedPeers; self.labels = labels
        self.settings = Dictionary(settings.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// The effective settings of a rule.
    public func settings(for name: String) -> RuleSettings {
        settings[name] ?? RuleCatalog.defaults(name) ?? RuleSettings(name: name, enabled: false, forSeconds: 0, severity: .warning)
    }

    /// The longest window an enabled rule of this cluster reads: the retention to give its `SnapshotWindow`.
    public var retentionSeconds: Double { longestWindow { _ in true } }

    /// The longest window an enabled rule reading per-node samples reads: how long the window
    /// keeps those samples (the larger part of its memory).
    public var sampleRetentionSeconds: Double { longestWindow(\.readsNodeSamples) }

    private func longestWindow(_ include: (any Rule) -> Bool) -> Double {
        RuleCatalog.ordered.reduce(0) { acc, rule in
            let s = settings(for: rule.name)
            return s.enabled && include(rule) ? max(acc, s.windowSeconds ?? 0) : acc
        }
    }
}
