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
        if ready { deflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// The gzip encoding of `input`, or nil if zlib failed (the caller then sends it uncompressed).
    func compress(_ input: [UInt8]) -> [UInt8]? {
        guard ready, deflateReset(stream) == Z_OK, input.count < Int(UInt32.max) else { return nil }
        let bound = Int(deflateBound(stream, UInt(input.count)))
        var ok = false
        let output = [UInt8](unsafeUninitializedCapacity: bound) { out, initialized in
            input.withUnsafeBufferPointer { inp in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: inp.baseAddress)
                stream.pointee.avail_in = UInt32(inp.count)
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = UInt32(bound)
                ok = deflate(stream, Z_FINISH) == Z_STREAM_END
                initialized = ok ? bound - Int(stream.pointee.avail_out) : 0
                stream.pointee.next_in = nil
                stream.pointee.next_out = nil
            }
        }
        return ok ? output : nil
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
