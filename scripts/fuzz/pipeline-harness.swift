// libFuzzer harness for the whole path, built by `scripts/fuzz/run.sh SECONDS pipeline`: arbitrary
// bytes become the answers of a cluster's nodes, which go through the real code — ClusterProber (via
// Monitor, over a fake in-harness HTTPTransport) → snapshot → RuleEngine over several cycles at
// fuzz-chosen times → DaemonMetrics (/metrics) → StatusPage (/) → StatusDocument (/api/v1/status)
// → and, on a fresh Monitor, the `sealwatch check` table (CheckReport) and its JSON.
//
// Input format (integers big-endian; a record cut short by the end of the input is dropped, except
// that an ANSWER body running past the end keeps the bytes that are there):
//
//   byte 0        flags: bits 0-1 → nodes in the cluster, 2 + value (2…5), named vault-1…vault-N at
//                 http://10.0.0.<i>:8200; bit 2 → a token is configured (the prober then asks the
//                 Raft configuration, autopilot state and token lookup, and may renew the token);
//                 bit 3 → the check table is rendered with colour.
//   then records, each starting with a tag byte:
//   0x00…0x7F     ANSWER  node = tag & 7 (mod N), endpoint = (tag >> 3) & 7:
//                   0 sys/health, 1 sys/seal-status, 2 sys/leader, 3 raft configuration,
//                   4 autopilot state, 5 token lookup-self (also the lookup canary through every
//                   node), 6 token renew-self (POST), 7 sys/metrics?format=prometheus (telemetry)
//                 u16 status (mod 1000; 0 = no response: the transport fails with error kind
//                 body[0] mod the kinds, connection_refused when the body is empty)
//                 u8  latency in ms, u16 body length, body bytes.
//                 Sets what that node answers on that endpoint from now on (answers persist across
//                 cycles until replaced). A (node, endpoint) never set fails with connection_refused.
//   0x80…0xBF     CYCLE   i32 time step in milliseconds (negative = the clock went backwards), then
//                 one Monitor cycle at the new time with the answers set so far. At most 16 cycles
//                 run; later CYCLE records are skipped (their step is not applied).
//   0xC0…0xFF     CERT    node = tag & 7 (mod N), i64 leaf-certificate expiry in seconds since 1970
//                 (clamped to years 0…9999, what a certificate date can say), attached to that node's
//                 sys/health answers from now on.
//   If no CYCLE record ran, one cycle runs at the end (step 0). Time starts at 2026-11-22T16:19:55Z.
//
// Invariants checked after every cycle (a violation aborts, which libFuzzer reports as a crash):
//   - every configured node appears in the snapshot, once, in configured order;
//   - a node in state invalid_response or unknown never claims active nor counts in activeNodes,
//     and sealwatch_cluster_active_nodes equals activeNodes.count; a leader, if any, is an unsealed node;
//   - the /metrics exposition is UTF-8 and parses line by line as Prometheus text: `# HELP`/`# TYPE`
//     comments (one of each per family), every other line `name{labels} value` with a valid name,
//     quoted and escaped label values and a float value, and no series twice;
//   - the status JSON (daemon view and check view) is valid JSON with one cluster holding N nodes
//     (not the encoder's `{}` fallback);
//   - the status page is a whole document with one section per cluster and no <script>;
//   - the check table names the cluster and every node.
//
// Debugging: FUZZ_PIPELINE_DEBUG=1 fuzz-pipeline <input> prints each cycle's states and alerts and
// the check table.
import ClusterModel
import Config
@testable import Daemon
import Foundation
import HTTPTransport
import Logging
import Synchronization

// MARK: - Input

enum Op {
    case answer(node: Int, endpoint: Int, status: Int, latencyMs: Int, body: [UInt8])
    case cycle(stepMs: Int32)
    case cert(node: Int, expiry: Double)
}

struct Input {
    var nodeCount = 3
    var token = false
    var color = false
    var ops: [Op] = []

    static let endpointPaths = [Endpoint.health.path, Endpoint.sealStatus.path, Endpoint.leader.path,
                                Endpoint.raftConfiguration.path, Endpoint.autopilot.path, Endpoint.tokenLookup.path,
                                "/v1/auth/token/renew-self", "/v1/sys/metrics?format=prometheus"]

