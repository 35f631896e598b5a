#if canImport(Checked)
import Checked
#endif

/// Exponential backoff with full jitter between `initial` and `maximum`: before retry `n`
/// (n = 1 after the first failure) the delay is uniform in [initial, min(maximum, initial·2ⁿ⁻¹)].
/// A receiver's `Retry-After` is a floor on that delay, and `maximum` caps it too: the delay is
/// always within [0, maximum] (a receiver asking for a year waits `max_backoff`). Giving up is
/// decided by age (`maxAge`), not by attempt count, so a page survives a long receiver outage.
///
/// - SeeAlso: https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
public struct RetryPolicy: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration, maximum: Duration) {
        precondition(initial > .zero && maximum >= initial, "RetryPolicy needs 0 < initial <= maximum")
        self.initial = initial; self.maximum = maximum
    }

    /// The delay before retry `retry` (≥ 1); `jitter` in [0, 1) picks the point in the window
    /// (NaN counts as 0). Always within [0, maximum].
    public func delay(beforeRetry retry: Int, jitter: Double, retryAfter: Duration? = nil) -> Duration {
        let initialSeconds = initial.secondsValue, maxSeconds = maximum.secondsValue
        let exponent = min(max(retry, 1) - 1, 62)
        let ceiling = min(maxSeconds, initialSeconds * Self.pow2(exponent))
        let j = jitter.isNaN ? 0 : min(max(jitter, 0), 1)
        let chosen = initialSeconds + (ceiling - initialSeconds) * j
        let base = Duration.seconds(clamped: chosen, max: maximum) ?? initial
        guard let retryAfter, retryAfter > base else { return base }
        return min(retryAfter, maximum)
    }

    static func seconds(_ d: Duration) -> Double { d.secondsValue }

    /// 2^e, stopping early once far beyond any sensible backoff ceiling.
    private static func pow2(_ e: Int) -> Double {
        var r = 1.0
        for _ in 0..<max(e, 0) { r *= 2; if r > 1e12 { break } }
        return r
    }
}

/// A small deterministic generator (SplitMix64) so tests can pin jitter; production seeds it
/// from the system generator.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public init() { var g = SystemRandomNumberGenerator(); state = g.next() }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
