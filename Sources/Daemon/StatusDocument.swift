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
                        certificate_expiry: o.certificateExpiry.map(time))
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
}
