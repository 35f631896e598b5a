import ClusterModel

/// The whole validated configuration. Names mirror the YAML keys of DESIGN.md §8; durations are seconds.
public struct SealwatchConfig: Sendable, Hashable {
    public var global: GlobalConfig
    public var listen: ListenConfig
    public var clusters: [ClusterConfig]
    public var receivers: [ReceiverConfig]
    public var routes: [RouteConfig]
    public var notify: NotifySettings
    /// Where some keys were written, for checks that run after loading (`RouteCoverage`).
    public var locations = SourceLocations()
    public init(global: GlobalConfig = GlobalConfig(), listen: ListenConfig = ListenConfig(), clusters: [ClusterConfig],
                receivers: [ReceiverConfig] = [], routes: [RouteConfig] = [], notify: NotifySettings = NotifySettings()) {
        self.global = global; self.listen = listen; self.clusters = clusters
        self.receivers = receivers; self.routes = routes; self.notify = notify
    }
}

/// Line and column of keys in the file, by key path (`routes`, `routes[0]`, `routes[0].match`).
/// Not part of a configuration's identity: two configurations that differ only in layout are equal,
/// so a reload that only moves lines changes nothing.
public struct SourceLocations: Sendable, Hashable {
    public struct Mark: Sendable, Hashable { public var line: Int; public var column: Int }
    public var marks: [String: Mark] = [:]
    public init() {}
    public subscript(_ keyPath: String) -> Mark? {
        get { marks[keyPath] }
        set { marks[keyPath] = newValue }
    }
    public static func == (_: SourceLocations, _: SourceLocations) -> Bool { true }
    public func hash(into hasher: inout Hasher) {}
}

/// `global:` — the probe cycle and where state lives.
public struct GlobalConfig: Sendable, Hashable {
    /// Probe cycle (`interval`, default 5s).
    public var interval: Double = 5
    /// Total deadline per request, headers and body (`timeout`, default 2s). Must be below `interval`.
    public var timeout: Double = 2
    /// Connect deadline (`connect_timeout`, default: `timeout`).
    public var connectTimeout: Double?
    /// `state_dir`: default `$STATE_DIRECTORY`, then `/var/lib/sealwatch`.
    public var stateDir: String = "/var/lib/sealwatch"
    /// `log_level`: trace, debug, info, notice, warning, error, critical.
    public var logLevel: String = "info"
    /// `runbook_base_url`: alerts link `<base>/<AlertName>.md`.
    public var runbookBaseURL: String = GlobalConfig.defaultRunbookBase
    /// `outage_tolerance`: after a restart, pending timers resume if the daemon was down less than this.
    public var outageTolerance: Double = 3600
    /// `max_response_bytes`: cap on any Vault response body.
    public var maxResponseBytes: Int = 1 << 20
    /// `history_size`: events kept per cluster for the status page.
    public var historySize: Int = 200
    public static let defaultRunbookBase = "https://github.com/sealwatch/sealwatch/blob/main/docs/runbooks"
    public init() {}
}

/// `listen:` — the metrics/status HTTP server.
public struct ListenConfig: Sendable, Hashable {
    /// `address`: `host:port` or `[v6]:port`; ignored under socket activation.
    public var address: String = "127.0.0.1:9742"
    public var maxConnections: Int = 512
    public var maxHeaderBytes: Int = 8192
    /// `read_timeout`: a request must arrive completely within this.
    public var readTimeout: Double = 10
    /// `idle_timeout`: keep-alive connections idle this long are closed.
    public var idleTimeout: Double = 60
    /// `basic_auth_users`: user → bcrypt hash; protects every endpoint except `/-/healthy`.
    public var basicAuthUsers: [String: String] = [:]
    /// `response_write_timeout`: a response must be delivered completely within this.
    public var responseWriteTimeout: Double = 30
    /// `max_queued_bytes_per_connection`: output held for one connection (one response always fits).
    public var maxQueuedBytesPerConnection: Int = 1 << 20
    /// `max_pipelined_requests`: answers queued for a connection before it is read no further.
    public var maxPipelinedRequests: Int = 16
    /// `max_requests_per_connection`: then `Connection: close`.
    public var maxRequestsPerConnection: Int = 1000
    /// `auth_checks_per_second` / `auth_check_burst`: bcrypt checks of unknown credentials per client address.
    public var authChecksPerSecond: Double = 2
    public var authCheckBurst: Int = 10
    public init() {}
}