    init(_ b: [UInt8]) {
        guard let flags = b.first else { return }
        nodeCount = 2 + Int(flags & 3)
        token = flags & 4 != 0
        color = flags & 8 != 0
        var i = 1
        func take(_ n: Int) -> ArraySlice<UInt8>? {
            guard b.count - i >= n else { return nil }
            defer { i += n }
            return b[i..<i + n]
        }
        func int(_ bytes: ArraySlice<UInt8>) -> UInt64 { bytes.reduce(0) { $0 << 8 | UInt64($1) } }
        while i < b.count {
            let tag = b[i]; i += 1
            switch tag {
            case 0x00...0x7F:
                guard let head = take(5) else { return }
                let h = Array(head)
                let status = Int(UInt16(h[0]) << 8 | UInt16(h[1])) % 1000
                let length = Int(UInt16(h[3]) << 8 | UInt16(h[4]))
                let body = Array(take(min(length, b.count - i)) ?? [])
                ops.append(.answer(node: Int(tag & 7) % nodeCount, endpoint: Int(tag >> 3 & 7) % Input.endpointPaths.count,
                                   status: status, latencyMs: Int(h[2]), body: body))
            case 0x80...0xBF:
                guard let step = take(4) else { return }
                ops.append(.cycle(stepMs: Int32(bitPattern: UInt32(truncatingIfNeeded: int(step)))))
            default:
                guard let raw = take(8) else { return }
                let seconds = Int64(bitPattern: int(raw))
                // 0000-01-01 … 9999-12-31T23:59:59Z: what a certificate's notAfter can say.
                let clamped = min(max(seconds, -62_167_219_200), 253_402_300_799)
                ops.append(.cert(node: Int(tag & 7) % nodeCount, expiry: Double(clamped)))
            }
        }
    }
}

// MARK: - Fake transport

struct Answer: Sendable {
    var status: Int
    var latencyMs: Int
    var body: [UInt8]
}

/// Answers every request from the table the input built; never sleeps, never touches the network.
final class FakeTransport: HTTPTransport {
    struct Table: Sendable {
        var answers: [Int: Answer] = [:]          // node * 8 + endpoint
        var certificateExpiry: [Int: Double] = [:]
    }
    let addresses: [String]
    let table = Mutex(Table())

    init(addresses: [String]) { self.addresses = addresses }

    func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        try respond(request).get()
    }

    func send(batch requests: [HTTPRequest]) async -> [BatchOutcome] {
        requests.map { r in
            let result = respond(r)
            let ms = (try? result.get()).map { $0.timings.total } ?? .milliseconds(1)
            return BatchOutcome(result: result, elapsed: ms)
        }
    }

    private func respond(_ request: HTTPRequest) -> Result<HTTPResponse, TransportError> {
        guard let node = addresses.firstIndex(where: { request.url.hasPrefix($0 + "/") }),
              let endpoint = Input.endpointPaths.firstIndex(where: { request.url.hasSuffix($0) }) else {
            fail("request to an unknown URL \(request.url)")
        }
        let (answer, expiry) = table.withLock { ($0.answers[node * 8 + endpoint], $0.certificateExpiry[node]) }
        guard let answer else { return .failure(TransportError(.connectionRefused, "\(request.url): refused")) }
        guard answer.status != 0 else {
            let kinds = TransportError.Kind.allCases
            let kind = answer.body.first.map { kinds[Int($0) % kinds.count] } ?? .connectionRefused
            return .failure(TransportError(kind, "\(request.url): fuzzed failure"))
        }
        let latency = Duration.milliseconds(answer.latencyMs)
        return .success(HTTPResponse(status: answer.status, headers: ["Content-Type": "application/json"], body: answer.body,
                                     timings: TransferTimings(firstByte: latency, total: latency),
                                     peerCertificateExpiry: endpoint == 0 ? expiry : nil))
    }
}

// MARK: - Invariants

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("pipeline invariant failed: \(message)\n".utf8))
    abort()
}

func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fail(message()) }
}

/// A line-by-line reader of the Prometheus text format, over bytes (a String split per line costs
/// more than the rest of a cycle under the sanitizers).
enum Exposition {
    static func isNameStart(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x3A }
    static func isNameChar(_ c: UInt8) -> Bool { isNameStart(c) || (c >= 0x30 && c <= 0x39) }
    static let types: [[UInt8]] = ["counter", "gauge", "histogram", "summary", "untyped"].map { Array($0.utf8) }

