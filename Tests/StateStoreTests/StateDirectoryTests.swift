import ClusterModel
import Foundation
import Logging
@testable import StateStore
import Testing

/// A fresh directory under the system temp dir, removed by the caller.
private func scratch() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sealwatch-statedir-" + UUID().uuidString).path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

private func names(_ dir: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir).sorted() }

/// Tests run as root, whom permissions do not stop: a regular file where a directory should be is
/// the portable way to make a path unusable.
@Suite struct StateDirectoryTests {
    @Test func createsTheDirectoryAndLeavesNoProbe() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try StateDirectory.ensureWritable(dir + "/a/b")
        #expect(try names(dir + "/a/b") == [])
        try StateDirectory.ensureWritable(dir + "/a/b/")   // again, and with a trailing slash
    }

    @Test func aFileOnThePathIsCantCreate() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AtomicFile.write(Array("x".utf8), to: dir + "/file")
        #expect(throws: StateDirectoryError(subject: "state directory", path: dir + "/file/state", problem: "cannot be created",
                                            cause: FileSystemError(call: "mkdir", path: dir + "/file/state", errno: ENOTDIR))) {
            try StateDirectory.ensureWritable(dir + "/file/state")
        }
        do { try StateDirectory.ensureWritable(dir + "/file/state") } catch {
            #expect(error.description == "state directory \(dir)/file/state cannot be created: mkdir(\(dir)/file/state): Not a directory (errno 20)")
        }
    }

    @Test func aFileInPlaceOfTheDirectoryIsNotWritable() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AtomicFile.write(Array("x".utf8), to: dir + "/state")
        do { try StateDirectory.ensureWritable(dir + "/state"); Issue.record("accepted") } catch {
            #expect(error.subject == "state directory")
            #expect(error.path == dir + "/state")
            #expect(error.problem == "is not writable")
            #expect(error.cause.errno == ENOTDIR)
        }
    }

    @Test(arguments: StateDirectory.stateFiles)
    func anUnreadableStateFileStopsTheStart(_ name: String) throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/" + name, withIntermediateDirectories: false)   // read() gives EISDIR
        do { try StateDirectory.ensureWritable(dir); Issue.record("accepted") } catch {
            #expect(error.description == "state file \(dir)/\(name) exists but cannot be read (it is not replaced while it might hold state): read(\(dir)/\(name)): Is a directory (errno 21)")
        }
        // Readable files, good or corrupt, are the stores' business.
        try FileManager.default.removeItem(atPath: dir + "/" + name)
        try AtomicFile.write(Array("{not json".utf8), to: dir + "/" + name)
        try StateDirectory.ensureWritable(dir)
    }
}

@Suite struct StateFileTests {
    @Test func anIOErrorOnReadBlocksWritesUntilAReadSucceeds() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/outbox.json"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let file = StateFile(path: path)
        #expect(throws: FileSystemError(call: "read", path: path, errno: EISDIR)) { try file.read() }
        #expect(file.blockedBy?.errno == EISDIR)
        do { try file.write(Array("{}".utf8)); Issue.record("written") } catch let refusal as StateFileRefusal {
            #expect(refusal.description == "not overwriting \(path): it could not be read (read(\(path)): Is a directory (errno 21)), so it may hold state that would be lost; fix the file or its permissions and restart")
        }
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue)
        // Once the problem is fixed and a read succeeds, writing works again.
        try FileManager.default.removeItem(atPath: path)
        #expect(try file.read() == nil)
        #expect(file.blockedBy == nil)
        try file.write(Array("{}".utf8))
        #expect(try file.read() == Array("{}".utf8))
    }

    @Test func movedAsideTwiceGivesTwoNames() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = StateFile(path: dir + "/alerts.json")
        try file.write(Array("first".utf8))
        let a = try file.moveAside()
        try file.write(Array("second".utf8))
        let b = try file.moveAside()
        #expect(a != b)
        #expect(try AtomicFile.read(a) == Array("first".utf8))
        #expect(try AtomicFile.read(b) == Array("second".utf8))
        #expect(try names(dir).count == 2)
        let pattern = try Regex(#"^alerts\.json\.corrupt-[0-9]{19,}-[0-9]+(-[0-9]+)?$"#)
        for path in [a, b] { #expect(String(path.split(separator: "/").last!).wholeMatch(of: pattern) != nil, "\(path)") }
    }

    @Test func moveAsideNeverReplacesAnEarlierFile() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = StateFile(path: dir + "/alerts.json")
        let base = dir + "/alerts.json.corrupt-1-1"
        try AtomicFile.write(Array("earlier".utf8), to: base)
        try AtomicFile.write(Array("earlier too".utf8), to: base + "-1")
        try file.write(Array("now".utf8))
        #expect(try file.moveAside(base: base) == base + "-2")
        #expect(try AtomicFile.read(base) == Array("earlier".utf8))
        #expect(try AtomicFile.read(base + "-1") == Array("earlier too".utf8))
        #expect(try AtomicFile.read(base + "-2") == Array("now".utf8))
        #expect(try names(dir).count == 3)
    }
}

@Suite struct AlertStateLoadErrorTests {
    let recorder = RecordingLogHandler()
    var logger: Logger { let r = recorder; return Logger(label: "test", factory: { _ in r }) }

    @Test func unreadableStateIsNeverOverwritten() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/alerts.json", withIntermediateDirectories: false)
        try AtomicFile.write(Array("keep".utf8), to: dir + "/alerts.json/inside")
        let store = AlertStateStore(directory: dir, logger: logger)
        #expect(store.load() == nil)
        #expect(recorder.entries.map(\.level) == [.error])
        #expect(recorder.entries.first?.metadata["error"] == "read(\(dir)/alerts.json): Is a directory (errno 21)")
        #expect(throws: StateFileRefusal.self) { try store.save(AlertBook()) }
        // Nothing was moved aside or replaced: an I/O error is not bad content.
        #expect(try names(dir) == ["alerts.json"])
        #expect(try AtomicFile.read(dir + "/alerts.json/inside") == Array("keep".utf8))
    }

    @Test func corruptStateMovedAsideTwiceKeepsBoth() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = AlertStateStore(directory: dir, logger: logger)
        try AtomicFile.write(Array("{bad one".utf8), to: store.path)
        #expect(store.load() == nil)
        try AtomicFile.write(Array("{bad two".utf8), to: store.path)
        #expect(store.load() == nil)
        let aside = try names(dir)
        #expect(aside.count == 2)
        #expect(aside.allSatisfy { $0.hasPrefix("alerts.json.corrupt-") })
        #expect(Set(try aside.map { try AtomicFile.read(dir + "/" + $0)! }) == [Array("{bad one".utf8), Array("{bad two".utf8)])
        try store.save(AlertBook())   // bad content does not block saving
    }
}
