import Checked
import ClusterModel
import Config
import HTTPTransport
import Logging
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Probes every node of one cluster concurrently and assembles a `ClusterSnapshot`.
///
/// Every node's `sys/health` goes out at once, as one transport batch; then, as a second batch,
/// `sys/leader` of each node that answered unsealed and `sys/seal-status` of each sealed or
/// uninitialised one (its unseal progress is what matters then, and its `sys/leader` would only say
/// 503; health already carries version and cluster id). A node that did not answer health is not
/// asked again in the same cycle. Per cluster, with a token: Raft configuration, autopilot state and
/// the token's own lookup, asked of the node that last answered as leader first and of the other
/// nodes that last answered unsealed after — in parallel with the health phase, within one request
/// deadline from the cycle's start for all of them together (a standby forwards these requests to
/// the active node, so a hung active node makes them time out wherever they are asked; the Raft view
/// is then unknown for the cycle, and the cycle still ends on time). Only the very first cycle, with
/// nothing learned yet, waits for health to pick the leader.
/// Never throws: every failure is recorded as a `ProbeFailure` in the snapshot. A hung node costs
/// one request deadline and delays no other node's health answer; it delays the second batch
/// (leader, seal status) by up to that deadline, which moves when Raft indexes and unseal progress
/// arrive, never a verdict (sealed, unreachable, active come from health). A cycle stays within one
/// deadline plus the second batch's round trip (measured: docs/performance.md).
///
/// Batches rather than a task per node: with curl they cost one suspension per phase, where tasks
/// cost two or three task frames per node (~25 KiB per node, all alive at once); and two phases of
/// one request per node rather than one of two halve the transfers in flight. That per-cycle peak
/// is what the heap grows to.
public final class ClusterProber: Sendable {
    public let cluster: ClusterConfig
    let transport: any HTTPTransport
    let timeout: Duration
    let connectTimeout: Duration
    let maxResponseBytes: Int
    let tls: TLSOptions
    private let environment: [String: String]
    let logger: Logger
    /// The token as last read; re-read after a 403 (rotated token) and on reload (new prober).
    private let token = Mutex<Secret?>(nil)
    /// Whom to ask for the cluster view next cycle: last cycle's leader first, then the nodes that
    /// answered unsealed. Empty until the first cycle learned it.
    private let viewOrder = Mutex<[NodeRef]>([])
    /// Canary and telemetry rounds: when each is next due, and each node's last telemetry state
    /// (carried between reads). See ServiceProbe.swift.
    let service = Mutex(ServiceSchedule())

    public init(cluster: ClusterConfig, global: GlobalConfig, transport: any HTTPTransport,
                environment: [String: String], logger: Logger) {
        self.cluster = cluster
        self.transport = transport
        let t = cluster.timeout ?? global.timeout
        self.timeout = .seconds(double: t)
        self.connectTimeout = .seconds(double: min(global.connectTimeout ?? t, t))
        self.maxResponseBytes = global.maxResponseBytes
        self.tls = TLSOptions(caFile: cluster.tls.caFile, certFile: cluster.tls.certFile, keyFile: cluster.tls.keyFile,
                              serverName: cluster.tls.serverName, insecureSkipVerify: cluster.tls.insecureSkipVerify)
        self.environment = environment
        var l = logger
        l[metadataKey: "cluster"] = "\(cluster.name)"
        self.logger = l
    }

    /// One probe round. `now` is the wall-clock start stamped on the snapshot.
    public func snapshot(now: Date) async -> ClusterSnapshot {
        let started = ContinuousClock.now
        let deadline = started.advanced(by: timeout)
        let learned = viewOrder.withLock { $0 }
        let refs = cluster.nodeRefs()
        let plan = planService(at: started, leader: learned.first)
        // Canaries and telemetry go out with the health phase, within the same deadline.
        async let serviceRound = serviceRound(plan, refs: refs, now: now, deadline: deadline)
        var snap: ClusterSnapshot
        if cluster.token != nil && !learned.isEmpty {
            async let view = clusterView(learned, deadline: deadline)
            let nodes = await observe(refs)
            snap = ClusterSnapshot(cluster: cluster.name, takenAt: now, nodes: nodes)
            (snap.raft, snap.token) = await view
        } else {
            snap = ClusterSnapshot(cluster: cluster.name, takenAt: now, nodes: await observe(refs))
            if cluster.token != nil {
                let firstDeadline = ContinuousClock.now.advanced(by: timeout)
                (snap.raft, snap.token) = await clusterView(Self.viewOrder(snap), deadline: firstDeadline)
            }
        }
        if cluster.token != nil {
            viewOrder.withLock { $0 = Self.viewOrder(snap) }
            if let t = snap.token, t.needsRenewal, let source = snap.raft?.source ?? snap.leaderName,
               let node = snap.nodes.first(where: { $0.node.name == source }) {
                snap.token = await renew(t, via: node.node, deadline: deadline)
            }
        }
        attach(await serviceRound, to: &snap)
        snap.seconds = (ContinuousClock.now - started).seconds
        return snap
    }

