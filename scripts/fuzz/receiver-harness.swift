// libFuzzer harness for the receiver-answer path of Notify, built by `scripts/fuzz/run.sh SECONDS receiver`:
// an arbitrary answer (status line, headers including Retry-After, body) goes through the retry
// decision, the receiver pause computation and the persisted-state clamping of the outbox.
//
// Input: "<status>\r\n<Name: value>\r\n…\r\n\r\n<body>" (bare LF works too). Two optional headers
// steer the scheduling: `X-Fuzz-Max` (max_backoff in seconds) and `X-Fuzz-Next` (a persisted
// nextAttemptAt, seconds since 1970, any Double text incl. nan/inf); the last 8 body bytes are
// also read as a Double bit pattern and loaded as a persisted time.
//
// Invariants: never trap (Checked conversions everywhere), and
// - the status decision is delivered exactly for 2xx;
// - a Retry-After delay, a backoff delay and a pause are within [0, max_backoff];
// - a persisted time is finite, within years 1-9999, and not later than its bound after loading;
// - a worker's sleep is at most max_backoff + 1 ms;
// - a body snippet is at most 201 characters, and scrubbing removes every secret of the request.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

private let now = Date(timeIntervalSince1970: 1_795_341_600)
private let url = "https://hooks.example/hooks/FUZZSECRETPATH?token=FUZZQUERYVALUE"
private let secrets = Secrets.of(url: url, authorization: "Bearer FUZZBEARERTOKEN")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReceiverAnswer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let (status, headers, body) = parse(bytes)

    // The retry decision.
    let verdict = RetryDecision.classify(status: status)
    precondition((verdict == nil) == (200..<300).contains(status), "delivered iff 2xx")
    if let verdict, status == 429 || (500..<600).contains(status) { precondition(verdict.retryable) }

    var maxBackoff: Duration = .seconds(300)
    if let text = headers["x-fuzz-max"], let seconds = Double(finite: text), let d = Duration.seconds(clamped: seconds, max: .seconds(86400)), d > .zero {
        maxBackoff = d
    }
    let retryAfter = RetryDecision.retryAfter(headers["retry-after"], now: now, max: maxBackoff)
    if let retryAfter { precondition(retryAfter >= .zero && retryAfter <= maxBackoff, "Retry-After \(retryAfter) outside [0, \(maxBackoff)]") }
    _ = TimeFormat.parseHTTPDate(headers["retry-after"] ?? "")

    // The pause of the receiver (what the dispatcher computes after a retryable failure).
    let initial = min(Duration.milliseconds(1 + Int64(bytes.count % 5000)), maxBackoff)
    let policy = RetryPolicy(initial: initial, maximum: maxBackoff)
    let failures = bytes.isEmpty ? 1 : Int(truncatingIfNeeded: bytes.reduce(UInt64(0)) { $0 &* 31 &+ UInt64($1) })
    let jitter = Double(bytes.first ?? 0) / 256
    for cap in [maxBackoff, .milliseconds(300), .seconds(5)] {
        let (delay, pause) = RetrySchedule.pause(after: failures, now: now, policy: policy, jitter: jitter, retryAfter: retryAfter, cap: cap)
        let bound = min(cap, maxBackoff)
        precondition(delay >= .zero && delay <= bound, "delay \(delay) outside [0, \(bound)]")
        precondition(pause.until >= now && pause.until.timeIntervalSince(now) <= bound.secondsValue + 1e-6, "pause outside bound")
        precondition(RetrySchedule.sleep(until: pause.until, now: now, max: maxBackoff) <= maxBackoff + .milliseconds(1))
    }

    // Persisted times, as the outbox loads them.
    var persisted: [Double] = []
    if let text = headers["x-fuzz-next"], let d = Double(text) { persisted.append(d) }
    if body.count >= 8 {
        let raw = body.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        persisted.append(Double(bitPattern: raw))
    }
    let horizon = now.addingTimeInterval(maxBackoff.secondsValue)
    for t in persisted {
        let loaded = RetrySchedule.clampLoaded(Date(timeIntervalSince1970: t), latest: horizon, fallback: now)
        precondition(loaded.timeIntervalSince1970.isFinite && loaded <= horizon && loaded.timeIntervalSince1970 >= TimeFormat.earliest)
        precondition(RetrySchedule.sleep(until: loaded, now: now, max: maxBackoff) <= maxBackoff + .milliseconds(1))
        _ = TimeFormat.rfc3339(Date(timeIntervalSince1970: t))
        _ = TimeFormat.humanDuration(t)
    }

    // The body snippet that reaches an error, scrubbed.
    let text = String(decoding: body, as: UTF8.self)
    let snippet = RetryDecision.shortBody(text)
    precondition(snippet.count <= 201, "snippet of \(snippet.count) characters")
    let scrubbed = Secrets.scrub(snippet + " " + text.prefix(512), secrets: secrets)
    for secret in ["FUZZSECRETPATH", "FUZZQUERYVALUE", "FUZZBEARERTOKEN"] {
        precondition(!Secrets.contains(scrubbed, secret), "\(secret) survived scrubbing")
    }
    return 0
}

/// Status line, headers (lower-cased names), body. Never traps on any input.
private func parse(_ bytes: [UInt8]) -> (Int, [String: String], [UInt8]) {
    var lines: [[UInt8]] = []
    var i = 0, start = 0
    var bodyStart = bytes.count
    while i < bytes.count {
        if bytes[i] == 0x0A {
            var line = Array(bytes[start..<i])
            if line.last == 0x0D { line.removeLast() }
            if line.isEmpty && !lines.isEmpty { bodyStart = i + 1; break }
            lines.append(line)
            start = i + 1
        }
        i += 1
    }
    if i >= bytes.count && start < bytes.count && bodyStart == bytes.count { lines.append(Array(bytes[start...])) }
    var status = 0
    for b in (lines.first ?? []).prefix(3) where b >= 0x30 && b <= 0x39 { status = status * 10 + Int(b - 0x30) }
    if lines.first?.isEmpty != false, bytes.count >= 2 { status = (Int(bytes[0]) << 8 | Int(bytes[1])) % 1000 }
    var headers: [String: String] = [:]
    for line in lines.dropFirst() {
        let text = String(decoding: line, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":") else { continue }
        headers[text[..<colon].lowercased()] = String(text[text.index(after: colon)...])
    }
    return (status, headers, bodyStart < bytes.count ? Array(bytes[bodyStart...]) : [])
}
