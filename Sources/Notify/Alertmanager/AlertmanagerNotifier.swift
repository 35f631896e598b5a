import Config
import HTTPTransport

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Pushes alerts to ONE Alertmanager (`<url>/api/v2/alerts`). A receiver with several URLs gets
/// one integration per URL, so each member of an Alertmanager cluster gets every post and one
/// member being down never delays the others; the cluster deduplicates by labels.
public struct AlertmanagerNotifier: Notifier {
    let baseURL: String
    let bearerToken: Secret?
    let body: PostableAlerts
    let poster: JSONPoster

    init(baseURL: String, bearerToken: Secret?, body: PostableAlerts, poster: JSONPoster) {
        self.baseURL = baseURL; self.bearerToken = bearerToken; self.body = body; self.poster = poster
    }

    /// `<base>/api/v2/alerts`, without a doubled slash.
    var endpoint: String {
        (baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL) + "/api/v2/alerts"
    }

    public func notify(_ batch: AlertBatch) async throws(NotifyError) {
        var headers: HTTPHeaders = [:]
        if let bearerToken { headers.add("Authorization", "Bearer " + bearerToken.reveal()) }
        try await poster.post(url: endpoint, body: body.body(for: batch.events, now: batch.now).bytes, headers: headers,
                              target: "alertmanager " + RedactURL.redact(endpoint), now: batch.now)
    }
}
