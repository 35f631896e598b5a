import CCurl
import HTTPTransport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Maps a failed transfer's `CURLcode` to the stable `TransportError.Kind` used in metrics labels.
/// Pure: tested from a table.
///
/// - SeeAlso: https://curl.se/libcurl/c/libcurl-errors.html
enum CurlErrorMapping {
    /// - Parameters:
    ///   - code: the transfer's `CURLcode` raw value.
    ///   - osErrno: `CURLINFO_OS_ERRNO` (tells a refused connection from other connect failures).
    ///   - exceededLimit: the write callback refused bytes past `maxResponseBytes`.
    static func kind(code: UInt32, osErrno: Int, exceededLimit: Bool) -> TransportError.Kind {
        if exceededLimit { return .responseTooLarge }
        switch code {
        case CURLE_OPERATION_TIMEDOUT.rawValue:                       // 28
            return .timeout
        case CURLE_COULDNT_CONNECT.rawValue:                          // 7
            return osErrno == Int(ECONNREFUSED) ? .connectionRefused : .connectionFailed
        case CURLE_COULDNT_RESOLVE_HOST.rawValue, CURLE_COULDNT_RESOLVE_PROXY.rawValue:  // 6, 5
            return .dns
        case CURLE_PEER_FAILED_VERIFICATION.rawValue,                 // 60: unknown CA, expired, name mismatch
             51,                                                      // CURLE_SSL_PEER_CERTIFICATE before 7.62
             CURLE_SSL_ISSUER_ERROR.rawValue,                         // 83
             CURLE_SSL_PINNEDPUBKEYNOTMATCH.rawValue,                 // 90
             CURLE_SSL_INVALIDCERTSTATUS.rawValue:                    // 91
            return .tlsCertificate
        case CURLE_SSL_CONNECT_ERROR.rawValue,                        // 35
             CURLE_SSL_CERTPROBLEM.rawValue,                          // 58: our client certificate
             CURLE_SSL_CIPHER.rawValue,                               // 59
             CURLE_SSL_ENGINE_NOTFOUND.rawValue,                      // 53
             CURLE_SSL_ENGINE_SETFAILED.rawValue,                     // 54
             CURLE_USE_SSL_FAILED.rawValue,                           // 64
             CURLE_SSL_ENGINE_INITFAILED.rawValue,                    // 66
             CURLE_SSL_SHUTDOWN_FAILED.rawValue,                      // 80
             CURLE_SSL_CRL_BADFILE.rawValue,                          // 82
             CURLE_SSL_CLIENTCERT.rawValue:                           // 98
            return .tlsHandshake
        case CURLE_FILESIZE_EXCEEDED.rawValue:                        // 63
            return .responseTooLarge
        case CURLE_SSL_CACERT_BADFILE.rawValue,                       // 77: unreadable CA file
             CURLE_URL_MALFORMAT.rawValue,                            // 3
             CURLE_FAILED_INIT.rawValue,                              // 2
             CURLE_NOT_BUILT_IN.rawValue,                             // 4
             CURLE_BAD_FUNCTION_ARGUMENT.rawValue,                    // 43
             CURLE_UNKNOWN_OPTION.rawValue,                           // 48
             CURLE_READ_ERROR.rawValue,                               // 26
             CURLE_LOGIN_DENIED.rawValue:                             // 67
            return .invalidRequest
        case CURLE_UNSUPPORTED_PROTOCOL.rawValue,                     // 1: file://, gopher://, redirect to them
             CURLE_WEIRD_SERVER_REPLY.rawValue,                       // 8: garbage instead of HTTP
             CURLE_HTTP2.rawValue,                                    // 16
             CURLE_PARTIAL_FILE.rawValue,                             // 18: body shorter than Content-Length
             CURLE_HTTP_RETURNED_ERROR.rawValue,                      // 22
             CURLE_RANGE_ERROR.rawValue,                              // 33
             CURLE_TOO_MANY_REDIRECTS.rawValue,                       // 47
             CURLE_BAD_CONTENT_ENCODING.rawValue,                     // 61
             CURLE_HTTP2_STREAM.rawValue,                             // 92
             CURLE_HTTP3.rawValue:                                    // 95
            return .protocolError
        case CURLE_ABORTED_BY_CALLBACK.rawValue:                      // 42
            return .cancelled
        case CURLE_WRITE_ERROR.rawValue:                              // 23 without our cap: treat as a failed transfer
            return .connectionFailed
        default:                                                      // 52 empty reply, 55/56 send/recv, 27 OOM, …
            return .connectionFailed
        }
    }
}
