import Foundation
import Logging
@testable import Notify
import StateStore
import Testing

/// An outbox that cannot be read (an I/O error, not bad content) is never replaced by an empty one.
@Suite struct OutboxLoadErrorTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func unreadableOutboxIsNotOverwritten() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sw-outbox-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/outbox.json", withIntermediateDirectories: true)   // read(): EISDIR
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outbox = Outbox(directory: dir, logger: logger)
        await outbox.load()
        outbox.state.withLock { $0.version += 1 }
        await outbox.persist()
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: dir + "/outbox.json", isDirectory: &isDirectory) && isDirectory.boolValue)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["outbox.json"])
    }

    @Test func corruptOutboxIsMovedAsideUnderAUniqueName() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sw-outbox-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for content in ["{bad one", "{bad two"] {
            try AtomicFile.write(Array(content.utf8), to: dir + "/outbox.json")
            await Outbox(directory: dir, logger: logger).load()
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(names.count == 2)
        #expect(names.allSatisfy { $0.hasPrefix("outbox.json.corrupt-") })
    }
}
