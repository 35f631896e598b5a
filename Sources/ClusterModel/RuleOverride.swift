/// Per-cluster override of one rule, as written under `clusters[].rules.<RuleName>` in the config.
/// Every field is optional; absent means the rule's default. Durations and thresholds are in base
/// units (seconds; a ratio for ErrorRate; entries for FollowerLag). Which fields a rule accepts is
/// the rule's business (`Rules.RuleCatalog`), so the config layer stays generic.
public struct RuleOverride: Sendable, Hashable, Codable {
    public var enabled: Bool?
    public var forSeconds: Double?
    public var keepFiringForSeconds: Double?
    public var severity: Severity?
    public var threshold: Double?
    public var windowSeconds: Double?
    public var minSamples: Int?
    /// LeaderFlapping: most leader changes tolerated within `window`.
    public var maxChanges: Int?
    /// FailureToleranceLow: lowest acceptable autopilot failure tolerance.
    public var minFailureTolerance: Int?
    public var runbookURL: String?
    public init(enabled: Bool? = nil, forSeconds: Double? = nil, keepFiringForSeconds: Double? = nil, severity: Severity? = nil,
                threshold: Double? = nil, windowSeconds: Double? = nil, minSamples: Int? = nil, maxChanges: Int? = nil,
                minFailureTolerance: Int? = nil, runbookURL: String? = nil) {
        self.enabled = enabled; self.forSeconds = forSeconds; self.keepFiringForSeconds = keepFiringForSeconds
        self.severity = severity; self.threshold = threshold; self.windowSeconds = windowSeconds
        self.minSamples = minSamples; self.maxChanges = maxChanges; self.minFailureTolerance = minFailureTolerance
        self.runbookURL = runbookURL
    }
}
