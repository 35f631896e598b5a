/// Checked conversions for numbers that come from outside: Vault bodies, receivers' answers and
/// headers, config files and the state directory.
///
/// Swift traps on `Int(x)` when a `Double` is NaN, infinite or out of range, and on `Int(y)` when an
/// integer does not fit. Every value from outside goes through one of these instead, so a hostile
/// number is "no value" (the failable forms) or the nearest representable value (the saturating
/// forms), never a crash. Dependency-free, so every target can use it.
///
/// - `Int(finite: 1e19)` → nil, `Int(finite: 2.9)` → 2 (toward zero, as `Int(_:)`), `Int(finite: .nan)` → nil
/// - `Int64(saturating: 1e19)` → `Int64.max`, `Int64(saturating: -.infinity)` → `Int64.min`, NaN → 0
/// - `Double(finite: "inf")` → nil, `Double(finite: "1.5")` → 1.5
/// - `Duration.seconds(clamped: 1e300, max: .seconds(300))` → 300 s; NaN → nil; negative → 0
extension FixedWidthInteger {
    /// The value of `x` truncated toward zero, or nil when `x` is NaN, infinite or does not fit.
    @inlinable
    public init?(finite x: Double) {
        guard x.isFinite else { return nil }
        let t = x.rounded(.towardZero)
        // The range is [-2^(w-1), 2^(w-1)) signed and [0, 2^w) unsigned; both bounds are exact Doubles,
        // where Double(Self.max) is not (it rounds up to a value that does not fit).
        let upper = Double(sign: .plus, exponent: Self.isSigned ? Self.bitWidth - 1 : Self.bitWidth, significand: 1)
        let lower = Self.isSigned ? -upper : 0
        guard t >= lower, t < upper else { return nil }
        self.init(t)
    }

    /// The value of `x` truncated toward zero and clamped to the type's range; NaN is zero.
    @inlinable
    public init(saturating x: Double) {
        if x.isNaN { self = 0; return }
        if let v = Self(finite: x) { self = v; return }
        self = x < 0 ? Self.min : Self.max
    }
}

extension Double {
    /// `x` when it is finite; nil for NaN and ±infinity.
    @inlinable
    public init?(finite x: Double) {
        guard x.isFinite else { return nil }
        self = x
    }

    /// The number a text spells, when it is finite: rejects "inf", "nan", "1e999" and non-numbers.
    @inlinable
    public init?<S: StringProtocol>(finite text: S) {
        guard let x = Double(String(text)), x.isFinite else { return nil }
        self = x
    }
}

extension Duration {
    /// `seconds` as a duration clamped to `[0, max]` (millisecond resolution below a second is kept);
    /// nil when `seconds` is NaN. +infinity is `max`.
    @inlinable
    public static func seconds(clamped seconds: Double, max: Duration) -> Duration? {
        guard !seconds.isNaN else { return nil }
        if seconds <= 0 { return .zero }
        let maxSeconds = Double(max.components.seconds) + Double(max.components.attoseconds) / 1e18
        if seconds >= maxSeconds { return max }
        return .nanoseconds(Int64(saturating: (seconds * 1e9).rounded()))
    }

    /// The duration in seconds, as a Double.
    @inlinable
    public var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
