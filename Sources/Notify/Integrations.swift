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
            func poster(_ secrets: [Secret?]) -> JSONPoster {
                JSONPoster(transport: transport, timeout: seconds(receiver.timeout), tls: tlsOptions(receiver.tls),
                           secrets: secrets.compactMap { $0?.reveal() })
            }
            func add(_ index: Int, _ batching: BatchMode, minInterval: Duration? = nil,
                     _ make: () throws(SecretError) -> any Notifier) {
                let notifier: any Notifier
                do {
                    notifier = try make()
                } catch {
                    logger.error("receiver secret unreadable; notifications will wait in the outbox",
                                 metadata: ["receiver": "\(receiver.name)", "error": "\(error.message)"])
                    notifier = MisconfiguredNotifier(detail: error.message)
                }
                out.append(Integration(receiver: receiver.name, kind: receiver.kindName, index: index, notifier: notifier,
                                       batching: batching, minInterval: minInterval, fingerprint: fingerprint))
            }
            switch receiver.kind {
            case .slack(let c):
                add(0, .perCluster, minInterval: seconds(settings.slackMinInterval)) { () throws(SecretError) in
                    let url = try c.url.load(environment: environment)
                    return SlackNotifier(url: url, config: c, poster: poster([url]))
                }
            case .pagerduty(let c):
                add(0, .single) { () throws(SecretError) in
                    let key = try c.routingKey.load(environment: environment)
                    return PagerDutyNotifier(routingKey: key, config: c, poster: poster([key]))
                }
            case .webhook(let c):
                add(0, .perCluster) { () throws(SecretError) in
                    let url = try c.url.load(environment: environment)
                    let hmac = try c.hmacSecret?.load(environment: environment)
                    let bearer = try c.bearerToken?.load(environment: environment)
                    return WebhookNotifier(url: url, hmacSecret: hmac, bearerToken: bearer,
                                           payload: WebhookPayload(receiver: receiver.name, maxAlerts: c.maxAlerts),
                                           poster: poster([url, hmac, bearer]))
                }
            case .alertmanager(let c):
                for (i, url) in c.urls.enumerated() {
                    add(i, .all(max: 500)) { () throws(SecretError) in
                        let bearer = try c.bearerToken?.load(environment: environment)
                        return AlertmanagerNotifier(baseURL: url, bearerToken: bearer,
                                                    body: PostableAlerts(resendInterval: seconds(settings.alertmanagerResendInterval)),
                                                    poster: poster([bearer]))
                    }
                }
            }
        }
        return out
    }

    static func seconds(_ s: Double) -> Duration { .milliseconds(Int64((max(s, 0) * 1000).rounded())) }

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
