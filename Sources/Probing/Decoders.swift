import Checked
import ClusterModel
import Config
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A decoded body and the problems noted while reading it (wrong-typed, non-finite or
/// out-of-range fields; see `FieldReader`). Empty `problems` means every field read was usable.
public struct Decoded<Value: Sendable>: Sendable {
    public var value: Value
    public var problems: [String]
    public init(value: Value, problems: [String] = []) { self.value = value; self.problems = problems }

    /// The first problems, for a failure's detail: "a; b; c; …".
    public var summary: String { Decoders.summary(problems) }
}

/// Pure decoders of Vault/OpenBao response bodies. Each tolerates missing fields; a body that is
/// not a JSON object yields nil (the prober records `bad_body`). A present field of the wrong type
/// is nil in the value and a problem in `Decoded.problems`, never a guess.
public enum Decoders {
    /// Whether a body is valid UTF-8 (a JSON body must be; it is reported, never repaired).
    public static func isUTF8(_ body: [UInt8]) -> Bool { String(validating: body, as: UTF8.self) != nil }

    /// The first three problems joined for a failure's detail.
    static func summary(_ problems: [String]) -> String {
        problems.prefix(3).joined(separator: "; ") + (problems.count > 3 ? "; …" : "")
    }

    public static func health(_ body: [UInt8]) -> Decoded<HealthInfo>? {
        guard let j = JSONValue.parse(body), j.isObject else { return nil }
        var r = FieldReader(j)
        var h = HealthInfo()
        h.initialized = r.bool("initialized")
        h.sealed = r.bool("sealed")
        h.standby = r.bool("standby")
        h.performanceStandby = r.bool("performance_standby")
        h.replicationDRMode = r.string("replication_dr_mode")
        h.replicationPerformanceMode = r.string("replication_performance_mode")
        h.version = r.string("version")
        h.clusterName = r.string("cluster_name")
        h.clusterID = r.string("cluster_id")
        h.serverTimeUTC = r.int64("server_time_utc")
        h.clockSkewMs = r.int64("clock_skew_ms")
        h.echoDurationMs = r.int64("echo_duration_ms")
        h.haConnectionHealthy = r.bool("ha_connection_healthy")
        h.removedFromCluster = r.bool("removed_from_cluster")
        h.lastWAL = r.uint64("last_wal")
        return Decoded(value: h, problems: r.problems)
    }

    public static func sealStatus(_ body: [UInt8]) -> Decoded<SealStatus>? {
        guard let j = JSONValue.parse(body), j.isObject else { return nil }
        var r = FieldReader(j)
        var s = SealStatus()
        s.type = r.string("type")
        s.initialized = r.bool("initialized")
        s.sealed = r.bool("sealed")
        s.threshold = r.int("t")
        s.shares = r.int("n")
        s.progress = r.int("progress")
        s.version = r.string("version")
        s.clusterName = r.string("cluster_name")
        s.clusterID = r.string("cluster_id")
        s.storageType = r.string("storage_type")
        return Decoded(value: s, problems: r.problems)
    }

    public static func leader(_ body: [UInt8]) -> Decoded<LeaderStatus>? {
        guard let j = JSONValue.parse(body), j.isObject else { return nil }
        var r = FieldReader(j)
        var l = LeaderStatus()
        l.haEnabled = r.bool("ha_enabled")
        l.isSelf = r.bool("is_self")
        l.leaderAddress = r.string("leader_address").flatMap { $0.isEmpty ? nil : $0 }
        l.leaderClusterAddress = r.string("leader_cluster_address").flatMap { $0.isEmpty ? nil : $0 }
        l.activeTime = r.string("active_time")
        l.raftCommittedIndex = r.uint64("raft_committed_index")
        l.raftAppliedIndex = r.uint64("raft_applied_index")
        return Decoded(value: l, problems: r.problems)
    }

    /// `sys/storage/raft/configuration`: `{"data": {"config": {"servers": [...]}}}`.
    public static func raftConfiguration(_ body: [UInt8]) -> [RaftServer]? {
        guard let j = JSONValue.parse(body) else { return nil }
        let config = j["data"]?["config"] ?? j["config"]
        guard let servers = config?["servers", "Servers"]?.array else { return nil }
        return servers.compactMap { s in
            guard let id = s["node_id", "NodeID", "ID"]?.string else { return nil }
            return RaftServer(nodeID: id, address: s["address", "Address"]?.string ?? "",
                              leader: s["leader", "Leader"]?.bool ?? false, voter: s["voter", "Voter"]?.bool ?? false)
        }
    }

    /// `sys/storage/raft/autopilot/state` (snake_case in current Vault/OpenBao, CamelCase in older Vault).
    public static func autopilot(_ body: [UInt8]) -> AutopilotState? {
        guard let root = JSONValue.parse(body) else { return nil }
        let j = root["data", "Data"] ?? root
        guard j.isObject, let healthy = j["healthy", "Healthy"]?.bool else { return nil }
        var servers: [AutopilotServer] = []
        if let map = j["servers", "Servers"]?.object {
            for (key, s) in map.sorted(by: { $0.key < $1.key }) {
                var a = AutopilotServer(id: s["id", "ID"]?.string ?? key)
                a.name = s["name", "Name"]?.string
                a.address = s["address", "Address"]?.string
                a.status = s["status", "Status"]?.string
                a.nodeStatus = s["node_status", "NodeStatus"]?.string
                a.healthy = s["healthy", "Healthy"]?.bool
                if let lc = s["last_contact", "LastContact"] {
                    a.lastContactSeconds = lc.string.flatMap(goDuration) ?? lc.double.map { $0 / 1e9 }
                }
                a.lastIndex = s["last_index", "LastIndex"]?.uint64
                a.lastTerm = s["last_term", "LastTerm"]?.uint64
                a.stableSince = s["stable_since", "StableSince"]?.string
                a.version = s["version", "Version"]?.string
                a.nodeType = s["node_type", "NodeType"]?.string
                servers.append(a)
            }
        }
        return AutopilotState(healthy: healthy,
                              failureTolerance: j["failure_tolerance", "FailureTolerance"]?.int ?? 0,
                              leader: j["leader", "Leader"]?.string,
                              voters: (j["voters", "Voters"]?.array ?? []).compactMap(\.string),
                              servers: servers)
    }

    /// `auth/token/lookup-self`: TTL (0 with no expiry = never expires) and renewability.
    public static func tokenLookup(_ body: [UInt8]) -> TokenStatus? {
        guard let j = JSONValue.parse(body), let data = j["data"], data.isObject else { return nil }
        let ttl = data["ttl"]?.double ?? 0
        let expires = data["expire_time"]?.string != nil
        let period = data["period"]?.double.flatMap { $0 > 0 ? $0 : nil }
        let creation = data["creation_ttl"]?.double.flatMap { $0 > 0 ? $0 : nil }
        return TokenStatus(ttlSeconds: (ttl == 0 && !expires) ? nil : ttl, renewable: data["renewable"]?.bool ?? false,
                           renewalSpanSeconds: period ?? creation)
    }

    /// `auth/token/renew-self`: the new TTL is `auth.lease_duration`.
    public static func renewedTTL(_ body: [UInt8]) -> Double? {
        JSONValue.parse(body)?["auth"]?["lease_duration"]?.double
    }

    /// Go's `time.Duration` string (`1.5ms`, `2m3.5s`, `4.3µs`, `0s`) in seconds: the same grammar
    /// as Sealwatch's own durations.
    static func goDuration(_ s: String) -> Double? { DurationText.seconds(s).flatMap { Double(finite: $0) } }
}

/// Maps a `sys/health` answer to a node state, the status code confirmed by the body.
///
/// Every answer must prove what its code claims (DESIGN §2): the body is UTF-8 JSON with usable
/// `initialized` and `sealed` booleans (and `standby` where the code is about it), and they agree
/// with the code — 200: initialized, unsealed, not standby · 429/473/474: unsealed standby ·
/// 472: unsealed · 501: not initialized · 503: sealed · 530: not `removed_from_cluster: false`.
/// An answer that does not is `invalid_response` with the reason; a code with no documented
/// meaning is `unknown` with the reason `unexpected_status`. Neither ever counts as active or standby.
public enum HealthVerdict {
    /// The verdict on one answer: the state, what was decoded, and why the answer is not usable.
    public struct Judgement: Sendable {
        public var state: NodeState
        public var health: HealthInfo?
        /// `(reason, detail)`: reason is `bad_body`, `invalid_response` or `unexpected_status`.
        public var failure: (reason: String, detail: String)?
    }

    public static func judge(status: Int, body: [UInt8]) -> Judgement {
        guard mappedCodes.contains(status) else {
            let info = Decoders.isUTF8(body) ? Decoders.health(body)?.value : nil
            return Judgement(state: .unknown, health: info,
                             failure: ("unexpected_status", "HTTP \(status) has no documented meaning for sys/health"))
        }
        guard Decoders.isUTF8(body) else {
            return Judgement(state: .invalidResponse, health: nil, failure: ("invalid_response", "HTTP \(status) with a body that is not valid UTF-8"))
        }
        guard let decoded = Decoders.health(body) else {
            return Judgement(state: .invalidResponse, health: nil, failure: ("bad_body", "HTTP \(status) with a body that is not Vault health JSON"))
        }
        let h = decoded.value
        var problems = decoded.problems
        if problems.isEmpty {
            problems = contradictions(status: status, h)
        }
        guard problems.isEmpty else {
            let shown = Decoders.summary(problems)
            // Nothing of an answer that contradicts itself is used: no version, no cluster id, no seal flag.
            return Judgement(state: .invalidResponse, health: nil, failure: ("invalid_response", "HTTP \(status) body does not confirm the code: \(shown)"))
        }
        return Judgement(state: state(status: status, h), health: h, failure: nil)
    }

    /// What in a well-typed body disagrees with the code.
    static func contradictions(status: Int, _ h: HealthInfo) -> [String] {
        var missing: [String] = []
        if h.initialized == nil { missing.append("initialized") }
        if h.sealed == nil { missing.append("sealed") }
        if [200, 429, 473, 474].contains(status) && h.standby == nil { missing.append("standby") }
        if !missing.isEmpty { return ["missing \(missing.joined(separator: ", "))"] }
        let initialized = h.initialized!, sealed = h.sealed!
        func expect(_ ok: Bool, _ text: String) -> [String] { ok ? [] : [text] }
        switch status {
        case 200:
            return expect(initialized && !sealed && h.standby == false && h.removedFromCluster != true,
                          "200 claims an initialized, unsealed active node; the body says \(describe(h))")
        case 429, 473, 474:
            return expect(initialized && !sealed && h.standby == true && h.removedFromCluster != true,
                          "\(status) claims an unsealed standby; the body says \(describe(h))")
        case 472: return expect(initialized && !sealed, "472 claims an unsealed DR secondary; the body says \(describe(h))")
        case 501: return expect(!initialized, "501 claims an uninitialized node; the body says initialized: true")
        case 503: return expect(sealed || !initialized, "503 claims a sealed node; the body says sealed: false")
        case 530: return expect(h.removedFromCluster != false, "530 claims a node removed from the cluster; the body says removed_from_cluster: false")
        default: return []
        }
    }

    private static func describe(_ h: HealthInfo) -> String {
        "initialized: \(h.initialized!), sealed: \(h.sealed!), standby: \(h.standby.map(String.init) ?? "absent")"
            + (h.removedFromCluster == true ? ", removed_from_cluster: true" : "")
    }

    /// The state of a confirmed answer.
    static func state(status: Int, _ h: HealthInfo) -> NodeState {
        switch status {
        case 200: return .active
        case 429: return .standby
        case 472: return .drSecondary
        case 473: return .perfStandby
        case 474: return .standbyDisconnected
        case 501: return .uninitialized
        case 503: return h.initialized == false ? .uninitialized : .sealed
        case 530: return .removed
        default: return .unknown
        }
    }

    /// Codes with a documented meaning.
    public static let mappedCodes: Set<Int> = [200, 429, 472, 473, 474, 501, 503, 530]
}
