import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// HTTP basic authentication against bcrypt hashes, with a cache of successful verifications.
///
/// Like Prometheus' exporter-toolkit, a successful (user, password, stored hash) triple is remembered
/// as a keyed 128-bit digest (never the password itself), because bcrypt deliberately costs tens of
/// milliseconds per check. Failures are not cached. An unknown user is checked against a dummy hash
/// so response time does not reveal which user names exist. Owned by the server thread.
final class BasicAuthenticator {
    private let users: [String: String]
    private var cache: Set<CacheKey> = []
    private let verifier = BcryptVerifier()
    private static let cacheLimit = 1024
    /// bcrypt (cost 10) of a random password nobody knows.
    private static let dummyHash = "$2b$10$ef9/nnWb5/p29AbM0RLnq.iFiTsWCC8dT.UTsAnYB.LvgC.xPiBVG"

    private struct CacheKey: Hashable { var a: Int; var b: Int }

    init(users: [String: String]) { self.users = users }

    /// The user name when `authorization` (the header value) carries valid credentials, else nil.
    func authenticate(authorization: String?) -> String? {
        guard let authorization, let (user, password) = Self.parseBasic(authorization) else { return nil }
        guard let stored = users[user] else {
            _ = verifier.verify(password: password, hash: Self.dummyHash)
            return nil
        }
        let key = Self.cacheKey(user: user, password: password, hash: stored)
        if cache.contains(key) { return user }
        guard verifier.verify(password: password, hash: stored) else { return nil }
        if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache.insert(key)
        return user
    }

    private static func cacheKey(user: String, password: String, hash: String) -> CacheKey {
        // Hasher is SipHash keyed with a per-process random seed; two domain-separated digests give 128 bits.
        var h1 = Hasher(), h2 = Hasher()
        h1.combine(1 as UInt8); h2.combine(2 as UInt8)
        for s in [user, password, hash] { h1.combine(s); h2.combine(s) }
        return CacheKey(a: h1.finalize(), b: h2.finalize())
    }

    /// `Basic base64(user:password)` → (user, password); nil if malformed.
    static func parseBasic(_ header: String) -> (String, String)? {
        let trimmed = header.trimmingASCIISpaces()
        guard trimmed.count > 6, trimmed.prefix(6).lowercased() == "basic " else { return nil }
        guard let bytes = Base64.decode(trimmed.dropFirst(6).trimmingASCIISpaces()),
              let colon = bytes.firstIndex(of: ASCII.colon), !bytes.contains(0) else { return nil }
        guard let user = String(validating: bytes[..<colon], as: UTF8.self),
              let password = String(validating: bytes[(colon + 1)...], as: UTF8.self) else { return nil }
        return (user, password)
    }
}

/// Calls libcrypt's `crypt_rn` with its own scratch area (crypt_data is ~32 KiB; allocated once).
final class BcryptVerifier {
    private let size = MemoryLayout<crypt_data>.size
    private let data: UnsafeMutableRawPointer

    init() {
        data = .allocate(byteCount: size, alignment: MemoryLayout<crypt_data>.alignment)
        data.initializeMemory(as: UInt8.self, repeating: 0, count: size)
    }

    deinit {
        data.initializeMemory(as: UInt8.self, repeating: 0, count: size)  // wipe the last hash
        data.deallocate()
    }

    /// True when `hash` is a bcrypt hash (`$2a$`, `$2b$`, `$2y$`) of `password`; compared in constant time.
    func verify(password: String, hash: String) -> Bool {
        guard hash.hasPrefix("$2a$") || hash.hasPrefix("$2b$") || hash.hasPrefix("$2y$"), hash.utf8.count == 60,
              !password.utf8.contains(0) else { return false }
        let computed: [UInt8]? = password.withCString { phrase in
            hash.withCString { setting in
                guard let out = crypt_rn(phrase, setting, data, Int32(size)) else { return nil }
                return Array(UnsafeRawBufferPointer(start: out, count: strlen(out)))
            }
        }
        guard let computed else { return false }
        return Self.constantTimeEquals(computed, Array(hash.utf8))
    }

    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}

/// Standard base64 (RFC 4648 §4) decoding; padding optional, whitespace not allowed.
enum Base64 {
    static func decode(_ s: Substring) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count * 3 / 4)
        var acc: UInt32 = 0, bits = 0, padding = 0
        for c in s.utf8 {
            let v: UInt32
            switch c {
            case 0x41...0x5A: v = UInt32(c - 0x41)
            case 0x61...0x7A: v = UInt32(c - 0x61 + 26)
            case 0x30...0x39: v = UInt32(c - 0x30 + 52)
            case 0x2B: v = 62
            case 0x2F: v = 63
            case 0x3D: padding += 1; continue
            default: return nil
            }
            if padding > 0 { return nil }  // data after '='
            acc = acc << 6 | v
            bits += 6
            if bits >= 8 { bits -= 8; out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits))) }
        }
        return padding <= 2 ? out : nil
    }
}
