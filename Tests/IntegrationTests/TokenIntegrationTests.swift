import Foundation
import Testing

/// The monitoring token's lifecycle against the real cluster (issue: systemd service, token lifecycle).
@Suite(.serialized, .enabled(if: IT.enabled), .timeLimit(.minutes(3)))
struct TokenIntegrationTests {
    @Test func periodicTokenIsRenewedBeforeItLapses() async throws {
        try Cluster.healthy()
        let dir = IT.tempDir("token")
        let tokenFile = try policyToken(period: "8s", dir: dir)
        // An 8 s token is always below the default 24 h TokenExpiring threshold: judge it against 2 s,
        // so the alert fires only if renewal fails.
        let config = try clusterConfig(dir: dir, tokenFile: tokenFile, clusterExtra: "    rules:\n      TokenExpiring: {threshold: 2s}\n")
        let daemon = try DaemonProcess(config: config)
        defer { daemon.stop() }
        let address = try await daemon.address()
        try await daemon.waitFor("renewed the Vault token", timeout: 15)
        // Twice its period later the token still works: it was kept alive.
        try await Task.sleep(for: .seconds(10))
        #expect(daemon.count("renewed the Vault token") >= 2)
        let metrics = try httpGet("http://\(address)/metrics").1
        #expect(metrics.contains(#"sealwatch_token_valid{cluster="dev"} 1.0"#), "\(metrics.split(separator: "\n").filter { $0.contains("token") })")
        #expect(metrics.contains("sealwatch_raft_failure_tolerance{cluster=\"dev\"}"))
        #expect(daemon.count("alert TokenExpiring firing") == 0)
        // The token never reaches the log.
        let token = try String(contentsOfFile: tokenFile, encoding: .utf8)
        #expect(!daemon.log.contains(token))
    }

    @Test func refusedTokenDegradesWithAnAlertNotACrash() async throws {
        try Cluster.healthy()
        let dir = IT.tempDir("badtoken")
        try "s.not-a-valid-token".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        chmod(dir + "/token", 0o600)
        let config = try clusterConfig(dir: dir, tokenFile: dir + "/token")
        let daemon = try DaemonProcess(config: config)
        defer { daemon.stop() }
        try await daemon.waitFor("alert TokenExpiring firing", timeout: 15)
        // The unauthenticated checks go on: a sealed node still pages.
        let n = try Cluster.standby()
        try Cluster.run("seal", "\(n)")
        defer { try? Cluster.healthy() }
        try await daemon.waitFor("alert VaultSealed firing", "bao-\(n)", timeout: 10)
        #expect(daemon.isRunning)
        #expect(!daemon.log.contains("s.not-a-valid-token"))
    }
}
