import Config

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Sends Events API v2 events, one per alert. PagerDuty answers 202 (accepted), 400 (invalid
/// event: permanent), 429 (rate limited: retried) and 5xx (retried).
///
/// Invariant: the routing key appears only in the request body, never in errors.
public struct PagerDutyNotifier: Notifier {
    let routingKey: Secret
    let url: String
    let payload: PagerDutyPayload
    let poster: JSONPoster

    init(routingKey: Secret, config: PagerDutyConfig, poster: JSONPoster) {
        self.routingKey = routingKey
        self.url = config.url
        self.payload = PagerDutyPayload(client: config.client, clientURL: config.clientURL)
        self.poster = poster
    }

    /// Sends the events in order; the outbox gives it one at a time (`BatchMode.single`).
    public func notify(_ batch: AlertBatch) async throws(NotifyError) {
        for event in batch.events {
            let body = payload.body(for: event, routingKey: routingKey.reveal()).bytes
            try await poster.post(url: url, body: body, target: "pagerduty " + RedactURL.redact(url), now: batch.now)
        }
    }
}
