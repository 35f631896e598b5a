import Checked
import ClusterModel
import Config
import HTTPTransport
import Logging
import Telemetry
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// When the canary and telemetry rounds of one cluster are next due, and what each node's
/// telemetry was at its last read (carried between reads, so every snapshot says it).
struct ServiceSchedule: Sendable {
    var nextCanary: ContinuousClock.Instant?
    var nextTelemetry: ContinuousClock.Instant?
    var telemetry: [String: TelemetryState] = [:]
}

/// What one cycle asks beyond health: which canaries, of which nodes, and whether telemetry.
struct ServicePlan: Sendable {
    var canaryKinds: [CanaryKind] = []
    /// The node the write canary goes to: last cycle's leader.
    var writeTo: NodeRef?
    var telemetry = false
}

/// Canary requests and telemetry reads (issue 13): what a client sees through each node, and what
/// each node says about itself. Both go out in one transport batch with the health phase and end
/// within the cycle's request deadline, so a hung node costs them no more than it costs health.
///
/// Canaries (with a token): `GET auth/token/lookup-self` through every node — a standby forwards
/// it to the active node, which is the path a client behind a load balancer takes; `GET
/// <read_path>` through every node; `PUT <write_path>` of a timestamp to the node that last
/// answered as leader (the only request that crosses a Raft commit). 401/403/404 is `refused`:
/// the monitor's own token, policy or path, never a Vault outage.
///
/// Telemetry: `GET /v1/sys/metrics?format=prometheus` on every node every `telemetry.interval`,
/// with the token when there is one. A node whose telemetry cannot be read is logged once per
/// reason and its source is `unavailable` (not an outage) until a read succeeds again.
extension ClusterProber {
    func planService(at start: ContinuousClock.Instant, leader: NodeRef?) -> ServicePlan {
        let interval = cluster.canary.interval.flatMap { Duration.seconds(clamped: $0, max: .seconds(86_400)) }
        let telemetryInterval = Duration.seconds(clamped: cluster.telemetry.interval, max: .seconds(86_400)) ?? .seconds(10)
        // A round is due up to half a cycle early: the ticks of a cycle jitter by a few ms.
        let slack = Duration.milliseconds(200)
        return service.withLock { s in
            var plan = ServicePlan()
            if cluster.token != nil && cluster.canary.enabled && (s.nextCanary.map { start + slack >= $0 } ?? true) {
                plan.canaryKinds = [.lookup]
                if cluster.canary.readPath != nil { plan.canaryKinds.append(.read) }
                if cluster.canary.writePath != nil, let leader {
                    plan.canaryKinds.append(.write)
                    plan.writeTo = leader
                }
                if let interval { s.nextCanary = start + interval }
            }
            if cluster.telemetry.enabled && (s.nextTelemetry.map { start + slack >= $0 } ?? true) {
                plan.telemetry = true
                s.nextTelemetry = start + telemetryInterval
            }
            return plan
        }
    }

    struct ServiceRound: Sendable {
        var canaries: [String: [CanaryResult]] = [:]
        var telemetry: [String: TelemetryState] = [:]
    }

