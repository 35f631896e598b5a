import CCurl
import HTTPTransport

/// One easy handle and what its callbacks collect; confined to the loop thread.
final class Transfer {
    let id: UInt64
    let easy: UnsafeMutableRawPointer
    let isHTTPS: Bool
    /// Scheme, authority and connect-to target: what identifies the TLS peer for the expiry cache.
    let originKey: String
    private var completion: Completion?
    private let url: String
    private let maxBytes: Int
    private var body: [UInt8] = []
    private var headers = HTTPHeaders()
    private var tooLarge = false
    /// curl keeps this pointer for the handle's life (CURLOPT_ERRORBUFFER), so it is C memory.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var requestHeaders: UnsafeMutablePointer<curl_slist>?
    private var connectTo: UnsafeMutablePointer<curl_slist>?

    private init(id: UInt64, easy: UnsafeMutableRawPointer, url: String, maxBytes: Int, originKey: String,
                 completion: Completion) {
        self.id = id
        self.easy = easy
        self.url = url
        self.maxBytes = max(maxBytes, 0)
        self.originKey = originKey
        self.isHTTPS = url.lowercased().hasPrefix("https:")
        self.completion = completion
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(requestHeaders)
        curl_slist_free_all(connectTo)
        errorBuffer.deallocate()
    }

    /// Resumes the caller exactly once; later calls are ignored.
    func complete(_ result: Result<HTTPResponse, TransportError>) {
        completion?.resume(result)
        completion = nil
    }

    // MARK: - Setup

    static func make(id: UInt64, request: HTTPRequest,
                     completion: Completion)
        -> Result<Transfer, TransportError> {
        for header in request.headers where !isSafeHeader(header) {
            return .failure(TransportError(.invalidRequest, "header \(headerNameForDetail(header.name)) contains a line break or colon"))
        }
        var effectiveURL = request.url
        var connectTo: String?
        if let serverName = request.tls.serverName, !serverName.isEmpty {
            guard let rewritten = URLRewrite.connectTo(url: request.url, serverName: serverName) else {
                return .failure(TransportError(.invalidRequest, "cannot parse URL \(Redaction.redact(url: request.url))"))
            }
            effectiveURL = rewritten.url
            connectTo = rewritten.connectTo
        }
        guard let easy = curl_easy_init() else {
            return .failure(TransportError(.invalidRequest, "curl_easy_init failed"))
        }
        let origin = Redaction.origin(of: effectiveURL) + "|" + (connectTo ?? "")
        let transfer = Transfer(id: id, easy: easy, url: request.url, maxBytes: request.maxResponseBytes,
                                originKey: origin, completion: completion)
        if let failed = transfer.configure(request, url: effectiveURL, connectTo: connectTo) {
            let text = String(cString: curl_easy_strerror(failed))
            let kind = CurlErrorMapping.kind(code: failed.rawValue, osErrno: 0, exceededLimit: false)
            let error = TransportError(kind == .protocolError ? .protocolError : .invalidRequest, "setup failed: \(text)")
            transfer.completion = nil  // the caller resumes with `error`
            return .failure(error)
        }
        return .success(transfer)
    }

