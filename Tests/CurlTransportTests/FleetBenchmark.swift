import CurlTransport
import Foundation
import HTTPTransport
import Logging
import Testing

/// Polls a `scripts/fake-vault.py` fleet of `SEALWATCH_BENCH_NODES` (default 1,000) nodes, all
/// concurrently, for a few cycles, and checks the target: one cycle < 250 ms wall on keep-alive.
/// Opt-in (`SEALWATCH_BENCH=1`): it binds ~1,000 loopback listeners. Run it with
/// `scripts/bench/transport-fleet.sh`.
@Suite("Fleet benchmark", .enabled(if: ProcessInfo.processInfo.environment["SEALWATCH_BENCH"] == "1"), .serialized)
struct FleetBenchmark {
    @Test(.timeLimit(.minutes(2)))
    func thousandNodesPerCycle() async throws {
        let environment = ProcessInfo.processInfo.environment
        let nodes = Int(environment["SEALWATCH_BENCH_NODES"] ?? "") ?? 1000
        let port = Int(environment["SEALWATCH_BENCH_PORT"] ?? "") ?? 18200
        let script = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/fake-vault.py").path
        let fleet = Process()
        fleet.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        fleet.arguments = ["python3", script, "--nodes", "\(nodes)", "--port", "\(port)", "--exit-after", "300"]
        let output = Pipe()
        let input = Pipe()
        fleet.standardOutput = output
        fleet.standardInput = input
        try fleet.run()
        defer { fleet.terminate() }
        let line = try await TLSFixture.firstLine(of: output.fileHandleForReading, timeout: .seconds(60))
        try #require(line == "ready")

        let addresses = Self.addresses(count: nodes)
        let transport = CurlTransport(logger: Logger(label: "bench"))
        defer { transport.shutdown() }
        var walls: [Duration] = []
        var reused = 0
        for cycle in 0..<5 {
            let start = ContinuousClock.now
            let results = await withTaskGroup(of: HTTPResponse?.self) { group in
                for address in addresses {
                    group.addTask {
                        try? await transport.send(HTTPRequest(url: "http://\(address):\(port)/v1/sys/health", timeout: .seconds(5)))
                    }
                }
                return await group.reduce(into: [HTTPResponse?]()) { $0.append($1) }
            }
            let wall = ContinuousClock.now - start
            walls.append(wall)
            let ok = results.compactMap { $0 }.filter { [200, 429].contains($0.status) }
            if cycle > 0 { reused = results.compactMap { $0 }.filter(\.timings.reusedConnection).count }
            print("cycle \(cycle): \(ok.count)/\(nodes) ok in \(wall)")
            #expect(ok.count == nodes)
        }
        let warm = walls.dropFirst().max() ?? .zero
        print("fleet benchmark: \(nodes) nodes, first cycle \(walls[0]), slowest warm cycle \(warm), reused \(reused)/\(nodes)")
        #expect(warm < .milliseconds(250))
        #expect(reused == nodes)
    }

    static func addresses(count: Int) -> [String] {
        (0..<count).map { index in "127.0.\(1 + index / 254).\(1 + index % 254)" }
    }
}
