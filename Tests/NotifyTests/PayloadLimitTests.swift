import ClusterModel
import Foundation
import Testing
@testable import Notify

/// Issue 11 D: every payload fits its receiver's documented limits whatever the input; a cut text
/// carries the marker. Arguments describe themselves briefly, so test output never prints huge strings.
struct PayloadLimitTests {
    /// A hostile alert, named briefly in test output.
    struct Hostile: Sendable, CustomTestStringConvertible {
        let name: String
        let alert: Alert
        var testDescription: String { name }

        static let big = String(repeating: "n", count: 600 * 1024)
        static var all: [Hostile] {
            var node = Fixture.alert(node: big)
            node.labels["env"] = "prod"
            let summary = Fixture.alert(summary: String(repeating: "Vault said: ", count: 90_000))
            var annotations = Fixture.alert()
            annotations.annotations["description"] = String(repeating: "d", count: 1_000_000)
            annotations.annotations["runbook_url"] = "https://runbooks.example/" + String(repeating: "r", count: 100_000)
            var many = Fixture.alert()
            for i in 0..<5000 { many.labels["label_\(i)"] = String(repeating: "v", count: 200) }
            var cluster = Fixture.alert(cluster: String(repeating: "c", count: 300_000))
            cluster.labels["k" + String(repeating: "e", count: 5000)] = "long key"
            return [Hostile(name: "600 KB node name", alert: node), Hostile(name: "1 MB summary", alert: summary),
                    Hostile(name: "1 MB description + long runbook", alert: annotations), Hostile(name: "5000 labels", alert: many),
                    Hostile(name: "300 KB cluster + 5 KB label key", alert: cluster)]
        }
    }

    static func object(_ value: JSONValue) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(value.bytes)) as? [String: Any])
    }

    /// Every string in a JSON document, with its key.
    static func strings(_ any: Any, key: String = "") -> [(String, String)] {
        switch any {
        case let s as String: return [(key, s)]
        case let a as [Any]: return a.flatMap { strings($0, key: key) }
        case let o as [String: Any]: return o.flatMap { strings($0.value, key: $0.key) } + o.keys.map { ("<key>", $0) }
        default: return []
        }
    }

    @Test(arguments: Hostile.all)
    func pagerDutyFits(_ h: Hostile) throws {
        let body = PagerDutyPayload().body(for: AlertEvent(kind: .trigger, alert: h.alert), routingKey: PayloadTests.routingKey)
        let bytes = body.bytes.count
        #expect(bytes <= 512_000, "\(bytes) bytes")
        let payload = try #require(try Self.object(body)["payload"] as? [String: Any])
        let summary = try #require(payload["summary"] as? String)
        #expect(summary.count <= 1024)
        for key in ["source", "component", "group", "class"] {
            #expect(((payload[key] as? String) ?? "").count <= 255, "\(key)")
        }
        let marked = body.serialized().contains(PayloadLimits.marker)
        #expect(marked)
        #expect(try Self.object(body)["dedup_key"] as? String == h.alert.fingerprint)  // the identity is never cut
    }

    @Test(arguments: Hostile.all)
    func slackFits(_ h: Hostile) throws {
        for events in [[AlertEvent(kind: .trigger, alert: h.alert)],
                       [AlertEvent(kind: .trigger, alert: h.alert), AlertEvent(kind: .resolve, alert: Fixture.resolved(h.alert))]] {
            let body = SlackPayload().body(for: events)
            let object = try Self.object(body)
            #expect(((object["text"] as? String) ?? "").count <= 3000)
            let blocks = try #require(object["blocks"] as? [[String: Any]])
            #expect(blocks.count <= 50)
            for block in blocks {
                if let text = (block["text"] as? [String: Any])?["text"] as? String { #expect(text.count <= 3000) }
                let fields = block["fields"] as? [[String: Any]] ?? []
                #expect(fields.count <= 10)
                for field in fields { #expect(((field["text"] as? String) ?? "").count <= 2000) }
                for element in block["elements"] as? [[String: Any]] ?? [] { #expect(((element["text"] as? String) ?? "").count <= 2000) }
            }
            #expect(body.bytes.count < 200_000)
            let marked = body.serialized().contains(PayloadLimits.marker)
            if h.name != "5000 labels" { #expect(marked) }
        }
    }

    @Test(arguments: Hostile.all)
    func webhookFits(_ h: Hostile) throws {
        let events = (0..<100).map { i -> AlertEvent in
            var a = h.alert
            a.labels["node"] = "\(a.node ?? "")\(i)"
            return AlertEvent(kind: .trigger, alert: a)
        }
        let body = WebhookPayload(receiver: "hook").body(for: events)
        #expect(body.bytes.count <= 1_000_000, "\(body.bytes.count) bytes")
        let object = try Self.object(body)
        let marked = body.serialized().contains(PayloadLimits.marker)
        if h.name == "5000 labels" {
            // Too many labels for 100 alerts in 1 MB even when cut: fewer alerts, and truncatedAlerts says so.
            let truncated = object["truncatedAlerts"] as? Int ?? 0
            let sent = (object["alerts"] as? [Any])?.count ?? 0
            #expect(truncated > 0 && sent + truncated == 100, "\(sent) sent, \(truncated) truncated")
        } else {
            #expect(marked)
        }
        #expect(object["version"] as? String == "4")
    }

    @Test(arguments: Hostile.all)
    func alertmanagerFits(_ h: Hostile) throws {
        let body = PostableAlerts(resendInterval: .seconds(60)).body(for: [AlertEvent(kind: .trigger, alert: h.alert)], now: Fixture.firedAt)
        let alerts = try #require(try JSONSerialization.jsonObject(with: Data(body.bytes)) as? [[String: Any]])
        for (key, value) in Self.strings(alerts) {
            #expect(value.count <= 4096, "\(key.prefix(40))")
        }
        let marked = body.serialized().contains(PayloadLimits.marker)
        if h.name != "5000 labels" { #expect(marked) }  // 200-character values are not cut
        // Deterministic: the cut alert keeps one identity across re-posts.
        let same = body == PostableAlerts(resendInterval: .seconds(60)).body(for: [AlertEvent(kind: .trigger, alert: h.alert)], now: Fixture.firedAt)
        #expect(same)
    }

    @Test(arguments: [(0, ""), (3, "abc"), (12, "abcdefghijkl"), (13, "abcdefghijklm")] as [(Int, String)])
    func cutKeepsShortTextsAndMarksCutOnes(limit: Int, text: String) {
        #expect(PayloadLimits.cut(text, to: limit) == text || text.count > limit)
        let long = String(repeating: "x", count: 100)
        let cut = PayloadLimits.cut(long, to: 20)
        #expect(cut.count == 20 && cut.hasSuffix(PayloadLimits.marker))
        #expect(PayloadLimits.cut("é" + long, to: 5).count == 5)  // shorter than the marker: a plain prefix
    }
}
