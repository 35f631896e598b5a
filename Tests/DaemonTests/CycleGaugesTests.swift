@testable import Daemon
import Testing

@Suite struct CycleGaugesTests {
    func text(_ g: CycleGauges) -> String {
        var bytes: [UInt8] = []
        g.emit(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func rendersFamiliesSortedWithHelpAndType() {
        var g = CycleGauges()
        g.set("b_metric", help: "B.", labels: ["node": "n2", "cluster": "c"], 1)
        g.set("b_metric", help: "B.", labels: ["cluster": "c", "node": "n1"], 0.5)
        g.set("a_metric", help: "A with \\ and\nnewline.", labels: [:], 3)
        #expect(text(g) == """
            # HELP a_metric A with \\\\ and\\nnewline.
            # TYPE a_metric gauge
            a_metric 3.0
            # HELP b_metric B.
            # TYPE b_metric gauge
            b_metric{cluster="c",node="n1"} 0.5
            b_metric{cluster="c",node="n2"} 1.0

            """)
        #expect(g.seriesCount == 3)
    }

    @Test func escapesLabelValuesAndSpellsSpecialValues() {
        #expect(CycleGauges.render(["v": "a\"b\\c\nd"]) == #"{v="a\"b\\c\nd"}"#)
        #expect(CycleGauges.render([:]) == "")
        #expect(CycleGauges.format(.nan) == "NaN")
        #expect(CycleGauges.format(.infinity) == "+Inf")
        #expect(CycleGauges.format(-.infinity) == "-Inf")
        #expect(CycleGauges.format(1e-7) == "1e-07")
    }

    @Test func setReplacesTheValueAndSweepDropsWhatWasNotSet() {
        var g = CycleGauges()
        g.set("m", help: "h", labels: ["n": "a"], 1)
        g.set("m", help: "h", labels: ["n": "a"], 2)
        g.set("gone", help: "h", labels: [:], 1)
        g.sweep()
        #expect(text(g).contains("m{n=\"a\"} 2.0"))
        g.set("m", help: "h", labels: ["n": "a"], 3)
        g.sweep()                                  // "gone" was not set since the last sweep
        #expect(!text(g).contains("gone"))
        #expect(text(g).contains("m{n=\"a\"} 3.0"))
        g.sweep()
        #expect(g.isEmpty)
    }
}

@Suite struct ProcessHardeningTests {
    /// The daemon's first act: no core dump can carry the token to disk.
    @Test func coreDumpsAreOff() {
        #expect(MemoryTuning.disableCoreDumps())
        #expect(!MemoryTuning.isDumpable)
    }
}