    /// Checks the whole exposition; returns the value of `series` (`name{labels}` exactly), if present.
    static func validate(_ b: [UInt8], lookup series: String) -> Double? {
        check(String(validating: b, as: UTF8.self) != nil, "exposition is not UTF-8")
        check(b.isEmpty || b.last == 0x0A, "exposition does not end with a newline")
        let wanted = Array(series.utf8)
        var found: Double?
        var seen = Set<ArraySlice<UInt8>>(), help = Set<ArraySlice<UInt8>>(), type = Set<ArraySlice<UInt8>>()
        var start = 0, lineNumber = 0
        while start < b.count {
            var end = start
            while b[end] != 0x0A { end += 1 }   // the last byte is a newline
            lineNumber += 1
            let l = b[start..<end]
            func bad(_ why: String) -> Never { fail("exposition line \(lineNumber) \(why): \(String(decoding: l, as: UTF8.self).debugDescription)") }
            var i = start
            func name() -> ArraySlice<UInt8> {
                let from = i
                guard i < end, isNameStart(b[i]) else { bad("has no valid metric name") }
                while i < end, isNameChar(b[i]) { i += 1 }
                return b[from..<i]
            }
            if b[i] == UInt8(ascii: "#") {
                let isHelp = l.starts(with: "# HELP ".utf8), isType = l.starts(with: "# TYPE ".utf8)
                guard isHelp || isType else { bad("is a stray comment") }
                i += 7
                let family = name()
                if isHelp {
                    guard i == end || b[i] == 0x20 else { bad("has a bad HELP") }
                    guard help.insert(family).inserted else { bad("repeats HELP") }
                } else {
                    guard i < end, b[i] == 0x20, types.contains(where: { b[(i + 1)..<end].elementsEqual($0) }) else { bad("has a bad TYPE") }
                    guard type.insert(family).inserted else { bad("repeats TYPE") }
                }
                start = end + 1
                continue
            }
            _ = name()
            if i < end, b[i] == UInt8(ascii: "{") {
                i += 1
                while i < end, b[i] != UInt8(ascii: "}") {
                    _ = name()
                    guard i + 1 < end, b[i] == UInt8(ascii: "="), b[i + 1] == UInt8(ascii: "\"") else { bad("has a label without =\"") }
                    i += 2
                    while true {
                        guard i < end else { bad("has an unterminated label value") }
                        if b[i] == UInt8(ascii: "\"") { i += 1; break }
                        if b[i] == UInt8(ascii: "\\") {
                            guard i + 1 < end, b[i + 1] == UInt8(ascii: "\\") || b[i + 1] == UInt8(ascii: "\"") || b[i + 1] == UInt8(ascii: "n") else { bad("has a bad escape") }
                            i += 2
                        } else { i += 1 }
                    }
                    if i < end, b[i] == UInt8(ascii: ",") { i += 1 }
                }
                guard i < end else { bad("has unclosed labels") }
                i += 1
            }
            guard i < end, b[i] == 0x20 else { bad("has no space before the value") }
            let key = b[start..<i]
            let valueText = String(decoding: b[(i + 1)..<end], as: UTF8.self)
            let value: Double
            switch valueText {
            case "+Inf": value = .infinity
            case "-Inf": value = -.infinity
            case "NaN": value = .nan
            default:
                guard let v = Double(valueText), !valueText.contains(" ") else { bad("has a bad value") }
                value = v
            }
            guard seen.insert(key).inserted else { bad("repeats a series") }
            if key.elementsEqual(wanted) { found = value }
            start = end + 1
        }
        return found
    }
}

func validateJSON(_ bytes: [UInt8], nodes: Int, what: String) {
    guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
        fail("\(what) is not a JSON object: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
    }
    guard let clusters = object["clusters"] as? [[String: Any]], clusters.count == 1 else { fail("\(what) has no clusters array of one") }
    let n = (clusters[0]["nodes"] as? [Any])?.count
    check(n == nodes, "\(what) shows \(n.map(String.init) ?? "no") nodes of \(nodes)")
}

func validate(_ snap: ClusterSnapshot, _ config: ClusterConfig) {
    check(snap.nodes.map(\.node.name) == config.nodes.map(\.name), "snapshot nodes \(snap.nodes.map(\.node.name)) != configured")
    for n in snap.nodes where n.state.isUnknown {
        check(!n.claimsActive, "\(n.node.name) in state \(n.state.rawValue) claims active")
    }
    check(!snap.activeNodes.contains { $0.state.isUnknown }, "an unknown node counts in activeNodes")
    check(snap.activeNodes.allSatisfy { $0.state.isUnsealed }, "a node that is not unsealed counts in activeNodes")
    if let leader = snap.leaderName {
        check(snap.nodes.contains { $0.node.name == leader && $0.state.isUnsealed }, "leader \(leader) is not an unsealed configured node")
    }
}

/// Occurrences of an ASCII `pattern` in `text`, ASCII case-insensitively (bytes, not Foundation:
/// `components(separatedBy:)` and `lowercased()` cost a tenth of a cycle here).
func occurrences(of pattern: String, in text: String) -> Int {
    let p = Array(pattern.lowercased().utf8)
    var count = 0
    var t = Array(text.utf8)
    for i in t.indices where t[i] >= 0x41 && t[i] <= 0x5A { t[i] |= 0x20 }
    guard t.count >= p.count else { return 0 }
    for i in 0...(t.count - p.count) where t[i] == p[0] && t[i..<i + p.count].elementsEqual(p) { count += 1 }
    return count
}

