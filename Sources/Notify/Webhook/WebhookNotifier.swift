import Config
import HTTPTransport

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Posts Alertmanager's webhook message (version "4"), optionally signed with
/// `X-Sealwatch-Signature: sha256=<hex HMAC-SHA256 of the exact body>` and authenticated with
/// `Authorization: Bearer`. Every post carries `X-Sealwatch-Notification-Id` (`NotificationID`),
/// the same on every retry and after a restart, so the receiver can drop duplicates.
///
/// Invariant: URL, HMAC key and bearer token appear only in the request, never in errors.
public struct WebhookNotifier: Notifier {
    /// The signature header's name.
    public static let signatureHeader = "X-Sealwatch-Signature"

    let url: Secret
    let hmacSecret: Secret?
    let bearerToken: Secret?
    let payload: WebhookPayload
    let poster: JSONPoster

    init(url: Secret, hmacSecret: Secret?, bearerToken: Secret?, payload: WebhookPayload, poster: JSONPoster) {
        self.url = url; self.hmacSecret = hmacSecret; self.bearerToken = bearerToken
        self.payload = payload; self.poster = poster
    }

    public func notify(_ batch: AlertBatch) async throws(NotifyError) {
        let body = payload.body(for: batch.events).bytes
        var headers = Self.headers(body: body, hmacSecret: hmacSecret, bearerToken: bearerToken)
        headers.add(NotificationID.header, batch.stableID)
        try await poster.post(url: url.reveal(), body: body, headers: headers, target: "webhook " + RedactURL.redact(url.reveal()), now: batch.now)
    }

    /// The signature and authorization headers for `body`.
    static func headers(body: [UInt8], hmacSecret: Secret?, bearerToken: Secret?) -> HTTPHeaders {
        var headers: HTTPHeaders = [:]
        if let hmacSecret {
            headers.add(signatureHeader, "sha256=" + hexString(HMACSHA256.authenticate(body, key: Array(hmacSecret.reveal().utf8))))
        }
        if let bearerToken { headers.add("Authorization", "Bearer " + bearerToken.reveal()) }
        return headers
    }
}
