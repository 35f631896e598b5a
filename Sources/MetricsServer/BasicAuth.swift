import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// Credentials that need a bcrypt verification; `key` is their keyed digest (never the password).
struct CredentialCheck: Sendable {
    var user: String
    var password: String
    var hash: String
    var key: CredentialKey
    /// False when the user is unknown: the check runs against a dummy hash and fails.
    var knownUser: Bool
}

/// A keyed 128-bit digest of (user, password, stored hash).
struct CredentialKey: Hashable, Sendable { var a: Int; var b: Int }

/// HTTP basic authentication against bcrypt hashes, for the event loop: it decides from caches and
/// budgets at once, and hands real bcrypt checks (tens of milliseconds each) to worker threads.
///
/// - Successful (user, password, hash) triples are remembered as a keyed digest (never the password,
///   like Prometheus' exporter-toolkit), so a scraper with good credentials costs one bcrypt check.
/// - Failed triples are remembered for `failureTTL`, so repeating a wrong password costs nothing.
/// - Every other check spends a token from the client address' bucket (`burst`, refilled at
///   `perSecond`; a success gives its token back). With the bucket empty the answer is 429 at once,
///   so a flood of distinct wrong passwords cannot keep the workers busy for long.
/// - An unknown user is checked against a dummy hash, so response time does not reveal which user
///   names exist.
/// Owned by the server thread.
final class BasicAuthenticator {
    enum Decision {
        case allowed(user: String)
        /// No or malformed credentials, or credentials that failed recently (`cached`).
        case denied(cached: Bool)
        /// The address' budget of checks is spent.
        case throttled
        case check(CredentialCheck)
    }

    private let users: [String: String]
    private let burst: Double
    private let perSecond: Double
    private var successes: Set<CredentialKey> = []
    private var failures: [CredentialKey: UInt64] = [:]  // → expiry (monotonic ns)
    private var buckets: [String: (tokens: Double, updated: UInt64)] = [:]
    private static let cacheLimit = 1024
    private static let failureLimit = 4096
    private static let bucketLimit = 4096
    private static let failureTTL: UInt64 = 60_000_000_000
    /// bcrypt (cost 10) of a random password nobody knows.
    static let dummyHash = "$2b$10$ef9/nnWb5/p29AbM0RLnq.iFiTsWCC8dT.UTsAnYB.LvgC.xPiBVG"

    init(users: [String: String], burst: Int = 10, perSecond: Double = 2) {
        self.users = users
        self.burst = Double(max(1, burst))
        self.perSecond = perSecond.isFinite ? max(0, perSecond) : 0
    }

    /// What to do with a request carrying `authorization` (the header value) from `address`.
    func decide(authorization: String?, address: String, now: UInt64) -> Decision {
        guard let authorization, let (user, password) = Self.parseBasic(authorization) else { return .denied(cached: false) }
        let stored = users[user]
        let hash = stored ?? Self.dummyHash
        let key = Self.cacheKey(user: user, password: password, hash: hash)
        if stored != nil && successes.contains(key) { return .allowed(user: user) }
        if let expiry = failures[key] {
            if now < expiry { return .denied(cached: true) }
            failures[key] = nil
        }
        guard take(address, now: now) else { return .throttled }
        return .check(CredentialCheck(user: user, password: password, hash: hash, key: key, knownUser: stored != nil))
    }

    /// Records a finished check; true when the credentials are valid.
    @discardableResult
    func record(_ check: CredentialCheck, verified: Bool, address: String, now: UInt64) -> Bool {
        let ok = verified && check.knownUser
        if ok {
            if successes.count >= Self.cacheLimit { successes.removeAll(keepingCapacity: true) }
            successes.insert(check.key)
            refund(address)
        } else {
            if failures.count >= Self.failureLimit {
                failures = failures.filter { $0.value > now }
                if failures.count >= Self.failureLimit { failures.removeAll(keepingCapacity: true) }
            }
            failures[check.key] = now &+ Self.failureTTL
        }
        return ok
    }

    /// Synchronous check (only when no worker thread could be started).
    func verifyInline(_ check: CredentialCheck, address: String, now: UInt64) -> Bool {
        record(check, verified: BcryptVerifier().verify(password: check.password, hash: check.hash), address: address, now: now)
    }

    private func take(_ address: String, now: UInt64) -> Bool {
        var bucket = buckets[address] ?? (burst, now)
        bucket.tokens = min(burst, bucket.tokens + Double(now &- bucket.updated) / 1e9 * perSecond)
        bucket.updated = now
        guard bucket.tokens >= 1 else {
            buckets[address] = bucket
            return false
        }
        bucket.tokens -= 1
        if buckets[address] == nil && buckets.count >= Self.bucketLimit {
            // Forget addresses whose bucket has refilled (they would start full anyway).
            buckets = buckets.filter { $0.value.tokens + Double(now &- $0.value.updated) / 1e9 * perSecond < burst }
            if buckets.count >= Self.bucketLimit { buckets.removeAll(keepingCapacity: true) }
        }
        buckets[address] = bucket
        return true
    }

    private func refund(_ address: String) {
        if let bucket = buckets[address] { buckets[address] = (min(burst, bucket.tokens + 1), bucket.updated) }
    }

    static func cacheKey(user: String, password: String, hash: String) -> CredentialKey {
        // Hasher is SipHash keyed with a per-process random seed; two domain-separated digests give 128 bits.
        var h1 = Hasher(), h2 = Hasher()
        h1.combine(1 as UInt8); h2.combine(2 as UInt8)
        for s in [user, password, hash] { h1.combine(s); h2.combine(s) }
        return CredentialKey(a: h1.finalize(), b: h2.finalize())
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
