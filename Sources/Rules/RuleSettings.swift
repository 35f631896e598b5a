#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClusterModel

/// The effective settings of one rule for one cluster: the rule's defaults with the cluster's
/// `RuleOverride` applied. Durations are seconds; `threshold` is in the rule's base unit
/// (seconds for latency, clock skew and expiries; a ratio for ErrorRate; entries for FollowerLag).
/// Fields a rule does not read are nil.
public struct RuleSettings: Sendable, Hashable {
    public var name: String
    public var enabled: Bool
    /// Prometheus' `for`: how long the condition must hold before pending becomes firing.
    public var forSeconds: Double
    /// Prometheus' `keep_firing_for`: how long a firing alert stays firing after its condition clears.
    public var keepFiringForSeconds: Double
    public var severity: Severity
    public var threshold: Double?
    public var windowSeconds: Double?
    public var minSamples: Int?
    public var maxChanges: Int?
    public var minFailureTolerance: Int?
    public var runbookURL: String

    public init(name: String, enabled: Bool = true, forSeconds: Double, keepFiringForSeconds: Double = 0,
                severity: Severity, threshold: Double? = nil, windowSeconds: Double? = nil, minSamples: Int? = nil,
                maxChanges: Int? = nil, minFailureTolerance: Int? = nil, runbookURL: String = "") {
        self.name = name; self.enabled = enabled; self.forSeconds = forSeconds
        self.keepFiringForSeconds = keepFiringForSeconds; self.severity = severity; self.threshold = threshold
        self.windowSeconds = windowSeconds; self.minSamples = minSamples; self.maxChanges = maxChanges
        self.minFailureTolerance = minFailureTolerance; self.runbookURL = runbookURL
    }

    /// These settings with `override`'s present fields applied.
    public func applying(_ o: RuleOverride) -> RuleSettings {
        var s = self
        if let v = o.enabled { s.enabled = v }
        if let v = o.forSeconds { s.forSeconds = v }
        if let v = o.keepFiringForSeconds { s.keepFiringForSeconds = v }
        if let v = o.severity { s.severity = v }
        if let v = o.threshold { s.threshold = v }
        if let v = o.windowSeconds { s.windowSeconds = v }
        if let v = o.minSamples { s.minSamples = v }
        if let v = o.maxChanges { s.maxChanges = v }
        if let v = o.minFailureTolerance { s.minFailureTolerance = v }
        if let v = o.runbookURL { s.runbookURL = v }
        return s
    }
}

/// Every rule Sealwatch knows, with its defaults (DESIGN §4) and the validation of per-cluster overrides.
public enum RuleCatalog {
    /// Default base of `runbook_url`; the rule name is appended as a path component.
    public static let defaultRunbookBase = "https://github.com/sealwatch/sealwatch/blob/main/docs/runbooks"

    /// Every rule name, sorted.
    public static var names: [String] { ordered.map(\.name).sorted() }

    /// A rule's defaults (runbook under `defaultRunbookBase`), or nil for an unknown name.
    public static func defaults(_ name: String) -> RuleSettings? {
        rule(named: name).map { settings(of: $0, runbookBase: defaultRunbookBase) }
    }

    /// Messages for one override, each starting with the config field, e.g.
    /// "threshold: must be between 0 and 1". Empty = valid. An unknown rule name yields no message:
    /// the caller reports it (listing `names`), with the key path as prefix.
    public static func validate(_ name: String, _ o: RuleOverride) -> [String] {
        guard let rule = rule(named: name) else { return [] }
        var issues: [String] = []
        func duration(_ field: String, _ v: Double?) {
            guard let v else { return }
            if !v.isFinite || v < 0 { issues.append("\(field): must be a duration >= 0") }
        }
        func unused(_ field: String, _ present: Bool, _ p: RuleParameter) {
            if present && !rule.parameters.contains(p) { issues.append("\(field): not used by \(name)") }
        }
        duration("for", o.forSeconds)
        duration("keep_firing_for", o.keepFiringForSeconds)
        unused("threshold", o.threshold != nil, .threshold)
        unused("window", o.windowSeconds != nil, .window)
        unused("min_samples", o.minSamples != nil, .minSamples)
        unused("max_changes", o.maxChanges != nil, .maxChanges)
        unused("min_failure_tolerance", o.minFailureTolerance != nil, .minFailureTolerance)
        if let t = o.threshold, rule.parameters.contains(.threshold), let problem = rule.thresholdProblem(t) {
            issues.append("threshold: \(problem)")
        }
        if let w = o.windowSeconds, rule.parameters.contains(.window), !(w.isFinite && w > 0) {
            issues.append("window: must be a duration > 0")
        }
        if let m = o.minSamples, rule.parameters.contains(.minSamples), m < 1 { issues.append("min_samples: must be >= 1") }
        if let m = o.maxChanges, rule.parameters.contains(.maxChanges), m < 0 { issues.append("max_changes: must be >= 0") }
        if let m = o.minFailureTolerance, rule.parameters.contains(.minFailureTolerance), m < 0 {
            issues.append("min_failure_tolerance: must be >= 0")
        }
        if let u = o.runbookURL, u.isEmpty { issues.append("runbook_url: must not be empty") }
        return issues
    }

    /// All rules, sorted by name, with `overrides` applied (overrides for unknown names are ignored;
    /// report them with `validate`/`names` first). `runbook_url` defaults to `runbookBase/<RuleName>.md`.
    public static func resolve(_ overrides: [String: RuleOverride], runbookBase: String = defaultRunbookBase) -> [RuleSettings] {
        names.compactMap { name in
            guard let rule = rule(named: name) else { return nil }
            let base = settings(of: rule, runbookBase: runbookBase)
            return overrides[name].map(base.applying) ?? base
        }
    }

    // MARK: - Internal

    /// Every rule in evaluation order: inhibiting rules come before the rules they inhibit
    /// (see `Inhibition`), so a source that starts firing in a step mutes its targets in that same step.
    static let ordered: [any Rule] = [
        ClusterSealedRule(), ClusterUnreachableRule(), NoLeaderRule(), NodeUnreachableRule(),
        VaultSealedRule(), SplitBrainRule(), HighLatencyRule(), ErrorRateRule(), RaftUnhealthyRule(),
        FailureToleranceLowRule(), PeerMissingRule(), LeaderFlappingRule(), FollowerLagRule(),
        VersionSkewRule(), ClockSkewRule(), CertExpiringRule(), TokenExpiringRule(),
        AuditDeviceFailingRule(), WritesFailingRule(), RaftCommitSlowRule(), LeaseCountHighRule(), CanaryRefusedRule(),
    ]

    private static let byName: [String: any Rule] = Dictionary(uniqueKeysWithValues: ordered.map { ($0.name, $0) })

    static func rule(named name: String) -> (any Rule)? { byName[name] }

    static func settings(of rule: any Rule, runbookBase: String) -> RuleSettings {
        var s = rule.defaults
        s.runbookURL = runbookURL(base: runbookBase, name: rule.name)
        return s
    }

    static func runbookURL(base: String, name: String) -> String {
        var b = base
        while b.hasSuffix("/") { b.removeLast() }
        return b + "/" + name + ".md"   // docs/runbooks/<RuleName>.md
    }
}
