import ClusterModel
import Foundation
import Rules
import TestSupport

/// Drives a `RuleEngine` over a sequence of snapshots of one cluster, as the daemon's loop does.
struct Harness {
    var engine: RuleEngine
    var book = AlertBook()
    var window: SnapshotWindow
    let cluster: String

    init(cluster: String = "prod", nodes: Int = 3, expectedPeers: [String]? = nil,
         overrides: [String: RuleOverride] = [:], labels: [String: String] = [:]) {
        self.init(cluster: cluster, refs: SnapshotBuilder(cluster: cluster, nodes: nodes).nodeRefs,
                  expectedPeers: expectedPeers, overrides: overrides, labels: labels)
    }

    /// A cluster of the given nodes (names and addresses as configured), e.g. for recorded bodies.
    init(cluster: String, refs: [NodeRef], expectedPeers: [String]? = nil,
         overrides: [String: RuleOverride] = [:], labels: [String: String] = [:]) {
        self.cluster = cluster
        let rules = ClusterRules(cluster: cluster, nodes: refs, expectedPeers: expectedPeers,
                                 settings: RuleCatalog.resolve(overrides, runbookBase: "https://runbooks.example/sw"),
                                 labels: labels)
        engine = RuleEngine(clusters: [rules])
        window = SnapshotWindow(retentionSeconds: max(600, rules.retentionSeconds))
    }

    /// Appends the snapshot and evaluates at its time; returns the transitions.
    @discardableResult
    mutating func step(_ b: SnapshotBuilder) -> [AlertTransition] {
        let s = b.build()
        window.append(s)
        let (next, transitions) = engine.step(book, windows: [cluster: window], now: s.takenAt)
        book = next
        return transitions
    }

    /// Appends a snapshot built by other means (e.g. from recorded bodies) and evaluates at its time.
    @discardableResult
    mutating func step(_ s: ClusterSnapshot) -> [AlertTransition] {
        window.append(s)
        let (next, transitions) = engine.step(book, windows: [cluster: window], now: s.takenAt)
        book = next
        return transitions
    }

    /// Steps without a new snapshot (e.g. the window is unchanged) at `seconds`.
    @discardableResult
    mutating func evaluate(at seconds: Double) -> [AlertTransition] {
        let (next, transitions) = engine.step(book, windows: [cluster: window], now: SnapshotBuilder.date(seconds))
        book = next
        return transitions
    }

    func state(_ name: String, node: String? = nil) -> AlertState {
        book.alerts[AlertKey(alertname: name, cluster: cluster, node: node)]?.state ?? .inactive
    }

    func alert(_ name: String, node: String? = nil) -> Alert? {
        book.alerts[AlertKey(alertname: name, cluster: cluster, node: node)]
    }
}

/// "VaultSealed{vault-1}: inactive→firing" — compact, order-preserving descriptions for exact expectations.
func describe(_ ts: [AlertTransition]) -> [String] {
    ts.map { t in "\(t.alert.name)\(t.alert.node.map { "{\($0)}" } ?? ""): \(t.from.rawValue)→\(t.to.rawValue)" }
}

func names(_ alerts: [Alert]) -> [String] {
    alerts.map { a in a.name + (a.node.map { "{\($0)}" } ?? "") }
}
