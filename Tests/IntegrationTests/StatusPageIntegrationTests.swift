import Foundation
import Testing

/// The status page as a person sees it: headless Chromium renders it during a sealed-node scenario.
/// The PNG is kept in artifacts/ (not in git) for a human to look at.
@Suite(.serialized, .enabled(if: IT.enabled && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")), .timeLimit(.minutes(3)))
struct StatusPageIntegrationTests {
    @Test func browserShowsTheSealedNode() async throws {
        try Cluster.healthy()
        let dir = IT.tempDir("page")
        let daemon = try DaemonProcess(config: try clusterConfig(dir: dir))
        defer { daemon.stop() }
        let address = try await daemon.address()
        try await daemon.waitFor("first cycle complete")
        let n = try Cluster.standby()
        try Cluster.run("seal", "\(n)")
        defer { try? Cluster.healthy() }
        try await daemon.waitFor("alert VaultSealed firing")
        try await Task.sleep(for: .seconds(1.2))   // one more cycle so the page shows the firing alert
        let artifacts = IT.env["SEALWATCH_ARTIFACTS"] ?? FileManager.default.currentDirectoryPath + "/artifacts"
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        let png = artifacts + "/status-page-sealed.png"
        try? FileManager.default.removeItem(atPath: png)
        let chrome = ["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                      "--user-data-dir=\(dir)/chrome", "--window-size=1100,900"]
        let shot = try sh(chrome + ["--screenshot=\(png)", "http://\(address)/"], timeout: 60)
        #expect(FileManager.default.fileExists(atPath: png), "no screenshot: \(shot.output)")
        let size = (try? FileManager.default.attributesOfItem(atPath: png)[.size] as? Int) ?? 0
        #expect(size > 10_000, "screenshot too small: \(size) bytes")
        // What the browser rendered (after parsing, as the DOM), not just what the server sent.
        let dom = try sh(chrome + ["--dump-dom", "http://\(address)/"], timeout: 60).output
        #expect(dom.contains(#"<td class="s-sealed">sealed"#), "\(dom.prefix(2000))")
        #expect(dom.contains("bao-\(n)"))
        #expect(dom.contains("VaultSealed"))
        #expect(dom.contains(#"class="v critical""#))
    }
}
