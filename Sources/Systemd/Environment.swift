/// A systemd-provided environment variable holds a value this process cannot use.
///
/// `variables` names every variable involved, so the message points the operator at the unit or
/// the manager that set them.
public struct SystemdEnvironmentError: Error, Equatable, CustomStringConvertible {
    public let variables: [String]
    public let reason: String

    public init(variables: [String], reason: String) {
        self.variables = variables
        self.reason = reason
    }

    public var description: String { "\(variables.joined(separator: "/")): \(reason)" }
}

/// Parses a decimal unsigned integer the way systemd's safe_atou64 accepts it (digits only, no sign).
func parseUnsigned(_ text: String) -> UInt64? {
    guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
    return UInt64(text)
}

/// Parses a pid as systemd's parse_pid does: a positive decimal that fits in pid_t.
func parsePID(_ text: String) -> Int32? {
    guard let value = parseUnsigned(text), value > 0, value <= UInt64(Int32.max) else { return nil }
    return Int32(value)
}