/// `tls:` of a cluster or receiver.
public struct TLSConfig: Sendable, Hashable {
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?
    public var serverName: String?
    public var insecureSkipVerify: Bool = false
    public init() {}
}

/// One node of a cluster.
public struct NodeConfig: Sendable, Hashable {
    public var name: String
    /// Base API URL, `http(s)://host:port`, no path.
    public var address: String
    /// Raft `node_id` of this node (default: `name`), for PeerMissing.
    public var raftNodeID: String
    /// `allow_plaintext`: accept an `http://` address off this machine although the cluster has a
    /// token (which then crosses the network in clear text). Default false: such a config is refused.
    public var allowPlaintext: Bool = false
    public init(name: String, address: String, raftNodeID: String? = nil) {
        self.name = name; self.address = address; self.raftNodeID = raftNodeID ?? name
    }
}

/// One monitored cluster.
public struct ClusterConfig: Sendable, Hashable {
    public var name: String
    public var labels: [String: String] = [:]
    /// Vault token for the Raft and token endpoints (`token_file`); nil = unauthenticated endpoints only.
    public var token: SecretSource?
    /// `allow_plaintext`: as `NodeConfig.allowPlaintext`, for every node of the cluster.
    public var allowPlaintext: Bool = false
    /// `allow_insecure_token_file_mode`: accept a token file that every user may read or write
    /// (mode o+r or o+w). Default false: such a file is refused, as ssh refuses such key files.
    public var allowInsecureTokenFileMode: Bool = false
    public var tls = TLSConfig()
    public var nodes: [NodeConfig]
    /// Per-cluster request deadline (`timeout`), default `global.timeout`.
    public var timeout: Double?
    /// Expected Raft peers (`expected_peers`), default: the nodes' Raft ids.
    public var expectedPeers: [String]?
    /// Per-rule overrides (`rules:`), validated against the rule catalogue.
    public var rules: [String: RuleOverride] = [:]
    /// `canary:` — requests through every node, as a client makes them (needs the token).
    public var canary = CanaryConfig()
    /// `telemetry:` — each node's own `sys/metrics`.
    public var telemetry = TelemetryConfig()
    public init(name: String, nodes: [NodeConfig]) { self.name = name; self.nodes = nodes }
    public func nodeRefs() -> [NodeRef] { nodes.map { NodeRef(cluster: name, name: $0.name, address: $0.address) } }
}

/// `canary:` of a cluster. With a token, every node gets `GET auth/token/lookup-self` each canary
/// round; `read_path` adds a KV read through each node and `write_path` a KV write (a timestamp)
/// to the active node, the only request that crosses a Raft commit.
public struct CanaryConfig: Sendable, Hashable {
    /// `enabled` (default true; without a token there is nothing to send).
    public var enabled: Bool = true
    /// `interval`: how often (default nil = every cycle, `global.interval`); at least the cycle.
    public var interval: Double?
    /// `read_path`: an API path under `/v1/`, e.g. `secret/data/sealwatch/canary` (KV v2).
    public var readPath: String?
    /// `write_path`: e.g. `secret/data/sealwatch/canary-write`; opt-in.
    public var writePath: String?
    public init() {}
}

/// `telemetry:` of a cluster: `GET /v1/sys/metrics?format=prometheus` on every node, with the
/// token when one is configured (the listener may also allow unauthenticated metrics access).
public struct TelemetryConfig: Sendable, Hashable {
    /// `enabled` (default true).
    public var enabled: Bool = true
    /// `interval` (default 10s); at least the cycle.
    public var interval: Double = 10
    /// `max_bytes`: cap on one node's telemetry body (default 4 MiB; real ones are 40–200 KB).
    public var maxBytes: Int = 4 << 20
    public init() {}
}

