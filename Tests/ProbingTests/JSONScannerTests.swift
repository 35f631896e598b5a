import Foundation
@testable import Probing
import Testing

@Suite struct JSONScannerTests {
    static let valid: [(String, JSONValue)] = [
        (#"{}"#, .object([:])),
        (#" [ ] "#, .array([])),
        (#"{"a":1,"b":[true,false,null],"c":"x"}"#, .object(["a": .number(1), "b": .array([.bool(true), .bool(false), .null]), "c": .string("x")])),
        (#"{"n": -12.5e2}"#, .object(["n": .number(-1250)])),
        (#""esc \" \\ \/ \n \t \u00e9 \ud83d\ude00""#, .string("esc \" \\ / \n \t é 😀")),
        (#"{"nested":{"deep":{"x":[1,[2,[3]]]}}}"#, .object(["nested": .object(["deep": .object(["x": .array([.number(1), .array([.number(2), .array([.number(3)])])])])])])),
        ("\"ünïcode\"", .string("ünïcode")),
    ]

    @Test(arguments: valid)
    func parses(_ text: String, _ expected: JSONValue) {
        #expect(JSONValue.parse(Array(text.utf8)) == expected)
    }

    @Test(arguments: ["", "{", "}", "{\"a\"}", "{\"a\":}", "[1,]", "{\"a\":1,}", "tru", "nul", "\"open", "\"bad \\x escape\"",
                      "\"ctrl \u{1} char\"", "{} trailing", "1 2", "<html>", String(repeating: "[", count: 100) + String(repeating: "]", count: 100)])
    func rejects(_ text: String) {
        #expect(JSONValue.parse(Array(text.utf8)) == nil)
    }

    /// Same answers as Foundation on every recorded body.
    @Test(arguments: ["health-active.json", "health-standby.json", "health-sealed.json", "health-perf-standby.json", "health-474.json",
                      "health-530.json", "seal-status-sealed.json", "leader-active.json", "leader-stepped-down.json",
                      "raft-configuration.json", "autopilot-state.json", "autopilot-state-camelcase.json", "token-lookup.json", "garbage.html"])
    func agreesWithFoundation(_ file: String) throws {
        let bytes = fixture(file)
        let ours = JSONValue.parse(bytes)
        let theirs = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        #expect((ours == nil) == (theirs == nil))
        if let ours, let theirs { #expect(Self.numbersForBools(ours) == Self.convert(theirs)) }
    }

    static func numbersForBools(_ v: JSONValue) -> JSONValue {
        switch v {
        case .bool(let b): return .number(b ? 1 : 0)
        case .array(let a): return .array(a.map(numbersForBools))
        case .object(let o): return .object(o.mapValues(numbersForBools))
        default: return v
        }
    }

    static func convert(_ any: Any) -> JSONValue {
        switch any {
        case let d as [String: Any]: return .object(d.mapValues(convert))
        case let a as [Any]: return .array(a.map(convert))
        case let s as String: return .string(s)
        case let n as NSNumber: return .number(n.doubleValue)   // Foundation does not keep bools apart here
        case let b as Bool: return .number(b ? 1 : 0)
        case is NSNull: return .null
        default: return .null
        }
    }
}
