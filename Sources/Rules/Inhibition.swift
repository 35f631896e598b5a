import ClusterModel

/// Which firing alert mutes which other alerts of the same cluster.
///
/// Design (DESIGN §4 "Inhibition"): a whole-cluster problem pages once, not once per node.
/// - `ClusterSealed` (every configured node sealed) mutes the per-node `VaultSealed` alerts, `NoLeader`,
///   and node-level `NodeUnreachable`, `HighLatency`, `ErrorRate`.
/// - `ClusterUnreachable` (every node unreachable) mutes `NoLeader`, `NodeUnreachable`, `HighLatency`
///   and `ErrorRate` (node and cluster level: every probe failing is the same outage).
/// - `NoLeader` mutes node-level `NodeUnreachable`, `HighLatency` and `ErrorRate`.
/// - `NodeUnreachable` of a node mutes `HighLatency` and `ErrorRate` of that same node.
///
/// Only a *firing* source inhibits (as in Alertmanager). What happens to a muted target:
/// - it is not created, and a pending one is dropped (transition pending → inactive);
/// - a firing one stays firing, frozen (its condition is not evaluated, so it neither resolves nor
///   updates) and carries the annotation `inhibited_by: <source>` until the source stops firing.
///   Resolving it would tell receivers a problem is over when it is merely hidden behind a bigger
///   one; when the source clears, the target is evaluated again and resolves or keeps firing normally.
/// Sources come earlier than their targets in `RuleCatalog.ordered`, so a source that starts firing
/// mutes its targets in the same step.
struct Inhibition: Sendable {
    enum Scope: Sendable { case node, cluster, any }
    var source: String
    var target: String
    /// Which instances of `target` are muted.
    var scope: Scope
    /// The source instance is the target's node (NodeUnreachable{n} mutes X{n}); otherwise the cluster-level source.
    var sameNode: Bool = false

    static let table: [Inhibition] = [
        .init(source: "ClusterSealed", target: "VaultSealed", scope: .node),
        .init(source: "ClusterSealed", target: "NoLeader", scope: .cluster),
        .init(source: "ClusterSealed", target: "NodeUnreachable", scope: .node),
        .init(source: "ClusterSealed", target: "HighLatency", scope: .node),
        .init(source: "ClusterSealed", target: "ErrorRate", scope: .node),
        .init(source: "ClusterUnreachable", target: "NoLeader", scope: .cluster),
        .init(source: "ClusterUnreachable", target: "NodeUnreachable", scope: .node),
        .init(source: "ClusterUnreachable", target: "HighLatency", scope: .node),
        .init(source: "ClusterUnreachable", target: "ErrorRate", scope: .any),
        .init(source: "NoLeader", target: "NodeUnreachable", scope: .node),
        .init(source: "NoLeader", target: "HighLatency", scope: .node),
        .init(source: "NoLeader", target: "ErrorRate", scope: .node),
        .init(source: "NodeUnreachable", target: "HighLatency", scope: .node, sameNode: true),
        .init(source: "NodeUnreachable", target: "ErrorRate", scope: .node, sameNode: true),
    ]

    private static let byTarget: [String: [Inhibition]] = Dictionary(grouping: table, by: \.target)

    /// Every alert that mutes another: the incidents whose time the windowed warnings leave out.
    static let sources: Set<String> = Set(table.map(\.source))

    /// The name of a firing alert in `alerts` that mutes `key`, if any.
    static func source(muting key: AlertKey, in alerts: [AlertKey: Alert]) -> String? {
        guard let candidates = byTarget[key.alertname] else { return nil }
        for rule in candidates {
            switch rule.scope {
            case .node where key.node == nil: continue
            case .cluster where key.node != nil: continue
            default: break
            }
            let sourceKey = AlertKey(alertname: rule.source, cluster: key.cluster, node: rule.sameNode ? key.node : nil)
            if alerts[sourceKey]?.state == .firing { return rule.source }
        }
        return nil
    }
}