    /// The leader first, then the other unsealed nodes; nodes that did not answer unsealed last.
    static func viewOrder(_ snap: ClusterSnapshot) -> [NodeRef] {
        var order = snap.nodes.filter { $0.state.isUnsealed }.map(\.node)
        if let leader = snap.leaderName, let i = order.firstIndex(where: { $0.name == leader }) {
            order.insert(order.remove(at: i), at: 0)
        }
        return order
    }

    // MARK: - Node

    /// Observes every node in two batches: `sys/health` of all; then, of the nodes that answered,
    /// `sys/seal-status` of the sealed or uninitialised ones and `sys/leader` of the others.
    func observe(_ refs: [NodeRef]) async -> [NodeObservation] {
        let health = await send(refs.map { ($0.address, Endpoint.health) }, headers: plainHeaders)
        var nodes = refs.indices.map { i in observation(refs[i], health: health[i]) }
        let next: [(node: Int, endpoint: Endpoint)] = nodes.indices.compactMap { i in
            // No answer, or one not understood: nothing more to ask this cycle.
            guard health[i].response != nil, !nodes[i].state.isUnknown else { return nil }
            return (i, nodes[i].state == .sealed || nodes[i].state == .uninitialized ? .sealStatus : .leader)
        }
        guard !next.isEmpty else { return nodes }
        let second = await send(next.map { (refs[$0.node].address, $0.endpoint) }, headers: plainHeaders)
        for (k, target) in next.enumerated() {
            if target.endpoint == .sealStatus { addSealStatus(second[k], to: &nodes[target.node]) }
            else { addLeader(second[k], to: &nodes[target.node]) }
        }
        return nodes
    }

    private var plainHeaders: HTTPHeaders { ["Accept": "application/json", "User-Agent": "sealwatch"] }

    func observation(_ ref: NodeRef, health h: Fetch) -> NodeObservation {
        var obs = NodeObservation(node: ref, state: .unreachable)
        var healthProbe = h.probe
        if let response = h.response {
            let verdict = HealthVerdict.judge(status: response.status, body: response.body)
            obs.health = verdict.health
            obs.state = verdict.state
            if let (reason, detail) = verdict.failure {
                healthProbe.failure = ProbeFailure(reason: reason, detail: "\(ref.address)\(Endpoint.health.path): \(detail)")
            }
            if let expiry = response.peerCertificateExpiry { obs.certificateExpiry = Date(timeIntervalSince1970: expiry) }
        }
        obs.probes.append(healthProbe)
        return obs
    }

    func addLeader(_ l: Fetch, to obs: inout NodeObservation) {
        // sys/leader answers 503 on a node that sealed since its health answer: expected, not an error.
        var leaderProbe = l.probe
        if let response = l.response {
            if response.status == 200 {
                let decoded = Self.decode(response.body, Decoders.leader)
                obs.leader = decoded.value
                if let failure = decoded.failure {
                    leaderProbe.failure = ProbeFailure(reason: failure.reason, detail: "\(obs.node.address)\(Endpoint.leader.path): \(failure.detail)")
                }
            } else if obs.state.isUnsealed && response.status >= 500 {
                leaderProbe.failure = ProbeFailure(reason: "unexpected_status", detail: "\(obs.node.address)\(Endpoint.leader.path): HTTP \(response.status)")
            }
        }
        obs.probes.append(leaderProbe)
    }

    func addSealStatus(_ s: Fetch, to obs: inout NodeObservation) {
        var probe = s.probe
        if let response = s.response {
            if response.status == 200 {
                let decoded = Self.decode(response.body, Decoders.sealStatus)
                obs.sealStatus = decoded.value
                if let failure = decoded.failure {
                    probe.failure = ProbeFailure(reason: failure.reason, detail: "\(obs.node.address)\(Endpoint.sealStatus.path): \(failure.detail)")
                }
            } else {
                probe.failure = ProbeFailure(reason: "unexpected_status", detail: "\(obs.node.address)\(Endpoint.sealStatus.path): HTTP \(response.status)")
            }
        }
        obs.probes.append(probe)
    }

