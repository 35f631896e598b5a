import Foundation
import Testing

/// Integration tests run only from `scripts/integration-tests.sh` (SEALWATCH_IT=1), which starts
/// one real 3-node OpenBao cluster for the whole run; every test gets a healthy cluster back first.
enum IT {
    static let env = ProcessInfo.processInfo.environment
    static let enabled = env["SEALWATCH_IT"] == "1"
    static let binary = env["SEALWATCH_BIN"] ?? ""
    static let script = env["DEV_CLUSTER_SCRIPT"] ?? ""
    static let clusterDir = env["DEV_CLUSTER_DIR"] ?? ""
    static let basePort = Int(env["BASE_PORT"] ?? "28200") ?? 28200
    static func apiPort(_ n: Int) -> Int { basePort + 10 * (n - 1) }
    static func address(_ n: Int) -> String { "http://127.0.0.1:\(apiPort(n))" }
    static var rootTokenFile: String { clusterDir + "/root-token" }

    static func tempDir(_ tag: String) -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("sw-it-\(tag)-\(UUID().uuidString.prefix(8))").path
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }
}

/// Runs a command to completion and returns (status, stdout+stderr).
@discardableResult
func sh(_ args: [String], env extra: [String: String] = [:], timeout: Double = 120) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    p.environment = ProcessInfo.processInfo.environment.merging(extra) { _, b in b }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The dev cluster, driven through scripts/dev-cluster.sh.
enum Cluster {
    @discardableResult
    static func run(_ args: String...) throws -> String {
        let r = try sh([IT.script] + args, env: ["DEV_CLUSTER_DIR": IT.clusterDir, "BASE_PORT": "\(IT.basePort)"])
        if r.status != 0 { throw ITError("dev-cluster.sh \(args.joined(separator: " ")) failed (\(r.status)):\n\(r.output)") }
        return r.output
    }
    /// Back to 1 active + 2 unsealed standbys, autopilot healthy.
    static func healthy() throws {
        for n in 1...3 { _ = try? run("cont", "\(n)") }
        for n in 1...3 { _ = try? run("start", "\(n)") }
        for n in 1...3 { _ = try? run("unseal", "\(n)") }
        try run("wait-healthy", "90")
    }
    static func leader() throws -> Int { Int(try run("leader").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 }
    /// A standby's number.
    static func standby() throws -> Int { let l = try leader(); return l == 3 ? 2 : 3 }
}

struct ITError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Writes a Sealwatch config for the dev cluster (plus extra YAML appended under the cluster or at top level).
func clusterConfig(dir: String, interval: String = "1s", timeout: String = "500ms", token: Bool = true,
                   clusterExtra: String = "", topExtra: String = "", extraNodes: [(String, String)] = []) throws -> String {
    var nodes = (1...3).map { "      - {name: bao-\($0), address: \"\(IT.address($0))\"}" }
    nodes += extraNodes.map { "      - {name: \($0.0), address: \"\($0.1)\"}" }
    let yaml = """
    global: {interval: \(interval), timeout: \(timeout), state_dir: \(dir)/state, log_level: debug}
    listen: {address: "127.0.0.1:0"}
    clusters:
      - name: dev
    \(token ? "    token_file: \(IT.rootTokenFile)\n" : "")    nodes:
    \(nodes.joined(separator: "\n"))
    \(clusterExtra)
    \(topExtra)
    """
    let path = dir + "/sealwatch.yml"
    try yaml.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// A running `sealwatch run` child process whose log lines are collected as they arrive.
final class DaemonProcess: @unchecked Sendable {
    let process = Process()
    private let lock = NSLock()
    private var buffer = ""
    let configPath: String

    init(config: String, stateDir: String? = nil, env: [String: String] = [:]) throws {
        configPath = config
        process.executableURL = URL(fileURLWithPath: IT.binary)
        process.arguments = ["run", "--config", config] + (stateDir.map { ["--state-dir", $0] } ?? [])
        process.environment = ProcessInfo.processInfo.environment.merging(env) { _, b in b }.filter { $0.key != "NOTIFY_SOCKET" || env["NOTIFY_SOCKET"] != nil }
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard !d.isEmpty, let self else { return }
            self.lock.lock(); self.buffer += String(decoding: d, as: UTF8.self); self.lock.unlock()
        }
        try process.run()
    }

    var log: String { lock.lock(); defer { lock.unlock() }; return buffer }
    var lines: [String] { log.split(separator: "\n").map(String.init) }

    /// Waits until a log line contains all of `parts`; returns it.
    @discardableResult
    func waitFor(_ parts: String..., timeout: Double = 30) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let l = lines.first(where: { line in parts.allSatisfy { line.contains($0) } }) { return l }
            if !process.isRunning { throw ITError("sealwatch exited (\(process.terminationStatus)) before logging \(parts):\n\(log)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ITError("timed out after \(timeout)s waiting for a log line with \(parts); log:\n\(log.suffix(4000))")
    }

    func count(_ parts: String...) -> Int { lines.filter { line in parts.allSatisfy { line.contains($0) } }.count }

    /// The address the metrics server bound (listen 127.0.0.1:0).
    func address() async throws -> String {
        let line = try await waitFor("serving metrics and status")
        guard let r = line.range(of: #"address=\S+"#, options: .regularExpression) else { throw ITError("no address in \(line)") }
        return String(line[r].dropFirst("address=".count))
    }

    func signal(_ s: Int32) { kill(process.processIdentifier, s) }

    func stop() {
        if process.isRunning { signal(SIGTERM) }
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { signal(SIGKILL); process.waitUntilExit() }
    }

    func kill9() { signal(SIGKILL); process.waitUntilExit() }
}

/// GET a URL with curl (the system binary), returning (status, body).
func httpGet(_ url: String, headers: [String] = []) throws -> (Int, String) {
    let r = try sh(["curl", "-s", "-m", "5", "-w", "\n%{http_code}"] + headers.flatMap { ["-H", $0] } + [url])
    let parts = r.output.split(separator: "\n", omittingEmptySubsequences: false)
    return (Int(parts.last ?? "0") ?? 0, parts.dropLast().joined(separator: "\n"))
}
