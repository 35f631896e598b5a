import Checked
import Config
import HTTPTransport
import Logging

/// The wiring table: one line per receiver kind, as alertmanager's `BuildReceiverIntegrations`.
public enum Integrations {
    /// Builds every integration of `config.receivers`, in config order. Secrets are read here
    /// (and again on reload); a secret that cannot be read yields an integration that fails with
    /// a retryable `misconfigured` error, so its pages wait in the outbox for a fixed config
    /// instead of being lost.
    public static func build(config: SealwatchConfig, transport: any HTTPTransport, environment: [String: String],
                             logger: Logger) -> [Integration] {
        var out: [Integration] = []
        let settings = config.notify
        for receiver in config.receivers {
            let fingerprint = "\(receiver)"  // SecretSource/Secret print redacted; equality of the text tracks changes
            let maxBackoff = seconds(max(settings.maxBackoff, 0.001))
            /// The configured secrets, plus the secret parts of a URL (its path and query: a Slack or
            /// webhook URL is itself the credential) and of a bearer token.
            func secretTexts(_ secrets: [Secret?], url: String? = nil, bearer: Secret? = nil) -> [String] {
                secrets.compactMap { $0?.reveal() }
                    + (url.map { Secrets.of(url: $0, authorization: bearer.map { "Bearer " + $0.reveal() }) } ?? [])
            }
            func poster(_ secrets: [String], maxRetryAfter: Duration = maxBackoff) -> JSONPoster {
                JSONPoster(transport: transport, timeout: seconds(receiver.timeout), tls: tlsOptions(receiver.tls),
                           secrets: secrets, maxRetryAfter: maxRetryAfter)
            }
            func add(_ index: Int, _ batching: BatchMode, minInterval: Duration? = nil,
                     _ make: () throws(SecretError) -> (any Notifier, [String])) {
                let notifier: any Notifier
                var secrets: [String] = []
                do {
                    (notifier, secrets) = try make()
                } catch {
                    logger.error("receiver secret unreadable; notifications will wait in the outbox",
                                 metadata: ["receiver": "\(receiver.name)", "error": "\(error.message)"])
                    notifier = MisconfiguredNotifier(detail: error.message)
                }
                out.append(Integration(receiver: receiver.name, kind: receiver.kindName, index: index, notifier: notifier,
                                       batching: batching, minInterval: minInterval, fingerprint: fingerprint, secrets: secrets))
            }
            switch receiver.kind {
            case .slack(let c):
                add(0, .perCluster, minInterval: seconds(settings.slackMinInterval)) { () throws(SecretError) in
                    let url = try c.url.load(environment: environment)
                    let secrets = secretTexts([url], url: url.reveal())
                    return (SlackNotifier(url: url, config: c, poster: poster(secrets)), secrets)
                }
            case .pagerduty(let c):
                add(0, .single) { () throws(SecretError) in
                    let key = try c.routingKey.load(environment: environment)
                    let secrets = secretTexts([key])
                    return (PagerDutyNotifier(routingKey: key, config: c, poster: poster(secrets)), secrets)
                }
            case .webhook(let c):
                add(0, .perCluster) { () throws(SecretError) in
                    let url = try c.url.load(environment: environment)
                    let hmac = try c.hmacSecret?.load(environment: environment)
                    let bearer = try c.bearerToken?.load(environment: environment)
                    let secrets = secretTexts([url, hmac, bearer], url: url.reveal(), bearer: bearer)
                    return (WebhookNotifier(url: url, hmacSecret: hmac, bearerToken: bearer,
                                            payload: WebhookPayload(receiver: receiver.name, maxAlerts: c.maxAlerts),
                                            poster: poster(secrets)), secrets)
                }
            case .alertmanager(let c):
                for (i, url) in c.urls.enumerated() {
                    add(i, .all(max: 500)) { () throws(SecretError) in
                        let bearer = try c.bearerToken?.load(environment: environment)
                        let resend = seconds(settings.alertmanagerResendInterval)
                        let secrets = secretTexts([bearer], url: url, bearer: bearer)
                        // A re-post never waits longer than the resend interval (Alertmanager expires alerts otherwise).
                        return (AlertmanagerNotifier(baseURL: url, bearerToken: bearer, body: PostableAlerts(resendInterval: resend),
                                                     poster: poster(secrets, maxRetryAfter: resend > .zero ? min(resend, maxBackoff) : maxBackoff)),
                                secrets)
                    }
                }
            }
        }
        return out
    }

    /// A config duration in seconds as a `Duration` (negative or NaN: zero; millisecond resolution; saturating).
    static func seconds(_ s: Double) -> Duration { .milliseconds(Int64(saturating: (s.isNaN ? 0 : max(s, 0) * 1000).rounded())) }

    static func tlsOptions(_ c: TLSConfig) -> TLSOptions {
        TLSOptions(caFile: c.caFile, certFile: c.certFile, keyFile: c.keyFile, serverName: c.serverName,
                   insecureSkipVerify: c.insecureSkipVerify)
    }
}

/// Stands in for an integration whose secret could not be read: every attempt fails, retryably.
struct MisconfiguredNotifier: Notifier {
    let detail: String
    func notify(_ batch: AlertBatch) async throws(NotifyError) {
        throw NotifyError(reason: .misconfigured, retryable: true, detail: detail)
    }
}
