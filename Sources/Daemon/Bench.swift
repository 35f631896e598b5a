import Config
import CurlTransport
import Logging
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Benchmarks behind `sealwatch bench …`: they print numbers, they assert nothing.
public enum Bench {
    /// Runs `cycles` full poll cycles (probe every node, evaluate rules, update metrics) back to back
    /// on one long-lived transport (connections reused), after `warmup` cycles, and reports wall time
    /// per cycle (median, p99, max), CPU time per cycle and resident memory.
    public static func probeCycles(config: SealwatchConfig, cycles: Int, warmup: Int, logger: Logger) async -> String {
        let transport = CurlTransport(logger: logger)
        defer { transport.shutdown() }
        let metrics = DaemonMetrics(version: SealwatchVersion.current)
        let monitor = Monitor(config: config, transport: transport, environment: ProcessInfo.processInfo.environment,
                              metrics: metrics, logger: logger)
        for _ in 0..<warmup { _ = await monitor.cycle(now: Date()) }
        let cpu0 = cpuSeconds()
        var walls: [Double] = []
        var failures = 0
        for _ in 0..<cycles {
            let r = await monitor.cycle(now: Date())
            walls.append(r.seconds)
            failures += r.snapshots.flatMap(\.nodes).filter { $0.failure != nil }.count
        }
        let cpu = (cpuSeconds() - cpu0) / Double(max(cycles, 1))
        walls.sort()
        let nodes = config.clusters.reduce(0) { $0 + $1.nodes.count }
        func ms(_ s: Double) -> String { CheckReport.fixed(s * 1000, 2) + " ms" }
        return """
        nodes: \(nodes) in \(config.clusters.count) cluster(s); cycles: \(cycles) (after \(warmup) warm-up); timeout \(DurationText.format(config.global.timeout))
        cycle wall time: median \(ms(percentile(walls, 0.5)))  p99 \(ms(percentile(walls, 0.99)))  max \(ms(walls.last ?? 0))  min \(ms(walls.first ?? 0))
        cpu time per cycle: \(ms(cpu))
        resident memory: \(CheckReport.fixed(Double(residentKiB()) / 1024, 1)) MiB (max \(CheckReport.fixed(Double(maxResidentKiB()) / 1024, 1)) MiB)
        node failures observed: \(failures)
        """
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    static func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
    }

    static func maxResidentKiB() -> Int {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Int(u.ru_maxrss)
    }

    /// VmRSS from /proc/self/status, in KiB.
    static func residentKiB() -> Int {
        guard let data = FileManager.default.contents(atPath: "/proc/self/status") else { return 0 }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }
}
