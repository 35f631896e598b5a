#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A secret value (token, routing key, webhook URL, HMAC key). Prints as `<redacted>` everywhere;
/// only `reveal()` gives the value, at the one place that puts it on the wire.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String
    public init(_ value: String) { self.value = value }
    public func reveal() -> String { value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }
    public var isEmpty: Bool { value.isEmpty }
}

/// Where a secret comes from: a literal in the file, a file path (`*_file` keys), or a systemd
/// credential name (a `*_file` value without a `/`, looked up in `$CREDENTIALS_DIRECTORY`).
/// Files are read when needed, so a rotated token is picked up (on 403 and on reload).
public struct SecretSource: Sendable, Hashable, CustomStringConvertible {
    public enum Origin: Sendable, Hashable { case literal(Secret), file(String), credential(String) }
    public var origin: Origin
    /// The config key it came from, for error messages (`clusters[0].token_file`).
    public var keyPath: String
    public init(_ origin: Origin, keyPath: String) { self.origin = origin; self.keyPath = keyPath }

    public var description: String {
        switch origin {
        case .literal: return "\(keyPath) (inline)"
        case .file(let p): return "\(keyPath) (file \(p))"
        case .credential(let n): return "\(keyPath) (credential \(n))"
        }
    }

    /// Path of the file backing this secret, if any.
    public func path(environment: [String: String]) -> String? {
        switch origin {
        case .literal: return nil
        case .file(let p): return p
        case .credential(let n):
            guard let dir = environment["CREDENTIALS_DIRECTORY"], !dir.isEmpty else { return nil }
            return dir + "/" + n
        }
    }

    /// Largest secret file read (64 KiB): a token, key or URL is far smaller, and the file comes from outside.
    public static let maxFileBytes = 64 << 10

    /// Reads the secret (trailing newline trimmed). Errors name the key and file, never the value.
    public func load(environment: [String: String]) throws(SecretError) -> Secret {
        switch origin {
        case .literal(let s): return s
        case .credential(let n) where environment["CREDENTIALS_DIRECTORY"]?.isEmpty ?? true:
            throw SecretError(message: "\(keyPath): credential \"\(n)\" requested but $CREDENTIALS_DIRECTORY is not set (use an absolute path, or LoadCredential= in the unit)")
        default:
            let path = self.path(environment: environment)!
            let data: [UInt8]
            switch BoundedRead.read(path, limit: SecretSource.maxFileBytes) {
            case .success(let bytes): data = bytes
            case .failure(.tooLarge):
                throw SecretError(message: "\(keyPath): \(path) is larger than 64 KiB; a secret file holds one token, key or URL")
            case .failure(.system):
                throw SecretError(message: "\(keyPath): cannot read \(path)")
            }
            var text = String(decoding: data, as: UTF8.self)
            while let last = text.last, last == "\n" || last == "\r" || last == " " { text.removeLast() }
            if text.isEmpty { throw SecretError(message: "\(keyPath): \(path) is empty") }
            return Secret(text)
        }
    }
}

/// A secret could not be read; the message names the key and file, never the value.
public struct SecretError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
