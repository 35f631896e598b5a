import Systemd
import Testing

@Suite struct NotifierTests {
    @Test func absentSocketMeansNoNotifier() {
        #expect(SystemdNotifier(environment: [:]) == nil)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": ""]) == nil)
    }

    @Test(arguments: [false, true])
    func deliversExactBytes(abstract: Bool) throws {
        let listener = try DatagramListener(abstract: abstract)
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.notifySocket]))

        #expect(notifier.send(.ready, .status("monitoring 3 nodes, 0 sealed")))
        #expect(listener.receive() == "READY=1\nSTATUS=monitoring 3 nodes, 0 sealed")

        #expect(notifier.send(.watchdog))
        #expect(listener.receive() == "WATCHDOG=1")

        let before = SystemdNotifier.monotonicMicroseconds()
        #expect(notifier.send(.reloading))
        let after = SystemdNotifier.monotonicMicroseconds()
        let reload = try #require(listener.receive())
        let lines = reload.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first == "RELOADING=1")
        let usecText = try #require(lines.last?.split(separator: "=", maxSplits: 1).last.map(String.init))
        #expect(lines.last?.hasPrefix("MONOTONIC_USEC=") == true)
        let usec = try #require(UInt64(usecText))
        #expect(usec >= before && usec <= after)

        #expect(notifier.send(.stopping, .status("shutting down")))
        #expect(listener.receive() == "STOPPING=1\nSTATUS=shutting down")

        #expect(notifier.send(.mainPID(4242), .errno(5)))
        #expect(listener.receive() == "MAINPID=4242\nERRNO=5")
        #expect(listener.drain().isEmpty)
    }

    @Test func statusIsSingleLine() {
        #expect(SystemdNotifier.message([.status("a\nb\rc"), .ready], monotonicMicroseconds: 1) == "STATUS=a b c\nREADY=1")
        #expect(SystemdNotifier.message([.reloading], monotonicMicroseconds: 12345) == "RELOADING=1\nMONOTONIC_USEC=12345")
    }

    @Test func unsupportedOrMissingSocketFails() throws {
        let relative = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": "relative/path"]))
        #expect(relative.send(.ready) == false)
        #expect(throws: NotifyError.unsupportedSocket("relative/path")) { try relative.deliver([.ready]) }

        let missing = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent-dir-sealwatch/notify"]))
        #expect(missing.send(.watchdog) == false)
        #expect(throws: NotifyError.system(call: "sendto", errno: 2)) { try missing.deliver([.watchdog]) }

        let long = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": "/" + String(repeating: "x", count: 200)]))
        #expect(long.send(.ready) == false)
    }
}
