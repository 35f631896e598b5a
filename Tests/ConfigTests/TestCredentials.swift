import Foundation

/// A `$CREDENTIALS_DIRECTORY` for the fixtures: `vault-token` with mode 0400, as systemd leaves it.
enum TestCredentials {
    private static let made: Result<String, any Error> = Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sw-fixture-creds-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "s.fixture-token\n".write(toFile: dir + "/vault-token", atomically: true, encoding: .utf8)
        chmod(dir + "/vault-token", 0o400)
        return dir
    }

    static func directory() throws -> String { try made.get() }
}
