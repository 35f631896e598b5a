#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Checked
import ClusterModel

/// The recent snapshots of one cluster, oldest first, for the windowed rules.
///
/// Invariants: `times` is ordered (an append older than the newest is ignored) and holds only
/// snapshots taken at most `retentionSeconds` before the newest; the per-node samples go back at
/// most `sampleRetentionSeconds`. Give it at least `ClusterRules.retentionSeconds` (the longest
/// window an enabled rule reads) and `ClusterRules.sampleRetentionSeconds` (the longest window of
/// a rule reading node samples: 5 minutes by default, while LeaderFlapping's leader history spans 10).
///
/// On append, what the windowed rules read is extracted once: each snapshot's time and
/// `leaderName`, and per node a compact series of (time, health latency, probe count, failed
/// probes). Only the newest full snapshot is kept: the rules scan those plain values instead of
/// copying `NodeObservation`s, which keeps a step over 100 clusters × 5 nodes with full windows in
/// the low milliseconds and the memory of a window at about 24 bytes per node per cycle.
public struct SnapshotWindow: Sendable {
    public private(set) var retentionSeconds: Double
    /// How far back per-node samples go (never longer than `retentionSeconds`).
    public private(set) var sampleRetentionSeconds: Double
    /// The newest snapshot.
    public private(set) var latest: ClusterSnapshot?
    /// `takenAt` of every snapshot in the window, oldest first.
    public private(set) var times: [Date] = []
    /// `snapshots[i].leaderName`, cached.
    private(set) var leaders: [String?] = []
    /// Per node name, one sample per snapshot that listed the node, oldest first.
    private(set) var series: [String: [NodeSample]] = [:]

    /// What the windowed rules need from one observation of one node: 32 bytes, since a window
    /// holds one per node per cycle (30,000 at 100 nodes over 5 minutes at a 1 s interval).
    struct NodeSample: Sendable {
        /// `takenAt` as seconds since the reference date.
        var at: Double
        /// Health-probe latency in whole microseconds (curl's resolution); `UInt32.max` = none.
        private var latencyMicros: UInt32
        var probes: UInt16
        var failed: UInt16
        /// Canary latencies (lookup, read, write) in microseconds; `UInt32.max` = none.
        private var canaryMicros: (UInt32, UInt32, UInt32) = (.max, .max, .max)
        /// Canaries that count for ErrorRate this cycle, and those that failed.
        var canaries: UInt8 = 0
        var canariesFailed: UInt8 = 0

        init(at: Double, latency: Double?, probes: Int, failed: Int) {
            self.at = at
            latencyMicros = Self.micros(latency)
            self.probes = UInt16(clamping: probes)
            self.failed = UInt16(clamping: failed)
        }

        static func micros(_ seconds: Double?) -> UInt32 {
            guard let seconds, seconds.isFinite, seconds >= 0 else { return .max }
            return min(UInt32(saturating: (seconds * 1_000_000).rounded()), UInt32.max - 1)
        }

        /// Health-probe latency in seconds; NaN when the probe failed or was not made.
        var latency: Double { latencyMicros == .max ? .nan : Double(latencyMicros) / 1_000_000 }

        /// Appends the latencies (seconds) of the canaries that were answered this cycle.
        func appendCanaryLatencies(to out: inout [Double]) {
            if canaryMicros.0 != .max { out.append(Double(canaryMicros.0) / 1_000_000) }
            if canaryMicros.1 != .max { out.append(Double(canaryMicros.1) / 1_000_000) }
            if canaryMicros.2 != .max { out.append(Double(canaryMicros.2) / 1_000_000) }
        }

        mutating func record(canaries list: [CanaryResult]) {
            for c in list {
                // Refused is our own token or path: neither an error nor a latency sample of Vault.
                guard c.outcome != .refused else { continue }
                canaries &+= 1
                if c.outcome.isFailure { canariesFailed &+= 1 }
                let micros = c.outcome == .ok ? Self.micros(c.seconds) : .max
                switch c.kind {
                case .lookup: canaryMicros.0 = micros
                case .read: canaryMicros.1 = micros
                case .write: canaryMicros.2 = micros
                }
            }
        }
    }

    /// One fresh telemetry read of one node: the counters the rules difference over time.
    struct TelemetryPoint: Sendable {
        var at: Double
        /// Audit request + response failures; nil when the node exports neither.
        var auditFailures: Double?
        /// 5xx responses and all responses (Vault 1.20+); nil when not exported.
        var serverErrors: Double?
        var responses: Double?
    }

