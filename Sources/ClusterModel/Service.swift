#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// What a client sees through a node (canary requests) and what the node says about itself (its
// own telemetry): the service-level half of an observation, next to the health half.

/// A kind of canary request; raw values are the `kind` metric label.
public enum CanaryKind: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// `GET auth/token/lookup-self` through the node (a standby forwards it to the active node):
    /// token store, policy check, audit log. Always sent when a token is configured.
    case lookup
    /// `GET <canary.read_path>` through the node: a KV read.
    case read
    /// `PUT <canary.write_path>` of a timestamp to the active node: the only one that crosses a Raft commit.
    case write

    private var rank: Int { switch self { case .lookup: 0; case .read: 1; case .write: 2 } }
    public static func < (a: CanaryKind, b: CanaryKind) -> Bool { a.rank < b.rank }
}

/// How a canary request ended; raw values are the `outcome` metric label.
public enum CanaryOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    case ok
    /// An answer with a status that is not a success and not a refusal (5xx, 400, 429, …).
    case httpStatus = "http_status"
    case timeout
    /// No usable HTTP exchange: refused, reset, TLS, DNS.
    case transportError = "transport_error"
    /// A 2xx whose body is not the JSON object Vault sends.
    case badBody = "bad_body"
    /// 401, 403 or 404: the monitor's own token, policy or path. A configuration problem on our
    /// side, never a Vault outage: it feeds TokenExpiring and CanaryRefused, never ErrorRate.
    case refused

    /// Counts as a failed client request for ErrorRate.
    public var isFailure: Bool { self != .ok && self != .refused }
}

/// One canary request to one node.
public struct CanaryResult: Sendable, Hashable, Codable {
    public var kind: CanaryKind
    public var outcome: CanaryOutcome
    /// HTTP status, when an answer arrived.
    public var status: Int?
    /// Wall time of the request in seconds (also on failure: how long until it failed).
    public var seconds: Double
    /// What went wrong, naming the node URL and path (never the token); nil when ok.
    public var detail: String?

    public init(kind: CanaryKind, outcome: CanaryOutcome, status: Int? = nil, seconds: Double, detail: String? = nil) {
        self.kind = kind; self.outcome = outcome; self.status = status; self.seconds = seconds; self.detail = detail
    }

    /// A 500 that arrived: what a failing audit device (or another internal error) answers.
    public var isInternalError: Bool { status == 500 }
}

/// One summary family of a node's telemetry (quantiles as exported; units as in the field name).
public struct TelemetrySummary: Sendable, Hashable, Codable {
    public var p50: Double?
    public var p90: Double?
    public var p99: Double?
    public var count: Double?
    public var sum: Double?
    public init(p50: Double? = nil, p90: Double? = nil, p99: Double? = nil, count: Double? = nil, sum: Double? = nil) {
        self.p50 = p50; self.p90 = p90; self.p99 = p99; self.count = count; self.sum = sum
    }
    public var isEmpty: Bool { p50 == nil && p90 == nil && p99 == nil && count == nil && sum == nil }
}

/// The curated part of one node's `GET /v1/sys/metrics?format=prometheus`. Every field is optional:
/// a family the node does not export (yet: go-metrics creates most on first use) is nil, never 0.
/// Only finite values are kept.
public struct NodeTelemetry: Sendable, Hashable, Codable {
    /// When this body was fetched (wall clock, the cycle's time).
    public var takenAt: Date
    /// `vault_core_handle_request`: server-side request handling time, milliseconds.
    public var requestMs: TelemetrySummary?
    /// `vault_audit_log_request_failure` and `vault_audit_log_response_failure`: counters.
    public var auditRequestFailures: Double?
    public var auditResponseFailures: Double?
    /// `vault_raft_commitTime`, milliseconds (the active node's).
    public var raftCommitMs: TelemetrySummary?
    /// `vault_raft_leader_lastContact`, milliseconds (the active node's view of its followers).
    public var leaderLastContactMs: TelemetrySummary?
    /// `vault_core_leadership_lost` summary count: how often this node lost leadership.
    public var leadershipLost: Double?
    /// `vault_expire_num_leases`.
    public var leases: Double?
    /// `vault_runtime_alloc_bytes`, `vault_runtime_sys_bytes`, `vault_runtime_num_goroutines`.
    public var memoryAllocBytes: Double?
    public var memorySysBytes: Double?
    public var goroutines: Double?
    /// Sum of the `_count`s of `vault_route_read_*` and `vault_route_list_*` (reads) and of
    /// `vault_route_create_*`, `vault_route_update_*` and `vault_route_delete_*` (writes).
    public var readRequests: Double?
    public var writeRequests: Double?
    /// `vault_raft_storage_stats_applied_index`.
    public var raftAppliedIndex: Double?
    /// `vault_core_response_status_code` by status code ("200", "503", …), where the server
    /// exports it (Vault 1.20+; OpenBao does not): nil when absent.
    public var responseCodes: [String: Double]?
    /// Size of the body read, in bytes.
    public var bytes: Int

    public init(takenAt: Date, bytes: Int = 0) { self.takenAt = takenAt; self.bytes = bytes }

    /// Both audit failure counters added (nil when the node exports neither).
    public var auditFailures: Double? {
        if auditRequestFailures == nil && auditResponseFailures == nil { return nil }
        return (auditRequestFailures ?? 0) + (auditResponseFailures ?? 0)
    }
    /// Responses with a 5xx status and all responses, from `responseCodes`.
    public var serverErrors: (failed: Double, total: Double)? {
        guard let codes = responseCodes, !codes.isEmpty else { return nil }
        var failed = 0.0, total = 0.0
        for (code, n) in codes {
            total += n
            if code.hasPrefix("5") { failed += n }
        }
        return (failed, total)
    }
}

/// The telemetry source of one node this cycle.
public enum TelemetryState: Sendable, Hashable, Codable {
    /// Not asked yet (telemetry off, or not due since start).
    case none
    /// Read this cycle.
    case fresh(NodeTelemetry)
    /// The last good read is older; not due this cycle.
    case carried(NodeTelemetry)
    /// It cannot be read: 403 (no `sys/metrics` capability), 400/404 (telemetry disabled or no
    /// Prometheus retention), a body that is not Prometheus text, a timeout. Not an outage.
    case unavailable(ProbeFailure)

    public var telemetry: NodeTelemetry? {
        switch self {
        case .fresh(let t), .carried(let t): return t
        case .none, .unavailable: return nil
        }
    }
    public var isFresh: Bool { if case .fresh = self { return true } else { return false } }
    public var failure: ProbeFailure? { if case .unavailable(let f) = self { return f } else { return nil } }
}
