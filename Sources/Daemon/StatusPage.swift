import ClusterModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The human status page at `/`: every cluster with its verdict, each node's state, role, version
/// and latency with an inline SVG sparkline, firing alerts with their age, recent events.
/// Server-rendered, no JavaScript, no external assets, auto-refresh, readable on a phone.
enum StatusPage {
    static func render(_ view: StatusView, now: Date, refreshSeconds: Int) -> String {
        var h = """
        <!doctype html><html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width,initial-scale=1">
        <meta http-equiv="refresh" content="\(refreshSeconds)">
        <title>\(esc(titleText(view))) · Sealwatch</title>
        <style>
        body{font:15px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
        header{background:#1d2330;color:#fff;padding:10px 16px;display:flex;gap:12px;align-items:baseline;flex-wrap:wrap}
        header b{font-size:18px} header span{opacity:.75;font-size:13px}
        main{padding:12px;max-width:1100px;margin:auto}
        section{background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002;margin:0 0 14px;padding:10px 14px;overflow-x:auto}
        h2{margin:4px 0 8px;font-size:18px;display:flex;gap:10px;align-items:center;flex-wrap:wrap}
        .v{font-size:12px;font-weight:700;padding:2px 8px;border-radius:10px;color:#fff}
        .ok{background:#1a7f37}.warning{background:#b35900}.critical{background:#c62828}.unknown{background:#6b4fbb}
        table{border-collapse:collapse;width:100%;font-size:14px} th{text-align:left;font-weight:600;color:#555;font-size:12px}
        td,th{padding:4px 8px;border-bottom:1px solid #eee;white-space:nowrap}
        .s-active{color:#1a7f37;font-weight:700}.s-standby,.s-perf_standby,.s-dr_secondary{color:#1a7f37}
        .s-sealed,.s-unreachable,.s-removed,.s-uninitialized{color:#c62828;font-weight:700}.s-unknown,.s-invalid_response,.s-standby_disconnected{color:#b35900;font-weight:700}
        .alert{margin:4px 0;padding:6px 10px;border-left:4px solid #b35900;background:#fff7ed}
        .alert.critical{border-color:#c62828;background:#fdecec} .alert.pending{opacity:.7}
        .muted{color:#777;font-size:13px} ul{margin:4px 0;padding-left:18px} li{font-size:13px}
        svg{vertical-align:middle}
        </style></head><body>
        <header><b>Sealwatch</b><span class="v \(view.verdict.rawValue)">\(view.verdict.rawValue.uppercased())</span>
        <span>\(esc(view.ready ? "last cycle \(age(view.lastCycleAt, now)) ago" : "first cycle in progress")) · v\(esc(view.version))</span></header><main>
        """
        if !view.unrouted.isEmpty {
            h += "<section><div class=\"alert critical firing\"><b>Not sent to anyone:</b> \(view.unrouted.count) firing alert\(view.unrouted.count == 1 ? "" : "s") match no route — "
            h += view.unrouted.prefix(20).map { esc($0.description) }.joined(separator: ", ") + (view.unrouted.count > 20 ? ", …" : "")
            h += " <span class=\"muted\">(add a route in <code>routes:</code>; <code>sealwatch config check</code> lists what no route covers)</span></div></section>"
        }
        for c in view.clusters { h += cluster(c, now: now) }
        h += "<p class=\"muted\">JSON: <a href=\"/api/v1/status\">/api/v1/status</a> · metrics: <a href=\"/metrics\">/metrics</a></p></main></body></html>\n"
        return h
    }

    static func titleText(_ view: StatusView) -> String {
        let bad = view.clusters.filter { $0.verdict != .ok }.map { "\($0.name) \($0.verdict.rawValue)" }
        return bad.isEmpty ? "all OK" : bad.joined(separator: ", ")
    }

