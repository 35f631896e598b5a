#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// The Prometheus alert state machine, applied to one rule's evaluation (see prometheus `rules/alerting.go`).
///
/// inactive → pending (condition true; `activeAt = now`) → firing once `now - activeAt >= for`
/// (with `for: 0` straight to firing in the same step: one inactive → firing transition).
/// Condition false: pending → dropped (a pending → inactive transition); firing stays firing until
/// `now - lastTrueAt >= keep_firing_for`, then resolved (`resolvedAt = now`, reported once, removed).
/// Condition unknown: the alert is left exactly as it is.
struct AlertTracker {
    var book: AlertBook
    var transitions: [AlertTransition] = []
    let now: Date

    static let inhibitedAnnotation = "inhibited_by"

    init(book: AlertBook, now: Date) {
        self.book = book; self.now = now
    }

    mutating func apply(_ ev: Evaluation, settings s: RuleSettings, cluster: String, labels: [String: String] = [:], existing: [AlertKey]) {
        if ev.findings.isEmpty && existing.isEmpty { return }   // the common case: nothing to do
        var findings: [String?: Finding] = [:]
        for f in ev.findings { findings[f.node] = f }
        var keys = existing
        for node in findings.keys {
            let k = AlertKey(alertname: s.name, cluster: cluster, node: node)
            if book.alerts[k] == nil { keys.append(k) }
        }
        for key in keys {
            if let source = Inhibition.source(muting: key, in: book.alerts) {
                mute(key, by: source)
            } else if let f = findings[key.node] {
                activate(key, f, s, clusterLabels: labels)
            } else if ev.isUnknown(key.node) {
                unmute(key)
            } else {
                clear(key, s)
            }
        }
    }

    /// Ends an alert regardless of its condition (rule disabled or removed, cluster unconfigured).
    mutating func retire(_ key: AlertKey) {
        guard var a = book.alerts.removeValue(forKey: key) else { return }
        let from = a.state
        a.annotations[Self.inhibitedAnnotation] = nil
        if from == .firing {
            a.state = .resolved; a.resolvedAt = now
        } else {
            a.state = .inactive
        }
        transitions.append(AlertTransition(alert: a, from: from, to: a.state, at: now))
    }

    private mutating func activate(_ key: AlertKey, _ f: Finding, _ s: RuleSettings, clusterLabels: [String: String]) {
        var labels = clusterLabels            // the identity labels below always win
        labels.merge(f.labels) { _, finding in finding }
        labels["alertname"] = s.name; labels["cluster"] = key.cluster; labels["severity"] = s.severity.rawValue
        if let node = key.node { labels["node"] = node }
        let annotations = ["summary": f.summary, "description": f.description, "runbook_url": s.runbookURL]
        if var a = book.alerts[key] {
            a.labels = labels; a.annotations = annotations; a.value = f.value; a.lastTrueAt = now
            if a.state == .pending && now.timeIntervalSince(a.activeAt) >= s.forSeconds {
                a.state = .firing; a.firedAt = now
                transitions.append(AlertTransition(alert: a, from: .pending, to: .firing, at: now))
            }
            book.alerts[key] = a
        } else {
            var a = Alert(labels: labels, annotations: annotations, state: .pending, activeAt: now, lastTrueAt: now, value: f.value)
            if s.forSeconds <= 0 {
                a.state = .firing; a.firedAt = now
            }
            transitions.append(AlertTransition(alert: a, from: .inactive, to: a.state, at: now))
            book.alerts[key] = a
        }
    }

    private mutating func clear(_ key: AlertKey, _ s: RuleSettings) {
        guard let a = book.alerts[key] else { return }
        if a.state == .firing && now.timeIntervalSince(a.lastTrueAt) < s.keepFiringForSeconds {
            unmute(key)
        } else {
            retire(key)
        }
    }

    private mutating func mute(_ key: AlertKey, by source: String) {
        guard var a = book.alerts[key] else { return }
        if a.state == .firing {
            a.annotations[Self.inhibitedAnnotation] = source
            book.alerts[key] = a
        } else {
            retire(key)
        }
    }

    private mutating func unmute(_ key: AlertKey) {
        if book.alerts[key]?.annotations[Self.inhibitedAnnotation] != nil {
            book.alerts[key]?.annotations[Self.inhibitedAnnotation] = nil
        }
    }
}
