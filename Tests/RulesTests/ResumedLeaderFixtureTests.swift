import ClusterModel
import Foundation
import Probing
import Rules
import Testing

/// Bodies a real OpenBao 2.7.2 cluster (default Raft timing) answered around a paused leader,
/// recorded by scripts/bench/resumed-leader.py (Fixtures/resumed-leader/README.md), decoded by the
/// Probing decoders into observations and judged by the rules at a 1 s interval, time a parameter.
@Suite struct ResumedLeaderFixtureTests {
    static let folder = "Fixtures/resumed-leader"

    static func data(_ name: String) -> [UInt8] {
        let path = Bundle.module.path(forResource: "\(folder)/\(name)", ofType: nil)!
        return Array(FileManager.default.contents(atPath: path)!)
    }

    /// sequence.json: who was leader, the node addresses, and per phase each node's recorded answers.
    struct Recording {
        var oldLeader: String
        var newLeader: String
        var refs: [NodeRef]
        var phases: [String: [String: [String: (status: Int, file: String)]]]
        /// Milliseconds after SIGCONT of the old leader's last answer that still said active.
        var staleUntilMs: Double

        init() throws {
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(data("sequence.json"))) as? [String: Any])
            oldLeader = try #require(doc["old_leader"] as? String)
            newLeader = try #require(doc["new_leader"] as? String)
            let addresses = try #require(doc["addresses"] as? [String: String])
            refs = addresses.keys.sorted().map { NodeRef(cluster: "dev", name: $0, address: addresses[$0]!) }
            var phases: [String: [String: [String: (Int, String)]]] = [:]
            for (phase, nodes) in try #require(doc["phases"] as? [String: [String: [String: [String: Any]]]]) {
                for (node, endpoints) in nodes {
                    for (endpoint, answer) in endpoints {
                        phases[phase, default: [:]][node, default: [:]][endpoint] = (answer["status"] as! Int, answer["file"] as! String)
                    }
                }
            }
            self.phases = phases
            let answers = try #require(doc["answers"] as? [[String: Any]])
            staleUntilMs = answers.filter { ($0["file"] as? String)?.hasSuffix("-active.json") == true && $0["role"] as? String == "old-leader" }
                .compactMap { $0["last_answered_ms"] as? Double }.max() ?? 0
        }

        func answer(_ phase: String, _ node: String, _ endpoint: String) -> (status: Int, body: [UInt8])? {
            phases[phase]?[node]?[endpoint].map { ($0.status, data($0.file)) }
        }
    }

    /// One node's observation from a health answer (nil = no answer within the timeout, as a hung
    /// node gives) and a sys/leader answer (nil = none), the way ClusterProber builds it.
    static func observe(_ ref: NodeRef, health: (status: Int, body: [UInt8])?, leader: (status: Int, body: [UInt8])?) -> NodeObservation {
        let timeout = ProbeFailure(reason: "timeout", detail: "no answer within 500ms")
        guard let health else {
            return NodeObservation(node: ref, state: .unreachable, probes: [ProbeResult(endpoint: .health, status: nil, seconds: 0.5, failure: timeout)])
        }
        let verdict = HealthVerdict.judge(status: health.status, body: health.body)
        #expect(verdict.failure == nil, "\(ref.name): \(verdict.failure.map { "\($0.reason): \($0.detail)" } ?? "")")
        var o = NodeObservation(node: ref, state: verdict.state, health: verdict.health,
                                probes: [ProbeResult(endpoint: .health, status: health.status, seconds: 0.004, failure: nil)])
        if let leader, leader.status == 200 {
            let decoded = Decoders.leader(leader.body)
            #expect(decoded?.problems == [], "\(ref.name) sys/leader")
            o.leader = decoded?.value
            o.probes.append(ProbeResult(endpoint: .leader, status: leader.status, seconds: 0.003, failure: nil))
        } else if leader == nil {
            o.probes.append(ProbeResult(endpoint: .leader, status: nil, seconds: 0.5, failure: timeout))
        }
        return o
    }

    @Test func recordingHasTheStaleMoment() throws {
        let r = try Recording()
        #expect(r.answer("before", r.oldLeader, "health")?.status == 200)
        #expect(r.answer("elected", r.newLeader, "health")?.status == 200)
        #expect(r.answer("after", r.oldLeader, "health")?.status == 429)
        // The old leader still answered health 200 after SIGCONT, beside the new leader.
        #expect(HealthVerdict.judge(status: 200, body: Self.data("resumed-old-leader-health-active.json")).state == .active)
        #expect(r.staleUntilMs > 0 && r.staleUntilMs < 1000, "stale claim until \(r.staleUntilMs) ms")
    }

    /// The recorded sequence at 1 s cycles: healthy; the leader hung (SIGSTOP at 4.5 s) — the standbys
    /// name it until the election (13.4 s after the stop, as recorded), then one names the new
    /// leader; resumed after `stoppedSeconds`, the old leader answers active once beside the new
    /// leader (its health 200 as recorded; its sys/leader asked in that moment did not answer within
    /// the 500 ms timeout, as recorded: 606 ms); then it is a standby. No SplitBrain, no NoLeader;
    /// NodeUnreachable only when the hang outlasts its 30 s.
    @Test(arguments: [14, 31])
    func resumedLeaderIsNoSplitBrain(stoppedSeconds: Int) throws {
        let r = try Recording()
        var h = Harness(cluster: "dev", refs: r.refs)
        let stop = 4.5, elected = stop + 13.4, resumed = stop + Double(stoppedSeconds)
        var fired: [String] = []
        var splitBrainPending: [Int] = []
        for t in 0..<(Int(resumed) + 20) {
            let time = Double(t)
            let nodes = r.refs.map { ref -> NodeObservation in
                let n = ref.name
                if time < stop { return Self.observe(ref, health: r.answer("before", n, "health"), leader: r.answer("before", n, "leader")) }
                if time < resumed {
                    if n == r.oldLeader { return Self.observe(ref, health: nil, leader: nil) }
                    let phase = time < elected ? "stopped" : "elected"
                    return Self.observe(ref, health: r.answer(phase, n, "health"), leader: r.answer(phase, n, "leader"))
                }
                if time < resumed + 1 {   // the one cycle inside the stale moment
                    if n == r.oldLeader { return Self.observe(ref, health: (200, Self.data("resumed-old-leader-health-active.json")), leader: nil) }
                    if n == r.newLeader { return Self.observe(ref, health: (200, Self.data("resumed-new-leader-health-active.json")), leader: r.answer("elected", n, "leader")) }
                    return Self.observe(ref, health: r.answer("elected", n, "health"), leader: r.answer("elected", n, "leader"))
                }
                return Self.observe(ref, health: r.answer("after", n, "health"), leader: r.answer("after", n, "leader"))
            }
            let snap = ClusterSnapshot(cluster: "dev", takenAt: Date(timeIntervalSince1970: 1_800_000_000 + time), seconds: 0.5, nodes: nodes)
            if time >= resumed && time < resumed + 1 {
                #expect(snap.activeNodes.map(\.node.name).sorted() == [r.newLeader, r.oldLeader].sorted(), "two claimants in the stale cycle")
            }
            if time >= stop + 1 && time < elected - 1 { #expect(snap.leaderName == nil, "t=\(t): standbys name the hung leader") }
            for tr in h.step(snap) where tr.to == .firing { fired.append("\(tr.alert.name)\(tr.alert.node.map { "{\($0)}" } ?? "")@\(t)") }
            if h.state("SplitBrain") == .pending { splitBrainPending.append(t) }
        }
        #expect(splitBrainPending == [Int(resumed.rounded(.up))], "SplitBrain pending exactly in the stale cycle")
        #expect(h.state("SplitBrain") == .inactive)
        #expect(!fired.contains { $0.hasPrefix("SplitBrain") }, "\(fired)")
        #expect(!fired.contains { $0.hasPrefix("NoLeader") }, "the \(elected - stop) s election is inside NoLeader's 30 s: \(fired)")
        if stoppedSeconds > 30 {
            // Unreachable from the cycle at 5 s; `for: 30s` fires at 35 s, inside the hang.
            #expect(fired == ["NodeUnreachable{\(r.oldLeader)}@35"], "\(fired)")
            #expect(h.state("NodeUnreachable", node: r.oldLeader) == .inactive, "resolved after the resume")
        } else {
            #expect(fired.isEmpty, "\(fired)")
        }
    }
}
