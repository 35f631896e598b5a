#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// The pure rule engine: a reducer from (alert book, snapshot windows, time) to (new book, transitions).
///
/// It reads no clock and does no I/O; the caller passes `now` (normally the newest snapshot's
/// `takenAt`) and persists the returned book. Clusters without a window (or with an empty one) are
/// skipped: their alerts keep their state. Transitions are sorted by alert key (cluster, alertname, node).
public struct RuleEngine: Sendable {
    public let clusters: [ClusterRules]

    public init(clusters: [ClusterRules]) {
        self.clusters = clusters
    }

    /// One evaluation. Returns the new book and the transitions (pending, firing, resolved, and
    /// pending → inactive drops). A resolved alert appears once in the transitions and is removed from the book.
    public func step(_ book: AlertBook, windows: [String: SnapshotWindow], now: Date) -> (AlertBook, [AlertTransition]) {
        var tracker = AlertTracker(book: book, now: now)
        var existing: [String: [String: [AlertKey]]] = [:]
        for key in book.alerts.keys { existing[key.cluster, default: [:]][key.alertname, default: []].append(key) }

        for cr in clusters {
            guard let window = windows[cr.cluster], let latest = window.latest else { continue }
            Self.learnPeers(&tracker.book, cr, latest)
            let byRule = existing[cr.cluster] ?? [:]
            for (name, keys) in byRule where RuleCatalog.rule(named: name) == nil {
                for k in keys { tracker.retire(k) }
            }
            var input = RuleInput(cluster: cr.cluster, window: window, latest: latest,
                                  settings: cr.settings(for: ""), now: now,
                                  expectedPeers: cr.expectedPeers ?? tracker.book.learnedPeers[cr.cluster],
                                  incidents: tracker.book.incidents.filter { $0.cluster == cr.cluster })
            for rule in RuleCatalog.ordered {
                let s = cr.settings(for: rule.name)
                let keys = byRule[rule.name] ?? []
                guard s.enabled else {
                    for k in keys { tracker.retire(k) }
                    continue
                }
                input.settings = s
                tracker.apply(rule.evaluate(input), settings: s, cluster: cr.cluster, labels: cr.labels, existing: keys)
            }
        }
        var out = tracker.book
        out.lastEvaluation = now
        let transitions = tracker.transitions.sorted { $0.alert.key < $1.alert.key }
        Self.recordIncidents(&out, transitions, now: now, keepSeconds: max(sampleRetentionSeconds, 3600))
        return (out, transitions)
    }

    /// Alerts whose firing marks an incident (the sources of inhibition).
    static let incidentSources = Inhibition.sources

    /// Opens an incident when a source alert fires (from its `activeAt`), closes it when it
    /// resolves, and forgets incidents that closed longer than `keepSeconds` ago (at most 1,000).
    static func recordIncidents(_ book: inout AlertBook, _ transitions: [AlertTransition], now: Date, keepSeconds: Double) {
        func isOpen(_ i: Incident, _ a: Alert) -> Bool {
            i.to == nil && i.alertname == a.name && i.cluster == a.cluster && i.node == a.node
        }
        for t in transitions where incidentSources.contains(t.alert.name) && t.from == .firing && t.to == .resolved {
            for i in book.incidents.indices where isOpen(book.incidents[i], t.alert) { book.incidents[i].to = now }
        }
        for a in book.alerts.values where a.state == .firing && incidentSources.contains(a.name) {
            if !book.incidents.contains(where: { isOpen($0, a) }) {
                book.incidents.append(Incident(alertname: a.name, cluster: a.cluster, node: a.node, from: a.activeAt))
            }
        }
        let horizon = now.addingTimeInterval(-keepSeconds)
        book.incidents.removeAll { ($0.to.map { $0 < horizon }) ?? false }
        if book.incidents.count > 1000 { book.incidents.removeFirst(book.incidents.count - 1000) }
    }

