/// Exponential backoff with full jitter between `initial` and `maximum`: before retry `n`
/// (n = 1 after the first failure) the delay is uniform in [initial, min(maximum, initial·2ⁿ⁻¹)].
/// A receiver's `Retry-After` is a floor on that delay. Giving up is decided by age (`maxAge`),
/// not by attempt count, so a page survives a long receiver outage.
///
/// - SeeAlso: https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
public struct RetryPolicy: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration, maximum: Duration) {
        precondition(initial > .zero && maximum >= initial, "RetryPolicy needs 0 < initial <= maximum")
        self.initial = initial; self.maximum = maximum
    }

    /// The delay before retry `retry` (≥ 1); `jitter` in [0, 1) picks the point in the window.
    public func delay(beforeRetry retry: Int, jitter: Double, retryAfter: Duration? = nil) -> Duration {
        let initialSeconds = Self.seconds(initial), maxSeconds = Self.seconds(maximum)
        let exponent = Double(min(max(retry, 1) - 1, 62))
        let ceiling = min(maxSeconds, initialSeconds * pow2(exponent))
        let chosen = initialSeconds + (ceiling - initialSeconds) * min(max(jitter, 0), 1)
        let base = Duration.milliseconds(Int64((chosen * 1000).rounded()))
        if let retryAfter, retryAfter > base { return retryAfter }
        return base
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    private func pow2(_ e: Double) -> Double {
        var r = 1.0
        for _ in 0..<Int(e) { r *= 2; if r > 1e12 { break } }
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