    /// Sets every option; returns the first option curl refused.
    private func configure(_ request: HTTPRequest, url: String, connectTo target: String?) -> CURLcode? {
        var results: [CURLcode] = []
        func set(_ code: CURLcode) { results.append(code) }
        let context = Unmanaged.passUnretained(self).toOpaque()

        set(ccurl_setopt_str(easy, CURLOPT_URL, url))
        set(ccurl_setopt_ptr(easy, CURLOPT_ERRORBUFFER, errorBuffer))
        set(ccurl_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        // curl's default 16 KiB receive buffer per transfer is most of a transfer's memory, and a
        // cycle runs one transfer per endpoint at once; Vault's answers are a few hundred bytes, and
        // a larger body only takes more reads.
        set(ccurl_setopt_long(easy, CURLOPT_BUFFERSIZE, Transfer.receiveBufferBytes))
        // 0 would mean "no limit" to curl: clamp every deadline to at least 1 ms.
        let total = max(request.timeout.wholeMilliseconds, 1)
        set(ccurl_setopt_long(easy, CURLOPT_TIMEOUT_MS, total))
        set(ccurl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, min(max(request.connectTimeout.wholeMilliseconds, 1), total)))
        set(ccurl_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0))
        set(ccurl_setopt_str(easy, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(ccurl_setopt_str(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        // Lets curl refuse early when Content-Length already exceeds the cap (CURLE_FILESIZE_EXCEEDED);
        // the write callback enforces the cap for chunked or lying responses.
        set(ccurl_setopt_off(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(maxBytes)))

        switch request.method {
        case .GET:
            set(ccurl_setopt_long(easy, CURLOPT_HTTPGET, 1))
        case .HEAD:
            set(ccurl_setopt_long(easy, CURLOPT_NOBODY, 1))
        case .POST, .PUT:
            if request.method == .PUT { set(ccurl_setopt_str(easy, CURLOPT_CUSTOMREQUEST, "PUT")) }
            let payload = request.body ?? []
            set(ccurl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(payload.count)))
            // COPYPOSTFIELDS copies `POSTFIELDSIZE` bytes now, so the Swift array need not outlive this call.
            if payload.isEmpty {
                set(ccurl_setopt_str(easy, CURLOPT_COPYPOSTFIELDS, ""))
            } else {
                payload.withUnsafeBytes { bytes in
                    set(ccurl_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress)))
                }
            }
        }

        var list: UnsafeMutablePointer<curl_slist>?
        for header in request.headers {
            list = curl_slist_append(list, "\(header.name): \(header.value)")
        }
        // No "Expect: 100-continue" round trip (curl adds it to bodies over 1 KiB): receivers need not support it.
        list = curl_slist_append(list, "Expect:")
        requestHeaders = list
        set(ccurl_setopt_slist(easy, CURLOPT_HTTPHEADER, list))
        if request.headers["User-Agent"] == nil {
            set(ccurl_setopt_str(easy, CURLOPT_USERAGENT, "sealwatch"))
        }

        set(ccurl_setopt_datacb(easy, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
            return transfer.receiveBody(data, size * count)
        })
        set(ccurl_setopt_ptr(easy, CURLOPT_WRITEDATA, context))
        set(ccurl_setopt_datacb(easy, CURLOPT_HEADERFUNCTION) { data, size, count, context in
            let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
            return transfer.receiveHeader(data, size * count)
        })
        set(ccurl_setopt_ptr(easy, CURLOPT_HEADERDATA, context))

        let tls = request.tls
        if let caFile = tls.caFile { set(ccurl_setopt_str(easy, CURLOPT_CAINFO, caFile)) }
        if let certFile = tls.certFile { set(ccurl_setopt_str(easy, CURLOPT_SSLCERT, certFile)) }
        if let keyFile = tls.keyFile { set(ccurl_setopt_str(easy, CURLOPT_SSLKEY, keyFile)) }
        if tls.insecureSkipVerify {
            set(ccurl_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 0))
            set(ccurl_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 0))
        }
        if isHTTPS { set(ccurl_setopt_long(easy, CURLOPT_CERTINFO, 1)) }
        if let target {
            connectTo = curl_slist_append(nil, target)
            set(ccurl_setopt_slist(easy, CURLOPT_CONNECT_TO, connectTo))
        }
        return results.first { $0 != CURLE_OK }
    }

    // MARK: - Callbacks (loop thread, inside curl_multi_perform)

    private func receiveBody(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard count > 0, let data else { return count }
        if body.count + count > maxBytes {
            tooLarge = true
            return 0  // curl aborts the transfer with CURLE_WRITE_ERROR
        }
        data.withMemoryRebound(to: UInt8.self, capacity: count) { bytes in
            body.append(contentsOf: UnsafeBufferPointer(start: bytes, count: count))
        }
        return count
    }

    private func receiveHeader(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard count > 0, let data else { return count }
        let line = data.withMemoryRebound(to: UInt8.self, capacity: count) { bytes in
            String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
        }
        if line.hasPrefix("HTTP/") {
            headers = HTTPHeaders()  // a new response (after 100 Continue, for instance)
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingWhitespace()
            let value = line[line.index(after: colon)...].trimmingWhitespace()
            if !name.isEmpty { headers.add(String(name), String(value)) }
        }
        return count
    }

    // MARK: - Results

    func response() -> HTTPResponse {
        var status = 0
        _ = ccurl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: headers, body: body, timings: timings())
    }

    func timings() -> TransferTimings {
        func micros(_ info: CURLINFO) -> Int64 {
            var value: curl_off_t = 0
            _ = ccurl_getinfo_off(easy, info, &value)
            return Int64(value)
        }
        var connects = 0
        _ = ccurl_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &connects)
        return TransferTimings.fromCumulative(
            nameLookup: micros(CURLINFO_NAMELOOKUP_TIME_T), connect: micros(CURLINFO_CONNECT_TIME_T),
            appConnect: micros(CURLINFO_APPCONNECT_TIME_T), preTransfer: micros(CURLINFO_PRETRANSFER_TIME_T),
            startTransfer: micros(CURLINFO_STARTTRANSFER_TIME_T), total: micros(CURLINFO_TOTAL_TIME_T),
            reusedConnection: connects == 0)
    }

    func error(for code: CURLcode) -> TransportError {
        var osErrno = 0
        _ = ccurl_getinfo_long(easy, CURLINFO_OS_ERRNO, &osErrno)
        let kind = CurlErrorMapping.kind(code: code.rawValue, osErrno: osErrno, exceededLimit: tooLarge)
        var text = String(cString: errorBuffer)
        if text.isEmpty { text = String(cString: curl_easy_strerror(code)) }
        if tooLarge || kind == .responseTooLarge {
            text = "response body exceeds \(maxBytes) bytes"
        }
        return TransportError(kind, Redaction.scrub(text, url: url))
    }

    /// Expiry of certificate 0 (the leaf) when this transfer did a TLS handshake.
    func peerCertificateExpiry() -> Double? {
        guard let info = ccurl_getinfo_certinfo(easy), info.pointee.num_of_certs > 0,
              let chain = info.pointee.certinfo, var node = chain[0] else { return nil }
        while true {
            if let data = node.pointee.data {
                let field = String(cString: data)
                if field.hasPrefix("Expire date:") {
                    return CertificateDate.parse(String(field.dropFirst("Expire date:".count)))
                }
            }
            guard let next = node.pointee.next else { return nil }
            node = next
        }
    }

    /// Receive buffer per transfer (CURLOPT_BUFFERSIZE; curl's minimum is 1 KiB, default 16 KiB).
    static let receiveBufferBytes = 1024

    private static func isSafeHeader(_ header: HTTPHeader) -> Bool {
        // Scalars, not Characters: "\r\n" is one Character that equals neither "\r" nor "\n".
        !header.name.isEmpty
            && !header.name.unicodeScalars.contains(where: { $0 == ":" || $0 == "\r" || $0 == "\n" || $0 == "\0" })
            && !header.value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" })
    }

    private static func headerNameForDetail(_ name: String) -> String {
        String(name.filter { $0.isLetter || $0.isNumber || $0 == "-" }.prefix(64))
    }
}