    /// One-shot verdict for `sealwatch check`: the alerts whose conditions hold in this single snapshot
    /// (every `for` 0, every minimum sample count 1, every window = this one sample), after inhibition,
    /// sorted by key. A cluster not configured in this engine is judged with the default settings.
    public func instantAlerts(_ snapshot: ClusterSnapshot, now: Date) -> [Alert] {
        let base = clusters.first { $0.cluster == snapshot.cluster }
            ?? ClusterRules(cluster: snapshot.cluster, nodes: snapshot.nodes.map(\.node), expectedPeers: nil,
                            settings: RuleCatalog.resolve([:]))
        let settings = RuleCatalog.ordered.map { rule -> RuleSettings in
            var s = base.settings(for: rule.name)
            s.forSeconds = 0
            s.keepFiringForSeconds = 0
            if s.minSamples != nil { s.minSamples = 1 }
            return s
        }
        let engine = RuleEngine(clusters: [ClusterRules(cluster: snapshot.cluster, nodes: base.nodes,
                                                        expectedPeers: base.expectedPeers, settings: settings, labels: base.labels)])
        let window = SnapshotWindow(retentionSeconds: 0, snapshots: [snapshot])
        let (book, _) = engine.step(AlertBook(), windows: [snapshot.cluster: window], now: now)
        return book.sorted
    }

    /// After loading persisted state: firing alerts stay firing (and are not re-reported); pending
    /// alerts keep their `activeAt` if `now - book.lastEvaluation <= outageToleranceSeconds`
    /// (Prometheus' `for-outage-tolerance`), otherwise their pending period restarts at `now`.
    public func restored(_ book: AlertBook, now: Date, outageToleranceSeconds: Double) -> AlertBook {
        var out = book
        let withinTolerance = book.lastEvaluation.map { now.timeIntervalSince($0) <= outageToleranceSeconds } ?? false
        for (key, alert) in book.alerts {
            switch alert.state {
            case .firing: continue
            case .pending:
                if !withinTolerance {
                    var a = alert
                    a.activeAt = now; a.lastTrueAt = now
                    out.alerts[key] = a
                }
            case .inactive, .resolved:
                out.alerts[key] = nil   // never stored by the engine; tolerate hand-edited files
            }
        }
        return out
    }

    /// Drops the alerts (and learned peers) of clusters no longer configured, after a reload:
    /// firing ones resolve, pending ones go inactive; the transitions are returned sorted.
    public func pruned(_ book: AlertBook, keeping clusters: Set<String>, now: Date) -> (AlertBook, [AlertTransition]) {
        var tracker = AlertTracker(book: book, now: now)
        for key in book.alerts.keys.sorted() where !clusters.contains(key.cluster) { tracker.retire(key) }
        for cluster in book.learnedPeers.keys where !clusters.contains(cluster) { tracker.book.learnedPeers[cluster] = nil }
        return (tracker.book, tracker.transitions)
    }

    /// The longest window any enabled rule reads, over all clusters (the retention for `SnapshotWindow`s).
    public var retentionSeconds: Double { clusters.map(\.retentionSeconds).max() ?? 0 }
    /// The longest window over which any enabled rule reads per-node samples, over all clusters.
    public var sampleRetentionSeconds: Double { clusters.map(\.sampleRetentionSeconds).max() ?? 0 }

    /// Learns the expected Raft peers when none are configured: from a fully healthy view (autopilot
    /// healthy with every server healthy, every configured node unsealed, at least as many Raft servers
    /// as configured nodes). A later fully healthy view with a different membership replaces it, so a
    /// deliberate membership change heals itself; a lost peer leaves the view unhealthy or short and is
    /// not learned away.
    static func learnPeers(_ book: inout AlertBook, _ cr: ClusterRules, _ s: ClusterSnapshot) {
        guard cr.expectedPeers == nil, let raft = s.raft, let ap = raft.autopilot, ap.healthy,
              ap.servers.allSatisfy({ $0.healthy != false }),
              !s.nodes.isEmpty, s.nodes.allSatisfy({ $0.state.isUnsealed }) else { return }
        let ids = (raft.configuration?.map(\.nodeID) ?? ap.servers.map(\.id)).sorted()
        guard ids.count >= s.nodes.count, book.learnedPeers[cr.cluster] != ids else { return }
        book.learnedPeers[cr.cluster] = ids
    }
}
