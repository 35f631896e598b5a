import ClusterModel
import Config
import Foundation
import HTTPTransport
import Testing
import TestSupport
@testable import Notify

/// Issue 11 C: whatever a receiver echoes of our request (URL path and query, Authorization, a
/// routing key) is scrubbed before it reaches an error, a log line or the state directory
/// (alertmanager's `AssertNotifyLeaksNoSecret`, on every error path).
@Suite(.timeLimit(.minutes(1)))
struct SecretLeakTests {
    @Test(arguments: [
        ("http://h/hooks/S3CRETPATHVALUE", ["/hooks/S3CRETPATHVALUE", "hooks/S3CRETPATHVALUE", "S3CRETPATHVALUE"]),
        ("https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX", ["T0000", "B0000", "XXXXXXXXXXXXXXXX"]),
        ("http://u:PASSWORD1@h:1/p?token=QUERYSECRET&x=1", ["u:PASSWORD1", "PASSWORD1", "token=QUERYSECRET", "QUERYSECRET"]),
        ("http://h/a%20b/%2Fsecret%2Fpath1", ["/secret/path1"]),
    ] as [(String, [String])])
    func secretsOfAURL(url: String, expected: [String]) {
        let found = Secrets.of(url: url)
        for secret in expected { #expect(found.contains(secret), "\(secret) not in \(found)") }
    }

    @Test func secretsOfHeadersAndBody() {
        let found = Secrets.of(url: "https://events.pagerduty.com/v2/enqueue", authorization: "Bearer T0KENVALUE",
                               body: Array(#"{"routing_key":"R0UTINGKEYVALUE","x":1}"#.utf8))
        #expect(found.contains("Bearer T0KENVALUE") && found.contains("T0KENVALUE") && found.contains("R0UTINGKEYVALUE"))
    }

    @Test(arguments: [
        ("503 Cannot POST /hooks/S3CRET-PATH-VALUE", "503 Cannot POST <redacted>"),
        ("no hook S3CRET-PATH-VALUE here", "no hook <redacted> here"),
        ("nothing secret", "nothing secret"),
    ])
    func scrubReplacesLongestFirst(text: String, expected: String) {
        #expect(Secrets.scrub(text, secrets: Secrets.of(url: "http://127.0.0.1:1/hooks/S3CRET-PATH-VALUE")) == expected)
    }

    /// The issue's repro: a webhook whose URL path is the secret answers `503 Cannot POST /hooks/<secret>`.
    /// Nothing of the secret reaches the logs or `outbox.json` while it is retried.
    @Test func echoedWebhookPathNeverReachesLogsOrStateDirectory() async throws {
        let secret = "c0ffee-hook-secret-8f2a"
        let server = try LoopbackHTTPServer()
        server.setFallback { request in LoopbackResponse(status: 503, body: "Cannot POST \(request.target)") }
        let logs = RecordingLogHandler.Store()
        let dir = Kit.tempDir()
        let config = Kit.config([Kit.webhook("hook", url: server.url("/hooks/\(secret)?key=\(secret)-q"))], [Kit.route([:], ["hook"])])
        let d = try Kit.dispatcher(config, dir: dir, logs: logs)
        await d.start()
        await d.submit(transitions: [Kit.firing(Fixture.alert())], active: [Fixture.alert()], now: Date())
        _ = await server.waitForRequests(count: 3)
        #expect(await Kit.eventually { logs.all.filter { $0.contains("will retry") }.count >= 3 })
        await d.shutdown(grace: .milliseconds(100))
        let state = try String(contentsOfFile: dir + "/outbox.json", encoding: .utf8)
        #expect(state.contains("Cannot POST <redacted>"), "lastError is kept, scrubbed")
        #expect(logs.all.contains { $0.contains("Cannot POST <redacted>") })
        assertNoSecretLeaks([secret, "c0ffee", "8f2a"], logs: logs.all, texts: [state] + d.stats().map { "\($0)" })
    }

    enum Echo: String, CaseIterable, Sendable { case target, authorization, body, everything }

    /// Every integration × every failing status × what the receiver echoes: the thrown error, the logs
    /// and the outbox never hold a secret.
    @Test(arguments: [400, 401, 403, 404, 408, 413, 429, 500, 503], Echo.allCases)
    func noErrorPathLeaks(status: Int, echo: Echo) async throws {
        let server = try LoopbackHTTPServer()
        server.setFallback { request in
            let auth = request.headers["Authorization"] ?? ""
            let text: String = switch echo {
            case .target: "Cannot POST \(request.target)"
            case .authorization: "bad credentials: \(auth)"
            case .body: "invalid: " + request.bodyText
            case .everything: "\(request.method) \(request.target)\n\(auth)\n\(request.bodyText)"
            }
            return LoopbackResponse(status: status, headers: status == 429 ? ["Retry-After": "0"] : [:], body: text)
        }
        let secrets = ["SLACKSECRETPATH", "HOOKSECRETPATH", "QUERYSECRETVAL", "PDSECRETKEY0123456789abcdef0123", "BEARERSECRETVALUE",
                       "AMBEARERSECRET", "HMACSECRETVALUE"]
        var am = AlertmanagerConfig(urls: [server.url("/am")])
        am.bearerToken = Kit.secret("AMBEARERSECRET", "am.bearer_token")
        let config = Kit.config([
            Kit.slack("chat", url: server.url("/services/T000/B000/SLACKSECRETPATH")),
            Kit.pagerduty("pager", url: server.url("/v2/enqueue"), key: "PDSECRETKEY0123456789abcdef0123"),
            Kit.webhook("hook", url: server.url("/hooks/HOOKSECRETPATH?token=QUERYSECRETVAL"), hmac: "HMACSECRETVALUE", bearer: "BEARERSECRETVALUE"),
            ReceiverConfig(name: "am", kind: .alertmanager(am)),
        ], [Kit.route([:], ["chat", "pager", "hook", "am"])])
        var errors: [String] = []
        for integration in Integrations.build(config: config, transport: Kit.transport, environment: [:], logger: Kit.logger()) {
            do {
                try await integration.notifier.notify(AlertBatch(receiver: integration.receiver,
                                                                 events: [AlertEvent(kind: .trigger, alert: Fixture.alert())], now: Date()))
                Issue.record("\(integration.id) did not fail on \(status)")
            } catch {
                errors += [error.description, "\(error)", error.detail]
            }
        }
        #expect(errors.count == 12)
        // Through the outbox too: retried or dropped, logged, persisted.
        let logs = RecordingLogHandler.Store()
        let dir = Kit.tempDir()
        let d = try Kit.dispatcher(config, dir: dir, logs: logs)
        await d.start()
        await d.submit(transitions: [Kit.firing(Fixture.alert())], active: [Fixture.alert()], now: Date())
        #expect(await Kit.eventually { d.stats().allSatisfy { $0.failed.values.reduce(0, +) >= 1 } })
        let tests = await d.sendTest(receiver: nil, now: Date())
        await d.shutdown(grace: .milliseconds(100))
        let state = (try? String(contentsOfFile: dir + "/outbox.json", encoding: .utf8)) ?? ""
        assertNoSecretLeaks(secrets, logs: logs.all, texts: errors + [state] + tests.map(\.detail) + d.stats().map { "\($0)" })
    }
}
