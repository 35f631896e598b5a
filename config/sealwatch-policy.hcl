# Least-privilege Vault / OpenBao policy for Sealwatch's token.
#
#   bao policy write sealwatch config/sealwatch-policy.hcl        (or: vault policy write ...)
#   bao token create -policy=sealwatch -period=24h -orphan
#
# Sealwatch reads cluster state and sends canary requests: a token lookup through every node, a
# read of one canary secret and, opt-in, a write to one other canary secret. The per-node
# endpoints sys/health, sys/seal-status and sys/leader need no token and are not listed. Anything
# not listed here is denied: no other secrets, no listing, no policies, no sys/ writes. Sealwatch
# renews its periodic token itself (renew-self), so the token lives as long as Sealwatch runs and
# expires one period after it stops.

# Raft peer set (node_id, address, leader, voter): PeerMissing rule, raft_voters metric.
path "sys/storage/raft/configuration" {
  capabilities = ["read"]
}

# Autopilot state (healthy, failure_tolerance, per-server health, last_contact, indexes):
# RaftUnhealthy, FailureToleranceLow and FollowerLag rules.
path "sys/storage/raft/autopilot/state" {
  capabilities = ["read"]
}

# Node telemetry (GET sys/metrics?format=prometheus on every node, `telemetry:` settings):
# request latency, audit failures, Raft commit time, leases. Needed when the listener does not set
# unauthenticated_metrics_access; harmless when it does.
path "sys/metrics" {
  capabilities = ["read"]
}

# Own token's TTL and policies: TokenExpiring rule and token TTL metric; also the lookup canary
# sent through every node each cycle (always on when a token is configured).
path "auth/token/lookup-self" {
  capabilities = ["read"]
}

# Keep the periodic token alive.
path "auth/token/renew-self" {
  capabilities = ["update"]
}

# The read canary (`canary.read_path: secret/data/sealwatch/canary`): a KV v2 read through every
# node. Only this one secret; put nothing confidential in it. Change the path here if
# canary.read_path names another one (KV v2 paths include data/).
path "secret/data/sealwatch/canary" {
  capabilities = ["read"]
}

# The write canary, opt-in (`canary.write_path: secret/data/sealwatch/canary-write`): a small
# timestamp written to the active node, the only probe that crosses a Raft commit. Without
# canary.write_path this block is unused and may be left out. No read, delete or list.
path "secret/data/sealwatch/canary-write" {
  capabilities = ["create", "update"]
}
