import CCurl
import HTTPTransport
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The loop thread: owns the multi handle and every easy handle; nothing here is shared.
final class CurlLoop {
    private let core: CurlCore
    private let multi: UnsafeMutableRawPointer
    private var transfers: [UnsafeMutableRawPointer: Transfer] = [:]
    private var handleByID: [UInt64: UnsafeMutableRawPointer] = [:]
    /// Leaf-certificate expiry by origin: curl reports certificates only on the transfer that did
    /// the handshake, so transfers on a reused connection take the value from here.
    private var expiryByOrigin: [String: Double] = [:]

    private init(core: CurlCore) {
        self.core = core
        self.multi = core.multi.raw
    }

    /// Spawns the detached loop thread, which holds `core` strongly until the loop exits.
    static func start(core: CurlCore) {
        let loop = CurlLoop(core: core)
        let context = Unmanaged.passRetained(loop).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let rc = pthread_create(&thread, nil, { context in
            let loop = Unmanaged<CurlLoop>.fromOpaque(context!).takeRetainedValue()
            loop.run()
            return nil
        }, context)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        #if canImport(Glibc)
        pthread_detach(thread)
        #else
        if let thread { pthread_detach(thread) }
        #endif
    }

    private func run() {
        _ = ccurl_set_thread_name("sealwatch-curl")
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(core.maxConnections, 1))
        core.logger.debug("curl loop started", metadata: ["curl.version": "\(CurlTransport.libcurlVersion)"])
        var running: Int32 = 0
        while true {
            let (arrived, cancels, stopping) = core.inbox.withLock { box in
                let taken = (box.pending, box.cancels, box.stopping)
                box.pending = []
                box.cancels = []
                return taken
            }
            if stopping {
                for pending in arrived {
                    pending.completion.resume(.failure(TransportError(.cancelled, "transport is shut down")))
                }
                break
            }
            for pending in arrived { start(pending) }
            for id in cancels { abort(id: id, TransportError(.cancelled, "request cancelled")) }

            _ = curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                finish(easy: easy, code: message.pointee.data.result)
            }
            // Sleeps until a socket is ready, curl's next timer (timeouts included) or a wakeup.
            _ = curl_multi_poll(multi, nil, 0, 1000, nil)
        }
        for id in Array(handleByID.keys) { abort(id: id, TransportError(.cancelled, "transport is shut down")) }
        core.inbox.withLock { box in box.closed = true }
        curl_multi_cleanup(multi)
        core.logger.debug("curl loop stopped")
    }

    private func start(_ pending: PendingRequest) {
        let transfer: Transfer
        switch Transfer.make(id: pending.id, request: pending.request, completion: pending.completion) {
        case .success(let made): transfer = made
        case .failure(let error):
            pending.completion.resume(.failure(error))
            return
        }
        let added = curl_multi_add_handle(multi, transfer.easy)
        guard added == CURLM_OK else {
            let text = String(cString: curl_multi_strerror(added))
            transfer.complete(.failure(TransportError(.invalidRequest, "curl_multi_add_handle: \(text)")))
            return
        }
        transfers[transfer.easy] = transfer
        handleByID[transfer.id] = transfer.easy
    }

    private func detach(_ easy: UnsafeMutableRawPointer) -> Transfer? {
        guard let transfer = transfers.removeValue(forKey: easy) else { return nil }
        handleByID[transfer.id] = nil
        _ = curl_multi_remove_handle(multi, easy)
        return transfer
    }

    private func abort(id: UInt64, _ error: TransportError) {
        guard let easy = handleByID[id], let transfer = detach(easy) else { return }
        transfer.complete(.failure(error))
    }

    private func finish(easy: UnsafeMutableRawPointer, code: CURLcode) {
        guard let transfer = transfers[easy] else { return }
        let result: Result<HTTPResponse, TransportError>
        if code == CURLE_OK {
            var response = transfer.response()
            if transfer.isHTTPS {
                if let expiry = transfer.peerCertificateExpiry() {
                    expiryByOrigin[transfer.originKey] = expiry
                }
                response.peerCertificateExpiry = expiryByOrigin[transfer.originKey]
            }
            result = .success(response)
        } else {
            result = .failure(transfer.error(for: code))
        }
        _ = detach(easy)
        transfer.complete(result)
    }
}
