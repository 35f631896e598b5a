import Checked
import ClusterModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The human table of `sealwatch check`: one table per cluster, its Raft view, its alerts, then a
/// one-line verdict. Colour only when `color` is set (stdout is a TTY).
public struct CheckReport {
    var view: StatusView
    var color: Bool

    public init(view: StatusView, color: Bool) { self.view = view; self.color = color }

    private func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    private func stateText(_ text: String, _ state: NodeState) -> String {
        switch state {
        case .active: return paint(text, "32;1")
        case .standby, .perfStandby, .drSecondary: return paint(text, "32")
        case .sealed, .unreachable, .removed, .uninitialized: return paint(text, "31;1")
        case .standbyDisconnected, .unknown, .invalidResponse: return paint(text, "33")
        }
    }
    private func verdictText(_ v: StatusView.Verdict) -> String {
        switch v {
        case .ok: return paint("OK", "32;1")
        case .warning: return paint("WARNING", "33;1")
        case .critical: return paint("CRITICAL", "31;1")
        case .unknown: return paint("UNKNOWN", "35;1")
        }
    }

    public func render() -> String {
        var out = ""
        for c in view.clusters {
            out += "\(paint("Cluster \(c.name)", "1"))"
            if let s = c.snapshot { out += "  (\(s.nodes.count) nodes, probed in \(Self.ms(s.seconds)))" }
            out += "\n"
            guard let snap = c.snapshot else { out += "  no data\n"; continue }
            var rows = [["NODE", "STATE", "LEADER SEEN", "VERSION", "LATENCY", "CANARY", "RAFT ROLE", "RAFT HEALTH", "LAST CONTACT"]]
            var states: [NodeState] = []
            for o in snap.nodes {
                let f = NodeFacts(o, snap)
                var state = o.state.rawValue
                if let p = f.unsealProgress { state += " (unseal \(p))" }
                rows.append([o.node.name, state, f.leaderSeen ?? "-", o.version ?? "-", o.latency.map(Self.ms) ?? "-",
                             NodeFacts.canaryText(o) ?? "-", f.role ?? "-", f.healthy.map { $0 ? "healthy" : "UNHEALTHY" } ?? "-",
                             f.lastContact.map(Self.ms) ?? "-"])
                states.append(o.state)
            }
            out += table(rows, states: states)
            for o in snap.nodes {
                if let failure = o.failure { out += "  \(o.node.name): \(failure.description)\n" }
                for c in o.canaries where c.outcome != .ok { out += "  \(o.node.name) \(c.kind.rawValue) canary: \(c.detail ?? c.outcome.rawValue)\n" }
            }
            for o in snap.nodes {
                if let t = NodeFacts.telemetryText(o) { out += "  \(o.node.name) telemetry: \(t)\n" }
            }
            if let raft = snap.raft {
                if let ap = raft.autopilot {
                    out += "  Raft: \(ap.voters.count) voters, failure tolerance \(ap.failureTolerance), autopilot \(ap.healthy ? "healthy" : paint("UNHEALTHY", "31;1"))"
                    out += raft.source.map { " (asked \($0))" } ?? ""
                    out += "\n"
                } else if let cfg = raft.configuration {
                    out += "  Raft: \(cfg.count) peers, \(cfg.filter(\.voter).count) voters\n"
                }
                if let f = raft.failure { out += "  Raft view: \(f.description)\n" }
            } else {
                out += "  Raft: not checked (no token_file configured)\n"
            }
            if let token = snap.token {
                if let f = token.failure { out += "  Token: \(f.detail)\n" }
                else { out += "  Token: " + (token.ttlSeconds.map { "TTL \(Self.duration($0))" } ?? "no expiry") + (token.renewable ? ", renewable" : "") + "\n" }
            }
            let firing = c.alerts.filter { $0.state == .firing }.sorted { ($0.severity, $0.name) > ($1.severity, $1.name) }
            for a in firing {
                let sev = a.severity == .critical ? paint("CRITICAL", "31;1") : (a.severity == .warning ? paint("WARNING", "33;1") : "INFO")
                out += "  \(sev) \(a.name)\(a.node.map { " [\($0)]" } ?? ""): \(a.annotations["summary"] ?? "")\n"
            }
            out += "  Verdict: \(verdictText(c.verdict)) — \(Self.verdictSentence(c))\n\n"
        }
        out += "\(verdictText(view.verdict)): " + view.clusters.map { "\($0.name) \($0.verdict.rawValue)" }.joined(separator: ", ") + "\n"
        return out
    }

    static func verdictSentence(_ c: StatusView.ClusterView) -> String {
        let firing = c.alerts.filter { $0.state == .firing }
        guard let snap = c.snapshot else { return "no data" }
        if firing.isEmpty {
            if c.verdict == .unknown { return "some nodes are in an unknown state" }
            let standbys = snap.nodes.filter { $0.state.isStandby }.count
            return "leader \(c.leader ?? "?"), \(standbys) standby, all unsealed"
        }
        let names = firing.map { a in a.node.map { "\(a.name)(\($0))" } ?? a.name }
        return "\(firing.count) alert\(firing.count == 1 ? "" : "s"): " + names.joined(separator: ", ")
    }

    private func table(_ rows: [[String]], states: [NodeState]) -> String {
        let widths = (0..<rows[0].count).map { col in rows.map { $0[col].count }.max() ?? 0 }
        var out = ""
        for (r, row) in rows.enumerated() {
            var line = "  "
            for (i, cell) in row.enumerated() {
                let padded = cell + String(repeating: " ", count: widths[i] - cell.count)
                if r == 0 { line += paint(padded, "2") }
                else if i == 1 { line += stateText(padded, states[r - 1]) }
                else { line += padded }
                line += i == row.count - 1 ? "" : "  "
            }
            out += line.trimmingTrailingSpaces() + "\n"
        }
        return out
    }

    static func ms(_ seconds: Double) -> String {
        seconds < 1 ? fixed(seconds * 1000, 1) + "ms" : fixed(seconds, 2) + "s"
    }
    /// `value` with `digits` decimals, without Foundation's `String(format:)` (which drags in ICU).
    static func fixed(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        guard let scaled = Int(finite: (abs(value) * scale).rounded()), scaled < 1 << 53, let unit = Int(finite: scale) else {
            return value.isFinite ? "\(value.rounded())" : "\(value)"
        }
        let whole = scaled / unit, frac = scaled % unit
        let f = String(frac)
        let fracText = digits == 0 ? "" : "." + String(repeating: "0", count: max(0, digits - f.count)) + f
        return (value < 0 && scaled != 0 ? "-" : "") + "\(whole)" + fracText
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "∞" }
        let s = Int(saturating: seconds)
        if s >= 86400 { return "\(s / 86400)d\((s % 86400) / 3600)h" }
        if s >= 3600 { return "\(s / 3600)h\((s % 3600) / 60)m" }
        if s >= 60 { return "\(s / 60)m\(s % 60)s" }
        return "\(s)s"
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self; while s.last == " " { s.removeLast() }; return s
    }
}
