import Config
import Foundation
import Testing

/// The loopback test behind the plain-http token rule parses the host; a prefix test would pass
/// `http://127.0.0.1.evil.example/`.
@Suite struct URLHostTests {
    static let cases: [(String, String?, Bool)] = [
        ("http://127.0.0.1.evil.example/", "127.0.0.1.evil.example", false),
        ("http://[::1]:8200", "::1", true),
        ("http://localhost:8200", "localhost", true),
        ("http://127.8.9.10", "127.8.9.10", true),
        ("http://LOCALHOST:8200/", "localhost", true),
        ("http://127.0.0.1:8200/v1/sys/health?x=1", "127.0.0.1", true),
        ("https://127.0.0.1", "127.0.0.1", true),
        ("http://[0:0:0:0:0:0:0:1]:8200", "0:0:0:0:0:0:0:1", true),
        ("http://[::ffff:127.0.0.1]:8200", "::ffff:127.0.0.1", true),
        ("http://127.0.0.1@evil.example/", "evil.example", false),
        ("http://user@127.0.0.1:8200", "127.0.0.1", true),
        ("http://localhost.evil.example:8200", "localhost.evil.example", false),
        ("http://0177.0.0.1/", "0177.0.0.1", false),      // octal to some resolvers: not 127
        ("http://127.1/", "127.1", false),                // shorthand forms are not trusted
        ("http://256.0.0.1/", "256.0.0.1", false),
        ("http://128.0.0.1/", "128.0.0.1", false),
        ("http://10.0.0.11:8200", "10.0.0.11", false),
        ("http://[::2]:8200", "::2", false),
        ("http://[::1%25lo]:8200", "::1%25lo", false),
        ("http://[::1", nil, false),
        ("http://", nil, false),
        ("127.0.0.1:8200", nil, false),
    ]

    @Test(arguments: cases)
    func parsesHostAndLoopback(_ url: String, _ host: String?, _ loopback: Bool) {
        #expect(URLHost.host(of: url) == host)
        #expect(URLHost.isLoopbackURL(url) == loopback)
    }

    @Test func plaintextRuleNeedsAToken() throws {
        // Without a token nothing secret crosses the wire: http:// anywhere is fine.
        let yaml = "clusters:\n  - name: open\n    nodes: [{name: a, address: \"http://10.0.0.1:8200\"}]\n"
        #expect(try ConfigLoader(rules: testRules, environment: [:]).parse(yaml).clusters[0].nodes[0].allowPlaintext == false)
    }

    @Test func allowPlaintextIsKept() throws {
        let c = try load("invalid-plaintext-token.yml", environment: ["CREDENTIALS_DIRECTORY": try TestCredentials.directory()],
                         dropping: ["vault-2", "vault-5"])
        #expect(c.clusters[0].nodes.map(\.allowPlaintext) == [false, true, false])
        #expect(c.clusters[0].allowPlaintext == false)
        #expect(c.clusters[1].allowPlaintext == true)
    }

    /// The fixture without the lines naming `nodes`.
    func load(_ name: String, environment: [String: String], dropping nodes: [String]) throws -> SealwatchConfig {
        let text = try String(contentsOfFile: testdata(name), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .filter { line in !nodes.contains { line.contains("name: \($0),") } }
            .joined(separator: "\n")
        return try ConfigLoader(rules: testRules, environment: environment).parse(text)
    }
}

/// Secret files every user may read (o+r) or write (o+w) are refused, as ssh refuses such keys.
@Suite struct SecretFileModeTests {
    func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sw-mode-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func cluster(_ tokenPath: String, extra: String = "") -> String {
        """
        clusters:
          - name: prod
            token_file: \(tokenPath)
        \(extra)    nodes: [{name: a, address: "https://10.0.0.1:8200"}]
        """
    }

    func issues(_ yaml: String, environment: [String: String] = [:]) -> [String] {
        do { _ = try ConfigLoader(rules: testRules, environment: environment).parse(yaml); return [] } catch {
            return error.issues.map(\.description)
        }
    }

