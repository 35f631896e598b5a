@testable import CurlTransport
import HTTPTransport
import Testing

@Suite("CurlTransport pure helpers")
struct CurlPureTests {
    @Test(arguments: [
        (28, 0, TransportError.Kind.timeout),
        (7, 111, .connectionRefused),          // ECONNREFUSED
        (7, 113, .connectionFailed),           // EHOSTUNREACH
        (6, 0, .dns),
        (60, 0, .tlsCertificate),
        (51, 0, .tlsCertificate),
        (83, 0, .tlsCertificate),
        (35, 0, .tlsHandshake),
        (58, 0, .tlsHandshake),
        (59, 0, .tlsHandshake),
        (63, 0, .responseTooLarge),
        (77, 0, .invalidRequest),
        (3, 0, .invalidRequest),
        (1, 0, .protocolError),
        (8, 0, .protocolError),
        (18, 0, .protocolError),
        (52, 0, .connectionFailed),
        (56, 0, .connectionFailed),
        (42, 0, .cancelled),
    ])
    func curlCodeMapsToKind(code: UInt32, osErrno: Int, kind: TransportError.Kind) {
        #expect(CurlErrorMapping.kind(code: code, osErrno: osErrno, exceededLimit: false) == kind)
    }

    @Test func writeAbortPastTheCapIsTooLarge() {
        #expect(CurlErrorMapping.kind(code: 23, osErrno: 0, exceededLimit: true) == .responseTooLarge)
    }

    @Test(arguments: [
        ("https://user:pw@vault:8200/v1/sys/health?token=x#f", "https://vault:8200/v1/sys/health"),
        ("http://127.0.0.1:8200/v1/sys/leader", "http://127.0.0.1:8200/v1/sys/leader"),
        ("https://hooks.example/services/T0?key=abc", "https://hooks.example/services/T0"),
        ("https://a@b.example", "https://b.example"),
        ("not a url?secret", "not a url"),
    ])
    func redaction(url: String, expected: String) {
        #expect(Redaction.redact(url: url) == expected)
    }

    @Test func scrubRemovesSecretsFromCurlText() {
        let url = "https://admin:topsecret@vault:8200/x?token=s.abc"
        let text = "Could not resolve host in https://admin:topsecret@vault:8200/x?token=s.abc (topsecret)"
        let scrubbed = Redaction.scrub(text, url: url)
        #expect(!scrubbed.contains("topsecret"))
        #expect(!scrubbed.contains("s.abc"))
        #expect(scrubbed.contains("https://vault:8200/x"))
    }

    @Test func originKeepsSchemeAndAuthorityOnly() {
        #expect(Redaction.origin(of: "HTTPS://u:p@Vault.example:8200/v1?x") == "https://Vault.example:8200")
    }

    @Test(arguments: [
        ("https://10.0.0.11:8200/v1/sys/health?x=1", "vault.internal",
         "https://vault.internal:8200/v1/sys/health?x=1", "vault.internal:8200:10.0.0.11:8200"),
        ("https://127.0.0.1/v1/sys/health", "vault.test", "https://vault.test/v1/sys/health", "vault.test:443:127.0.0.1:443"),
        ("https://[::1]:8200/", "vault.test", "https://vault.test:8200/", "vault.test:8200:[::1]:8200"),
    ])
    func serverNameRewrite(url: String, name: String, rewritten: String, connectTo: String) throws {
        let result = try #require(URLRewrite.connectTo(url: url, serverName: name))
        #expect(result.url == rewritten)
        #expect(result.connectTo == connectTo)
    }

    @Test(arguments: [
        ("Jan  1 00:00:00 1970 GMT", 0.0),
        ("Nov 22 10:30:05 2027 GMT", 1_826_879_405.0),
        ("Feb 29 23:59:59 2028 GMT", 1_835_481_599.0),
    ])
    func certificateDates(text: String, epoch: Double) {
        #expect(CertificateDate.parse(text) == epoch)
    }

    @Test(arguments: ["", "Foo 1 00:00:00 2027 GMT", "Jan 1 25:00:00 2027 GMT", "Jan 1 2027",
                      "Jan 1 00:00:00 900000000000000000 GMT", "Jan 1 00:00:00 -5 GMT"])
    func badCertificateDates(text: String) {
        #expect(CertificateDate.parse(text) == nil)
    }

    @Test func cumulativeTimesBecomePhases() {
        let fresh = TransferTimings.fromCumulative(nameLookup: 100, connect: 300, appConnect: 1300, preTransfer: 1350,
                                                  startTransfer: 5350, total: 5400, reusedConnection: false)
        #expect(fresh == TransferTimings(dns: .microseconds(100), connect: .microseconds(200), tls: .microseconds(1000),
                                         firstByte: .microseconds(4000), transfer: .microseconds(50),
                                         total: .microseconds(5400), reusedConnection: false))
        let reused = TransferTimings.fromCumulative(nameLookup: 0, connect: 0, appConnect: 0, preTransfer: 40,
                                                   startTransfer: 300, total: 320, reusedConnection: true)
        #expect(reused == TransferTimings(firstByte: .microseconds(260), transfer: .microseconds(20),
                                          total: .microseconds(320), reusedConnection: true))
    }

    @Test(arguments: [(Duration.seconds(2), 2000), (.milliseconds(1500), 1500), (.microseconds(999), 0), (.seconds(-1), -1000)])
    func durationMilliseconds(duration: Duration, ms: Int) {
        #expect(duration.wholeMilliseconds == ms)
    }
}
