import Config

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Posts to a Slack incoming webhook. Slack answers 200 "ok", 400 "invalid_payload",
/// 403/404/410 for revoked or archived hooks (permanent) and 429 with `Retry-After` (retried).
///
/// Each post carries `X-Sealwatch-Notification-Id` (stable across retries and restarts; Slack
/// ignores it, a proxy in front of Slack can deduplicate by it).
///
/// Invariant: the webhook URL (the credential) appears only in the request, never in errors.
public struct SlackNotifier: Notifier {
    let url: Secret
    let payload: SlackPayload
    let poster: JSONPoster

    init(url: Secret, config: SlackConfig, poster: JSONPoster) {
        self.url = url
        self.payload = SlackPayload(channel: config.channel, username: config.username)
        self.poster = poster
    }

    public func notify(_ batch: AlertBatch) async throws(NotifyError) {
        let body = payload.body(for: batch.events).bytes
        try await poster.post(url: url.reveal(), body: body, headers: [NotificationID.header: batch.stableID],
                              target: "slack " + RedactURL.redact(url.reveal()), now: batch.now)
    }
}
