/// Each receiver's documented size limits, and the cutting that keeps a payload inside them, so a
/// long input (a 600 KB node name, a long text from Vault) never turns a page into a permanent 400.
/// A cut text ends with `marker`. Normal inputs are far below every limit and are never touched
/// (the golden files prove it).
///
/// - SeeAlso: https://developer.pagerduty.com/docs/events-API-v2/trigger-events/ (summary 1024, dedup_key 255, 512 KB)
/// - SeeAlso: https://api.slack.com/reference/block-kit/blocks (section text 3000, field 2000, header 150, 50 blocks)
enum PayloadLimits {
    /// What ends a cut text.
    static let marker = "…[truncated]"

    enum PagerDuty {
        /// The whole event, in bytes (alertmanager's `maxEventSize`).
        static let maxBody = 512_000
        static let summary = 1024
        /// source, component, group, class: no documented limit; short names are what PagerDuty shows.
        static let field = 255
        /// One label or annotation value in `custom_details` (tightened until the body fits).
        static let detailValue = 8192
        static let detailKey = 256
    }

    enum Slack {
        /// `text` may be 40,000 characters, but a notification preview is read in one glance.
        static let text = 3000
        static let sectionText = 3000
        static let fieldText = 2000
        static let header = 150
        static let maxBlocks = 50
        static let maxFields = 10
    }

    /// Generic webhook and Alertmanager: no receiver-side limit is documented; these keep one post
    /// sensible (alertmanager itself has none, so its UI is what suffers).
    enum Labels {
        static let value = 4096
        static let key = 256
        /// The webhook message, in bytes: the per-value cap is tightened until it fits.
        static let maxWebhookBody = 1_000_000
    }

    /// `text` cut to at most `limit` characters, ending with `marker` when cut.
    static func cut(_ text: String, to limit: Int) -> String {
        // Cheap exit for the normal case: UTF-8 length bounds the character count.
        if text.utf8.count <= limit { return text }
        guard text.count > limit else { return text }
        guard limit > marker.count else { return String(text.prefix(max(limit, 0))) }
        return String(text.prefix(limit - marker.count)) + marker
    }

    /// Every key and value of `map` cut (two keys that become equal keep the first in sorted order).
    static func cut(_ map: [String: String], value: Int, key: Int) -> [String: String] {
        guard map.contains(where: { $0.key.utf8.count > key || $0.value.utf8.count > value }) else { return map }
        var out: [String: String] = [:]
        for (k, v) in map.sorted(by: { $0.key < $1.key }) {
            let ck = cut(k, to: key)
            if out[ck] == nil { out[ck] = cut(v, to: value) }
        }
        return out
    }

    /// The first of `build(cap)` for `caps` (largest first) whose serialization fits `maxBytes`,
    /// else `fallback()` (which must fit by construction).
    static func fit(maxBytes: Int, caps: [Int], _ build: (Int) -> JSONValue, fallback: () -> JSONValue) -> JSONValue {
        for cap in caps {
            let value = build(cap)
            if value.serialized().utf8.count <= maxBytes { return value }
        }
        return fallback()
    }
}
