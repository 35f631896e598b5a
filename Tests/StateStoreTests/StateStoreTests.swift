import ClusterModel
import Foundation
import Logging
import StateStore
import Testing

private let t0 = Date(timeIntervalSince1970: 1_800_000_000)

private func sampleBook() -> AlertBook {
    let firing = Alert(labels: ["alertname": "VaultSealed", "cluster": "prod", "node": "vault-1", "severity": "critical"],
                       annotations: ["summary": "vault-1 is sealed", "runbook_url": "https://example/VaultSealed"],
                       state: .firing, activeAt: t0, firedAt: t0.addingTimeInterval(30), lastTrueAt: t0.addingTimeInterval(60), value: 1)
    let pending = Alert(labels: ["alertname": "NoLeader", "cluster": "prod", "severity": "critical"],
                        annotations: ["summary": "no active node in prod"], state: .pending, activeAt: t0.addingTimeInterval(45), value: 0)
    return AlertBook(alerts: [firing, pending], lastEvaluation: t0.addingTimeInterval(60), learnedPeers: ["prod": ["a", "b", "c"]])
}

/// A fresh directory under the system temp dir, removed by the caller.
private func scratchDirectory() throws -> String {
    let dir = NSTemporaryDirectory() + "/sealwatch-state-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

private func files(in dir: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
}

@Suite struct AlertBookCodingTests {
    @Test func jsonRoundTrip() throws {
        let book = sampleBook()
        let data = try JSONEncoder().encode(book)
        let back = try JSONDecoder().decode(AlertBook.self, from: data)
        #expect(back == book)
        // Alerts are an array sorted by key (cluster, alertname, node), not a flattened dictionary.
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let alerts = try #require(json["alerts"] as? [[String: Any]])
        #expect(alerts.compactMap { ($0["labels"] as? [String: String])?["alertname"] } == ["NoLeader", "VaultSealed"])
    }

    @Test func emptyBookRoundTrip() throws {
        let back = try JSONDecoder().decode(AlertBook.self, from: JSONEncoder().encode(AlertBook()))
        #expect(back == AlertBook())
    }
}

/// A log handler that records messages (and prints nothing).
final class RecordingLogHandler: LogHandler, @unchecked Sendable {
    struct Entry: Sendable { var level: Logger.Level; var message: String; var metadata: [String: String] }
    private let lock = NSLock()
    private var _entries: [Entry] = []
    var entries: [Entry] { lock.withLock { _entries } }
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let flat = (event.metadata ?? [:]).mapValues { "\($0)" }
        lock.withLock { _entries.append(Entry(level: event.level, message: "\(event.message)", metadata: flat)) }
    }
}

@Suite struct AlertStateStoreTests {
    let recorder = RecordingLogHandler()
    var logger: Logger { let r = recorder; return Logger(label: "test", factory: { _ in r }) }

    @Test func missingFileLoadsNil() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(AlertStateStore(directory: dir, logger: logger).load() == nil)
    }

    @Test func roundTrip() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = AlertStateStore(directory: dir + "/nested", logger: logger)
        try store.save(sampleBook())
        #expect(store.load() == sampleBook())
        var changed = sampleBook()
        changed.alerts.removeAll()
        try store.save(changed)
        #expect(AlertStateStore(directory: dir + "/nested", logger: logger).load() == changed)
        #expect(try files(in: dir + "/nested") == ["alerts.json"])
        let text = String(decoding: try #require(try AtomicFile.read(store.path)), as: UTF8.self)
        #expect(text.contains("\"version\" : 1"))
        var st = stat()
        #expect(stat(store.path, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
    }

    @Test(arguments: ["{not json", "{\"version\": 99, \"book\": {\"alerts\": []}}", ""])
    func corruptFileIsMovedAside(content: String) throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AtomicFile.write(Array(content.utf8), to: dir + "/alerts.json")
        let store = AlertStateStore(directory: dir, logger: logger)
        #expect(store.load() == nil)
        let names = try files(in: dir)
        #expect(names.count == 1)
        #expect(names[0].hasPrefix("alerts.json.corrupt-"))
        #expect(try AtomicFile.read(dir + "/" + names[0]) == Array(content.utf8))
        let logged = recorder.entries
        #expect(logged.count == 1)
        #expect(logged.first?.level == .error)
        #expect(logged.first?.metadata["moved_to"] == dir + "/" + names[0])
        // The next save starts a fresh file.
        try store.save(sampleBook())
        #expect(store.load() == sampleBook())
    }

    @Test func interruptedWriteLeavesOldFileIntact() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = AlertStateStore(directory: dir, logger: logger)
        try store.save(sampleBook())
        // A crash mid-write leaves a truncated temp file next to the good one.
        try Data("{\"version\": 1, \"book\": {\"al".utf8).write(to: URL(fileURLWithPath: store.path + ".tmp"))
        #expect(store.load() == sampleBook())
        #expect(try files(in: dir) == ["alerts.json", "alerts.json.tmp"])
        try store.save(AlertBook())
        #expect(store.load() == AlertBook())
        #expect(try files(in: dir) == ["alerts.json"])
    }
}

@Suite struct AtomicFileTests {
    @Test func readMissingIsNil() throws {
        #expect(try AtomicFile.read("/nonexistent-sealwatch/x") == nil)
    }

    @Test func writeReplacesContent() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/outbox.json"
        try AtomicFile.write(Array("first".utf8), to: path)
        try AtomicFile.write(Data("second, longer".utf8), to: path)
        #expect(try AtomicFile.read(path) == Array("second, longer".utf8))
        let big = [UInt8](repeating: 7, count: 300_000)
        try AtomicFile.write(big, to: path)
        #expect(try AtomicFile.read(path) == big)
    }

    @Test func writeIntoMissingDirectoryThrows() {
        #expect(throws: FileSystemError.self) { try AtomicFile.write([1], to: "/nonexistent-sealwatch/dir/file") }
    }
}