    /// A body through a strict decoder: nil with `bad_body` when it is not a JSON object, nil with
    /// `invalid_response` when it is not UTF-8 or a field is unusable (a half-read answer is not used).
    static func decode<T>(_ body: [UInt8], _ decoder: ([UInt8]) -> Decoded<T>?) -> (value: T?, failure: (reason: String, detail: String)?) {
        guard Decoders.isUTF8(body) else { return (nil, ("invalid_response", "body is not valid UTF-8")) }
        guard let decoded = decoder(body) else { return (nil, ("bad_body", "body is not a JSON object")) }
        guard decoded.problems.isEmpty else {
            return (nil, ("invalid_response", decoded.summary))
        }
        return (decoded.value, nil)
    }

    // MARK: - Cluster (token)

    /// The Raft view and the token's state, asked of `order` in turn until one answers, all within
    /// `deadline`: a node is given only the time left, and none is asked once it has run out.
    private func clusterView(_ order: [NodeRef], deadline: ContinuousClock.Instant) async -> (RaftView, TokenStatus?) {
        guard !order.isEmpty else {
            return (RaftView(failure: ProbeFailure(reason: "no_unsealed_node", detail: "no unsealed node to ask for the Raft view")), nil)
        }
        var view = RaftView()
        var token: TokenStatus?
        for ref in order {
            guard deadline - ContinuousClock.now >= Self.minimumBudget else {
                if view.failure == nil {
                    view.failure = ProbeFailure(reason: "timeout", detail: "no time left in this cycle to ask \(ref.address) for the Raft view")
                }
                break
            }
            async let configResult = fetch(ref.address, .raftConfiguration, token: true, deadline: deadline)
            async let autopilotResult = fetch(ref.address, .autopilot, token: true, deadline: deadline)
            async let tokenResult = fetch(ref.address, .tokenLookup, token: true, deadline: deadline)
            let (c, a, t) = await (configResult, autopilotResult, tokenResult)
            if let r = t.response {
                if r.status == 200 { token = Decoders.tokenLookup(r.body) }
                else if r.status == 403 || r.status == 401 {
                    token = TokenStatus(ttlSeconds: nil, renewable: false,
                                        failure: ProbeFailure(reason: "permission_denied", detail: "the token was refused (HTTP \(r.status)): expired, revoked or lacking the sealwatch policy"))
                }
            }
            let config = c.response.flatMap { $0.status == 200 ? Decoders.raftConfiguration($0.body) : nil }
            let autopilot = a.response.flatMap { $0.status == 200 ? Decoders.autopilot($0.body) : nil }
            if config != nil || autopilot != nil {
                view = RaftView(configuration: config, autopilot: autopilot, source: ref.name)
                if config == nil || autopilot == nil {
                    let missing = config == nil ? c : a
                    view.failure = missing.failureDescription(ref)
                }
                return (view, token)
            }
            view.failure = c.failureDescription(ref)
            if c.response?.status == 403 || c.response?.status == 401 { break }   // a refused token fails everywhere
        }
        return (view, token)
    }

    /// `POST auth/token/renew-self` for a periodic or renewable token past half its span.
    private func renew(_ token: TokenStatus, via node: NodeRef, deadline: ContinuousClock.Instant) async -> TokenStatus {
        var headers = plainHeaders
        headers.add("Content-Type", "application/json")
        guard let secret = currentToken() else { return token }
        headers.add("X-Vault-Token", secret.reveal())
        let left = deadline - ContinuousClock.now
        guard left >= Self.minimumBudget else { return token }   // renewed next cycle: it is only due at half the span
        let request = HTTPRequest(method: .POST, url: node.address + "/v1/auth/token/renew-self", headers: headers, body: Array("{}".utf8),
                                  timeout: min(timeout, left), connectTimeout: min(connectTimeout, left), maxResponseBytes: maxResponseBytes, tls: tls)
        do {
            let response = try await transport.send(request)
            if response.status == 200, let ttl = Decoders.renewedTTL(response.body) {
                logger.info("renewed the Vault token", metadata: ["ttl_seconds": "\(Int64(saturating: ttl))", "via": "\(node.name)"])
                var renewed = token
                renewed.ttlSeconds = ttl
                renewed.renewed = true
                return renewed
            }
            logger.warning("token renewal refused", metadata: ["status": "\(response.status)", "via": "\(node.name)"])
            var refused = token
            let reason = response.status == 403 || response.status == 401 ? "permission_denied" : (response.status >= 500 ? "server_error" : "refused")
            refused.renewalFailure = ProbeFailure(reason: reason, detail: "\(node.address)/v1/auth/token/renew-self: HTTP \(response.status)")
            return refused
        } catch {
            logger.warning("token renewal failed", metadata: ["error": "\(error)", "via": "\(node.name)"])
            var failed = token
            failed.renewalFailure = ProbeFailure(reason: error.reason, detail: "\(node.address)/v1/auth/token/renew-self: \(error.detail)")
            return failed
        }
    }

