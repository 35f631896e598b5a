import CurlTransport
import Foundation
import HTTPTransport
import Logging
import Synchronization
import Testing

/// A throwaway PKI (two CAs, a server certificate for `vault.test` only) and a Python `ssl` HTTPS
/// server on 127.0.0.1 using it. The server exits when the test closes its stdin.
final class TLSFixture: Sendable {
    let directory: String
    let port: Int
    private let server: Process
    private let serverInput: Pipe

    var caFile: String { directory + "/ca.pem" }
    var otherCAFile: String { directory + "/other-ca.pem" }
    var url: String { "https://127.0.0.1:\(port)/v1/sys/health" }
    static let serverName = "vault.test"
    static let validityDays = 30

    static func make() async throws -> TLSFixture {
        let directory = NSTemporaryDirectory() + "sealwatch-tls-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        let days = ["-days", "\(validityDays)"]
        try await run("openssl", ["req", "-x509"] + ec + days + ["-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=Sealwatch Test CA"], in: directory)
        try await run("openssl", ["req", "-x509"] + ec + days + ["-keyout", "other-ca.key", "-out", "other-ca.pem", "-subj", "/CN=Other CA"], in: directory)
        try await run("openssl", ["req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=\(serverName)"], in: directory)
        try "subjectAltName=DNS:\(serverName)\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            .write(toFile: directory + "/ext.cnf", atomically: true, encoding: .utf8)
        try await run("openssl", ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                                  "-out", "server.pem", "-extfile", "ext.cnf"] + days, in: directory)
        try serverScript.write(toFile: directory + "/server.py", atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", directory + "/server.py", directory + "/server.pem", directory + "/server.key"]
        let output = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = try await firstLine(of: output.fileHandleForReading, timeout: .seconds(10))
        guard let port = Int(line) else { throw FixtureError(message: "TLS server said \(line)") }
        return TLSFixture(directory: directory, port: port, server: process, serverInput: input)
    }

    private init(directory: String, port: Int, server: Process, serverInput: Pipe) {
        self.directory = directory
        self.port = port
        self.server = server
        self.serverInput = serverInput
    }

    func close() {
        try? serverInput.fileHandleForWriting.close()  // the server exits on stdin EOF
        server.terminate()
        try? FileManager.default.removeItem(atPath: directory)
    }

    struct FixtureError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Runs a command to completion without blocking the cooperative pool.
    static func run(_ tool: String, _ arguments: [String], in directory: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        guard status == 0 else { throw FixtureError(message: "\(tool) \(arguments.first ?? "") exited \(status)") }
    }

