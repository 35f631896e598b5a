import ClusterModel
import Config
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Pure decoders of Vault/OpenBao response bodies. Each tolerates missing fields; a body that is
/// not a JSON object yields nil (the prober records `bad_body`).
public enum Decoders {
    public static func health(_ body: [UInt8]) -> HealthInfo? {
        guard let j = JSONValue.parse(body), j.isObject else { return nil }
        var h = HealthInfo()
        h.initialized = j["initialized"]?.bool
        h.sealed = j["sealed"]?.bool
        h.standby = j["standby"]?.bool
        h.performanceStandby = j["performance_standby"]?.bool
        h.replicationDRMode = j["replication_dr_mode"]?.string
        h.replicationPerformanceMode = j["replication_performance_mode"]?.string
        h.version = j["version"]?.string
        h.clusterName = j["cluster_name"]?.string
        h.clusterID = j["cluster_id"]?.string
        h.serverTimeUTC = j["server_time_utc"]?.int64
        h.clockSkewMs = j["clock_skew_ms"]?.int64
        h.echoDurationMs = j["echo_duration_ms"]?.int64
        h.haConnectionHealthy = j["ha_connection_healthy"]?.bool
        h.removedFromCluster = j["removed_from_cluster"]?.bool
        h.lastWAL = j["last_wal"]?.uint64
        return h
    }

    public static func sealStatus(_ body: [UInt8]) -> SealStatus? {
        guard let j = JSONValue.parse(body), j.isObject else { return nil }
        var s = SealStatus()
        s.type = j["type"]?.string
        s.initialized = j["initialized"]?.bool
        s.sealed = j["sealed"]?.bool
        s.threshold = j["t"]?.int
        s.shares = j["n"]?.int
        s.progress = j["progress"]?.int
        s.version = j["version"]?.string
        s.clusterName = j["cluster_name"]?.string
        s.clusterID = j["cluster_id"]?.string
        s.storageType = j["storage_type"]?.string
        return s
    }

    public static func leader(_ body: [UInt8]) -> LeaderStatus? {
        guard let j = JSONValue.parse(body), j.isObject else { return nil }
        var l = LeaderStatus()
        l.haEnabled = j["ha_enabled"]?.bool
        l.isSelf = j["is_self"]?.bool
        l.leaderAddress = j["leader_address"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        l.leaderClusterAddress = j["leader_cluster_address"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        l.activeTime = j["active_time"]?.string
        l.raftCommittedIndex = j["raft_committed_index"]?.uint64
        l.raftAppliedIndex = j["raft_applied_index"]?.uint64
        return l
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
    static func goDuration(_ s: String) -> Double? { DurationText.seconds(s) }
}

/// Maps a `sys/health` answer to a node state, the status code confirmed by the body.
public enum HealthVerdict {
    /// `health` is nil when the body did not parse.
    public static func state(status: Int, health: HealthInfo?) -> NodeState {
        guard let h = health else { return .unknown }
        if h.removedFromCluster == true { return .removed }
        if h.initialized == false { return .uninitialized }
        if h.sealed == true { return .sealed }           // a sealed OpenBao node also says standby: true
        switch status {
        case 200: return h.standby == true ? .unknown : .active
        case 429: return .standby
        case 472: return .drSecondary
        case 473: return .perfStandby
        case 474: return .standbyDisconnected
        case 501: return .uninitialized
        case 503: return .sealed
        case 530: return .removed
        default: return .unknown
        }
    }

    /// Codes with a documented meaning; any other 5xx is a probe error.
    public static let mappedCodes: Set<Int> = [200, 429, 472, 473, 474, 501, 503, 530]
}
