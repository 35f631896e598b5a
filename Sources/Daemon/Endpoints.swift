import Checked
import MetricsServer
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The HTTP routes: `/metrics`, `/-/healthy`, `/-/ready`, `/api/v1/status` and the status page `/`.
/// Runs on the server thread: reads published state only, never waits on the poll loop.
struct Endpoints: Sendable {
    let board: StatusBoard
    let metrics: DaemonMetrics
    let interval: Double

    func handle(_ request: ServerRequest) -> ServerResponse {
        switch request.path {
        case "/metrics":
            return ServerResponse(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")], body: metrics.emit())
        case "/-/healthy":
            return .text("Healthy\n")
        case "/-/ready":
            return board.read().ready ? .text("Ready\n") : .text("Not ready: first probe cycle in progress\n", status: 503)
        case "/api/v1/status":
            return .json(StatusDocument(board.read()).json())
        case "/", "/index.html":
            let refresh = max(5, Int(saturating: interval.rounded(.up)))
            return .html(StatusPage.render(board.read(), now: Date(), refreshSeconds: refresh))
        default:
            return .text("Not found. Try /, /metrics, /api/v1/status, /-/healthy or /-/ready.\n", status: 404)
        }
    }
}
