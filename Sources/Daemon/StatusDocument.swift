import ClusterModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The JSON shape of `/api/v1/status` and `sealwatch check --output json` (one encoder for both).
struct StatusDocument: Encodable {
    struct Node: Encodable {
        var name: String
        var address: String
        var state: String
        var sealed: Bool?
        var initialized: Bool?
        var version: String?
        var cluster_id: String?
        var leader_address: String?
        var leader_seen: String?
        var latency_ms: Double?
        var error: String?
        var raft_role: String?
        var raft_healthy: Bool?
        var raft_last_contact_seconds: Double?
        var raft_applied_index: UInt64?
        var unseal_progress: String?
        var certificate_expiry: String?
        /// This cycle's canary requests through the node (empty when none was due).
        var canaries: [Canary]
        /// The node's own telemetry; nil when telemetry is off or not read yet.
        var telemetry: TelemetryDoc?
    }
    struct Canary: Encodable {
        var kind: String
        var outcome: String
        var status: Int?
        var latency_ms: Double
        var error: String?
    }
    struct TelemetryDoc: Encodable {
        /// fresh (read this cycle), carried (an earlier read) or unavailable.
        var state: String
        var read_at: String?
        var reason: String?
        var error: String?
        var request_p50_ms: Double?
        var request_p99_ms: Double?
        var audit_request_failures: Double?
        var audit_response_failures: Double?
        var raft_commit_p99_ms: Double?
        var leader_last_contact_p99_ms: Double?
        var leases: Double?
        var memory_alloc_bytes: Double?
        var goroutines: Double?
        var read_requests: Double?
        var write_requests: Double?
    }
    struct Raft: Encodable {
        var source: String?
        var healthy: Bool?
        var failure_tolerance: Int?
        var voters: [String]?
        var peers: [String]?
        var error: String?
    }
    struct AlertDoc: Encodable {
        var alertname: String
        var labels: [String: String]
        var severity: String
        var state: String
        var node: String?
        var summary: String?
        var runbook_url: String?
        var active_since: String
        var fired_at: String?
        var value: Double?
        var fingerprint: String
    }
    struct Event: Encodable { var at: String; var node: String?; var kind: String; var message: String }
    struct Cluster: Encodable {
        var name: String
        var labels: [String: String]
        var verdict: String
        var leader: String?
        var taken_at: String?
        var nodes: [Node]
        var raft: Raft?
        var token_ttl_seconds: Double?
        var alerts: [AlertDoc]
        var events: [Event]
    }
    var version: String
    var ready: Bool
    var verdict: String
    var exit_code: Int32
    var last_cycle_at: String?
    var last_cycle_seconds: Double?
    var clusters: [Cluster]
    /// Firing alerts no route sends anywhere (`AlertKey.description`).
    var unrouted_alerts: [String]

    init(_ view: StatusView) {
        version = view.version
        ready = view.ready
        verdict = view.verdict.rawValue
        exit_code = view.verdict.exitCode
        last_cycle_at = view.lastCycleAt.map(StatusDocument.time)
        last_cycle_seconds = view.lastCycleSeconds
        clusters = view.clusters.map(StatusDocument.cluster)
        unrouted_alerts = view.unrouted.map(\.description)
    }

    static func time(_ d: Date) -> String { d.formatted(.iso8601) }

    static func telemetry(_ state: TelemetryState) -> TelemetryDoc? {
        switch state {
        case .none: return nil
        case .unavailable(let f):
            return TelemetryDoc(state: "unavailable", reason: f.reason, error: f.detail)
        case .fresh(let t), .carried(let t):
            return TelemetryDoc(state: state.isFresh ? "fresh" : "carried", read_at: time(t.takenAt),
                                request_p50_ms: t.requestMs?.p50, request_p99_ms: t.requestMs?.p99,
                                audit_request_failures: t.auditRequestFailures, audit_response_failures: t.auditResponseFailures,
                                raft_commit_p99_ms: t.raftCommitMs?.p99, leader_last_contact_p99_ms: t.leaderLastContactMs?.p99,
                                leases: t.leases, memory_alloc_bytes: t.memoryAllocBytes, goroutines: t.goroutines,
                                read_requests: t.readRequests, write_requests: t.writeRequests)
        }
    }

