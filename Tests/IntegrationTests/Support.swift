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

/// A child process started with posix_spawn, its stdout and stderr appended to a file. Reaped with
/// waitpid directly (Foundation's Process missed exits here and left zombies).
final class Spawned: @unchecked Sendable {
    let pid: pid_t
    let logPath: String
    private let lock = NSLock()
    private var exit: Int32?

    init(_ args: [String], env extra: [String: String] = [:], log: String? = nil) throws {
        logPath = log ?? FileManager.default.temporaryDirectory.appendingPathComponent("sw-spawn-\(UUID().uuidString)").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let environment = ProcessInfo.processInfo.environment.merging(extra) { _, b in b }.map { "\($0.key)=\($0.value)" }
        let argv = args.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, args[0], &actions, nil, argv, envp)
        guard rc == 0 else { throw ITError("cannot start \(args[0]): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    /// nil while running; the exit status (or 128+signal) once it ended.
    var exitStatus: Int32? {
        lock.lock(); defer { lock.unlock() }
        if let exit { return exit }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        }
        return exit
    }
    var isRunning: Bool { exitStatus == nil }

    @discardableResult
    func wait(timeout: Double = 120) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning && Date() < deadline { usleep(10_000) }
        if isRunning { kill(pid, SIGKILL); while isRunning { usleep(10_000) } }
        return exitStatus ?? -1
    }

    var output: String { String(decoding: FileManager.default.contents(atPath: logPath) ?? Data(), as: UTF8.self) }
    func signal(_ s: Int32) { kill(pid, s) }
}

/// Runs a command to completion and returns (status, stdout+stderr).
@discardableResult
func sh(_ args: [String], env extra: [String: String] = [:], timeout: Double = 120) throws -> (status: Int32, output: String) {
    let p = try Spawned(["/usr/bin/env"] + args, env: extra)
    defer { try? FileManager.default.removeItem(atPath: p.logPath) }
    let status = p.wait(timeout: timeout)
    return (status, p.output)
}

