#if canImport(ClusterModel)   // compiled standalone with ClusterModel/Service.swift by scripts/fuzz/run.sh telemetry
import ClusterModel
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Why a node's telemetry body could not be used; `reason` is a low-cardinality label.
public struct TelemetryProblem: Error, Sendable, Hashable {
    /// `not_prometheus` (JSON, HTML or another content type), `too_large`, `empty`, `invalid_text`
    /// (no sample line could be read).
    public var reason: String
    public var detail: String
    public init(reason: String, detail: String) { self.reason = reason; self.detail = detail }
}

/// Turns a node's `/v1/sys/metrics?format=prometheus` body into the curated `NodeTelemetry`.
public enum TelemetryReader {
    /// The families the rules and the re-exported series need (DESIGN: service-level monitoring).
    static let selection = PrometheusText.Selection(
        names: [
            "vault_core_handle_request", "vault_core_handle_request_sum", "vault_core_handle_request_count",
            "vault_audit_log_request_failure", "vault_audit_log_response_failure",
            "vault_raft_commitTime", "vault_raft_commitTime_sum", "vault_raft_commitTime_count",
            "vault_raft_leader_lastContact", "vault_raft_leader_lastContact_sum", "vault_raft_leader_lastContact_count",
            "vault_core_leadership_lost", "vault_core_leadership_lost_count",
            "vault_expire_num_leases",
            "vault_runtime_alloc_bytes", "vault_runtime_sys_bytes", "vault_runtime_num_goroutines",
            "vault_raft_storage_stats_applied_index",
            "vault_core_response_status_code",
        ],
        prefixes: ["vault_route_"])

    static let parser = PrometheusText()

    public static func read(_ body: [UInt8], contentType: String?, at: Date) -> Result<NodeTelemetry, TelemetryProblem> {
        if body.isEmpty { return .failure(TelemetryProblem(reason: "empty", detail: "the body is empty")) }
        let type = contentType?.lowercased() ?? ""
        if type.contains("json") || type.contains("html") || type.contains("xml") {
            return .failure(TelemetryProblem(reason: "not_prometheus", detail: "Content-Type \(contentType ?? "") is not the Prometheus text format (is format=prometheus honoured?)"))
        }
        if let first = body.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }), first == 0x7B || first == 0x3C || first == 0x5B {
            return .failure(TelemetryProblem(reason: "not_prometheus", detail: "the body looks like JSON or HTML, not Prometheus text"))
        }
        let parsed = parser.parse(body, keeping: selection)
        if parsed.tooLarge {
            return .failure(TelemetryProblem(reason: "too_large", detail: "\(body.count) bytes is over the \(parser.maxBodyBytes)-byte limit"))
        }
        if parsed.sampleLines > 0 && parsed.problemCount == parsed.sampleLines {
            return .failure(TelemetryProblem(reason: "invalid_text", detail: "no sample line could be read (\(parsed.problems.first?.description ?? ""))"))
        }
        if parsed.sampleLines == 0 {
            return .failure(TelemetryProblem(reason: "invalid_text", detail: "no sample lines"))
        }
        return .success(telemetry(parsed.samples, bytes: body.count, at: at))
    }

    /// The curated values from kept samples. A series written twice: the last one wins. Non-finite
    /// values are no value.
    static func telemetry(_ samples: [PrometheusText.Sample], bytes: Int, at: Date) -> NodeTelemetry {
        var t = NodeTelemetry(takenAt: at, bytes: bytes)
        var summaries: [String: TelemetrySummary] = [:]
        var auditRequest: [String: Double] = [:], auditResponse: [String: Double] = [:]
        var reads: [String: Double] = [:], writes: [String: Double] = [:]
        var codes: [String: [String: Double]] = [:]
        func key(_ s: PrometheusText.Sample) -> String { s.labels.map { "\($0.name)=\($0.value)" }.joined(separator: ",") }
        for s in samples where s.value.isFinite {
            let name = s.name
            if name.hasPrefix("vault_route_") {
                guard name.hasSuffix("_count") else { continue }
                let op = name.dropFirst("vault_route_".count).prefix { $0 != "_" }
                let series = name + "|" + key(s)
                switch op {
                case "read", "list": reads[series] = s.value
                case "create", "update", "delete": writes[series] = s.value
                default: continue
                }
                continue
            }
            switch name {
            case "vault_audit_log_request_failure": auditRequest[key(s)] = s.value
            case "vault_audit_log_response_failure": auditResponse[key(s)] = s.value
            case "vault_core_leadership_lost_count": t.leadershipLost = s.value   // a summary's count
            case "vault_core_leadership_lost":
                // A plain counter where a server exports it as one (a summary's quantiles are not counts).
                if s.label("quantile") == nil && t.leadershipLost == nil { t.leadershipLost = s.value }
            case "vault_expire_num_leases": t.leases = s.value
            case "vault_runtime_alloc_bytes": t.memoryAllocBytes = s.value
            case "vault_runtime_sys_bytes": t.memorySysBytes = s.value
            case "vault_runtime_num_goroutines": t.goroutines = s.value
            case "vault_raft_storage_stats_applied_index": t.raftAppliedIndex = s.value
            case "vault_core_response_status_code":
                guard let code = s.label("code") ?? s.label("status_code") ?? s.label("status") else { continue }
                codes[code, default: [:]][key(s)] = s.value
            default:
                var base = name
                var part = "quantile"
                if name.hasSuffix("_sum") { base = String(name.dropLast(4)); part = "sum" }
                else if name.hasSuffix("_count") { base = String(name.dropLast(6)); part = "count" }
                var summary = summaries[base] ?? TelemetrySummary()
                switch part {
                case "sum": summary.sum = s.value
                case "count": summary.count = s.value
                default:
                    switch s.label("quantile") {
                    case "0.5": summary.p50 = s.value
                    case "0.9": summary.p90 = s.value
                    case "0.99": summary.p99 = s.value
                    default: break
                    }
                }
                summaries[base] = summary
            }
        }
        t.requestMs = summaries["vault_core_handle_request"]
        t.raftCommitMs = summaries["vault_raft_commitTime"]
        t.leaderLastContactMs = summaries["vault_raft_leader_lastContact"]
        t.auditRequestFailures = finiteSum(auditRequest)
        t.auditResponseFailures = finiteSum(auditResponse)
        t.readRequests = finiteSum(reads)
        t.writeRequests = finiteSum(writes)
        let codeCounts = codes.compactMapValues(finiteSum)
        if !codeCounts.isEmpty { t.responseCodes = codeCounts }
        return t
    }

    /// The sum of a family's series; nil when there are none or the sum overflows (finite values only).
    static func finiteSum(_ series: [String: Double]) -> Double? {
        if series.isEmpty { return nil }
        let sum = series.values.reduce(0, +)
        return sum.isFinite ? sum : nil
    }
}