    /// The first line the handle yields, or a timeout error.
    static func firstLine(of handle: FileHandle, timeout: Duration) async throws -> String {
        let reader = LineReader()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, any Error>) in
            reader.state.withLock { $0.continuation = continuation }
            handle.readabilityHandler = { handle in
                if reader.feed(handle.availableData) { handle.readabilityHandler = nil }
            }
            Task {
                try? await Task.sleep(for: timeout)
                reader.finish(.failure(FixtureError(message: "no line from the process within \(timeout)")))
            }
        }
    }

    /// Collects bytes until a newline and resumes its continuation exactly once.
    final class LineReader: Sendable {
        let state = Mutex<(buffer: [UInt8], continuation: CheckedContinuation<String, any Error>?)>(([], nil))

        /// Returns true once the line (or EOF) was delivered.
        func feed(_ data: Data) -> Bool {
            if data.isEmpty {
                finish(.failure(FixtureError(message: "the process exited before printing a line")))
                return true
            }
            let line: String? = state.withLock { state in
                state.buffer += data
                return state.buffer.firstIndex(of: 10).map { String(decoding: state.buffer[..<$0], as: UTF8.self) }
            }
            guard let line else { return false }
            finish(.success(line))
            return true
        }

        func finish(_ result: Result<String, any Error>) {
            let continuation = state.withLock { state in
                defer { state.continuation = nil }
                return state.continuation
            }
            continuation?.resume(with: result)
        }
    }

    static let serverScript = #"""
    import http.server, os, ssl, sys, threading

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def do_GET(self):
            body = b'{"initialized":true,"sealed":false,"standby":false}'
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
            self.wfile.write(head + body)  # one write: no Nagle stall on keep-alive
        def log_message(self, *args):
            pass

    def exit_on_stdin_eof():
        sys.stdin.read()
        os._exit(0)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=exit_on_stdin_eof, daemon=True).start()
    print(server.server_address[1], flush=True)
    server.serve_forever()
    """#
}

@Suite("CurlTransport over TLS")
struct TLSTests {
    let transport = CurlTransport(logger: Logger(label: "test.curl.tls"))

    @Test func trustedCAAndServerNameOverrideSucceed() async throws {
        let fixture = try await TLSFixture.make()
        defer { fixture.close(); transport.shutdown() }
        let tls = TLSOptions(caFile: fixture.caFile, serverName: TLSFixture.serverName)
        let first = try await transport.send(HTTPRequest(url: fixture.url, tls: tls))
        let second = try await transport.send(HTTPRequest(url: fixture.url, tls: tls))
        #expect(first.status == 200)
        #expect(first.bodyText.contains(#""sealed":false"#))
        #expect(first.timings.tls > .zero)
        #expect(first.timings.reusedConnection == false)
        #expect(second.timings.reusedConnection == true)
        #expect(second.timings.tls == .zero)
        let expiry = try #require(first.peerCertificateExpiry)
        let expected = Date().timeIntervalSince1970 + Double(TLSFixture.validityDays * 86_400)
        #expect(abs(expiry - expected) < 3_600)
        #expect(second.peerCertificateExpiry == expiry)  // from the per-origin cache on a reused connection
    }

    @Test func untrustedCAIsACertificateError() async throws {
        let fixture = try await TLSFixture.make()
        defer { fixture.close(); transport.shutdown() }
        let request = HTTPRequest(url: fixture.url, tls: TLSOptions(caFile: fixture.otherCAFile, serverName: TLSFixture.serverName))
        let error = try await #require(throws: TransportError.self) { try await transport.send(request) }
        #expect(error.kind == .tlsCertificate)
        #expect(error.detail.contains("unable to get local issuer certificate"), "\(error.detail)")
    }

    @Test func nameMismatchIsACertificateError() async throws {
        let fixture = try await TLSFixture.make()
        defer { fixture.close(); transport.shutdown() }
        let request = HTTPRequest(url: fixture.url, tls: TLSOptions(caFile: fixture.caFile))
        let error = try await #require(throws: TransportError.self) { try await transport.send(request) }
        #expect(error.kind == .tlsCertificate)
        #expect(error.detail.contains("127.0.0.1"), "\(error.detail)")
    }

    @Test func insecureSkipVerifyAcceptsAnyCertificate() async throws {
        let fixture = try await TLSFixture.make()
        defer { fixture.close(); transport.shutdown() }
        let response = try await transport.send(HTTPRequest(url: fixture.url, tls: TLSOptions(insecureSkipVerify: true)))
        #expect(response.status == 200)
    }

    @Test func unreadableCAFileIsAnInvalidRequest() async throws {
        let fixture = try await TLSFixture.make()
        defer { fixture.close(); transport.shutdown() }
        let request = HTTPRequest(url: fixture.url, tls: TLSOptions(caFile: fixture.directory + "/missing.pem"))
        let error = try await #require(throws: TransportError.self) { try await transport.send(request) }
        #expect(error.kind == .invalidRequest, "\(error)")
    }

    @Test func plainHTTPToATLSPortFails() async throws {
        let fixture = try await TLSFixture.make()
        defer { fixture.close(); transport.shutdown() }
        let request = HTTPRequest(url: "http://127.0.0.1:\(fixture.port)/", timeout: .seconds(2))
        let error = try await #require(throws: TransportError.self) { try await transport.send(request) }
        #expect([.protocolError, .connectionFailed].contains(error.kind), "\(error)")
    }
}