    static let modes: [(mode_t, String?)] = [
        (0o600, nil), (0o400, nil), (0o640, nil), (0o660, nil), (0o440, nil),
        (0o644, "readable by every user (mode 0644)"),
        (0o604, "readable by every user (mode 0604)"),
        (0o602, "writable by every user (mode 0602)"),
        (0o666, "readable and writable by every user (mode 0666)"),
    ]

    @Test(arguments: modes)
    func tokenFileMode(_ mode: mode_t, _ problem: String?) throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let token = dir + "/vault-token"
        try "s.secret-token\n".write(toFile: token, atomically: true, encoding: .utf8)
        #expect(chmod(token, mode) == 0)
        let expected = problem.map {
            ["clusters[0].token_file: \(token) is \($0); restrict it (chmod o-rwx \(token); 0600 or 0640), or set allow_insecure_token_file_mode: true on the cluster (line 3, column 17)"]
        } ?? []
        let found = issues(cluster(token))
        #expect(found == expected)
        #expect(!found.joined().contains("s.secret-token"))
        // The explicit override accepts any mode.
        #expect(issues(cluster(token, extra: "    allow_insecure_token_file_mode: true\n")) == [])
    }

    @Test func oversizedSecretFileIsRefused() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let token = dir + "/vault-token"
        try String(repeating: "s", count: SecretSource.maxFileBytes + 1).write(toFile: token, atomically: true, encoding: .utf8)
        chmod(token, 0o600)
        #expect(issues(cluster(token)) == ["clusters[0].token_file: \(token) is larger than 64 KiB; a secret file holds one token, key or URL (line 3, column 17)"])
        try String(repeating: "s", count: SecretSource.maxFileBytes).write(toFile: token, atomically: true, encoding: .utf8)
        chmod(token, 0o600)
        #expect(issues(cluster(token)) == [])
    }

    @Test func credentialIsCheckedToo() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "s.secret-token\n".write(toFile: dir + "/vault-token", atomically: true, encoding: .utf8)
        chmod(dir + "/vault-token", 0o644)
        #expect(issues(cluster("vault-token"), environment: ["CREDENTIALS_DIRECTORY": dir]) == [
            "clusters[0].token_file: \(dir)/vault-token is readable by every user (mode 0644); restrict it (chmod o-rwx \(dir)/vault-token; 0600 or 0640), or set allow_insecure_token_file_mode: true on the cluster (line 3, column 17)",
        ])
        chmod(dir + "/vault-token", 0o400)   // as systemd's LoadCredential= leaves it
        #expect(issues(cluster("vault-token"), environment: ["CREDENTIALS_DIRECTORY": dir]) == [])
    }

    @Test func receiverSecretFiles() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "https://hooks.slack.com/services/T0/B0/X".write(toFile: dir + "/slack", atomically: true, encoding: .utf8)
        try "R0UT1NGKEY".write(toFile: dir + "/pd", atomically: true, encoding: .utf8)
        try "hmac".write(toFile: dir + "/hmac", atomically: true, encoding: .utf8)
        for f in ["slack", "pd", "hmac"] { chmod(dir + "/" + f, 0o644) }
        func yaml(_ extra: String) -> String {
            """
            clusters:
              - name: prod
                nodes: [{name: a, address: "https://10.0.0.1:8200"}]
            receivers:
              - name: chat
                slack: {url_file: \(dir)/slack}
            \(extra)  - name: pager
                pagerduty: {routing_key_file: \(dir)/pd}
            \(extra)  - name: hook
                webhook: {url: "https://hooks.example.com/x", hmac_secret_file: \(dir)/hmac}
            \(extra)
            """
        }
        let fix = "; restrict it (chmod o-rwx "
        #expect(issues(yaml("")) == [
            "receivers[0].slack.url_file: \(dir)/slack is readable by every user (mode 0644)\(fix)\(dir)/slack; 0600 or 0640), or set allow_insecure_secret_file_mode: true on the receiver (line 6, column 12)",
            "receivers[1].pagerduty.routing_key_file: \(dir)/pd is readable by every user (mode 0644)\(fix)\(dir)/pd; 0600 or 0640), or set allow_insecure_secret_file_mode: true on the receiver (line 8, column 16)",
            "receivers[2].webhook.hmac_secret_file: \(dir)/hmac is readable by every user (mode 0644)\(fix)\(dir)/hmac; 0600 or 0640), or set allow_insecure_secret_file_mode: true on the receiver (line 10, column 14)",
        ])
        let c = try ConfigLoader(rules: testRules, environment: [:]).parse(yaml("    allow_insecure_secret_file_mode: true\n"))
        #expect(c.receivers.map(\.allowInsecureSecretFileMode) == [true, true, true])
    }
}

