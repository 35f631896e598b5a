#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// WritesFailing (cluster, critical): the canary write (`canary.write_path`, sent to the active
/// node; the only probe that crosses a Raft commit) fails or times out while reads work (a lookup
/// or read canary succeeded somewhere this cycle). When reads fail too, the outage is wider and
/// ErrorRate, AuditDeviceFailing or NoLeader speak for it. A refused write is CanaryRefused's.
/// Unknown in a cycle without a write canary.
struct WritesFailingRule: Rule {
    let name = "WritesFailing"
    let readsNodeSamples = false
    let defaults = RuleSettings(name: "WritesFailing", forSeconds: 30, severity: .critical)

    func evaluate(_ input: RuleInput) -> Evaluation {
        let canaries = input.latest.nodes.flatMap { node in node.canaries.map { (node.node.name, $0) } }
        guard let (target, write) = canaries.first(where: { $0.1.kind == .write }), write.outcome != .refused else { return .allUnknown }
        let readsWork = canaries.contains { $0.1.kind != .write && $0.1.outcome == .ok }
        guard write.outcome.isFailure else { return Evaluation() }
        guard readsWork else { return .allUnknown }
        var ev = Evaluation()
        ev.findings.append(Finding(
            node: nil, value: 1,
            summary: "the canary write to \(target) failed (\(write.outcome.rawValue)\(write.status.map { " HTTP \($0)" } ?? "")) while reads work",
            description: "Writes to cluster \(input.cluster) fail: Raft cannot commit (quorum, disk, storage) or the active node cannot persist. \(write.detail ?? "")"))
        return ev
    }
}
