import Checked
import Testing

@Suite("Checked conversions")
struct CheckedTests {
    @Test(arguments: [
        (1e19, nil), (-1e19, nil), (.nan, nil), (.infinity, nil), (-.infinity, nil),
        (9_223_372_036_854_775_808.0, nil),           // 2^63: Double(Int64.max) rounds to it
        (9_223_372_036_854_774_784.0, 9_223_372_036_854_774_784),   // the largest Double below 2^63
        (-9_223_372_036_854_775_808.0, Int64.min), (2.9, 2), (-2.9, -2), (0, 0),
    ] as [(Double, Int64?)])
    func int64Finite(_ x: Double, _ expected: Int64?) {
        #expect(Int64(finite: x) == expected)
    }

    @Test(arguments: [
        (1e19, Int64.max), (-1e19, Int64.min), (.nan, 0), (.infinity, Int64.max), (-.infinity, Int64.min), (42.7, 42),
    ] as [(Double, Int64)])
    func int64Saturating(_ x: Double, _ expected: Int64) {
        #expect(Int64(saturating: x) == expected)
    }

    @Test func unsignedAndSmall() {
        #expect(UInt64(finite: 1e19) == 10_000_000_000_000_000_000)
        #expect(UInt64(finite: 1.9e19) == nil)
        #expect(UInt64(finite: -1) == nil)
        #expect(UInt64(finite: -0.5) == 0)
        #expect(UInt64(saturating: -5) == 0)
        #expect(Int16(finite: 32767) == 32767)
        #expect(Int16(finite: 32768) == nil)
        #expect(Int16(finite: -32768) == -32768)
        #expect(UInt8(saturating: 300) == 255)
        #expect(Int(finite: 1e300) == nil)
        #expect(Int(saturating: 1e300) == Int.max)
    }

    @Test(arguments: ["inf", "-inf", "nan", "NaN", "1e999", "-1e999", "", "x", "infinity"])
    func nonFiniteText(_ text: String) {
        #expect(Double(finite: text) == nil)
    }

    @Test func finiteText() {
        #expect(Double(finite: "1.5") == 1.5)
        #expect(Double(finite: "-0") == 0)
        #expect(Double(finite: Double.nan) == nil)
        #expect(Double(finite: 3.0) == 3.0)
    }

    @Test func clampedDurations() {
        let cap = Duration.seconds(300)
        #expect(Duration.seconds(clamped: 1e17, max: cap) == cap)
        #expect(Duration.seconds(clamped: .infinity, max: cap) == cap)
        #expect(Duration.seconds(clamped: .nan, max: cap) == nil)
        #expect(Duration.seconds(clamped: -4, max: cap) == .zero)
        #expect(Duration.seconds(clamped: 1.5, max: cap) == .milliseconds(1500))
        #expect(Duration.milliseconds(1500).secondsValue == 1.5)
    }
}
