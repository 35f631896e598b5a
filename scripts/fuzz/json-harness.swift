// libFuzzer harness for Probing's JSON scanner (the reader of every Vault response body), built by `scripts/fuzz/run.sh SECONDS json`.
// Invariants: never crash, never read out of bounds (ASan), and a document that parses still
// parses after surrounding whitespace is added.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let value = JSONValue.parse(bytes)
    if let value {
        let padded = [0x20, 0x0A] + bytes + [0x09, 0x0D]
        precondition(JSONValue.parse(padded) == value, "whitespace changed the result")
    }
    return 0
}
