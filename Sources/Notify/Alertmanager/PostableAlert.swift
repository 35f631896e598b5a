import ClusterModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The body of Alertmanager's `POST /api/v2/alerts`: an array of postable alerts.
///
/// A firing alert's `endsAt` is `now + 4 × resend interval` (Prometheus does the same with its
/// resend delay): while Sealwatch re-posts, Alertmanager keeps it firing; if Sealwatch dies, the
/// alert expires instead of firing forever. A resolve posts `endsAt = resolvedAt` (and is re-posted
/// for 5 minutes, see `Dispatcher`). Label and annotation values are cut to 4,096 characters (keys
/// to 256), ending with "…[truncated]": deterministic, so the cut alert keeps one identity.
///
/// - SeeAlso: https://prometheus.io/docs/alerting/latest/clients/
public struct PostableAlerts: Sendable {
    public var resendInterval: Duration
    public var generatorURL: String
    public init(resendInterval: Duration, generatorURL: String = "") {
        self.resendInterval = resendInterval; self.generatorURL = generatorURL
    }

    public func body(for events: [AlertEvent], now: Date) -> JSONValue {
        let horizon = now.addingTimeInterval(4 * RetryPolicy.seconds(resendInterval))
        return .array(events.map { event in
            let alert = WebhookPayload.capped(event.alert, PayloadLimits.Labels.value)
            let endsAt = event.kind.isResolve ? (alert.resolvedAt ?? now) : horizon
            var fields: [(String, JSONValue)] = [
                ("labels", .sortedObject(alert.labels)),
                ("annotations", .sortedObject(alert.annotations)),
                ("startsAt", .string(TimeFormat.rfc3339(AlertText.startsAt(alert)))),
                ("endsAt", .string(TimeFormat.rfc3339(endsAt))),
            ]
            // The API validates generatorURL as a URI: omit it rather than send "".
            if !generatorURL.isEmpty { fields.append(("generatorURL", .string(generatorURL))) }
            return .object(fields)
        })
    }
}
