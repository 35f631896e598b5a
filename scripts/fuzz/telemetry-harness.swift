// libFuzzer harness for Telemetry's Prometheus text parser and TelemetryReader, built by
// `scripts/fuzz/run.sh SECONDS telemetry` (with Sources/Telemetry, Sources/ClusterModel and Checked).
// Invariants: never crash, never read out of bounds (ASan); kept samples and problems within their
// limits, problem lines in order; labels within their limits; the problem count does not depend on
// the selection and a selection keeps exactly the accept-all samples it wants; CRLF line ends read
// like LF; a body the reader accepts has only finite values and its own size.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

func check(_ ok: Bool, _ message: @autoclosure () -> String) {
    if !ok { fatalError("telemetry invariant failed: \(message())") }
}

let smallLimits: PrometheusText = {
    var p = PrometheusText()
    p.maxSamples = 64          // reached by fuzzed inputs, unlike the default
    p.maxLabels = 8
    p.maxLabelValueBytes = 256
    p.maxLineBytes = 2048
    p.maxProblems = 4
    return p
}()

func finite(_ v: Double?) -> Bool { v.map(\.isFinite) ?? true }
func finite(_ s: TelemetrySummary?) -> Bool {
    guard let s else { return true }
    return finite(s.p50) && finite(s.p90) && finite(s.p99) && finite(s.count) && finite(s.sum)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTelemetry(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let p = smallLimits
    let all = p.parse(bytes, keeping: .all)
    check(all.samples.count <= p.maxSamples, "kept \(all.samples.count) > \(p.maxSamples)")
    check(all.problems.count <= p.maxProblems && all.problems.count <= all.problemCount, "problem list")
    check(all.samples.count + all.problemCount <= all.sampleLines, "samples + problems > sample lines")
    check(all.truncated == (all.samples.count + all.problemCount < all.sampleLines), "truncated flag")
    let lines = bytes.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
    check(zip(all.problems, all.problems.dropFirst()).allSatisfy { $0.line < $1.line } && all.problems.allSatisfy { $0.line >= 1 && $0.line <= lines },
          "problem lines \(all.problems)")
    for s in all.samples {
        check(!s.name.isEmpty && s.labels.count <= p.maxLabels, "sample shape")
        check(s.labels.allSatisfy { !$0.name.isEmpty && $0.value.utf8.count <= p.maxLabelValueBytes }, "label shape")
        check(Set(s.labels.map(\.name)).count == s.labels.count, "repeated label name")
    }

    let selected = p.parse(bytes, keeping: TelemetryReader.selection)
    check(selected.problemCount == all.problemCount && selected.sampleLines == all.sampleLines, "the selection changed the problems")
    if !all.truncated && !selected.truncated {
        let wanted = all.samples.filter { s in
            Array(s.name.utf8).withUnsafeBufferPointer { TelemetryReader.selection.wants($0, 0, $0.count) }
        }
        check(wanted == selected.samples, "the selection kept other samples than accept-all")
    }

    if !bytes.contains(0x0D) {
        var crlf: [UInt8] = []
        crlf.reserveCapacity(bytes.count + bytes.count / 8)
        for b in bytes { if b == 0x0A { crlf.append(0x0D) }; crlf.append(b) }
        let r = p.parse(crlf, keeping: .all)
        // Longer lines can cross maxLineBytes; inputs are far shorter (-max_len).
        check(r.samples == all.samples && r.problemCount == all.problemCount, "CRLF read differently")
    }

    switch TelemetryReader.read(bytes, contentType: nil, at: Date(timeIntervalSince1970: 0)) {
    case .success(let t):
        check(t.bytes == bytes.count, "bytes")
        check(finite(t.requestMs) && finite(t.raftCommitMs) && finite(t.leaderLastContactMs), "summary not finite")
        check([t.auditRequestFailures, t.auditResponseFailures, t.leadershipLost, t.leases, t.memoryAllocBytes,
               t.memorySysBytes, t.goroutines, t.readRequests, t.writeRequests, t.raftAppliedIndex].allSatisfy(finite), "value not finite")
        check(t.responseCodes?.values.allSatisfy(\.isFinite) ?? true, "response code count not finite")
    case .failure(let problem):
        check(["not_prometheus", "too_large", "empty", "invalid_text"].contains(problem.reason), "reason \(problem.reason)")
        check(problem.detail.utf8.count < 400, "detail too long")
    }
    return 0
}