    func serviceRound(_ plan: ServicePlan, refs: [NodeRef], now: Date, deadline: ContinuousClock.Instant) async -> ServiceRound {
        var round = ServiceRound()
        guard !plan.canaryKinds.isEmpty || plan.telemetry else {
            round.telemetry = service.withLock { $0.telemetry }
            return round
        }
        var targets: [(node: NodeRef, request: HTTPRequest, kind: CanaryKind?)] = []
        let secret = plan.canaryKinds.isEmpty && cluster.token == nil ? nil : currentTokenForService()
        let total = min(timeout, max(.milliseconds(1), deadline - ContinuousClock.now))
        func request(_ method: HTTPRequest.Method, _ url: String, body: [UInt8] = [], accept: String = "application/json", maxBytes: Int) -> HTTPRequest {
            var headers: HTTPHeaders = ["Accept": accept, "User-Agent": "sealwatch"]
            if let secret { headers.add("X-Vault-Token", secret.reveal()) }
            if !body.isEmpty { headers.add("Content-Type", "application/json") }
            return HTTPRequest(method: method, url: url, headers: headers, body: body, timeout: total,
                               connectTimeout: min(connectTimeout, total), maxResponseBytes: maxBytes, tls: tls)
        }
        if secret != nil {
            for kind in plan.canaryKinds {
                switch kind {
                case .lookup:
                    for ref in refs { targets.append((ref, request(.GET, ref.address + "/v1/auth/token/lookup-self", maxBytes: maxResponseBytes), .lookup)) }
                case .read:
                    guard let path = cluster.canary.readPath else { continue }
                    for ref in refs { targets.append((ref, request(.GET, ref.address + "/v1/" + path, maxBytes: maxResponseBytes), .read)) }
                case .write:
                    guard let path = cluster.canary.writePath, let to = plan.writeTo else { continue }
                    targets.append((to, request(.PUT, to.address + "/v1/" + path, body: Self.canaryWriteBody(path: path, at: now), maxBytes: maxResponseBytes), .write))
                }
            }
        }
        if plan.telemetry {
            for ref in refs {
                targets.append((ref, request(.GET, ref.address + "/v1/sys/metrics?format=prometheus", accept: "text/plain",
                                             maxBytes: cluster.telemetry.maxBytes), nil))
            }
        }
        let outcomes = await transport.send(batch: targets.map(\.request))
        var telemetry: [String: TelemetryState] = [:]
        for (target, outcome) in zip(targets, outcomes) {
            if let kind = target.kind {
                round.canaries[target.node.name, default: []].append(Self.canaryResult(kind, target.node, path: target.request.url, outcome))
            } else {
                telemetry[target.node.name] = Self.telemetryState(target.node, outcome, at: now)
            }
        }
        round.telemetry = service.withLock { s in
            for (name, state) in telemetry {
                let before = s.telemetry[name]
                logTelemetryChange(name, from: before, to: state)
                s.telemetry[name] = state
            }
            // Not read this cycle: what the last read said, marked as carried.
            return s.telemetry.mapValues { state in
                if case .fresh(let t) = state, !plan.telemetry { return .carried(t) }
                return state
            }
        }
        if plan.telemetry {
            // Fresh reads are carried from the next cycle on.
            service.withLock { s in
                for (name, state) in s.telemetry { if case .fresh(let t) = state { s.telemetry[name] = .carried(t) } }
            }
        }
        return round
    }

    func attach(_ round: ServiceRound, to snap: inout ClusterSnapshot) {
        for i in snap.nodes.indices {
            let name = snap.nodes[i].node.name
            snap.nodes[i].canaries = round.canaries[name] ?? []
            snap.nodes[i].telemetry = round.telemetry[name] ?? .none
        }
    }

    /// Once per change of reason, not every cycle.
    private func logTelemetryChange(_ node: String, from before: TelemetryState?, to after: TelemetryState) {
        switch (before, after) {
        case (.unavailable(let old)?, .unavailable(let new)) where old.reason == new.reason: return
        case (_, .unavailable(let f)):
            logger.notice("node telemetry unavailable (not an outage; rules that read it see no data)",
                           metadata: ["node": "\(node)", "reason": "\(f.reason)", "detail": "\(f.detail)"])
        case (.unavailable?, .fresh):
            logger.info("node telemetry readable again", metadata: ["node": "\(node)"])
        default: return
        }
    }

    /// KV v2 (a path with a `data/` segment after the mount) wants `{"data": {...}}`; KV v1 the fields.
    static func canaryWriteBody(path: String, at now: Date) -> [UInt8] {
        let stamp = "\"checked_at\":\"\(Int64(saturating: now.timeIntervalSince1970))\",\"by\":\"sealwatch\""
        let kv2 = path.split(separator: "/").dropFirst().first == "data"
        return Array((kv2 ? "{\"data\":{\(stamp)}}" : "{\(stamp)}").utf8)
    }