/// A named receiver of one of four kinds.
public struct ReceiverConfig: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case slack(SlackConfig), pagerduty(PagerDutyConfig), webhook(WebhookConfig), alertmanager(AlertmanagerConfig)
    }
    public var name: String
    public var kind: Kind
    public var tls = TLSConfig()
    /// Per-request deadline (`timeout`, default 10s).
    public var timeout: Double = 10
    /// `allow_insecure_secret_file_mode`: accept secret files (`url_file`, `routing_key_file`,
    /// `hmac_secret_file`, `bearer_token_file`) that every user may read or write. Default false.
    public var allowInsecureSecretFileMode: Bool = false
    public init(name: String, kind: Kind) { self.name = name; self.kind = kind }
    public var kindName: String {
        switch kind { case .slack: "slack"; case .pagerduty: "pagerduty"; case .webhook: "webhook"; case .alertmanager: "alertmanager" }
    }
}

/// `slack:` — an incoming webhook.
public struct SlackConfig: Sendable, Hashable {
    /// `url` / `url_file`: the webhook URL is itself the secret.
    public var url: SecretSource
    public var channel: String?
    public var username: String?
    public init(url: SecretSource) { self.url = url }
}

/// `pagerduty:` — Events API v2.
public struct PagerDutyConfig: Sendable, Hashable {
    /// `routing_key` / `routing_key_file`.
    public var routingKey: SecretSource
    /// `url`: Events API endpoint (overridable for tests and EU accounts).
    public var url: String = "https://events.pagerduty.com/v2/enqueue"
    /// `client` / `client_url`: shown in the incident ("View in Sealwatch").
    public var client: String = "Sealwatch"
    public var clientURL: String?
    public init(routingKey: SecretSource) { self.routingKey = routingKey }
}

/// `webhook:` — Alertmanager's webhook payload (version 4).
public struct WebhookConfig: Sendable, Hashable {
    /// `url` / `url_file` (a URL may embed a token, so it is a secret).
    public var url: SecretSource
    /// `hmac_secret` / `hmac_secret_file`: HMAC-SHA256 of the body in `X-Sealwatch-Signature: sha256=<hex>`.
    public var hmacSecret: SecretSource?
    /// `bearer_token` / `bearer_token_file`.
    public var bearerToken: SecretSource?
    /// `max_alerts`: truncate alerts per message (0 = all).
    public var maxAlerts: Int = 0
    public init(url: SecretSource) { self.url = url }
}

/// `alertmanager:` — push to `POST /api/v2/alerts` of every URL (an Alertmanager cluster).
public struct AlertmanagerConfig: Sendable, Hashable {
    public var urls: [String]
    public var bearerToken: SecretSource?
    public init(urls: [String]) { self.urls = urls }
}

/// One route: alerts whose labels match `match` go to `receivers`.
/// Every matching route applies; a receiver named by several routes gets the alert once, with the
/// settings of the first route that names it.
public struct RouteConfig: Sendable, Hashable {
    public var match: [String: String]
    public var receivers: [String]
    /// Re-notify still-firing alerts this often (`repeat_interval`, default 4h; 0 = never).
    public var repeatInterval: Double = 4 * 3600
    public var sendResolved: Bool = true
    public init(match: [String: String], receivers: [String]) { self.match = match; self.receivers = receivers }
    public func matches(_ labels: [String: String]) -> Bool { match.allSatisfy { labels[$0.key] == $0.value } }
}

/// `notify:` — delivery behaviour of the outbox.
public struct NotifySettings: Sendable, Hashable {
    /// `max_age`: a notification still undelivered after this is dropped with an error (default 24h).
    public var maxAge: Double = 86400
    /// `initial_backoff` / `max_backoff`: exponential retry bounds (defaults 1s, 5m).
    public var initialBackoff: Double = 1
    public var maxBackoff: Double = 300
    /// `slack_min_interval`: pacing per Slack webhook (default 1s, Slack's documented rate).
    public var slackMinInterval: Double = 1
    /// `alertmanager_resend_interval`: re-post firing alerts this often (default 1m, well inside
    /// Alertmanager's resolve_timeout of 5m).
    public var alertmanagerResendInterval: Double = 60
    public init() {}
}
