// libFuzzer harness for Sealwatch's HTTP request parser (Sources/MetricsServer/HTTPRequestParser.swift).
// Built by `scripts/fuzz/run.sh SECONDS http` together with the parser's two dependency-free source files.
//
// Besides "does not crash", it checks invariants on every input:
//  - a parsed request consumed between 1 and `size` bytes, is GET or HEAD, and its path starts with "/";
//  - feeding a prefix first and then the whole input gives the same result as parsing the whole input
//    (the incremental scanner never changes its verdict because input arrived in pieces);
//  - parsing a pipelined stream request by request terminates and always makes progress.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buffer = UnsafeRawBufferPointer(start: data, count: size)
    let limit = 1024

    var parser = HTTPRequestParser(maxHeaderBytes: limit)
    let whole = parser.parse(buffer)
    check(whole, size: size)

    if size > 1 {
        let cut = 1 + Int(data[size - 1]) % (size - 1)
        var split = HTTPRequestParser(maxHeaderBytes: limit)
        let first = split.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<cut]))
        if case .needMore = first {
            precondition(split.parse(buffer) == whole, "split parse disagrees with whole parse")
        } else {
            precondition(first == whole, "prefix verdict differs from whole verdict")
        }
    }

    var offset = 0
    var pipelined = HTTPRequestParser(maxHeaderBytes: limit)
    while offset < size {
        let result = pipelined.parse(UnsafeRawBufferPointer(rebasing: buffer[offset...]))
        guard case .request(_, let consumed) = result else { break }
        check(result, size: size - offset)
        offset += consumed
    }
    return 0
}

private func check(_ result: HTTPParseResult, size: Int) {
    switch result {
    case .needMore:
        break
    case .request(let head, let consumed):
        precondition(consumed >= 1 && consumed <= size, "consumed out of range")
        precondition(head.method == "GET" || head.method == "HEAD", "unexpected method")
        precondition(head.path.hasPrefix("/"), "path without a leading slash")
        precondition(!head.path.contains("\0"), "NUL in path")
        precondition(head.version.major == 1, "unexpected version")
    case .error(let error):
        precondition([400, 405, 413, 414, 431, 505].contains(error.status), "unexpected status \(error.status)")
    }
}
