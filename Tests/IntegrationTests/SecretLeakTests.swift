import Foundation
import HTTPTransport
import Testing
import TestSupport

/// Recognisable secrets through every failure path, then a grep of everything Sealwatch writes or
/// serves: stdout and stderr, the state directory, `/metrics`, `/api/v1/status`, `/`, `check`,
/// `notify test`, and every receiver body. Expect zero hits (issue: hostile input, secrets).
///
/// The fake nodes echo the Vault token back in their error bodies (`403 permission denied for
/// <token>`, `500 ... X-Vault-Token: <token>`); the receivers echo their secret URL path and query
/// (`503 Cannot POST /hooks/<secret>`) and the PagerDuty one the routing key in a 400.
@Suite(.serialized, .enabled(if: IT.enabled), .timeLimit(.minutes(3)))
struct SecretLeakTests {
    static let token = "s.SWCANARYVAULTTOKEN7c1d"
    static let hookSecret = "SWCANARYHOOKPATH93af"
    static let slackSecret = "SWCANARYSLACKQUERY55e2"
    static let routingKey = "SWCANARYROUTINGKEY0000000000000a"
    static var canaries: [String] { [token, String(token.dropFirst(2)), hookSecret, slackSecret, routingKey] }

    static let health = #"{"initialized":true,"sealed":false,"standby":%@,"performance_standby":false,"server_time_utc":1795364400,"version":"2.7.2","cluster_name":"c","cluster_id":"cid"}"#

    /// A node that answers health and leader normally and echoes the token on every authenticated path.
    func node(active: Bool, leader: String?) throws -> LoopbackHTTPServer {
        let s = try LoopbackHTTPServer()
        s.route("/v1/sys/health", .json(Self.health.replacingOccurrences(of: "%@", with: active ? "false" : "true"), status: active ? 200 : 429))
        let leaderAddress = leader ?? s.baseURL
        s.route("/v1/sys/leader", .json(#"{"ha_enabled":true,"is_self":\#(active),"leader_address":"\#(leaderAddress)","raft_applied_index":5}"#))
        s.setFallback { request in
            let echoed = request.headers["X-Vault-Token"] ?? "none"
            if request.path.hasPrefix("/v1/auth/token") {
                return .json(#"{"errors":["permission denied for token \#(echoed)"]}"#, status: 403)
            }
            return .json(#"{"errors":["internal error; request had X-Vault-Token: \#(echoed)"]}"#, status: 500)
        }
        return s
    }

    /// A receiver that fails three times echoing what it was sent, then accepts.
    func echoReceiver(status: Int = 503, echoBody: Bool = false) throws -> LoopbackHTTPServer {
        let s = try LoopbackHTTPServer()
        s.setFallback { [s] request in
            if s.requests.count <= 3 {
                let echo = echoBody ? String(decoding: request.body, as: UTF8.self) : request.target
                return LoopbackResponse(status: status, body: "Cannot POST \(request.target): \(echo)")
            }
            return LoopbackResponse(status: 200, body: "ok")
        }
        return s
    }

    func hits(_ text: String) -> [String] { Self.canaries.filter { text.contains($0) } }

    @Test func noSecretReachesAnythingWeWriteOrServe() async throws {
        let active = try node(active: true, leader: nil)
        let standby = try node(active: false, leader: active.baseURL)
        let hook = try echoReceiver(), slack = try echoReceiver(), pager = try echoReceiver(status: 400, echoBody: true)
        defer { [active, standby, hook, slack, pager].forEach { $0.stop() } }
        let dir = IT.tempDir("secrets")
        let tokenFile = dir + "/token"
        try Self.token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        chmod(tokenFile, 0o600)
        let yaml = """
        global: {interval: 500ms, timeout: 300ms, state_dir: \(dir)/state}
        listen: {address: "127.0.0.1:0"}
        clusters:
          - name: leak
            token_file: \(tokenFile)
            nodes:
              - {name: a, address: "\(active.baseURL)"}
              - {name: b, address: "\(standby.baseURL)"}
        receivers:
          - {name: hook, webhook: {url: "\(hook.url("/hooks/" + Self.hookSecret))"}}
          - {name: chat, slack: {url: "\(slack.url("/services/T0/B0?token=" + Self.slackSecret))"}}
          - {name: pager, pagerduty: {routing_key: "\(Self.routingKey)", url: "\(pager.url("/v2/enqueue"))"}}
        routes:
          - {match: {}, receivers: [hook, chat, pager]}
        notify: {initial_backoff: 100ms, max_backoff: 300ms, slack_min_interval: 50ms}
        """
        let config = dir + "/sealwatch.yml"
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)

        let check = try sh([IT.binary, "check", "--config", config])
        let checkJSON = try sh([IT.binary, "check", "--config", config, "-o", "json"])
        let notifyTest = try sh([IT.binary, "notify", "test", "--config", config])
        #expect(hits(check.output + checkJSON.output + notifyTest.output).isEmpty, "\(check.output)\n\(notifyTest.output)")
        #expect(check.output.contains("TokenExpiring"), "the refused token is reported: \(check.output)")

        let daemon = try DaemonProcess(config: config)
        defer { daemon.stop() }
        let base = try await daemon.address()
        try await daemon.waitFor("TokenExpiring", "firing")
        _ = await hook.waitForRequests(count: 5, timeout: .seconds(10))
        _ = await slack.waitForRequests(count: 5, timeout: .seconds(10))
        _ = await pager.waitForRequests(count: 1, timeout: .seconds(10))
        try await Task.sleep(for: .seconds(1))
        var served = ""
        for path in ["/metrics", "/", "/api/v1/status"] { served += try httpGet("http://\(base)\(path)").1 }
        daemon.stop()

        #expect(hits(daemon.log).isEmpty, "the log: \(daemon.log.suffix(3000))")
        #expect(hits(served).isEmpty, "served pages")
        var stateText = ""
        for file in (try? FileManager.default.subpathsOfDirectory(atPath: dir + "/state")) ?? [] {
            stateText += String(decoding: FileManager.default.contents(atPath: dir + "/state/" + file) ?? Data(), as: UTF8.self)
        }
        #expect(!stateText.isEmpty)
        #expect(hits(stateText).isEmpty, "the state directory")
        let bodies = [hook, slack].flatMap(\.requests).map { String(decoding: $0.body, as: UTF8.self) }.joined()
        #expect(hits(bodies).isEmpty, "receiver bodies")
        #expect(hook.requests.count >= 4 && slack.requests.count >= 4, "the receivers were retried past their echoes")
    }
}
