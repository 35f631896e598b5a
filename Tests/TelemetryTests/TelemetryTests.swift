import ClusterModel
import Foundation
@testable import Telemetry
import Testing

func fixture(_ name: String) -> [UInt8] {
    let path = Bundle.module.path(forResource: "Fixtures/\(name)", ofType: nil)!
    return Array(FileManager.default.contents(atPath: path)!)
}

let at = Date(timeIntervalSince1970: 1_800_000_000)

func read(_ text: String, contentType: String? = "text/plain; version=0.0.4") -> Result<NodeTelemetry, TelemetryProblem> {
    TelemetryReader.read(Array(text.utf8), contentType: contentType, at: at)
}

/// Recorded bodies of OpenBao 2.7.2 (scripts/dev-cluster.sh, telemetry with prometheus_retention_time 30s).
@Suite struct RecordedBodyTests {
    @Test func activeNode() throws {
        let t = try TelemetryReader.read(fixture("openbao-2.7-active.prom"), contentType: "text/plain; version=0.0.4; charset=utf-8", at: at).get()
        #expect(t.requestMs == TelemetrySummary(p50: 0.1325719952583313, p90: 0.2917580008506775, p99: 0.2917580008506775, count: 10, sum: 6.948156073689461))
        #expect(t.auditRequestFailures == 0 && t.auditResponseFailures == 0 && t.auditFailures == 0)
        #expect(t.raftCommitMs?.p99 == 2.7703380584716797)
        #expect(t.raftCommitMs?.count == 34)
        #expect(t.leaderLastContactMs?.p99 == 75)
        #expect(t.leases == 0)
        #expect(t.memoryAllocBytes == 2.03402e+07)
        #expect(t.memorySysBytes == 3.601844e+07)
        #expect(t.goroutines == 571)
        #expect(t.raftAppliedIndex == 35)
        #expect(t.readRequests == 9 && t.writeRequests == 7)
        #expect(t.responseCodes == nil)          // OpenBao exports no response status codes
        #expect(t.bytes == 48903 && t.takenAt == at)
    }

    @Test func standbyNode() throws {
        let t = try TelemetryReader.read(fixture("openbao-2.7-standby.prom"), contentType: nil, at: at).get()
        #expect(t.requestMs?.p99 == 0.28518199920654297)
        #expect(t.raftAppliedIndex == 35)
        #expect(t.goroutines == 677)
        #expect(t.readRequests == 1 && t.writeRequests == 1)
    }

    @Test func auditFailingNode() throws {
        let t = try TelemetryReader.read(fixture("openbao-2.7-audit-failing.prom"), contentType: nil, at: at).get()
        #expect(t.auditRequestFailures == 1 && t.auditResponseFailures == 1 && t.auditFailures == 2)
        #expect(t.raftCommitMs?.p99 == nil)      // NaN quantile: no value
        #expect(t.raftAppliedIndex == 49)
    }

    @Test func everyRecordedLineParses() {
        for name in ["openbao-2.7-active.prom", "openbao-2.7-standby.prom", "openbao-2.7-audit-failing.prom"] {
            let r = PrometheusText().parse(fixture(name), keeping: .all)
            #expect(r.problemCount == 0, "\(name): \(r.problems)")
            #expect(r.samples.count == r.sampleLines)
            #expect(r.samples.count > 300)
        }
    }
}

struct BadInput: Sendable, CustomTestStringConvertible {
    var label: String
    var body: [UInt8]
    var contentType: String? = nil
    /// nil: telemetry is read (maybe with problems); else the failure reason.
    var failure: String?
    var check: @Sendable (NodeTelemetry) -> Bool = { _ in true }
    var testDescription: String { label }
}

