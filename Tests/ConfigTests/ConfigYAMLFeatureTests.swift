import Config
import Testing

/// The YAML features as the config loader sees them.
@Suite struct ConfigYAMLFeatureTests {
    static let node = "nodes: [{name: vault-1, address: \"http://127.0.0.1:8200\"}]"

    @Test func anchorsAndMergeKeysShareSettings() throws {
        let yaml = """
        defaults: &defaults
          interval: 5s
          timeout: 2s
        global:
          <<: *defaults
          timeout: 1s
        clusters:
          - name: a
            \(Self.node)
        """
        // `defaults` is not a config key: the merge works, and the unknown key is still reported.
        do { _ = try ConfigLoader(rules: .permissive, environment: [:]).parse(yaml); Issue.record("accepted") } catch {
            #expect(error.issues.map(\.description) == ["defaults: unknown key (allowed here: clusters, global, listen, notify, receivers, routes) (line 1, column 1)"])
        }
        let merged = try ConfigLoader(rules: .permissive, environment: [:]).parse("""
        clusters:
          - &base
            name: a
            labels: {env: prod}
            \(Self.node)
          - <<: *base
            name: b
        global:
          <<: {interval: 5s, timeout: 2s}
          timeout: 1s
        """)
        #expect(merged.global.interval == 5 && merged.global.timeout == 1)
        #expect(merged.clusters.map(\.name) == ["a", "b"])
        #expect(merged.clusters[1].labels == ["env": "prod"])
    }

    /// A bad value that arrives through a merge is reported where it is written.
    @Test func mergedValuesKeepTheirLines() {
        let yaml = """
        clusters:
          - &base
            name: a
            timeout: soon
            \(Self.node)
          - <<: *base
            name: b
        """
        do { _ = try ConfigLoader(rules: .permissive, environment: [:]).parse(yaml); Issue.record("accepted") } catch {
            #expect(error.issues.map(\.description) == [
                "clusters[0].timeout: must be a duration like 500ms, 5s, 1m or 4h, not \"soon\" (line 4, column 14)",
                "clusters[1].timeout: must be a duration like 500ms, 5s, 1m or 4h, not \"soon\" (line 4, column 14)",
            ])
        }
    }

    @Test func strTagAndQuotesMakeStrings() {
        let yaml = """
        clusters:
          - name: a
            tls: {insecure_skip_verify: !!str true}
            \(Self.node)
        """
        do { _ = try ConfigLoader(rules: .permissive, environment: [:]).parse(yaml); Issue.record("accepted") } catch {
            #expect(error.issues.map(\.description) == ["clusters[0].tls.insecure_skip_verify: must be true or false (line 3, column 33)"])
        }
    }

    /// Inside brackets indentation does not matter (as in libyaml): a flow mapping or list whose
    /// lines sit at its key's indentation, or left of it, is read like any other.
    @Test func flowCollectionsAtTheKeysIndentation() throws {
        let config = try ConfigLoader(rules: .permissive, environment: [:]).parse("""
        clusters:
          - name: prod
            labels: {
            team: x,
          env: prod
            }
            nodes: [
          {name: vault-1,
        address: "http://127.0.0.1:8200"}
        ]
        """)
        #expect(config.clusters.map(\.name) == ["prod"])
        #expect(config.clusters[0].labels == ["team": "x", "env": "prod"])
        #expect(config.clusters[0].nodes.map(\.name) == ["vault-1"])
    }

    @Test func syntaxErrorsNameLineAndColumn() {
        do { _ = try ConfigLoader(rules: .permissive, environment: [:]).parse("global:\n\tinterval: 5s\n"); Issue.record("accepted") } catch {
            #expect(error.issues.map(\.description) == ["YAML syntax error: tabs are not allowed for indentation; use spaces (line 2, column 1)"])
        }
    }
}