    static func canaryResult(_ kind: CanaryKind, _ node: NodeRef, path url: String, _ outcome: BatchOutcome) -> CanaryResult {
        // The URL names the node and the path; it never holds the token (a header).
        switch outcome.result {
        case .failure(let error):
            return CanaryResult(kind: kind, outcome: error.reason == "timeout" ? .timeout : .transportError,
                                seconds: outcome.elapsed.seconds, detail: "\(url): \(error.detail)")
        case .success(let response):
            let seconds = response.timings.total > .zero ? response.timings.total.seconds : outcome.elapsed.seconds
            switch response.status {
            case 200...299:
                // 204 (a KV v1 write) has no body; anything else must be a JSON object.
                if response.status == 204 || Self.looksLikeAnObject(response.body) {
                    return CanaryResult(kind: kind, outcome: .ok, status: response.status, seconds: seconds)
                }
                return CanaryResult(kind: kind, outcome: .badBody, status: response.status, seconds: seconds,
                                    detail: "\(url): HTTP \(response.status) with a body that is not a JSON object")
            case 401, 403, 404:
                let why = response.status == 404 ? "the path does not exist" : "the token or its policy does not allow it"
                return CanaryResult(kind: kind, outcome: .refused, status: response.status, seconds: seconds,
                                    detail: "\(url): HTTP \(response.status): \(why)")
            default:
                return CanaryResult(kind: kind, outcome: .httpStatus, status: response.status, seconds: seconds,
                                    detail: "\(url): HTTP \(response.status)\(Self.vaultErrors(response.body))")
            }
        }
    }

    /// A body that starts with `{` and ends with `}` (blanks aside): what Vault sends. Not a full
    /// parse: a canary's answer is only judged, never read, and this runs for every canary.
    static func looksLikeAnObject(_ body: [UInt8]) -> Bool {
        func blank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }
        guard let first = body.firstIndex(where: { !blank($0) }), let last = body.lastIndex(where: { !blank($0) }) else { return false }
        return first < last && body[first] == 0x7B && body[last] == 0x7D
    }

    /// `: internal error` from `{"errors":["internal error"]}`, short and printable; "" otherwise.
    static func vaultErrors(_ body: [UInt8]) -> String {
        guard body.count <= 4096, let errors = JSONValue.parse(body)?["errors"]?.array else { return "" }
        let texts = errors.prefix(2).compactMap(\.string).map { String($0.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7f }.prefix(120)) }
        return texts.isEmpty ? "" : ": " + texts.joined(separator: "; ")
    }

    static func telemetryState(_ node: NodeRef, _ outcome: BatchOutcome, at now: Date) -> TelemetryState {
        let url = node.address + "/v1/sys/metrics"
        switch outcome.result {
        case .failure(let error):
            let reason = error.reason == "response_too_large" ? "too_large" : error.reason
            return .unavailable(ProbeFailure(reason: reason, detail: "\(url): \(error.detail)"))
        case .success(let response):
            switch response.status {
            case 200:
                switch TelemetryReader.read(response.body, contentType: response.headers["Content-Type"], at: now) {
                case .success(let t): return .fresh(t)
                case .failure(let problem): return .unavailable(ProbeFailure(reason: problem.reason, detail: "\(url): \(problem.detail)"))
                }
            case 401, 403:
                return .unavailable(ProbeFailure(reason: "forbidden", detail: "\(url): HTTP \(response.status): the token lacks read on sys/metrics and the listener does not allow unauthenticated metrics access"))
            case 400, 404:
                return .unavailable(ProbeFailure(reason: "disabled", detail: "\(url): HTTP \(response.status): telemetry is off (set telemetry { prometheus_retention_time = \"30s\" } in the server config)"))
            default:
                return .unavailable(ProbeFailure(reason: "unexpected_status", detail: "\(url): HTTP \(response.status)"))
            }
        }
    }
}