let megabyte = String(repeating: "x", count: 1 << 20)
let badInputs: [BadInput] = [
    .init(label: "empty", body: [], failure: "empty"),
    .init(label: "JSON body", body: Array(#"{"Gauges":[]}"#.utf8), failure: "not_prometheus"),
    .init(label: "JSON content type", body: Array("vault_expire_num_leases 1\n".utf8), contentType: "application/json", failure: "not_prometheus"),
    .init(label: "HTML body", body: Array("<html><body>login</body></html>".utf8), failure: "not_prometheus"),
    .init(label: "only garbage lines", body: Array("vault_expire_num_leases\nvault_expire_num_leases abc\n".utf8), failure: "invalid_text"),
    .init(label: "only comments", body: Array("# HELP x\n# TYPE x gauge\n".utf8), failure: "invalid_text"),
    .init(label: "truncated last line", body: Array("vault_expire_num_leases 7\nvault_runtime_num_goroutines 1".utf8), failure: nil,
          check: { $0.leases == 7 && $0.goroutines == 1 }),
    .init(label: "line cut mid-label", body: Array("vault_expire_num_leases 7\nvault_core_handle_request{quantile=\"0.9".utf8), failure: nil,
          check: { $0.leases == 7 && $0.requestMs == nil }),
    .init(label: "unterminated quote", body: Array("vault_core_handle_request{quantile=\"0.99} 5\nvault_expire_num_leases 3\n".utf8), failure: nil,
          check: { $0.requestMs == nil && $0.leases == 3 }),
    .init(label: "1 MB label value", body: Array("vault_audit_log_request_failure{x=\"\(megabyte)\"} 9\nvault_expire_num_leases 2\n".utf8), failure: nil,
          check: { $0.auditRequestFailures == nil && $0.leases == 2 }),
    .init(label: "NaN, +Inf and -Inf are no value", body: Array("vault_expire_num_leases NaN\nvault_runtime_num_goroutines +Inf\nvault_runtime_alloc_bytes -Inf\nvault_raft_storage_stats_applied_index 4\n".utf8),
          failure: nil, check: { $0.leases == nil && $0.goroutines == nil && $0.memoryAllocBytes == nil && $0.raftAppliedIndex == 4 }),
    .init(label: "1e999 overflows to no value", body: Array("vault_expire_num_leases 1e999\n".utf8), failure: nil, check: { $0.leases == nil }),
    .init(label: "duplicate series: the last wins", body: Array("vault_expire_num_leases 1\nvault_expire_num_leases 5\n".utf8), failure: nil, check: { $0.leases == 5 }),
    .init(label: "labelled audit counters add up", body: Array("vault_audit_log_request_failure{path=\"a/\"} 2\nvault_audit_log_request_failure{path=\"b/\"} 3\n".utf8),
          failure: nil, check: { $0.auditRequestFailures == 5 }),
    .init(label: "invalid UTF-8 in a label value", body: [UInt8]("vault_expire_num_leases{a=\"".utf8) + [0xFF, 0xFE] + [UInt8]("\"} 3\nvault_runtime_num_goroutines 2\n".utf8),
          failure: nil, check: { $0.leases == nil && $0.goroutines == 2 }),
    .init(label: "hex float and underscores are not numbers", body: Array("vault_expire_num_leases 0x10\nvault_runtime_num_goroutines 1_000\nvault_raft_storage_stats_applied_index 9\n".utf8),
          failure: nil, check: { $0.leases == nil && $0.goroutines == nil && $0.raftAppliedIndex == 9 }),
    .init(label: "timestamps and CRLF", body: Array("vault_expire_num_leases 12 1700000000000\r\nvault_runtime_num_goroutines 3\r\n".utf8), failure: nil,
          check: { $0.leases == 12 && $0.goroutines == 3 }),
    .init(label: "escapes in label values", body: Array((#"vault_core_response_status_code{code="500",x="a\"b\\c\nd"} 4"# + "\n").utf8), failure: nil,
          check: { $0.responseCodes == ["500": 4] && $0.serverErrors?.failed == 4 }),
    .init(label: "a plain-text error page is not telemetry", body: Array("Bad gateway\nupstream timed out\n".utf8), contentType: "text/plain", failure: "invalid_text"),
    .init(label: "a signed exponent value (+2e4, found by the differential test)", body: Array("vault_expire_num_leases +2e4\nvault_runtime_num_goroutines -1.5E-3\n".utf8),
          failure: nil, check: { $0.leases == 20000 && $0.goroutines == -0.0015 }),
    .init(label: "blanks in the label set, none before the value", body: Array("vault_raft_commitTime { quantile = \"0.99\" , }2.5\n".utf8),
          failure: nil, check: { $0.raftCommitMs?.p99 == 2.5 }),
    .init(label: "a repeated label name is a bad line", body: Array("vault_audit_log_request_failure{a=\"1\",a=\"2\"} 4\nvault_expire_num_leases 1\n".utf8),
          failure: nil, check: { $0.auditRequestFailures == nil && $0.leases == 1 }),
    .init(label: "a float timestamp is a bad line", body: Array("vault_expire_num_leases 3 1.5\nvault_runtime_num_goroutines 2\n".utf8),
          failure: nil, check: { $0.leases == nil && $0.goroutines == 2 }),
    .init(label: "summed counters that overflow are no value", body: Array("vault_route_read_a_count 1e308\nvault_route_read_b_count 1e308\nvault_expire_num_leases 1\n".utf8),
          failure: nil, check: { $0.readRequests == nil && $0.leases == 1 }),
    .init(label: "a 17 MiB body is too_large (limit 16 MiB; 10 MB is read, see below)", body: [UInt8](repeating: 0x0A, count: 17 << 20), failure: "too_large"),
    .init(label: "Vault 1.20 response status codes", body: Array("vault_core_response_status_code{code=\"200\",type=\"2xx\"} 90\nvault_core_response_status_code{code=\"503\",type=\"5xx\"} 10\n".utf8),
          failure: nil, check: { $0.serverErrors.map { $0.failed == 10 && $0.total == 100 } == true }),
]

@Suite struct BadInputTests {
    @Test(arguments: badInputs)
    func badInput(_ c: BadInput) {
        switch TelemetryReader.read(c.body, contentType: c.contentType, at: at) {
        case .success(let t):
            #expect(c.failure == nil, "read, expected \(c.failure ?? "")")
            #expect(c.check(t), "\(t)")
        case .failure(let p):
            #expect(p.reason == c.failure, "\(p)")
            #expect(p.detail.count < 300)
        }
    }

    @Test func problemsNameTheirLine() {
        let r = PrometheusText().parse(Array("ok 1\nbad{ 2\n\n# c\nworse 1 2 3\n".utf8), keeping: .all)
        #expect(r.samples.count == 1)
        #expect(r.problems.map(\.line) == [2, 5])
        #expect(r.problemCount == 2)
    }

    @Test func aBodyOverTheLimitIsNotRead() {
        var parser = PrometheusText()
        parser.maxBodyBytes = 1 << 20
        let body = [UInt8](repeating: 0x61, count: (1 << 20) + 1)
        #expect(parser.parse(body, keeping: .all).tooLarge)
    }

    /// 10 MB of families nobody wants: skipped line by line, bounded and quick (no timing asserted).
    @Test func tenMegabytesOfOtherFamilies() throws {
        var text = ""
        let line = "go_memstats_frees_total{instance=\"abc\",job=\"vault\"} 12345.678\n"
        text.reserveCapacity(10 << 20)
        while text.utf8.count < 10 << 20 { text += line }
        text += "vault_expire_num_leases 42\n"
        let t = try TelemetryReader.read(Array(text.utf8), contentType: nil, at: at).get()
        #expect(t.leases == 42)
    }

    /// The problem count does not depend on the selection: skipped families are validated too.
    @Test func problemsDoNotDependOnTheSelection() {
        let body = Array("go_x{a=\"1\" 2\nother 0x10\nvault_expire_num_leases 1\nq{b=\"\\t\"} 1\n".utf8)
        let all = PrometheusText().parse(body, keeping: .all)
        let some = PrometheusText().parse(body, keeping: TelemetryReader.selection)
        #expect(all.problemCount == 3 && some.problemCount == 3)
        #expect(some.problems.map(\.line) == [1, 2, 4])
        #expect(some.samples.map(\.name) == ["vault_expire_num_leases"])
    }

    @Test func selectionByNameAndPrefix() {
        let s = PrometheusText.Selection(names: ["abc", "abd"], prefixes: ["vault_route_"])
        let body = Array("abc 1\nabd 2\nab 3\nabcd 4\nvault_route_read_x_count 5\nvault_rout 6\n".utf8)
        #expect(PrometheusText().parse(body, keeping: s).samples.map(\.value) == [1, 2, 5])
    }

    @Test func duplicateSeriesAreKeptInOrder() {
        let r = PrometheusText().parse(Array("m{a=\"x\"} 1\nm{a=\"x\"} 2\n".utf8), keeping: .all)
        #expect(r.samples.map(\.value) == [1, 2])
    }

    @Test func numbers() {
        #expect(PrometheusText.number("+Inf") == .infinity && PrometheusText.number("-Inf") == -.infinity && PrometheusText.number("Inf") == .infinity)
        #expect(PrometheusText.number("NaN")?.isNaN == true)
        #expect(PrometheusText.number("+2e4") == 20000 && PrometheusText.number(".5") == 0.5 && PrometheusText.number("5.") == 5)
        for bad in ["inf", "nan", "+Infinity", "0x1p3", "1_000", "", "+", ".", "1e", "e5", "--1", String(repeating: "1", count: 65)] {
            #expect(PrometheusText.number(bad) == nil, "\(bad)")
        }
    }

    @Test func keptSamplesAreBounded() {
        var parser = PrometheusText()
        parser.maxSamples = 100
        let text = (0..<1000).map { "m{i=\"\($0)\"} \($0)" }.joined(separator: "\n")
        let r = parser.parse(Array(text.utf8), keeping: .all)
        #expect(r.samples.count == 100 && r.truncated)
    }
}
