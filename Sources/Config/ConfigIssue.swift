/// One problem found in a configuration file, located by key path and line.
///
/// Printed as `clusters[0].nodes[1].address: must be an http:// or https:// URL (line 12, column 16)`.
public struct ConfigIssue: Sendable, Hashable, CustomStringConvertible {
    /// Key path from the document root, e.g. `clusters[0].tls.ca_file`; empty for the whole document.
    public var path: String
    public var message: String
    public var line: Int?
    public var column: Int?
    public init(path: String, message: String, line: Int? = nil, column: Int? = nil) {
        self.path = path; self.message = message; self.line = line; self.column = column
    }
    public var description: String {
        let location = line.map { l in column.map { " (line \(l), column \($0))" } ?? " (line \(l))" } ?? ""
        return path.isEmpty ? "\(message)\(location)" : "\(path): \(message)\(location)"
    }
}

/// The configuration could not be used; `issues` lists every problem found, in file order.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var issues: [ConfigIssue]
    public init(file: String, issues: [ConfigIssue]) { self.file = file; self.issues = issues }
    public var description: String {
        let plural = issues.count == 1 ? "problem" : "problems"
        return "\(file): \(issues.count) \(plural):\n" + issues.map { "  - \($0)" }.joined(separator: "\n")
    }
}
