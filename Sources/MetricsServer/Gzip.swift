import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// A reusable zlib deflate stream producing gzip members (windowBits 31). Not thread-safe: the server
/// thread owns one and reuses its ~256 KiB of state for every response.
final class GzipCompressor {
    private let stream: UnsafeMutablePointer<z_stream>
    private let ready: Bool

    /// Level 1 (fastest): metrics text still shrinks ~10×, and the server thread stays responsive.
    init(level: Int32 = 1) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        ready = clinux_deflate_init_gzip(stream, level) == Z_OK
    }

    deinit {
        scratch?.deallocate()
        if ready { deflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// The last input compressed and its encoding. Holding `input` keeps its storage alive, so a later
    /// body with the same base address and count is the same (immutable, shared) storage: the same
    /// bytes. The daemon serves one published exposition to every scrape until the next cycle, so a
    /// burst of gzip scrapes costs one compression and shares one compressed buffer.
    private var last: (input: [UInt8], output: [UInt8])?
    /// Deflate's output area, reused: a fresh array of `deflateBound` capacity per response would keep
    /// the uncompressed size allocated for as long as the (10× smaller) response is queued.
    private var scratch: UnsafeMutableRawBufferPointer?

    /// The gzip encoding of `input` in an array whose capacity is its size, or nil if zlib failed
    /// (the caller then sends it uncompressed).
    func compress(_ input: [UInt8]) -> [UInt8]? {
        if let last, Self.sameStorage(last.input, input) { return last.output }
        guard ready, deflateReset(stream) == Z_OK, input.count < Int(UInt32.max) else { return nil }
        let bound = Int(deflateBound(stream, UInt(input.count)))
        if (scratch?.count ?? 0) < bound {
            scratch?.deallocate()
            scratch = .allocate(byteCount: bound, alignment: 16)
        }
        guard let out = scratch else { return nil }
        var produced = -1
        input.withUnsafeBufferPointer { inp in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: inp.baseAddress)
            stream.pointee.avail_in = UInt32(inp.count)
            stream.pointee.next_out = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
            stream.pointee.avail_out = UInt32(bound)
            if deflate(stream, Z_FINISH) == Z_STREAM_END { produced = bound - Int(stream.pointee.avail_out) }
            stream.pointee.next_in = nil
            stream.pointee.next_out = nil
        }
        guard produced >= 0 else { return nil }
        let output = Array(UnsafeRawBufferPointer(rebasing: out[0..<produced]))
        last = (input, output)
        if bound > Self.scratchKeep {  // do not keep a large area between scrapes
            scratch?.deallocate()
            scratch = nil
        }
        return output
    }

    /// Bytes of deflate output area kept between responses (larger areas are freed after use).
    private static let scratchKeep = 256 * 1024

    private static func sameStorage(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count, !a.isEmpty else { return false }
        return a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.baseAddress == y.baseAddress } }
    }

    /// True when an `Accept-Encoding` value lists gzip (or x-gzip) with a non-zero q-value.
    static func accepts(_ acceptEncoding: String) -> Bool {
        for item in acceptEncoding.split(separator: ",") {
            let parts = item.split(separator: ";")
            guard let coding = parts.first?.trimmingASCIISpaces().lowercased(), coding == "gzip" || coding == "x-gzip" else { continue }
            for param in parts.dropFirst() {
                let p = param.trimmingASCIISpaces()
                if p.lowercased().hasPrefix("q="), let q = Double(p.dropFirst(2)), q <= 0 { return false }
            }
            return true
        }
        return false
    }
}