    // MARK: - Requests

    struct Fetch: Sendable {
        var probe: ProbeResult
        var response: HTTPResponse?
        func failureDescription(_ ref: NodeRef) -> ProbeFailure {
            if let f = probe.failure { return f }
            if let r = response {
                return ProbeFailure(reason: r.status == 403 || r.status == 401 ? "permission_denied" : "unexpected_status",
                                    detail: "\(ref.address)\(probe.endpoint.path): HTTP \(r.status)")
            }
            return ProbeFailure(reason: "unknown", detail: "no response")
        }
    }

    /// Less time than this left in the cycle is not worth a request.
    static let minimumBudget: Duration = .milliseconds(20)

    private func fetch(_ base: String, _ endpoint: Endpoint, token useToken: Bool, deadline: ContinuousClock.Instant) async -> Fetch {
        var headers = plainHeaders
        if useToken, let t = currentToken() { headers.add("X-Vault-Token", t.reveal()) }
        var result = await send([(base, endpoint)], headers: headers, deadline: deadline)[0]
        if useToken, result.response?.status == 403, let fresh = reloadToken(), !headers.entries.contains(where: { $0.value == fresh.reveal() }),
           deadline - ContinuousClock.now >= Self.minimumBudget {
            // The token file may have been rotated: read it again and retry once.
            headers.entries.removeAll { $0.name == "X-Vault-Token" }
            headers.add("X-Vault-Token", fresh.reveal())
            result = await send([(base, endpoint)], headers: headers, deadline: deadline)[0]
        }
        return result
    }

    /// GETs every (base URL, endpoint) in one transport batch, each within the request timeout and
    /// `deadline` (when given), whichever comes first.
    private func send(_ targets: [(String, Endpoint)], headers: HTTPHeaders, deadline: ContinuousClock.Instant? = nil) async -> [Fetch] {
        let total = deadline.map { min(timeout, max(.milliseconds(1), $0 - ContinuousClock.now)) } ?? timeout
        let requests = targets.map { base, endpoint in
            HTTPRequest(method: .GET, url: base + endpoint.path, headers: headers, timeout: total,
                        connectTimeout: min(connectTimeout, total), maxResponseBytes: maxResponseBytes, tls: tls)
        }
        let outcomes = await transport.send(batch: requests)
        return zip(targets, outcomes).map { target, outcome in
            let (base, endpoint) = target
            switch outcome.result {
            case .success(let response):
                // curl's own total time when it has one: the batch's clock includes queueing.
                let seconds = response.timings.total > .zero ? response.timings.total.seconds : outcome.elapsed.seconds
                return Fetch(probe: ProbeResult(endpoint: endpoint, status: response.status, seconds: seconds, failure: nil), response: response)
            case .failure(let error):
                let failure = ProbeFailure(reason: error.reason, detail: "\(base)\(endpoint.path): \(error.detail)")
                return Fetch(probe: ProbeResult(endpoint: endpoint, status: nil, seconds: outcome.elapsed.seconds, failure: failure), response: nil)
            }
        }
    }

    func currentTokenForService() -> Secret? { currentToken() }

    private func currentToken() -> Secret? {
        if let t = token.withLock({ $0 }) { return t }
        return reloadToken()
    }

    private func reloadToken() -> Secret? {
        guard let source = cluster.token else { return nil }
        do {
            let t = try source.load(environment: environment)
            token.withLock { $0 = t }
            return t
        } catch {
            logger.warning("cannot read the Vault token", metadata: ["error": "\(error.message)"])
            return nil
        }
    }
}
