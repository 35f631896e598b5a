#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Severity of an alert; also the `severity` label and the routing key.
public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case info, warning, critical
    private var rank: Int { switch self { case .info: 0; case .warning: 1; case .critical: 2 } }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// Lifecycle as in Prometheus: inactive → pending → firing → resolved.
public enum AlertState: String, Sendable, Hashable, Codable, CaseIterable {
    case inactive, pending, firing, resolved
}

/// One alert instance. Identity is (alertname, cluster, node) — see `fingerprint`; it is also the
/// PagerDuty `dedup_key`.
public struct Alert: Sendable, Hashable, Codable {
    /// Always holds `alertname`, `cluster`, `severity`, and `node` for node-scoped rules, plus the
    /// cluster's own configured `labels:` (e.g. `env: prod`), which are not part of the identity.
    public var labels: [String: String]
    /// `summary` (observed value vs threshold), `description`, `runbook_url`.
    public var annotations: [String: String]
    public var state: AlertState
    /// When the condition was first seen true (start of pending).
    public var activeAt: Date
    /// When it went firing (`startsAt` for receivers).
    public var firedAt: Date?
    /// When it resolved (`endsAt`).
    public var resolvedAt: Date?
    /// Last time the condition was seen true (for `keep_firing_for`).
    public var lastTrueAt: Date
    /// Observed value behind the verdict, in base units.
    public var value: Double?

    public init(labels: [String: String], annotations: [String: String] = [:], state: AlertState,
                activeAt: Date, firedAt: Date? = nil, resolvedAt: Date? = nil, lastTrueAt: Date? = nil, value: Double? = nil) {
        self.labels = labels; self.annotations = annotations; self.state = state
        self.activeAt = activeAt; self.firedAt = firedAt; self.resolvedAt = resolvedAt
        self.lastTrueAt = lastTrueAt ?? activeAt; self.value = value
    }

    public var name: String { labels["alertname"] ?? "" }
    public var cluster: String { labels["cluster"] ?? "" }
    public var node: String? { labels["node"] }
    public var severity: Severity { labels["severity"].flatMap(Severity.init(rawValue:)) ?? .warning }
    public var fingerprint: String { AlertKey(alertname: name, cluster: cluster, node: node).fingerprint }
    public var key: AlertKey { AlertKey(alertname: name, cluster: cluster, node: node) }
}

/// Identity of an alert.
public struct AlertKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var alertname: String
    public var cluster: String
    public var node: String?
    public init(alertname: String, cluster: String, node: String? = nil) {
        self.alertname = alertname; self.cluster = cluster; self.node = node
    }
    /// Stable across runs and machines: FNV-1a 64 of the identity labels, 16 hex digits.
    public var fingerprint: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "alertname=\(alertname)\u{1}cluster=\(cluster)\u{1}node=\(node ?? "")".utf8 {
            h ^= UInt64(byte); h = h &* 0x0000_0100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
    public static func < (a: AlertKey, b: AlertKey) -> Bool {
        (a.cluster, a.alertname, a.node ?? "") < (b.cluster, b.alertname, b.node ?? "")
    }
    public var description: String { node.map { "\(alertname){cluster=\(cluster),node=\($0)}" } ?? "\(alertname){cluster=\(cluster)}" }
}

/// A change of an alert's state, as handed to the log, the router and the metrics.
public struct AlertTransition: Sendable, Hashable, Codable {
    public var alert: Alert        // the alert after the change
    public var from: AlertState
    public var to: AlertState
    public var at: Date
    public init(alert: Alert, from: AlertState, to: AlertState, at: Date) {
        self.alert = alert; self.from = from; self.to = to; self.at = at
    }
    /// Firing and resolved are what receivers are told about.
    public var isNotifiable: Bool { to == .firing || (to == .resolved && from == .firing) }
}

/// Something a person wants to read later: "vault-2 sealed (was standby)".
public struct ClusterEvent: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case stateChange = "state_change", leaderChange = "leader_change", reachability, alert
    }
    public var at: Date
    public var cluster: String
    public var node: String?
    public var kind: Kind
    public var message: String
    public init(at: Date, cluster: String, node: String? = nil, kind: Kind, message: String) {
        self.at = at; self.cluster = cluster; self.node = node; self.kind = kind; self.message = message
    }
}
