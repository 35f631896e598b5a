import Foundation
import Testing

/// `sealwatch check` against the real 3-node OpenBao cluster (issue: probing).
@Suite(.serialized, .enabled(if: IT.enabled), .timeLimit(.minutes(5)))
struct CheckIntegrationTests {
    func check(_ config: String, json: Bool = true) throws -> (Int32, [String: Any], String) {
        let r = try sh([IT.binary, "check", "--config", config] + (json ? ["-o", "json"] : []))
        let doc = json ? ((try? JSONSerialization.jsonObject(with: Data(r.output.utf8))) as? [String: Any] ?? [:]) : [:]
        return (r.status, doc, r.output)
    }
    func nodes(_ doc: [String: Any]) -> [[String: Any]] {
        ((doc["clusters"] as? [[String: Any]])?.first?["nodes"] as? [[String: Any]]) ?? []
    }
    func states(_ doc: [String: Any]) -> [String] { nodes(doc).map { $0["state"] as? String ?? "?" } }

    @Test func healthyClusterIsOK() throws {
        try Cluster.healthy()
        let dir = IT.tempDir("check")
        let (status, doc, out) = try check(try clusterConfig(dir: dir))
        #expect(status == 0, "\(out)")
        #expect(states(doc).filter { $0 == "active" }.count == 1)
        #expect(states(doc).filter { $0 == "standby" }.count == 2)
        let raft = (doc["clusters"] as? [[String: Any]])?.first?["raft"] as? [String: Any]
        #expect((raft?["voters"] as? [String])?.count == 3)
        #expect(raft?["healthy"] as? Bool == true)
        // Every standby names the active node.
        let leader = (doc["clusters"] as? [[String: Any]])?.first?["leader"] as? String
        #expect(nodes(doc).allSatisfy { ($0["leader_seen"] as? String) == "self" || ($0["leader_seen"] as? String) == leader })
        // The table shows the same verdict.
        let (tstatus, _, table) = try check(try clusterConfig(dir: dir), json: false)
        #expect(tstatus == 0 && table.contains("OK: dev ok") && table.contains("standby"))
    }

    @Test func sealedStandbyIsCritical() throws {
        try Cluster.healthy()
        let n = try Cluster.standby()
        try Cluster.run("seal", "\(n)")
        defer { try? Cluster.healthy() }
        let (status, doc, out) = try check(try clusterConfig(dir: IT.tempDir("sealed")))
        #expect(status == 2, "\(out)")
        #expect(states(doc)[n - 1] == "sealed")
        let alerts = (doc["clusters"] as? [[String: Any]])?.first?["alerts"] as? [[String: Any]] ?? []
        #expect(alerts.contains { $0["alertname"] as? String == "VaultSealed" && $0["node"] as? String == "bao-\(n)" })
    }

    @Test func hungNodeCostsOneTimeoutAndDelaysNobody() throws {
        try Cluster.healthy()
        let n = try Cluster.standby()
        try Cluster.run("stop", "\(n)")           // SIGSTOP: accepts TCP, never answers
        defer { _ = try? Cluster.run("cont", "\(n)"); try? Cluster.healthy() }
        let started = Date()
        let (status, doc, out) = try check(try clusterConfig(dir: IT.tempDir("hung"), timeout: "800ms", token: false))
        let elapsed = Date().timeIntervalSince(started)
        #expect(status == 2, "\(out)")
        #expect(states(doc)[n - 1] == "unreachable")
        #expect((nodes(doc)[n - 1]["error"] as? String)?.hasPrefix("timeout") == true)
        // The whole command (process start included) stays near one timeout.
        #expect(elapsed < 0.8 + 0.7, "check took \(elapsed)s")
        for (i, node) in nodes(doc).enumerated() where i != n - 1 {
            #expect((node["latency_ms"] as? Double ?? 999) < 100, "node \(i + 1) slowed down: \(node)")
        }
    }

    @Test func killedNodeIsUnreachableWithReason() throws {
        try Cluster.healthy()
        let n = try Cluster.standby()
        try Cluster.run("kill", "\(n)")
        defer { try? Cluster.healthy() }
        let (status, doc, out) = try check(try clusterConfig(dir: IT.tempDir("killed"), token: false))
        #expect(status == 2, "\(out)")
        #expect(states(doc)[n - 1] == "unreachable")
        #expect((nodes(doc)[n - 1]["error"] as? String)?.hasPrefix("connection_refused") == true, "\(nodes(doc)[n - 1])")
    }

    @Test func invalidConfigExits78NamingKeyAndLine() throws {
        let dir = IT.tempDir("badcfg")
        try "clusters:\n  - name: dev\n    nodes: [{name: a, adress: \"http://127.0.0.1:1\"}]\n".write(toFile: dir + "/bad.yml", atomically: true, encoding: .utf8)
        for cmd in [["check"], ["config", "check"], ["run"]] {
            let r = try sh([IT.binary] + cmd + ["--config", dir + "/bad.yml"])
            #expect(r.status == 78, "\(cmd): \(r.output)")
            #expect(r.output.contains("clusters[0].nodes[0].adress: unknown key"), "\(r.output)")
            #expect(r.output.contains("line 3"))
        }
    }
}

/// The same checks over TLS: a second cluster with generated certificates.
@Suite(.serialized, .enabled(if: IT.enabled && IT.env["SEALWATCH_IT_TLS"] != "0"), .timeLimit(.minutes(5)))
struct TLSIntegrationTests {
    static let dir = IT.tempDir("tls-cluster")
    static let base = IT.basePort + 100

    @discardableResult
    func tlsCluster(_ args: String...) throws -> String {
        let r = try sh([IT.script] + args, env: ["DEV_CLUSTER_DIR": TLSIntegrationTests.dir, "BASE_PORT": "\(TLSIntegrationTests.base)", "DEV_CLUSTER_TLS": "1"])
        if r.status != 0 { throw ITError("dev-cluster.sh \(args) (tls) failed:\n\(r.output)") }
        return r.output
    }

    func config(_ dir: String, ca: String) throws -> String {
        let nodes = (0..<3).map { "      - {name: bao-\($0 + 1), address: \"https://127.0.0.1:\(TLSIntegrationTests.base + 10 * $0)\"}" }
        let yaml = """
        global: {interval: 2s, timeout: 1s}
        clusters:
          - name: tls
            tls: {ca_file: \(ca)}
            nodes:
        \(nodes.joined(separator: "\n"))
        """
        try yaml.write(toFile: dir + "/c.yml", atomically: true, encoding: .utf8)
        return dir + "/c.yml"
    }

    @Test func rightCAIsOKAndWrongCAIsAClearTLSError() throws {
        try tlsCluster("up", "--tls")
        defer { _ = try? tlsCluster("down", "--purge") }
        let dir = IT.tempDir("tls")
        let good = try sh([IT.binary, "check", "--config", try config(dir, ca: TLSIntegrationTests.dir + "/tls/ca.pem")])
        #expect(good.status == 0, "\(good.output)")
        // A CA that did not sign the node certificates.
        _ = try sh(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir + "/other.key", "-out", dir + "/other.pem",
                    "-days", "1", "-subj", "/CN=other-ca"])
        let bad = try sh([IT.binary, "check", "--config", try config(dir, ca: dir + "/other.pem"), "-o", "json"])
        #expect(bad.status == 2, "\(bad.output)")
        #expect(bad.output.contains("tls_certificate"), "\(bad.output)")
        #expect(bad.output.contains("certificate"), "\(bad.output)")
    }
}