    static func cluster(_ c: StatusView.ClusterView, now: Date) -> String {
        var h = "<section><h2>\(esc(c.name)) <span class=\"v \(c.verdict.rawValue)\">\(c.verdict.rawValue.uppercased())</span>"
        h += "<span class=\"muted\">\(esc(c.leader.map { "leader \($0)" } ?? "no leader"))"
        if let ft = c.snapshot?.raft?.autopilot?.failureTolerance { h += " · failure tolerance \(ft)" }
        h += "</span></h2>"
        let firing = c.alerts.filter { $0.state == .firing || $0.state == .pending }
        for a in firing {
            let cls = "alert \(a.severity.rawValue) \(a.state.rawValue)"
            let since = a.firedAt ?? a.activeAt
            h += "<div class=\"\(cls)\"><b>\(esc(a.name))</b>\(a.node.map { " · \(esc($0))" } ?? "") — \(esc(a.annotations["summary"] ?? ""))"
            h += " <span class=\"muted\">\(a.state.rawValue) for \(age(since, now))"
            if let url = a.annotations["runbook_url"] { h += " · <a href=\"\(esc(url))\">runbook</a>" }
            h += "</span></div>"
        }
        guard let snap = c.snapshot else { return h + "<p class=\"muted\">no data yet</p></section>" }
        h += "<table><tr><th>Node</th><th>State</th><th>Role</th><th>Version</th><th>Latency</th><th>Recent latency</th><th>Canary</th><th>Last contact</th></tr>"
        for o in snap.nodes {
            let f = NodeFacts(o, snap)
            h += "<tr><td title=\"\(esc(o.node.address))\">\(esc(o.node.name))</td>"
            h += "<td class=\"s-\(o.state.rawValue)\"\(o.failure.map { " title=\"\(esc($0.description))\"" } ?? "")>\(esc(o.state.rawValue))\(f.unsealProgress.map { " (unseal \($0))" } ?? "")</td>"
            h += "<td>\(esc(f.role ?? (o.claimsActive ? "leader" : "-")))</td><td>\(esc(o.version ?? "-"))</td>"
            h += "<td>\(o.latency.map(CheckReport.ms) ?? (o.failure.map { "<span class=\"s-unreachable\">\(esc($0.reason))</span>" } ?? "-"))</td>"
            h += "<td>\(sparkline(c.latencyHistory[o.node.name] ?? []))</td>"
            h += "<td>\(esc(NodeFacts.canaryText(o) ?? "-"))</td>"
            h += "<td>\(f.lastContact.map(CheckReport.ms) ?? "-")</td></tr>"
        }
        h += "</table>"
        for o in snap.nodes {
            if let failure = o.failure { h += "<p class=\"muted\" style=\"margin:4px 0 0\"><b>\(esc(o.node.name))</b>: \(esc(failure.description))</p>" }
            for c in o.canaries where c.outcome != .ok {
                h += "<p class=\"muted\" style=\"margin:4px 0 0\"><b>\(esc(o.node.name))</b> \(esc(c.kind.rawValue)) canary: \(esc(c.detail ?? c.outcome.rawValue))</p>"
            }
            if let t = NodeFacts.telemetryText(o) {
                h += "<p class=\"muted\" style=\"margin:4px 0 0\"><b>\(esc(o.node.name))</b> telemetry: \(esc(t))</p>"
            }
        }
        if !c.events.isEmpty {
            h += "<p class=\"muted\" style=\"margin:8px 0 0\">Recent events</p><ul>"
            for e in c.events.prefix(12) {
                h += "<li><span class=\"muted\">\(esc(clock(e.at)))</span> \(e.node.map { "<b>\(esc($0))</b> " } ?? "")\(esc(e.message))</li>"
            }
            h += "</ul>"
        }
        return h + "</section>"
    }

    /// An inline SVG polyline of recent latencies (red dots for failed probes), scaled to the max.
    static func sparkline(_ points: [Double?]) -> String {
        guard points.count >= 2 else { return "-" }
        let w = 120.0, hgt = 24.0
        let maxV = max(points.compactMap { $0 }.max() ?? 0.001, 0.001)
        let step = w / Double(points.count - 1)
        var line = "", marks = ""
        for (i, p) in points.enumerated() {
            let x = CheckReport.fixed(Double(i) * step, 1)
            if let p {
                let y = CheckReport.fixed(hgt - 2 - (p / maxV) * (hgt - 4), 1)
                line += "\(x),\(y) "
            } else {
                marks += "<circle cx=\"\(x)\" cy=\"\(hgt - 2)\" r=\"1.8\" fill=\"#c62828\"/>"
            }
        }
        return "<svg width=\"120\" height=\"24\" viewBox=\"0 0 120 24\" role=\"img\" aria-label=\"latency, max \(CheckReport.ms(maxV))\"><polyline fill=\"none\" stroke=\"#2563eb\" stroke-width=\"1.5\" points=\"\(line)\"/>\(marks)</svg>"
    }

    static func age(_ since: Date?, _ now: Date) -> String {
        guard let since else { return "-" }
        return CheckReport.duration(max(0, now.timeIntervalSince(since)))
    }

    static func clock(_ d: Date) -> String {
        let iso = d.formatted(.iso8601)          // 2026-11-22T16:40:01Z
        return iso.count >= 19 ? String(iso.dropFirst(11).prefix(8)) + "Z" : iso
    }

    static func esc(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }
}
