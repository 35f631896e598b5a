#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The Vault API endpoints Sealwatch reads; raw values are the `endpoint` metric label.
public enum Endpoint: String, Sendable, Hashable, Codable, CaseIterable {
    case health
    case sealStatus = "seal_status"
    case leader
    case raftConfiguration = "raft_configuration"
    case autopilot = "autopilot_state"
    case tokenLookup = "token_lookup"

    public var path: String {
        switch self {
        case .health: return "/v1/sys/health"
        case .sealStatus: return "/v1/sys/seal-status"
        case .leader: return "/v1/sys/leader"
        case .raftConfiguration: return "/v1/sys/storage/raft/configuration"
        case .autopilot: return "/v1/sys/storage/raft/autopilot/state"
        case .tokenLookup: return "/v1/auth/token/lookup-self"
        }
    }
}

/// Why a probe of one endpoint failed. `reason` is a low-cardinality metric label: the transport
/// reasons (`timeout`, `connection_refused`, `tls_certificate`, …) plus the answer reasons
/// `bad_body` (not JSON of the expected shape), `invalid_response` (the body contradicts the status
/// code, has wrong-typed or non-finite fields, or is not UTF-8) and `unexpected_status` (an
/// unmapped code).
public struct ProbeFailure: Sendable, Hashable, Codable, CustomStringConvertible {
    public var reason: String
    public var detail: String
    public init(reason: String, detail: String) { self.reason = reason; self.detail = detail }
    public var description: String { "\(reason): \(detail)" }
    /// Transport-level failures (no usable HTTP exchange) as opposed to a bad answer.
    public var isTransport: Bool { !ProbeFailure.answerReasons.contains(reason) }
    /// The reasons of an answer that arrived but could not be used.
    public static let answerReasons: Set<String> = ["bad_body", "invalid_response", "unexpected_status"]
}

/// Outcome of one request to one endpoint of one node.
public struct ProbeResult: Sendable, Hashable, Codable {
    public var endpoint: Endpoint
    /// HTTP status, when a response arrived.
    public var status: Int?
    /// Wall time of the request, in seconds (also on failure: how long until it failed).
    public var seconds: Double
    public var failure: ProbeFailure?
    public init(endpoint: Endpoint, status: Int?, seconds: Double, failure: ProbeFailure?) {
        self.endpoint = endpoint; self.status = status; self.seconds = seconds; self.failure = failure
    }
    public var succeeded: Bool { failure == nil }
}

/// Everything one probe round learned about one node. A probe never throws: failures are data here.
public struct NodeObservation: Sendable, Hashable, Codable {
    public var node: NodeRef
    public var state: NodeState
    public var health: HealthInfo?
    public var sealStatus: SealStatus?
    public var leader: LeaderStatus?
    /// One entry per endpoint asked this round, in the order asked.
    public var probes: [ProbeResult]
    /// Expiry of the node's TLS leaf certificate (https only).
    public var certificateExpiry: Date?
    /// Canary requests through the node this cycle (empty when none was due or no token is set).
    public var canaries: [CanaryResult] = []
    /// The node's own telemetry: read this cycle, carried from an earlier read, or unavailable.
    public var telemetry: TelemetryState = .none

    public init(node: NodeRef, state: NodeState, health: HealthInfo? = nil, sealStatus: SealStatus? = nil,
                leader: LeaderStatus? = nil, probes: [ProbeResult] = [], certificateExpiry: Date? = nil) {
        self.node = node; self.state = state; self.health = health; self.sealStatus = sealStatus
        self.leader = leader; self.probes = probes; self.certificateExpiry = certificateExpiry
    }

    public func probe(_ endpoint: Endpoint) -> ProbeResult? { probes.first { $0.endpoint == endpoint } }
    public func canary(_ kind: CanaryKind) -> CanaryResult? { canaries.first { $0.kind == kind } }
    /// Latency of the health probe in seconds: the latency sample rules use.
    public var latency: Double? { probe(.health).flatMap { $0.failure == nil ? $0.seconds : nil } }
    /// The health probe's failure, which decides reachability.
    public var failure: ProbeFailure? { probe(.health)?.failure }
    public var reachable: Bool { state != .unreachable }
    /// Claims to be the active node (health 200, or leader `is_self`), only when unsealed.
    public var claimsActive: Bool { state == .active || (state.isUnsealed && leader?.isSelf == true) }
    public var version: String? { health?.version ?? sealStatus?.version }

    /// The node's clock skew in seconds: Vault's `clock_skew_ms` when reported; otherwise
    /// `server_time_utc` (whole seconds) against `takenAt`, counting anything within the request's
    /// uncertainty (the health round trip, the second's truncation) as 0. Nil without either.
    public func clockSkew(at takenAt: Date) -> Double? {
        if let ms = health?.clockSkewMs { return Double(ms) / 1000 }
        guard let server = health?.serverTimeUTC else { return nil }
        let rtt = probe(.health)?.seconds ?? 0
        let low = Double(server) - takenAt.timeIntervalSince1970 - rtt
        let high = Double(server) + 1 - takenAt.timeIntervalSince1970
        return low > 0 ? low : (high < 0 ? high : 0)
    }
    public var clusterID: String? { health?.clusterID ?? sealStatus?.clusterID }
}
