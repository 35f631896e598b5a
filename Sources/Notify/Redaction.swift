/// Keeps secrets out of logs, errors and stats, as alertmanager's `RedactURL`.
public enum RedactURL {
    /// `scheme://host[:port]/<redacted>`: a Slack or webhook URL's path is itself the credential,
    /// so only the origin survives. Userinfo is dropped too. Text that is not a URL becomes "<redacted>".
    public static func redact(_ url: String) -> String {
        guard let separator = url.firstRange(of: "://") else { return "<redacted>" }
        let rest = url[separator.upperBound...]
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var authority = rest[..<end]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let scheme = url[..<separator.lowerBound]
        return "\(scheme)://\(authority)" + (end == rest.endIndex ? "" : "/<redacted>")
    }
}

/// Replaces every occurrence of the given secrets (and their URL-redacted forms' hidden parts) in
/// `text` by "<redacted>" — the last line of defence for receiver bodies that echo input.
func scrub(_ text: String, secrets: [String]) -> String {
    var result = text
    for secret in secrets where secret.count >= 4 {
        result = result.replacing(secret, with: "<redacted>")
    }
    return result
}