extension TransferTimings {
    /// Turns curl's cumulative times (microseconds since the transfer started, as
    /// CURLINFO_*_TIME_T report them) into the per-phase durations this type documents.
    /// A phase that did not happen (0 from curl, e.g. TLS on plain HTTP) is zero; never negative.
    static func fromCumulative(nameLookup: Int64, connect: Int64, appConnect: Int64, preTransfer: Int64,
                               startTransfer: Int64, total: Int64, reusedConnection: Bool) -> TransferTimings {
        func span(_ from: Int64, _ to: Int64) -> Duration { .microseconds(max(0, to - from)) }
        let connectEnd = max(connect, nameLookup)
        return TransferTimings(
            dns: .microseconds(max(0, nameLookup)),
            connect: connect > 0 ? span(nameLookup, connect) : .zero,
            tls: appConnect > 0 ? span(connectEnd, appConnect) : .zero,
            firstByte: startTransfer > 0 ? span(preTransfer, startTransfer) : .zero,
            transfer: startTransfer > 0 ? span(startTransfer, total) : .zero,
            total: .microseconds(max(0, total)),
            reusedConnection: reusedConnection)
    }
}

extension Duration {
    /// Whole milliseconds, truncated (curl's `*_MS` options take a `long`).
    var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        let ms = seconds.multipliedReportingOverflow(by: 1000)
        if ms.overflow { return Int.max }
        return Int(ms.partialValue) + Int(attoseconds / 1_000_000_000_000_000)
    }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        var s = self
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return s
    }
}