/// A token with the shipped least-privilege policy and a short period, written to a file.
func policyToken(period: String, dir: String) throws -> String {
    let root = try String(contentsOfFile: IT.rootTokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    let leader = try Cluster.leader()
    let policy = try String(contentsOfFile: FileManager.default.currentDirectoryPath + "/config/sealwatch-policy.hcl", encoding: .utf8)
    let body = try JSONSerialization.data(withJSONObject: ["policy": policy])
    try body.write(to: URL(fileURLWithPath: dir + "/policy.json"))
    _ = try sh(["curl", "-sf", "-X", "PUT", "-H", "X-Vault-Token: \(root)", "--data", "@\(dir)/policy.json",
                "\(IT.address(leader))/v1/sys/policies/acl/sealwatch"])
    let created = try sh(["curl", "-sf", "-X", "POST", "-H", "X-Vault-Token: \(root)",
                          "--data", #"{"policies":["sealwatch"],"period":"\#(period)","no_parent":true}"#,
                          "\(IT.address(leader))/v1/auth/token/create-orphan"])
    let doc = try JSONSerialization.jsonObject(with: Data(created.output.utf8)) as? [String: Any]
    let token = try #require((doc?["auth"] as? [String: Any])?["client_token"] as? String, "\(created.output)")
    try token.write(toFile: dir + "/token", atomically: true, encoding: .utf8)
    chmod(dir + "/token", 0o600)   // a token file every user can read is refused
    return dir + "/token"
}

/// The dev cluster, driven through scripts/dev-cluster.sh.
enum Cluster {
    @discardableResult
    static func run(_ args: String...) throws -> String {
        let r = try sh([IT.script] + args, env: ["DEV_CLUSTER_DIR": IT.clusterDir, "BASE_PORT": "\(IT.basePort)"])
        if r.status != 0 { throw ITError("dev-cluster.sh \(args.joined(separator: " ")) failed (\(r.status)):\n\(r.output)") }
        return r.output
    }
    /// Unseals node `n`. OpenBao occasionally hangs an unseal that follows a seal closely (the
    /// node's API stops answering); then the node is restarted, which unseals it too.
    static func unseal(_ n: Int) throws {
        do { try run("unseal", "\(n)") } catch {
            _ = try? run("kill", "\(n)")
            try run("start", "\(n)")
        }
    }

    /// Back to 1 active + 2 unsealed standbys, autopilot healthy; restarts nodes as a last resort.
    static func healthy() throws {
        _ = try? run("audit-up")   // a test that made the audit devices unreachable may have stopped early
        for n in 1...3 { _ = try? run("cont", "\(n)") }
        for n in 1...3 { _ = try? run("start", "\(n)") }
        for n in 1...3 { try? unseal(n) }
        do { try run("wait-healthy", "45") } catch {
            for n in 1...3 {
                _ = try? run("kill", "\(n)")
                _ = try? run("start", "\(n)")
            }
            try run("wait-healthy", "90")
        }
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
/// `tokenFile` replaces the root token (with `token: true`).
func clusterConfig(dir: String, interval: String = "1s", timeout: String = "500ms", token: Bool = true, tokenFile: String? = nil,
                   clusterExtra: String = "", topExtra: String = "", extraNodes: [(String, String)] = []) throws -> String {
    var nodes = (1...3).map { "      - {name: bao-\($0), address: \"\(IT.address($0))\"}" }
    nodes += extraNodes.map { "      - {name: \($0.0), address: \"\($0.1)\"}" }
    let yaml = """
    global: {interval: \(interval), timeout: \(timeout), state_dir: \(dir)/state}
    listen: {address: "127.0.0.1:0"}
    clusters:
      - name: dev
    \(token ? "    token_file: \(tokenFile ?? IT.rootTokenFile)\n" : "")    nodes:
    \(nodes.joined(separator: "\n"))
    \(clusterExtra)
    \(topExtra)
    """
    let path = dir + "/sealwatch.yml"
    try yaml.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// A running `sealwatch run` child process whose log lines are read as they arrive.
final class DaemonProcess: @unchecked Sendable {
    let child: Spawned
    let configPath: String

    init(config: String, stateDir: String? = nil, env: [String: String] = [:]) throws {
        configPath = config
        var environment = env
        if env["NOTIFY_SOCKET"] == nil { environment["NOTIFY_SOCKET"] = "" }
        child = try Spawned([IT.binary, "run", "--config", config] + (stateDir.map { ["--state-dir", $0] } ?? []), env: environment)
    }

    var log: String { child.output }
    var lines: [String] { log.split(separator: "\n").map(String.init) }
    var isRunning: Bool { child.isRunning }
    var exitStatus: Int32? { child.exitStatus }

    /// Waits until a log line contains all of `parts`; returns it.
    @discardableResult
    func waitFor(_ parts: String..., timeout: Double = 30) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let l = lines.first(where: { line in parts.allSatisfy { line.contains($0) } }) { return l }
            if !child.isRunning { throw ITError("sealwatch exited (\(child.exitStatus ?? -1)) before logging \(parts):\n\(log)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ITError("timed out after \(timeout)s waiting for a log line with \(parts); log:\n\(log.suffix(4000))")
    }

    func count(_ parts: String...) -> Int { lines.filter { line in parts.allSatisfy { line.contains($0) } }.count }

    /// The address the metrics server bound (listen 127.0.0.1:0).
    func address() async throws -> String {
        let line = try await waitFor("serving metrics and status")
        guard let r = line.range(of: #"address=\S+"#, options: .regularExpression) else { throw ITError("no address in \(line)") }
        return String(line[r].dropFirst("address=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    func signal(_ s: Int32) { child.signal(s) }

    func stop() {
        guard child.isRunning else { return }
        child.signal(SIGCONT)
        child.signal(SIGTERM)
        child.wait(timeout: 10)
    }

    func kill9() { child.signal(SIGKILL); child.wait() }
}

/// GET a URL with curl (the system binary), returning (status, body).
func httpGet(_ url: String, headers: [String] = []) throws -> (Int, String) {
    let r = try sh(["curl", "-s", "-m", "5", "-w", "\n%{http_code}"] + headers.flatMap { ["-H", $0] } + [url])
    let parts = r.output.split(separator: "\n", omittingEmptySubsequences: false)
    return (Int(parts.last ?? "0") ?? 0, parts.dropLast().joined(separator: "\n"))
}

/// A loopback TCP port nobody listens on right now (bind port 0, read it, close).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let rc = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard rc else { throw ITError("cannot find a free port") }
    return Int(UInt16(bigEndian: addr.sin_port))
}