    /// Per node name, one point per fresh telemetry read, oldest first.
    private(set) var telemetry: [String: [TelemetryPoint]] = [:]

    public init(retentionSeconds: Double, sampleRetentionSeconds: Double? = nil) {
        self.retentionSeconds = retentionSeconds
        self.sampleRetentionSeconds = min(sampleRetentionSeconds ?? retentionSeconds, retentionSeconds)
    }

    /// A window holding `snapshots` (appended in order).
    public init(retentionSeconds: Double, sampleRetentionSeconds: Double? = nil, snapshots: [ClusterSnapshot]) {
        self.init(retentionSeconds: retentionSeconds, sampleRetentionSeconds: sampleRetentionSeconds)
        for s in snapshots { append(s) }
    }

    /// The same samples under other retentions (after a reload changed the longest windows).
    public func rewindowed(retentionSeconds: Double, sampleRetentionSeconds: Double? = nil) -> SnapshotWindow {
        var w = self
        w.retentionSeconds = retentionSeconds
        w.sampleRetentionSeconds = min(sampleRetentionSeconds ?? retentionSeconds, retentionSeconds)
        if let newest = times.last { w.drop(before: newest.timeIntervalSinceReferenceDate) }
        return w
    }

    public mutating func append(_ s: ClusterSnapshot) {
        if let last = times.last, s.takenAt < last { return }
        latest = s
        times.append(s.takenAt)
        leaders.append(s.leaderName)
        let at = s.takenAt.timeIntervalSinceReferenceDate
        for n in s.nodes {
            // A node that does not answer at all is NodeUnreachable's business: its cycle counts no
            // probe (neither sent nor failed) for the error and latency windows.
            var failed = 0
            if n.reachable { for p in n.probes where p.failure != nil { failed += 1 } }
            var sample = NodeSample(at: at, latency: n.latency, probes: n.reachable ? n.probes.count : 0, failed: failed)
            // Canaries count only while the node answers health unsealed and the cluster has a
            // leader: a node that is down, sealed or mid-election is NodeUnreachable's,
            // VaultSealed's and NoLeader's business, not a second page from ErrorRate.
            if n.state.isUnsealed && leaders.last! != nil { sample.record(canaries: n.canaries) }
            series[n.node.name, default: []].append(sample)
            if case .fresh(let t) = n.telemetry {
                let codes = t.serverErrors
                telemetry[n.node.name, default: []].append(
                    TelemetryPoint(at: at, auditFailures: t.auditFailures, serverErrors: codes?.failed, responses: codes?.total))
            }
        }
        drop(before: at)
    }

    /// Forgets what is older than the retentions before `newest` (seconds since the reference
    /// date), keeping the newest snapshot's entries.
    private mutating func drop(before newest: Double) {
        let cutoff = newest - retentionSeconds
        let sampleCutoff = newest - sampleRetentionSeconds
        var drop = 0
        while drop < times.count - 1 && times[drop].timeIntervalSinceReferenceDate < cutoff { drop += 1 }
        if drop > 0 {
            times.removeFirst(drop)
            leaders.removeFirst(drop)
        }
        if telemetry.values.contains(where: { ($0.first?.at ?? .infinity) < sampleCutoff }) {
            for name in Array(telemetry.keys) {
                let old = telemetry[name]!.prefix { $0.at < sampleCutoff }.count
                // The newest point stays however old: the next read is compared with it.
                if old > 0 { telemetry[name]!.removeFirst(min(old, telemetry[name]!.count - 1)) }
            }
        }
        if series.values.contains(where: { ($0.first?.at ?? .infinity) < sampleCutoff }) {
            for name in Array(series.keys) {
                let old = series[name]!.prefix { $0.at < sampleCutoff }.count
                if old == series[name]!.count {
                    series[name] = nil
                } else if old > 0 {
                    series[name]!.removeFirst(old)
                }
            }
        }
    }

    public var isEmpty: Bool { times.isEmpty }
    /// Snapshots in the window.
    public var count: Int { times.count }

    /// The samples of `node` taken within `[from, to]` (seconds since the reference date).
    func samples(of node: String, from: Double, to: Double) -> ArraySlice<NodeSample> {
        guard let all = series[node] else { return [] }
        var end = all.endIndex
        while end > all.startIndex && all[end - 1].at > to { end -= 1 }
        var start = end
        while start > all.startIndex && all[start - 1].at >= from { start -= 1 }
        return all[start..<end]
    }

    /// The telemetry points of `node` taken at or before `to`, oldest first.
    func telemetryPoints(of node: String) -> [TelemetryPoint] { telemetry[node] ?? [] }
}
