// Times Config on a real and a large file: ConfigLoader.parse (YAML, reading, validation) and
// YAMLParser.parse alone, median thread CPU time over many runs. Built by scripts/bench/config-load.sh.
import Config
#if canImport(Glibc)
import Glibc
#endif

/// A config of about `bytes` bytes: clusters of 10 nodes, each with labels and rule overrides
/// (the shape of the generated config in Tests/ConfigTests/YAMLGeneratedTests.swift).
func generatedConfig(bytes: Int) -> String {
    var out = "global:\n  interval: 5s\n  timeout: 2s\nclusters:\n"
    var c = 0
    while out.utf8.count < bytes {
        out += "  - name: cluster-\(c)\n    labels: {env: prod, region: \"eu-\(c % 3)\"}\n    nodes:\n"
        for n in 0..<10 {
            out += "      - name: vault-\(c)-\(n)\n        address: \"https://10.\(c / 250 % 250).\(c % 250).\(n):8200\"\n"
        }
        out += "    rules:\n      HighLatency: {threshold: 50ms, window: 5m, for: 1m}\n      NoLeader:\n        for: 30s\n"
        c += 1
    }
    return out
}

/// The median CPU time of the calling thread over `runs` calls: on a shared machine, wall time
/// mostly measures the other jobs.
func median(runs: Int, _ body: () -> Void) -> Duration {
    func now() -> Duration {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return .seconds(ts.tv_sec) + .nanoseconds(ts.tv_nsec)
    }
    var times: [Duration] = []
    for _ in 0..<runs {
        let start = now()
        body()
        times.append(now() - start)
    }
    return times.sorted()[runs / 2]
}

func ms(_ d: Duration) -> String {
    let (s, atto) = d.components
    let v = Double(s) * 1000 + Double(atto) / 1e15
    return v < 10 ? String(Int(v * 1000)) + " µs" : String(Int(v * 10) / 10) + "." + String(Int(v * 10) % 10) + " ms"
}

func readFile(_ path: String) -> String {
    guard let f = fopen(path, "rb") else { fatalError("cannot open \(path)") }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        bytes += buf[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

let example = readFile(CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "config/sealwatch.example.yml")
let large = generatedConfig(bytes: 1 << 20)
let loader = ConfigLoader(rules: .permissive, environment: [:])
for (name, text, runs) in [("config/sealwatch.example.yml", example, 500), ("generated config", large, 15)] {
    var outcome = ""
    do { _ = try loader.parse(text); outcome = "valid" } catch { outcome = "\(error.issues.count) issues" }
    let load = median(runs: runs) { _ = try? loader.parse(text) }
    let parse = median(runs: runs) { _ = try? YAMLParser.parse(text) }
    print("\(name) (\(text.utf8.count) bytes, \(outcome)): ConfigLoader.parse \(ms(load)), YAMLParser.parse \(ms(parse)) (median CPU time of \(runs))")
}