/// The configuration file is capped before it is parsed.
@Suite struct ConfigSizeTests {
    let minimal = "clusters:\n  - name: prod\n    nodes: [{name: a, address: \"https://10.0.0.1:8200\"}]\n"

    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sw-size-\(UUID().uuidString).yml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `minimal` padded with comment lines to exactly `size` bytes.
    func padded(to size: Int) -> String {
        let line = "# " + String(repeating: "x", count: 1021) + "\n"   // 1 KiB
        var text = minimal
        text += String(repeating: line, count: (size - text.utf8.count) / line.utf8.count)
        text += String(repeating: "#", count: size - text.utf8.count)
        return text
    }

    @Test func fileAtTheCapLoads() throws {
        let text = padded(to: ConfigLoader.maxFileBytes)
        #expect(text.utf8.count == 4 * 1024 * 1024)
        let path = try write(text)
        defer { unlink(path) }
        #expect(try ConfigLoader(rules: testRules, environment: [:]).load(path: path).clusters.count == 1)
    }

    @Test func fileOverTheCapIsRefusedUnparsed() throws {
        // One byte over, and an invalid document: the size is reported, not the syntax.
        let path = try write(padded(to: ConfigLoader.maxFileBytes) + "{")
        defer { unlink(path) }
        do { _ = try ConfigLoader(rules: testRules, environment: [:]).load(path: path); Issue.record("accepted") } catch {
            #expect(error.issues.map(\.description) == ["the file is larger than 4 MiB (4194304 bytes), the limit for a configuration file; it was not parsed"])
            #expect(error.description.hasPrefix(path + ": 1 problem"))
        }
        do { _ = try ConfigLoader(rules: testRules, environment: [:]).parse(padded(to: ConfigLoader.maxFileBytes + 1)); Issue.record("accepted") } catch {
            #expect(error.issues.map(\.message) == ["the file is larger than 4 MiB (4194304 bytes), the limit for a configuration file; it was not parsed"])
        }
    }

    @Test func unreadableFileNamesTheReason() throws {
        let dir = FileManager.default.temporaryDirectory.path
        do { _ = try ConfigLoader(rules: testRules, environment: [:]).load(path: dir); Issue.record("accepted") } catch {
            #expect(error.issues.map(\.description) == ["cannot read the file (read: Is a directory)"])
        }
        do { _ = try ConfigLoader(rules: testRules, environment: [:]).load(path: "/nonexistent/sealwatch.yml"); Issue.record("accepted") } catch {
            #expect(error.issues.map(\.description) == ["cannot read the file (open: No such file or directory)"])
        }
    }
}

/// Numbers that would trap a bare `Int(_:)` are errors at load, and the helpers never trap.
@Suite struct HostileNumberTests {
    @Test func durationTextNeverTraps() {
        #expect(DurationText.format(1e300) == "\(Int.max / 86400)d\((Int.max % 86400) / 3600)h\((Int.max % 3600) / 60)m\(Int.max % 60)s")
        #expect(DurationText.format(.infinity) == "+Inf")
        #expect(DurationText.format(.nan) == "NaN")
        #expect(DurationText.format(-90) == "-1m30s")
        #expect(DurationText.seconds("1" + String(repeating: "0", count: 400) + "s") == nil)
        #expect(DurationText.seconds("36500d") == DurationText.maxSeconds)
    }

    @Test func durationFromSecondsSaturates() {
        #expect(Duration.seconds(double: 1e300) == .nanoseconds(Int64.max))
        #expect(Duration.seconds(double: -1e300) == .nanoseconds(Int64.min))
        #expect(Duration.seconds(double: .nan) == .zero)
        #expect(Duration.seconds(double: 1.5) == .milliseconds(1500))
    }
}
