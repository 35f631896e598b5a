import ClusterModel
import Prometheus
import MetricsServer
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Sealwatch's metrics: every metric family of DESIGN.md §6, updated once per cycle from snapshots
/// and alerts, rendered once per cycle for the scrapes. Self metrics, counters and histograms live
/// in the swift-prometheus registry; per-cycle gauges in `CycleGauges`. Series of nodes, clusters
/// and alerts that no longer exist are dropped, so `/metrics` never reports a stale value.
public final class DaemonMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    /// Buckets that resolve the 50 ms HighLatency line well, from 1 ms to 10 s.
    public static let probeBuckets: [Duration] = [1, 2.5, 5, 10, 20, 30, 40, 50, 60, 75, 100, 250, 500, 1000, 2500, 5000, 10000]
        .map { .microseconds(Int64($0 * 1000)) }

    /// A series' identity; a label dictionary hashes independently of order, so no sorting per lookup.
    private struct SeriesKey: Hashable { var name: String; var labels: [String: String] }
    private struct State: ~Copyable {
        /// Process-lifetime gauges (self metrics), in the registry.
        var gauges: [SeriesKey: Gauge] = [:]
        var counters: [SeriesKey: Counter] = [:]
        var histograms: [SeriesKey: DurationHistogram] = [:]
        var counterTotals: [SeriesKey: Double] = [:]
        /// The last raw value of each followed counter (`counterFollow`).
        var followed: [SeriesKey: Double] = [:]
        /// (node, kind) pairs whose canary outcome counters exist.
        var canarySeries: Set<String> = []
        /// Per-cycle gauges, outside the registry (see `CycleGauges`).
        var cycle = CycleGauges()
    }
    private let state = Mutex(State())
    private let published = Mutex<[UInt8]?>(nil)
    private let help: [String: String]

    public init(version: String) {
        help = DaemonMetrics.helpTexts
        gauge("sealwatch_build_info", ["version": version, "swift": DaemonMetrics.swiftVersion]).set(to: 1)
        gauge("sealwatch_start_time_seconds", [:]).set(to: Date().timeIntervalSince1970)
        gauge("sealwatch_config_last_reload_successful", [:]).set(to: 1)
    }

    static let swiftVersion: String = {
        #if compiler(>=6.3)
        return "6.3"
        #else
        return "6"
        #endif
    }()

    // MARK: - Registration helpers

    private func labelPairs(_ labels: [String: String]) -> [(String, String)] {
        labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
    private func key(_ name: String, _ labels: [String: String]) -> SeriesKey { SeriesKey(name: name, labels: labels) }
    private func descriptor(_ name: String) -> MetricNameDescriptor {
        // swift-prometheus requires one help text per family: always the same string per name.
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help[name] ?? name)
    }

    /// A gauge that lives as long as the process (self metrics).
    @discardableResult
    public func gauge(_ name: String, _ labels: [String: String]) -> Gauge {
        let k = key(name, labels)
        return state.withLock { s in
            if let g = s.gauges[k] { return g }
            let g = registry.makeGauge(descriptor: descriptor(name), labels: labelPairs(labels))
            s.gauges[k] = g
            return g
        }
    }

    /// Sets a per-cycle gauge; gauges not set since the previous `endCycle()` are dropped by the next.
    public func set(_ name: String, _ labels: [String: String], _ value: Double, owner: String? = nil) {
        let text = help[name] ?? name
        state.withLock { s in s.cycle.set(name, help: text, labels: labels, value, owner: owner) }
    }

    /// Sets a per-cycle summary family (quantiles, `_sum`, `_count`), as a node exported it.
    func setSummary(_ name: String, _ labels: [String: String], _ summary: TelemetrySummary, scale: Double, owner: String) {
        let text = help[name] ?? name
        state.withLock { s in
            for (q, v) in [("0.5", summary.p50), ("0.9", summary.p90), ("0.99", summary.p99)] {
                if let v { s.cycle.set(name, help: text, labels: labels.merging(["quantile": q]) { a, _ in a }, v * scale, type: "summary", owner: owner) }
            }
            if let sum = summary.sum { s.cycle.set(name, help: text, labels: labels, sum * scale, type: "summary", suffix: "_sum", owner: owner) }
            if let count = summary.count { s.cycle.set(name, help: text, labels: labels, count, type: "summary", suffix: "_count", owner: owner) }
        }
    }

    public func counter(_ name: String, _ labels: [String: String]) -> Counter {
        let k = key(name, labels)
        return state.withLock { s in
            if let c = s.counters[k] { return c }
            let c = registry.makeCounter(descriptor: descriptor(name), labels: labelPairs(labels))
            s.counters[k] = c
            return c
        }
    }

    /// Sets a counter to an absolute total kept elsewhere (the dispatcher's own counts); never goes down.
    public func counterSet(_ name: String, _ labels: [String: String], _ total: Double) {
        let c = counter(name, labels)
        let k = key(name, labels)
        let delta: Double = state.withLock { s in
            let previous = s.counterTotals[k] ?? 0
            guard total > previous else { return 0 }
            s.counterTotals[k] = total
            return total - previous
        }
        if delta > 0 { c.increment(by: delta) }
    }

    /// Follows a counter that lives elsewhere and may reset (a node's own counters restart with the
    /// process and expire with its Prometheus retention): adds what it rose by since the last value
    /// seen, or all of it after it went down. So ours never goes down and loses no increase.
    public func counterFollow(_ name: String, _ labels: [String: String], _ value: Double) {
        guard value.isFinite, value >= 0 else { return }
        let c = counter(name, labels)
        let k = key(name, labels)
        let delta: Double = state.withLock { s in
            defer { s.followed[k] = value }
            guard let previous = s.followed[k] else { return 0 }   // the first sight is the baseline
            return value >= previous ? value - previous : value
        }
        if delta > 0 { c.increment(by: delta) }
    }

    public func histogram(_ name: String, _ labels: [String: String], buckets: [Duration] = DaemonMetrics.probeBuckets) -> DurationHistogram {
        let k = key(name, labels)
        return state.withLock { s in
            if let h = s.histograms[k] { return h }
            let h = registry.makeDurationHistogram(descriptor: descriptor(name), labels: labelPairs(labels), buckets: buckets)
            s.histograms[k] = h
            return h
        }
    }

    /// Drops the per-cycle gauges not set since the previous call (a removed node, a resolved alert).
    public func endCycle() {
        // The window runs from one sweep to the next, so gauges set after a cycle (the dispatcher's
        // queue metrics) count as much as those set during it.
        state.withLock { s in s.cycle.sweep() }
    }

    /// Drops counters and histograms of clusters that are no longer configured (after a reload).
    public func forgetClusters(except keep: Set<String>) {
        let (counters, histograms): ([Counter], [DurationHistogram]) = state.withLock { s in
            func gone(_ k: SeriesKey) -> Bool {
                guard let c = k.labels["cluster"] else { return false }
                return !keep.contains(c)
            }
            let ck = s.counters.keys.filter(gone), hk = s.histograms.keys.filter(gone)
            for k in s.followed.keys.filter(gone) { s.followed[k] = nil }
            s.canarySeries = s.canarySeries.filter { tag in keep.contains { tag.hasPrefix("canary\u{0}" + $0 + "\u{0}") } }
            return (ck.compactMap { s.counters.removeValue(forKey: $0) }, hk.compactMap { s.histograms.removeValue(forKey: $0) })
        }
        counters.forEach { registry.unregisterCounter($0) }
        histograms.forEach { registry.unregisterDurationHistogram($0) }
    }

    /// The exposition as of the last `publish()`: metrics only change during a cycle (and on reload),
    /// so a scrape serves bytes rendered once per cycle instead of re-rendering every family.
    public func emit() -> [UInt8] { published.withLock { $0 } ?? render() }

    /// Renders every family once; scrapes serve these bytes until the next publish.
    public func publish() {
        let bytes = render()
        published.withLock { $0 = bytes }
    }

    /// The registry's families (self metrics, counters, histograms), then the per-cycle gauges.
    func render() -> [UInt8] {
        // One buffer sized from the last exposition: growing it by doubling would briefly hold
        // two copies of a ~0.5 MiB body (at 100 nodes) every cycle.
        var bytes: [UInt8] = []
        bytes.reserveCapacity((published.withLock { $0?.count } ?? 0) * 9 / 8 + 4096)
        registry.emit(into: &bytes)
        state.withLock { s in s.cycle.emit(into: &bytes) }
        return bytes
    }

    // MARK: - Per-cycle updates

    /// The metrics server's own counters (hostile clients: evictions, refusals, timeouts, auth throttling).
    public func record(server s: HTTPServerStats) {
        counterSet("sealwatch_http_connections_accepted_total", [:], Double(s.acceptedConnections))
        counterSet("sealwatch_http_accept_errors_total", [:], Double(s.acceptErrors))
        counterSet("sealwatch_http_connections_rejected_total", [:], Double(s.rejectedConnections))
        for (reason, n) in [("header_incomplete", s.evictedHeaderIncomplete), ("idle", s.evictedIdle), ("stalled_writer", s.evictedStalledWriters)] {
            counterSet("sealwatch_http_connections_evicted_total", ["reason": reason], Double(n))
        }
        counterSet("sealwatch_http_write_timeouts_total", [:], Double(s.writeTimeouts))
        counterSet("sealwatch_http_read_timeouts_total", [:], Double(s.readTimeouts))
        counterSet("sealwatch_http_request_limit_closes_total", [:], Double(s.requestLimitCloses))
        counterSet("sealwatch_http_auth_checks_total", [:], Double(s.authChecks))
        for (result, n) in [("checked", s.authFailures), ("cached", s.authFailuresCached), ("throttled", s.authFailuresThrottled)] {
            counterSet("sealwatch_http_auth_failures_total", ["result": result], Double(n))
        }
        set("sealwatch_http_open_connections", [:], Double(s.openConnections))
    }

    /// Records one cluster snapshot: node gauges, probe histograms and error counters, cluster gauges.
    public func record(_ snap: ClusterSnapshot, leaderChanged: Bool) {
        let c = snap.cluster
        for obs in snap.nodes {
            let l = ["cluster": c, "node": obs.node.name]
            let answered = obs.health != nil
            set("sealwatch_node_up", l, answered ? 1 : 0)
            if let sealed = obs.health?.sealed ?? obs.sealStatus?.sealed { set("sealwatch_node_sealed", l, sealed ? 1 : 0) }
            else if obs.state == .sealed { set("sealwatch_node_sealed", l, 1) }
            if let initialized = obs.health?.initialized { set("sealwatch_node_initialized", l, initialized ? 1 : 0) }
            set("sealwatch_node_active", l, obs.claimsActive ? 1 : 0)
            for state in NodeState.allCases {
                set("sealwatch_node_state", l.merging(["state": state.rawValue]) { a, _ in a }, obs.state == state ? 1 : 0)
            }
            if answered {
                var info = l
                info["version"] = obs.version ?? ""
                info["cluster_id"] = obs.clusterID ?? ""
                info["cluster_name"] = obs.health?.clusterName ?? ""
                set("sealwatch_node_info", info, 1)
            }
            if let skew = obs.clockSkew(at: snap.takenAt) { set("sealwatch_node_clock_skew_seconds", l, skew) }
            if let expiry = obs.certificateExpiry { set("sealwatch_node_certificate_expiry_timestamp_seconds", l, expiry.timeIntervalSince1970) }
            if let applied = obs.leader?.raftAppliedIndex, applied > 0 { set("sealwatch_raft_applied_index", l, Double(applied)) }
            if let committed = obs.leader?.raftCommittedIndex, committed > 0 { set("sealwatch_raft_committed_index", l, Double(committed)) }
            if let progress = obs.sealStatus?.progress { set("sealwatch_node_unseal_progress", l, Double(progress)) }
            if let t = obs.sealStatus?.threshold { set("sealwatch_node_unseal_threshold", l, Double(t)) }
            for probe in obs.probes {
                let pl = l.merging(["endpoint": probe.endpoint.rawValue]) { a, _ in a }
                histogram("sealwatch_probe_duration_seconds", pl).record(.seconds(double: probe.seconds))
                if let f = probe.failure {
                    counter("sealwatch_probe_errors_total", pl.merging(["reason": f.reason]) { a, _ in a }).increment()
                }
            }
            // The health endpoint's error series exist from the first scrape (0), so a panel or rule
            // over them has data before the first failure.
            _ = counter("sealwatch_probe_errors_total", l.merging(["endpoint": Endpoint.health.rawValue, "reason": "timeout"]) { a, _ in a })
            record(canaries: obs.canaries, l)
            record(telemetry: obs.telemetry, l)
        }
        let cl = ["cluster": c]
        let leader = snap.leaderName
        set("sealwatch_cluster_leader_known", cl, leader == nil ? 0 : 1)
        set("sealwatch_cluster_active_nodes", cl, Double(snap.activeNodes.count))
        set("sealwatch_cluster_unsealed_nodes", cl, Double(snap.nodes.filter { $0.state.isUnsealed }.count))
        set("sealwatch_cluster_nodes", cl, Double(snap.nodes.count))
        let changes = counter("sealwatch_cluster_leader_changes_total", cl)
        if leaderChanged { changes.increment() }
        if let raft = snap.raft {
            if let ap = raft.autopilot {
                set("sealwatch_raft_healthy", cl, ap.healthy ? 1 : 0)
                set("sealwatch_raft_failure_tolerance", cl, Double(ap.failureTolerance))
                set("sealwatch_raft_voters", cl, Double(ap.voters.count))
                for server in ap.servers {
                    let node = snap.nodes.first { $0.node.name == server.name || $0.node.name == server.id }?.node.name ?? server.name ?? server.id
                    let l = ["cluster": c, "node": node]
                    if let lc = server.lastContactSeconds { set("sealwatch_raft_last_contact_seconds", l, lc) }
                    if let h = server.healthy { set("sealwatch_raft_node_healthy", l, h ? 1 : 0) }
                }
            } else if let config = raft.configuration {
                set("sealwatch_raft_voters", cl, Double(config.filter(\.voter).count))
            }
            if let config = raft.configuration { set("sealwatch_raft_peers", cl, Double(config.count)) }
            counter("sealwatch_raft_view_errors_total", cl).increment(by: Int64(raft.failure == nil ? 0 : 1))
        }
        if let token = snap.token {
            set("sealwatch_token_valid", cl, token.failure == nil ? 1 : 0)
            set("sealwatch_token_renewable", cl, token.renewable ? 1 : 0)
            set("sealwatch_token_renewal_failing", cl, token.renewalFailure.map { ["permission_denied", "refused"].contains($0.reason) } == true ? 1 : 0)
            if let ttl = token.ttlSeconds { set("sealwatch_token_ttl_seconds", cl, ttl) }
        }
        histogram("sealwatch_cluster_probe_duration_seconds", cl).record(.seconds(double: snap.seconds))
    }

    /// Canary outcomes (every outcome of a kind exists once the kind was sent), last latency and status.
    func record(canaries: [CanaryResult], _ l: [String: String]) {
        for c in canaries {
            let kl = l.merging(["kind": c.kind.rawValue]) { a, _ in a }
            // Every outcome's series exists from the kind's first canary on (0 until it happens).
            let seen = Self.owner(kl, "canary") + "\u{0}" + c.kind.rawValue
            if state.withLock({ $0.canarySeries.insert(seen).inserted }) {
                for outcome in CanaryOutcome.allCases { _ = counter("sealwatch_canary_requests_total", kl.merging(["outcome": outcome.rawValue]) { a, _ in a }) }
            }
            counter("sealwatch_canary_requests_total", kl.merging(["outcome": c.outcome.rawValue]) { a, _ in a }).increment()
            let owner = Self.owner(l, "canary")
            set("sealwatch_canary_duration_seconds", kl, c.seconds, owner: owner)
            set("sealwatch_canary_up", kl, c.outcome == .ok ? 1 : 0, owner: owner)
            set("sealwatch_canary_last_status", kl, Double(c.status ?? 0), owner: owner)
        }
        // A canary round every few cycles: keep the last values between rounds.
        if canaries.isEmpty { keep(["sealwatch_canary_duration_seconds", "sealwatch_canary_up", "sealwatch_canary_last_status"], owner: Self.owner(l, "canary")) }
    }

    /// The node's curated telemetry, re-exported with `cluster` and `node` (vault's milliseconds as seconds).
    func record(telemetry state: TelemetryState, _ l: [String: String]) {
        switch state {
        case .none: return
        case .unavailable: set("sealwatch_node_telemetry_up", l, 0); return
        case .fresh, .carried: set("sealwatch_node_telemetry_up", l, 1)
        }
        guard let t = state.telemetry else { return }
        guard state.isFresh else {
            // Carried from an earlier read: the values are those already set; keep them, re-render nothing.
            keep(Self.telemetryGauges, owner: Self.owner(l, "telemetry"))
            return
        }
        let owner = Self.owner(l, "telemetry")
        func quantiles(_ name: String, _ summary: TelemetrySummary?, scale: Double) {
            if let summary, !summary.isEmpty { setSummary(name, l, summary, scale: scale, owner: owner) }
        }
        quantiles("sealwatch_vault_request_duration_seconds", t.requestMs, scale: 0.001)
        quantiles("sealwatch_vault_raft_commit_duration_seconds", t.raftCommitMs, scale: 0.001)
        quantiles("sealwatch_vault_raft_leader_last_contact_seconds", t.leaderLastContactMs, scale: 0.001)
        if let v = t.leases { set("sealwatch_vault_leases", l, v, owner: owner) }
        if let v = t.goroutines { set("sealwatch_vault_goroutines", l, v, owner: owner) }
        if let v = t.raftAppliedIndex { set("sealwatch_vault_raft_applied_index", l, v, owner: owner) }
        if let v = t.memoryAllocBytes { set("sealwatch_vault_memory_bytes", l.merging(["kind": "alloc"]) { a, _ in a }, v, owner: owner) }
        if let v = t.memorySysBytes { set("sealwatch_vault_memory_bytes", l.merging(["kind": "sys"]) { a, _ in a }, v, owner: owner) }
        if let v = t.readRequests { counterFollow("sealwatch_vault_requests_total", l.merging(["operation": "read"]) { a, _ in a }, v) }
        if let v = t.writeRequests { counterFollow("sealwatch_vault_requests_total", l.merging(["operation": "write"]) { a, _ in a }, v) }
        if let v = t.auditRequestFailures { counterFollow("sealwatch_vault_audit_failures_total", l.merging(["stage": "request"]) { a, _ in a }, v) }
        if let v = t.auditResponseFailures { counterFollow("sealwatch_vault_audit_failures_total", l.merging(["stage": "response"]) { a, _ in a }, v) }
        if let v = t.leadershipLost { counterFollow("sealwatch_vault_leadership_lost_total", l, v) }
        for (code, v) in t.responseCodes ?? [:] where code.count <= 3 && code.allSatisfy(\.isNumber) {
            counterFollow("sealwatch_vault_responses_total", l.merging(["code": code]) { a, _ in a }, v)
        }
    }

    /// Keeps this cycle the series of `names` that `owner` set (a source read every few cycles).
    private func keep(_ names: [String], owner: String) {
        state.withLock { s in s.cycle.keep(names, owner: owner) }
    }

    /// The tag of one node's source: `telemetry` or `canary` of cluster/node.
    static func owner(_ l: [String: String], _ source: String) -> String {
        source + "\u{0}" + (l["cluster"] ?? "") + "\u{0}" + (l["node"] ?? "")
    }

    /// The per-cycle families of re-exported telemetry (set on a fresh read, kept while carried).
    static let telemetryGauges = [
        "sealwatch_vault_request_duration_seconds", "sealwatch_vault_raft_commit_duration_seconds",
        "sealwatch_vault_raft_leader_last_contact_seconds", "sealwatch_vault_leases", "sealwatch_vault_goroutines",
        "sealwatch_vault_raft_applied_index", "sealwatch_vault_memory_bytes",
    ]

    /// One series per pending or firing alert, like Prometheus' `ALERTS`.
    public func record(alerts: [Alert]) {
        var counts: [String: Int] = [:]
        for a in alerts where a.state == .pending || a.state == .firing {
            set("sealwatch_alerts", ["alertname": a.name, "cluster": a.cluster, "node": a.node ?? "",
                                     "severity": a.severity.rawValue, "state": a.state.rawValue], 1)
            if a.state == .firing { counts[a.severity.rawValue, default: 0] += 1 }
        }
        for sev in Severity.allCases { set("sealwatch_alerts_firing", ["severity": sev.rawValue], Double(counts[sev.rawValue] ?? 0)) }
    }

    public func recordTransition(_ t: AlertTransition) {
        counter("sealwatch_alert_transitions_total", ["alertname": t.alert.name, "cluster": t.alert.cluster, "to": t.to.rawValue]).increment()
    }

    public func recordCycle(seconds: Double, at: Date) {
        histogram("sealwatch_poll_cycle_duration_seconds", [:]).record(.seconds(double: seconds))
        counter("sealwatch_poll_cycles_total", [:]).increment()
        gauge("sealwatch_last_cycle_timestamp_seconds", [:]).set(to: at.timeIntervalSince1970)
    }

    public func recordReload(success: Bool, at: Date) {
        gauge("sealwatch_config_last_reload_successful", [:]).set(to: success ? 1 : 0)
        if success { gauge("sealwatch_config_last_reload_success_timestamp_seconds", [:]).set(to: at.timeIntervalSince1970) }
    }

    static let helpTexts: [String: String] = [
        "sealwatch_build_info": "Sealwatch build: version and Swift version; always 1.",
        "sealwatch_start_time_seconds": "Unix time the daemon started.",
        "sealwatch_config_last_reload_successful": "1 if the last configuration load or reload succeeded.",
        "sealwatch_config_last_reload_success_timestamp_seconds": "Unix time of the last successful configuration load.",
        "sealwatch_node_up": "1 if the node answered sys/health with a Vault body this cycle.",
        "sealwatch_node_sealed": "1 if the node reports sealed.",
        "sealwatch_node_initialized": "1 if the node reports initialized.",
        "sealwatch_node_active": "1 if the node is unsealed and claims to be the active node.",
        "sealwatch_node_state": "1 for the node's current state (active, standby, perf_standby, dr_secondary, standby_disconnected, sealed, uninitialized, removed, unreachable, invalid_response, unknown).",
        "sealwatch_node_info": "Node version and cluster identity; always 1.",
        "sealwatch_node_clock_skew_seconds": "Clock skew the node reports relative to the active node.",
        "sealwatch_node_certificate_expiry_timestamp_seconds": "Unix time the node's TLS leaf certificate expires.",
        "sealwatch_node_unseal_progress": "Unseal keys supplied so far on a sealed node.",
        "sealwatch_node_unseal_threshold": "Unseal keys required on a sealed node.",
        "sealwatch_raft_applied_index": "Raft applied index the node reports.",
        "sealwatch_raft_committed_index": "Raft committed index the node reports.",
        "sealwatch_raft_last_contact_seconds": "Seconds since the Raft leader last heard from the node (autopilot).",
        "sealwatch_raft_node_healthy": "1 if autopilot considers the node healthy.",
        "sealwatch_probe_duration_seconds": "Duration of probe requests by endpoint, failures included.",
        "sealwatch_probe_errors_total": "Failed probe requests by endpoint and reason.",
        "sealwatch_cluster_leader_known": "1 if the cluster has one reachable, unsealed active node.",
        "sealwatch_cluster_active_nodes": "Unsealed nodes claiming to be active (more than 1 is split brain).",
        "sealwatch_cluster_unsealed_nodes": "Unsealed nodes in the cluster.",
        "sealwatch_cluster_nodes": "Configured nodes in the cluster.",
        "sealwatch_cluster_leader_changes_total": "Leader changes observed.",
        "sealwatch_cluster_probe_duration_seconds": "Wall time of one probe round of the cluster.",
        "sealwatch_raft_healthy": "1 if autopilot reports the cluster healthy.",
        "sealwatch_raft_failure_tolerance": "Voters the cluster can lose and keep quorum (autopilot).",
        "sealwatch_raft_voters": "Raft voters.",
        "sealwatch_raft_peers": "Servers in the Raft configuration.",
        "sealwatch_raft_view_errors_total": "Cycles in which the Raft view (configuration, autopilot) could not be read.",
        "sealwatch_token_valid": "1 if the monitoring token is accepted.",
        "sealwatch_token_ttl_seconds": "Remaining TTL of the monitoring token.",
        "sealwatch_token_renewable": "1 if the monitoring token is renewable (periodic or with a renewable TTL).",
        "sealwatch_token_renewal_failing": "1 if Vault refused this cycle's renewal of the monitoring token (it will expire).",
        "sealwatch_alerts": "1 per pending or firing alert, like Prometheus' ALERTS.",
        "sealwatch_alerts_firing": "Firing alerts by severity.",
        "sealwatch_alert_transitions_total": "Alert state transitions by alert and target state.",
        "sealwatch_poll_cycle_duration_seconds": "Wall time of one full poll cycle (all clusters).",
        "sealwatch_poll_cycles_total": "Completed poll cycles.",
        "sealwatch_last_cycle_timestamp_seconds": "Unix time the last poll cycle completed.",
        "sealwatch_notifications_sent_total": "Notifications delivered, by receiver.",
        "sealwatch_notifications_failed_total": "Notification attempts that failed, by receiver and reason.",
        "sealwatch_notifications_dropped_total": "Notifications given up on (permanent failure or max age), by receiver and reason.",
        "sealwatch_notification_retries_total": "Notification attempts that were retries, by receiver.",
        "sealwatch_notification_queue_length": "Notifications waiting in the outbox, by receiver.",
        "sealwatch_notification_oldest_pending_age_seconds": "Age of the oldest undelivered notification, by receiver.",
        "sealwatch_notification_paused_seconds": "Seconds until the receiver is tried again after a failure or Retry-After (0: not paused).",
        "sealwatch_http_connections_accepted_total": "Connections the metrics server accepted.",
        "sealwatch_http_accept_errors_total": "accept() failures of the metrics server (EMFILE, ENFILE, ...): the pending connection was shed.",
        "sealwatch_http_connections_rejected_total": "Connections refused with 503 at max_connections when none could be evicted.",
        "sealwatch_http_connections_evicted_total": "Connections closed at max_connections to make room: half-sent request heads, idle keep-alive, stalled readers.",
        "sealwatch_http_write_timeouts_total": "Responses cut at response_write_timeout (or after no write progress).",
        "sealwatch_http_read_timeouts_total": "Requests cut at read_timeout.",
        "sealwatch_http_request_limit_closes_total": "Connections closed after max_requests_per_connection.",
        "sealwatch_http_auth_checks_total": "bcrypt checks of basic-auth credentials (off the event loop).",
        "sealwatch_http_auth_failures_total": "Wrong basic-auth credentials: checked by bcrypt, answered from the failure cache, or throttled (429).",
        "sealwatch_http_open_connections": "Connections the metrics server holds open.",
        "sealwatch_notifications_unrouted_total": "Alert firings that matched no route and were sent to nobody.",
        "sealwatch_alerts_unrouted": "Alerts firing now that match no route (sent to nobody).",
        "sealwatch_canary_requests_total": "Canary requests through the node by kind (lookup, read, write) and outcome (ok, http_status, timeout, transport_error, bad_body, refused).",
        "sealwatch_canary_duration_seconds": "Seconds the last canary request of this kind took through the node.",
        "sealwatch_canary_up": "1 if the last canary request of this kind through the node succeeded.",
        "sealwatch_canary_last_status": "HTTP status of the last canary request of this kind (0: no answer).",
        "sealwatch_node_telemetry_up": "1 if the node's own telemetry (sys/metrics) was read at the last attempt.",
        "sealwatch_vault_request_duration_seconds": "Server-side request handling time the node reports (vault_core_handle_request), by quantile.",
        "sealwatch_vault_requests_total": "Requests the node served by operation (read: read and list routes; write: create, update, delete), from vault_route_*.",
        "sealwatch_vault_audit_failures_total": "Audit log failures the node reports, by stage (request, response).",
        "sealwatch_vault_raft_commit_duration_seconds": "Raft commit time the node reports (vault_raft_commitTime; the active node), by quantile.",
        "sealwatch_vault_raft_leader_last_contact_seconds": "Time since the leader last heard from its followers (vault_raft_leader_lastContact), by quantile.",
        "sealwatch_vault_leadership_lost_total": "Times the node lost leadership (vault_core_leadership_lost).",
        "sealwatch_vault_leases": "Leases the node reports (vault_expire_num_leases).",
        "sealwatch_vault_memory_bytes": "Memory of the node's process by kind (alloc: live heap, sys: from the OS).",
        "sealwatch_vault_goroutines": "Goroutines of the node's process.",
        "sealwatch_vault_raft_applied_index": "Raft applied index the node reports in its telemetry.",
        "sealwatch_vault_responses_total": "Responses the node sent by status code (Vault 1.20+ vault_core_response_status_code).",
    ]
}
