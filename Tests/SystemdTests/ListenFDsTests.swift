import Systemd
import Testing

@Suite struct ListenFDsTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let environment: [String: String]
        let expected: Result<[InheritedSocket], SystemdEnvironmentError>
        var testDescription: String { name }
    }

    static let pid: Int32 = 777
    static let cases: [Case] = [
        .init(name: "nothing set", environment: [:], expected: .success([])),
        .init(name: "pid unset", environment: ["LISTEN_FDS": "1"], expected: .success([])),
        .init(name: "wrong pid", environment: ["LISTEN_PID": "778", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "metrics"], expected: .success([])),
        .init(name: "fds unset", environment: ["LISTEN_PID": "777"], expected: .success([])),
        .init(name: "zero fds", environment: ["LISTEN_PID": "777", "LISTEN_FDS": "0"], expected: .success([])),
        .init(name: "one named", environment: ["LISTEN_PID": "777", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "metrics"],
              expected: .success([.init(fd: 3, name: "metrics")])),
        .init(name: "two named", environment: ["LISTEN_PID": "777", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "admin:metrics"],
              expected: .success([.init(fd: 3, name: "admin"), .init(fd: 4, name: "metrics")])),
        .init(name: "no names", environment: ["LISTEN_PID": "777", "LISTEN_FDS": "2"],
              expected: .success([.init(fd: 3, name: "unknown"), .init(fd: 4, name: "unknown")])),
        .init(name: "fewer names", environment: ["LISTEN_PID": "777", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "metrics"],
              expected: .failure(.init(variables: ["LISTEN_FDS", "LISTEN_FDNAMES"], reason: "LISTEN_FDS=2 but LISTEN_FDNAMES holds 1 name(s)"))),
        .init(name: "more names", environment: ["LISTEN_PID": "777", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "a:b:c"],
              expected: .failure(.init(variables: ["LISTEN_FDS", "LISTEN_FDNAMES"], reason: "LISTEN_FDS=1 but LISTEN_FDNAMES holds 3 name(s)"))),
        .init(name: "garbage pid", environment: ["LISTEN_PID": "me", "LISTEN_FDS": "1"],
              expected: .failure(.init(variables: ["LISTEN_PID"], reason: "expected a pid, got \"me\""))),
        .init(name: "garbage count", environment: ["LISTEN_PID": "777", "LISTEN_FDS": "-1"],
              expected: .failure(.init(variables: ["LISTEN_FDS"], reason: "expected a count of fds, got \"-1\""))),
    ]

    @Test(arguments: cases)
    func parse(_ c: Case) {
        let got = Result { () throws(SystemdEnvironmentError) -> [InheritedSocket] in
            try ListenFDs.parse(environment: c.environment, pid: Self.pid)
        }
        #expect(got == c.expected)
    }

    @Test func mismatchErrorNamesTheVariables() {
        let error = #expect(throws: SystemdEnvironmentError.self) {
            try ListenFDs.parse(environment: ["LISTEN_PID": "1", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "x"], pid: 1)
        }
        #expect(error?.description == "LISTEN_FDS/LISTEN_FDNAMES: LISTEN_FDS=2 but LISTEN_FDNAMES holds 1 name(s)")
    }

    @Test func selectMetrics() throws {
        #expect(try ListenFDs.selectMetrics(from: []) == nil)
        #expect(try ListenFDs.selectMetrics(from: [.init(fd: 3, name: "unknown")]) == .init(fd: 3, name: "unknown"))
        #expect(try ListenFDs.selectMetrics(from: [.init(fd: 3, name: "admin"), .init(fd: 4, name: "metrics")])
            == .init(fd: 4, name: "metrics"))
        #expect(throws: SystemdEnvironmentError.self) {
            try ListenFDs.selectMetrics(from: [.init(fd: 3, name: "a"), .init(fd: 4, name: "b")])
        }
    }

    @Test func metricsSocketWithoutActivation() throws {
        #expect(try ListenFDs.metricsSocket(environment: [:]) == nil)
        #expect(try ListenFDs.metricsSocket(environment: ["LISTEN_PID": "1", "LISTEN_FDS": "1"], pid: 2) == nil)
    }
}
