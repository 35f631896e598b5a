// Rule-engine benchmark: `RuleEngine.step` over N clusters × M nodes with full windows.
// Built and run by scripts/bench/rules.sh against the release-built Rules and ClusterModel modules.
import ClusterModel
import Foundation
import Rules

let args = CommandLine.arguments
func arg(_ name: String, _ fallback: Int) -> Int {
    guard let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]) else { return fallback }
    return v
}
let clusterCount = arg("--clusters", 100), nodeCount = arg("--nodes", 5), cycles = arg("--cycles", 300)
let interval = 5.0, windowSamples = 60          // 5-minute windows at a 5 s interval
let origin = Date(timeIntervalSince1970: 1_800_000_000)

/// Deterministic pseudo-random numbers (xorshift), so runs are comparable.
var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
func next() -> Double {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
    return Double(rng % 1_000_000) / 1_000_000
}

func snapshot(cluster c: Int, at t: Double) -> ClusterSnapshot {
    let name = "c\(c)"
    var nodes: [NodeObservation] = []
    for n in 0..<nodeCount {
        let ref = NodeRef(cluster: name, name: "vault-\(n)", address: "https://c\(c)-vault-\(n):8200")
        // Every 10th cluster has trouble: node 1 sealed, node 2 slow and flaky.
        let troubled = c % 10 == 0
        let state: NodeState = troubled && n == 1 ? .sealed : (n == 0 ? .active : .standby)
        var h = HealthInfo()
        h.initialized = true; h.sealed = state == .sealed; h.standby = state != .active
        h.version = "1.15.4"; h.clusterID = "cid-\(c)"; h.serverTimeUTC = Int64(origin.timeIntervalSince1970 + t)
        var l = LeaderStatus()
        l.isSelf = state == .active; l.leaderAddress = "https://c\(c)-vault-0:8200"; l.raftAppliedIndex = 100_000 - UInt64(n * 10)
        let latency = troubled && n == 2 ? 0.04 + next() * 0.05 : 0.002 + next() * 0.004
        let failed = troubled && n == 2 && next() < 0.05
        let probes = [
            ProbeResult(endpoint: .health, status: 200, seconds: latency, failure: nil),
            ProbeResult(endpoint: .sealStatus, status: 200, seconds: latency, failure: nil),
            ProbeResult(endpoint: .leader, status: failed ? nil : 200, seconds: latency,
                        failure: failed ? ProbeFailure(reason: "timeout", detail: "2s") : nil),
        ]
        nodes.append(NodeObservation(node: ref, state: state, health: h, leader: state.isUnsealed ? l : nil, probes: probes,
                                     certificateExpiry: origin.addingTimeInterval(90 * 86_400)))
    }
    let ids = (0..<nodeCount).map { "vault-\($0)" }
    let raft = RaftView(configuration: ids.map { RaftServer(nodeID: $0, address: $0, leader: $0 == "vault-0", voter: true) },
                        autopilot: AutopilotState(healthy: true, failureTolerance: 2, leader: "vault-0", voters: ids,
                                                  servers: ids.map { AutopilotServer(id: $0) }))
    return ClusterSnapshot(cluster: name, takenAt: origin.addingTimeInterval(t), nodes: nodes, raft: raft,
                           token: TokenStatus(ttlSeconds: 30 * 86_400, renewable: true))
}

let settings = RuleCatalog.resolve([:])
let clusterRules = (0..<clusterCount).map { c in
    ClusterRules(cluster: "c\(c)", nodes: snapshot(cluster: c, at: 0).nodes.map(\.node), expectedPeers: nil, settings: settings)
}
let engine = RuleEngine(clusters: clusterRules)
var windows: [String: SnapshotWindow] = [:]
for c in 0..<clusterCount {
    var w = SnapshotWindow(retentionSeconds: engine.retentionSeconds)
    for i in 0..<windowSamples { w.append(snapshot(cluster: c, at: Double(i) * interval)) }
    windows["c\(c)"] = w
}
var book = AlertBook()
var t = Double(windowSamples - 1) * interval
var stepMs: [Double] = []
var cpuMs: [Double] = []
/// CPU time of this thread in ms: unaffected by other processes preempting us on a busy machine.
func threadCPUms() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
}
var transitionCount = 0
let clock = ContinuousClock()
for _ in 0..<cycles {
    t += interval
    for c in 0..<clusterCount { windows["c\(c)"]!.append(snapshot(cluster: c, at: t)) }
    let now = origin.addingTimeInterval(t)
    let cpuStart = threadCPUms()
    let start = clock.now
    let (next, transitions) = engine.step(book, windows: windows, now: now)
    let elapsed = clock.now - start
    cpuMs.append(threadCPUms() - cpuStart)
    book = next
    transitionCount += transitions.count
    stepMs.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
}
func pct(_ q: Double, _ xs: [Double]) -> Double {
    let sorted = xs.sorted()
    return sorted[min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.up)) - 1)]
}
let snapshotsPerWindow = windows["c0"]!.count
func ms(_ x: Double) -> String { String(format: "%.3f", x) }
print("rules bench: \(clusterCount) clusters x \(nodeCount) nodes, \(snapshotsPerWindow) snapshots per window (retention \(Int(engine.retentionSeconds)) s), \(cycles) steps")
print("step (all clusters), wall: median \(ms(pct(0.5, stepMs))) ms  p99 \(ms(pct(0.99, stepMs))) ms  max \(ms(stepMs.max()!)) ms  (target < 5 ms)")
print("step (all clusters), CPU:  median \(ms(pct(0.5, cpuMs))) ms  p99 \(ms(pct(0.99, cpuMs))) ms  max \(ms(cpuMs.max()!)) ms")
print("alerts in book: \(book.alerts.count) (\(book.firing.count) firing), transitions over the run: \(transitionCount)")
