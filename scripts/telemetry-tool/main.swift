// A tiny driver of Sources/Telemetry, compiled with those sources in one swiftc call (never a
// SwiftPM product) by scripts/telemetry-diff.sh and scripts/bench/telemetry-parser.sh.
//   telemetry-tool dump FILE...       every sample of each file (the accept-all selection) in the
//                                     canonical line format below, sorted, after "=== FILE problems N"
//   telemetry-tool bench K FILE...    parse each file K times, print MB/s (accept-all and the reader)
// Built with -D TELEMETRY_PARSER_ONLY from PrometheusText.swift alone (the diff), else with
// TelemetryReader, ClusterModel and Checked too (the bench's reader column).
// Canonical sample line: name TAB label=hex(utf8 value),… sorted by label name TAB value, where the
// value is nan, inf, -inf, 0 (either sign) or the 16 hex digits of the IEEE 754 bit pattern.
import Foundation

func load(_ path: String) -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        FileHandle.standardError.write(Data("cannot read \(path)\n".utf8)); exit(66)
    }
    return [UInt8](data)
}

func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
    return String(decoding: out, as: UTF8.self)
}

func canonical(_ v: Double) -> String {
    if v.isNaN { return "nan" }
    if v == .infinity { return "inf" }
    if v == -.infinity { return "-inf" }
    if v == 0 { return "0" }
    let s = String(v.bitPattern, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}

let args = CommandLine.arguments
guard args.count >= 3 else {
    FileHandle.standardError.write(Data("usage: telemetry-tool dump FILE... | bench K FILE...\n".utf8)); exit(64)
}
switch args[1] {
case "dump":
    var out = ""
    for path in args.dropFirst(2) {
        let r = PrometheusText().parse(load(path), keeping: .all)
        out += "=== \(path) problems \(r.problemCount) truncated \(r.truncated)\n"
        for p in r.problems { out += "# \(p)\n" }
        let lines = r.samples.map { s in
            let labels = s.labels.sorted { $0.name < $1.name }.map { "\($0.name)=\(hex($0.value.utf8))" }.joined(separator: ",")
            return "\(s.name)\t\(labels)\t\(canonical(s.value))"
        }
        for line in lines.sorted() { out += line + "\n" }
        if out.utf8.count > 1 << 20 { FileHandle.standardOutput.write(Data(out.utf8)); out = "" }
    }
    FileHandle.standardOutput.write(Data(out.utf8))
case "bench":
    guard let k = Int(args[2]), k > 0 else { exit(64) }
    let parser = PrometheusText()
    let at = Date(timeIntervalSince1970: 0)
    _ = at
    for path in args.dropFirst(3) {
        let body = load(path)
        var kept = 0
        let clock = ContinuousClock()
        func mbps(_ d: Duration) -> Double {
            let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            return Double(body.count) * Double(k) / seconds / 1e6
        }
        let all = clock.measure { for _ in 0..<k { kept &+= parser.parse(body, keeping: .all).samples.count } }
        #if TELEMETRY_PARSER_ONLY
        let selection = PrometheusText.Selection(names: ["vault_expire_num_leases"], prefixes: ["vault_route_"])
        #else
        let selection = TelemetryReader.selection
        #endif
        let selected = clock.measure { for _ in 0..<k { kept &+= parser.parse(body, keeping: selection).samples.count } }
        #if TELEMETRY_PARSER_ONLY
        let reader = Duration.seconds(1e9)
        #else
        let reader = clock.measure {
            for _ in 0..<k { if case .success(let t) = TelemetryReader.read(body, contentType: nil, at: at) { kept &+= t.bytes } }
        }
        #endif
        // name bytes all-MB/s selection-MB/s reader-MB/s (kept: defeats dead-code elimination)
        print("\((path as NSString).lastPathComponent) \(body.count) \(String(format: "%.1f", mbps(all))) \(String(format: "%.1f", mbps(selected))) \(String(format: "%.1f", mbps(reader))) \(kept % 7)")
    }
default:
    exit(64)
}
