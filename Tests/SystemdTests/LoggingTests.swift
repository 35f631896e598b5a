import Logging
import Systemd
import Testing

@Suite struct LoggingTests {
    /// 2026-11-22T16:40:01.123456789Z
    static let time = WallTime(seconds: 1_795_365_601, nanoseconds: 123_456_789)

    @Test func timestamp() {
        #expect(Self.time.iso8601 == "2026-11-22T16:40:01.123Z")
        #expect(WallTime(seconds: 0, nanoseconds: 5_000_000).iso8601 == "1970-01-01T00:00:00.005Z")
    }

    @Test func consoleLineThroughLogger() {
        let sink = LineSink()
        let output = ConsoleOutput { sink.append($0) }
        var logger = Logger(label: "test") { label in
            ConsoleLogHandler(label: label, level: .info, output: output, metadataProvider: nil, clock: { Self.time })
        }
        logger[metadataKey: "node"] = "vault-2"
        logger.info("state changed: standby → sealed", metadata: ["cluster": "prod"])
        logger.debug("not shown")
        logger.warning("probe failed", metadata: ["error": "timeout after 2s", "detail": "line1\nline2", "q": "say \"hi\""])
        logger.error("multi\nline message")
        #expect(sink.all == [
            "2026-11-22T16:40:01.123Z info  cluster=prod node=vault-2 state changed: standby → sealed\n",
            "2026-11-22T16:40:01.123Z warn  detail=\"line1\\nline2\" error=\"timeout after 2s\" node=vault-2 q=\"say \\\"hi\\\"\" probe failed\n",
            "2026-11-22T16:40:01.123Z error node=vault-2 multi\\nline message\n",
        ])
    }

    @Test(arguments: [
        (Logger.Level.trace, "trace "), (.debug, "debug "), (.info, "info  "), (.notice, "note  "),
        (.warning, "warn  "), (.error, "error "), (.critical, "crit  "),
    ])
    func levelColumn(level: Logger.Level, column: String) {
        #expect(ConsoleLogHandler.line(time: Self.time, level: level, metadata: [:], message: "m")
            == "2026-11-22T16:40:01.123Z " + column + "m\n")
    }

    @Test func colourOnlyWrapsTheLevel() {
        #expect(ConsoleLogHandler.line(time: Self.time, level: .error, metadata: ["a": "b"], message: "m", colour: true)
            == "2026-11-22T16:40:01.123Z \u{1b}[31merror\u{1b}[0m a=b m\n")
    }

    @Test func journalFields() {
        let fields = JournalLogHandler.fields(
            level: .warning, message: "node sealed",
            metadata: ["node": "vault-2", "cluster": "prod", "alert": "VaultSealed", "http.status": "503", "note": "a\nb"],
            file: "Sources/Probing/Probe.swift", function: "probe(_:)", line: 42)
        #expect(fields == [
            "MESSAGE=alert=VaultSealed cluster=prod http.status=503 node=vault-2 note=\"a\\nb\" node sealed",
            "PRIORITY=4",
            "SYSLOG_IDENTIFIER=sealwatch",
            "CODE_FILE=Sources/Probing/Probe.swift",
            "CODE_LINE=42",
            "CODE_FUNC=probe(_:)",
            "SEALWATCH_ALERT=VaultSealed",
            "SEALWATCH_CLUSTER=prod",
            "SEALWATCH_HTTP_STATUS=503",
            "SEALWATCH_NODE=vault-2",
            "SEALWATCH_NOTE=a\\nb",
        ])
    }

    @Test(arguments: [
        (Logger.Level.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
    ])
    func priority(level: Logger.Level, expected: Int) {
        #expect(JournalLogHandler.priority(level) == expected)
    }

    @Test(arguments: [
        ("cluster", "SEALWATCH_CLUSTER"), ("node", "SEALWATCH_NODE"), ("http.status", "SEALWATCH_HTTP_STATUS"),
        ("retry-after", "SEALWATCH_RETRY_AFTER"), ("Ünïcode", "SEALWATCH__N_CODE"),
        (String(repeating: "k", count: 80), "SEALWATCH_" + String(repeating: "K", count: 54)),
    ])
    func fieldName(key: String, expected: String) {
        #expect(JournalLogHandler.fieldName(key) == expected)
    }

    @Test(arguments: [
        ("64769:1234", true), ("64769:1235", false), ("64768:1234", false), (nil, false), ("", false),
        ("64769", false), ("64769:1234:5", false), ("x:1234", false), ("64769:", false),
    ] as [(String?, Bool)])
    func journalStream(value: String?, expected: Bool) {
        #expect(LogSetup.journalStreamMatches(value, device: 64769, inode: 1234) == expected)
    }

    @Test func stderrIsNotTheJournalWithoutJournalStream() {
        #expect(LogSetup.stderrIsJournal(environment: [:]) == false)
        #expect(LogSetup.stderrIsJournal(environment: ["JOURNAL_STREAM": "0:0"]) == false)
    }
}