    static func cluster(_ c: StatusView.ClusterView) -> Cluster {
        let snap = c.snapshot
        let nodes = (snap?.nodes ?? []).map { o -> Node in
            let raft = NodeFacts(o, snap!)
            return Node(name: o.node.name, address: o.node.address, state: o.state.rawValue, sealed: o.health?.sealed,
                        initialized: o.health?.initialized, version: o.version, cluster_id: o.clusterID,
                        leader_address: o.leader?.leaderAddress, leader_seen: raft.leaderSeen,
                        latency_ms: o.latency.map { ($0 * 1e5).rounded() / 100 }, error: o.failure?.description,
                        raft_role: raft.role, raft_healthy: raft.healthy, raft_last_contact_seconds: raft.lastContact,
                        raft_applied_index: o.leader?.raftAppliedIndex, unseal_progress: raft.unsealProgress,
                        certificate_expiry: o.certificateExpiry.map(time),
                        canaries: o.canaries.map { c in
                            Canary(kind: c.kind.rawValue, outcome: c.outcome.rawValue, status: c.status,
                                   latency_ms: (c.seconds * 1e5).rounded() / 100, error: c.detail)
                        },
                        telemetry: Self.telemetry(o.telemetry))
        }
        let raft = snap?.raft.map { r in
            Raft(source: r.source, healthy: r.autopilot?.healthy, failure_tolerance: r.autopilot?.failureTolerance,
                 voters: r.autopilot?.voters, peers: r.configuration?.map(\.nodeID), error: r.failure?.description)
        }
        return Cluster(name: c.name, labels: c.labels, verdict: c.verdict.rawValue, leader: c.leader,
                       taken_at: snap.map { time($0.takenAt) }, nodes: nodes, raft: raft,
                       token_ttl_seconds: snap?.token?.ttlSeconds,
                       alerts: c.alerts.map { a in
                           AlertDoc(alertname: a.name, labels: a.labels, severity: a.severity.rawValue, state: a.state.rawValue, node: a.node,
                                    summary: a.annotations["summary"], runbook_url: a.annotations["runbook_url"],
                                    active_since: time(a.activeAt), fired_at: a.firedAt.map(time), value: a.value,
                                    fingerprint: a.fingerprint)
                       },
                       events: c.events.map { Event(at: time($0.at), node: $0.node, kind: $0.kind.rawValue, message: $0.message) })
    }

    func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(self))) ?? Array("{}".utf8)
    }
}

/// Derived per-node facts shared by the table, the JSON and the status page.
struct NodeFacts {
    var leaderSeen: String?
    var role: String?
    var healthy: Bool?
    var lastContact: Double?
    var unsealProgress: String?

    init(_ o: NodeObservation, _ snap: ClusterSnapshot) {
        if o.claimsActive { leaderSeen = "self" }
        else if let addr = o.leader?.leaderAddress {
            leaderSeen = snap.nodes.first { ClusterSnapshot.sameEndpoint($0.node.address, addr) }?.node.name ?? addr
        }
        let id = o.node.name
        if let server = snap.raft?.autopilot?.servers.first(where: { $0.name == id || $0.id == id }) {
            role = server.status
            healthy = server.healthy
            lastContact = server.lastContactSeconds
        } else if let server = snap.raft?.configuration?.first(where: { $0.nodeID == id }) {
            role = server.leader ? "leader" : (server.voter ? "voter" : "non-voter")
        }
        if let s = o.sealStatus, let p = s.progress, let t = s.threshold, o.state == .sealed { unsealProgress = "\(p)/\(t)" }
    }

    /// "lookup 4.1 ms, read HTTP 500" — this cycle's canaries through the node; nil when none.
    static func canaryText(_ o: NodeObservation) -> String? {
        guard !o.canaries.isEmpty else { return nil }
        return o.canaries.sorted { $0.kind < $1.kind }.map { c in
            switch c.outcome {
            case .ok: return "\(c.kind.rawValue) \(CheckReport.ms(c.seconds))"
            case .httpStatus, .refused: return "\(c.kind.rawValue) HTTP \(c.status ?? 0)"
            default: return "\(c.kind.rawValue) \(c.outcome.rawValue)"
            }
        }.joined(separator: ", ")
    }

    /// One line about the node's own telemetry: the figures the rules read, or why it is unavailable.
    static func telemetryText(_ o: NodeObservation) -> String? {
        switch o.telemetry {
        case .none: return nil
        case .unavailable(let f): return "unavailable (\(f.reason)): \(f.detail)"
        case .fresh(let t), .carried(let t):
            var parts: [String] = []
            if let p99 = t.requestMs?.p99 { parts.append("request p99 \(CheckReport.ms(p99 / 1000))") }
            if let a = t.auditFailures { parts.append("audit failures \(Int(finite: a).map(String.init) ?? "?")") }
            if let c = t.raftCommitMs?.p99 { parts.append("commit p99 \(CheckReport.ms(c / 1000))") }
            if let l = t.leases { parts.append("\(Int(finite: l).map(String.init) ?? "?") leases") }
            if let m = t.memoryAllocBytes { parts.append("heap \(Int(finite: m / 1_048_576).map(String.init) ?? "?") MiB") }
            if let g = t.goroutines { parts.append("\(Int(finite: g).map(String.init) ?? "?") goroutines") }
            return parts.isEmpty ? "read, none of the curated families present" : parts.joined(separator: ", ")
        }
    }
}
