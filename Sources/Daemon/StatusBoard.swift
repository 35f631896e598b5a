import ClusterModel
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the HTTP endpoints show, published by the poll loop after each cycle and read by the
/// server thread without waiting: the latest snapshot per cluster, active alerts, recent events
/// and a short latency history per node for the sparklines.
public struct StatusView: Sendable {
    public struct ClusterView: Sendable {
        public var name: String
        public var labels: [String: String]
        public var snapshot: ClusterSnapshot?
        public var leader: String?
        public var verdict: Verdict
        public var alerts: [Alert]
        public var events: [ClusterEvent]
        /// Health-probe latency in seconds per node, oldest first (nil = failed probe).
        public var latencyHistory: [String: [Double?]]
    }
    public enum Verdict: String, Sendable, Codable, Comparable {
        case ok, warning, critical, unknown
        private var rank: Int { switch self { case .ok: 0; case .unknown: 1; case .warning: 2; case .critical: 3 } }
        public static func < (a: Verdict, b: Verdict) -> Bool { a.rank < b.rank }
        /// Nagios exit code: 0 ok, 1 warning, 2 critical, 3 unknown.
        public var exitCode: Int32 { switch self { case .ok: 0; case .warning: 1; case .critical: 2; case .unknown: 3 } }
    }
    public var clusters: [ClusterView] = []
    /// Firing alerts that match no route: nobody is told about them.
    public var unrouted: [AlertKey] = []
    public var ready = false
    public var lastCycleAt: Date?
    public var lastCycleSeconds: Double?
    public var version: String = ""
    public var startedAt = Date()

    public init() {}

    /// Worst verdict over all clusters.
    public var verdict: Verdict { clusters.map(\.verdict).max() ?? .unknown }

    /// `prod: 3/3 unsealed, leader vault-1, FT 1 · 0 firing` — the systemd STATUS line.
    public var summaryLine: String {
        guard ready else { return "starting: first probe cycle in progress" }
        let parts = clusters.map { c -> String in
            guard let s = c.snapshot else { return "\(c.name): no data" }
            let unsealed = s.nodes.filter { $0.state.isUnsealed }.count
            var text = "\(c.name): \(unsealed)/\(s.nodes.count) unsealed, "
            text += c.leader.map { "leader \($0)" } ?? "NO LEADER"
            if let ft = s.raft?.autopilot?.failureTolerance { text += ", FT \(ft)" }
            return text
        }
        let firing = clusters.flatMap(\.alerts).filter { $0.state == .firing }.count
        return parts.joined(separator: "; ") + " · \(firing) firing"
    }

    public static func verdict(snapshot: ClusterSnapshot?, alerts: [Alert]) -> Verdict {
        let firing = alerts.filter { $0.state == .firing }
        if firing.contains(where: { $0.severity == .critical }) { return .critical }
        if firing.contains(where: { $0.severity == .warning }) { return .warning }
        guard let s = snapshot else { return .unknown }
        if s.nodes.contains(where: { $0.state.isUnknown }) { return .unknown }
        return .ok
    }
}

/// A lock-protected `StatusView` shared between the poll loop (writer) and the server thread.
public final class StatusBoard: Sendable {
    private let view: Mutex<StatusView>
    public init(_ initial: StatusView = StatusView()) { view = Mutex(initial) }
    public func read() -> StatusView { view.withLock { $0 } }
    public func update(_ body: (inout StatusView) -> Void) { view.withLock { body(&$0) } }
}