func validate(page: String, clusters: Int) {
    check(page.hasPrefix("<!doctype html>") && page.hasSuffix("</html>\n"), "status page is not a whole document")
    check(occurrences(of: "<section>", in: page) == clusters, "status page does not show one section per cluster")
    check(occurrences(of: "<script", in: page) == 0, "status page contains a <script")
}

// MARK: - Driver

final class Box<T>: @unchecked Sendable { var value: T? }

/// Runs async work to completion from libFuzzer's thread (which is not one of the cooperative pool's).
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let box = Box<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        box.value = await body()
        done.signal()
    }
    done.wait()
    return box.value!
}

let quietLogger = Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() }
let startTime = Date(timeIntervalSince1970: 1_795_364_395)   // 2026-11-22T16:19:55Z: the fixtures' server time is 16:20:00
let maxCycles = 16
let debug = ProcessInfo.processInfo.environment["FUZZ_PIPELINE_DEBUG"] != nil

func debugPrint(_ text: @autoclosure () -> String) {
    if debug { FileHandle.standardError.write(Data((text() + "\n").utf8)) }
}

func config(_ input: Input) -> SealwatchConfig {
    var cluster = ClusterConfig(name: "prod", nodes: (1...input.nodeCount).map {
        NodeConfig(name: "vault-\($0)", address: "http://10.0.0.\($0):8200")
    })
    cluster.labels = ["env": "prod"]
    if input.token { cluster.token = SecretSource(.literal(Secret("s.fuzz")), keyPath: "clusters[0].token") }
    return SealwatchConfig(clusters: [cluster])
}

func run(_ input: Input) async {
    let config = config(input)
    let cluster = config.clusters[0]
    let transport = FakeTransport(addresses: cluster.nodes.map(\.address))
    let metrics = DaemonMetrics(version: "fuzz")
    let monitor = Monitor(config: config, transport: transport, environment: [:], metrics: metrics, logger: quietLogger)
    var now = startTime
    var cycles = 0

    func cycle() async {
        cycles += 1
        let result = await monitor.cycle(now: now)
        guard result.snapshots.count == 1 else { fail("\(result.snapshots.count) snapshots for one cluster") }
        let snap = result.snapshots[0]
        validate(snap, cluster)
        metrics.publish()
        let active = Exposition.validate(metrics.emit(), lookup: "sealwatch_cluster_active_nodes{cluster=\"prod\"}")
        check(active == Double(snap.activeNodes.count), "sealwatch_cluster_active_nodes \(active.map { "\($0)" } ?? "missing") != \(snap.activeNodes.count)")
        var view = StatusView()
        view.ready = true
        view.version = "fuzz"
        view.lastCycleAt = now
        view.lastCycleSeconds = result.seconds
        view.clusters = await monitor.statusView()
        debugPrint("cycle \(cycles) at \(StatusDocument.time(now)): " + snap.nodes.map { "\($0.node.name)=\($0.state.rawValue)" }.joined(separator: " ")
                   + " leader=\(snap.leaderName ?? "-") alerts=" + view.clusters[0].alerts.map { "\($0.name)/\($0.state.rawValue)" }.joined(separator: ","))
        validate(page: StatusPage.render(view, now: now, refreshSeconds: 5), clusters: 1)
        validateJSON(StatusDocument(view).json(), nodes: input.nodeCount, what: "status JSON")
        _ = view.summaryLine
    }

    for op in input.ops {
        switch op {
        case .answer(let node, let endpoint, let status, let latencyMs, let body):
            transport.table.withLock { $0.answers[node * 8 + endpoint] = Answer(status: status, latencyMs: latencyMs, body: body) }
        case .cert(let node, let expiry):
            transport.table.withLock { $0.certificateExpiry[node] = expiry }
        case .cycle(let stepMs):
            guard cycles < maxCycles else { continue }
            now = now.addingTimeInterval(Double(stepMs) / 1000)
            await cycle()
        }
    }
    if cycles == 0 { await cycle() }

    // `sealwatch check`: a fresh Monitor, one cycle judged by the instant rules, as table and JSON.
    let checkMonitor = Monitor(config: config, transport: transport, environment: [:], metrics: nil, logger: quietLogger)
    let view = await checkMonitor.instantView(now: now)
    let table = CheckReport(view: view, color: input.color).render()
    debugPrint(table)
    check(table.contains("Cluster prod"), "check table does not name the cluster")
    for n in cluster.nodes { check(table.contains(n.name), "check table does not show \(n.name)") }
    validateJSON(StatusDocument(view).json(), nodes: input.nodeCount, what: "check JSON")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPipeline(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let input = Input(bytes)
    runBlocking { await run(input) }
    return 0
}
