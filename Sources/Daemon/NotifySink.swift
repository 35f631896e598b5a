import Notify

/// The notification dispatcher as the daemon's alert sink, with its counters exported as metrics.
extension Dispatcher: AlertSink {
    public func updateMetrics(_ metrics: DaemonMetrics) {
        for s in stats() {
            let l = ["receiver": s.receiver, "integration": s.integration, "kind": s.kind]
            metrics.counterSet("sealwatch_notifications_sent_total", l, Double(s.sent))
            metrics.counterSet("sealwatch_notification_retries_total", l, Double(s.retries))
            for reason in Set(s.failed.keys).union(Dispatcher.failureReasons) {
                metrics.counterSet("sealwatch_notifications_failed_total", l.merging(["reason": reason]) { a, _ in a }, Double(s.failed[reason] ?? 0))
            }
            for (reason, n) in s.dropped {
                metrics.counterSet("sealwatch_notifications_dropped_total", l.merging(["reason": reason]) { a, _ in a }, Double(n))
            }
            metrics.set("sealwatch_notification_queue_length", l, Double(s.queueLength))
            metrics.set("sealwatch_notification_oldest_pending_age_seconds", l, s.oldestPendingAge)
            metrics.set("sealwatch_notification_paused_seconds", l, s.pausedFor)
        }
        let unrouted = unroutedStats()
        metrics.counterSet("sealwatch_notifications_unrouted_total", [:], Double(unrouted.total))
        metrics.set("sealwatch_alerts_unrouted", [:], Double(unrouted.count))
    }

    /// Reasons pre-created at 0 so a missing series never hides a failure (as alertmanager does).
    static let failureReasons: Set<String> = ["transport", "server_error", "rate_limited", "client_error"]
}
