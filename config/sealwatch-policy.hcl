# Least-privilege Vault / OpenBao policy for Sealwatch's token.
#
#   bao policy write sealwatch config/sealwatch-policy.hcl        (or: vault policy write ...)
#   bao token create -policy=sealwatch -period=24h -orphan
#
# Sealwatch only reads cluster state. The per-node endpoints sys/health, sys/seal-status and
# sys/leader need no token and are not listed. Anything not listed here is denied: no secrets,
# no policies, no sys/ writes. Sealwatch renews its periodic token itself (renew-self), so the
# token lives as long as Sealwatch runs and expires one period after it stops.

# Raft peer set (node_id, address, leader, voter): PeerMissing rule, raft_voters metric.
path "sys/storage/raft/configuration" {
  capabilities = ["read"]
}

# Autopilot state (healthy, failure_tolerance, per-server health, last_contact, indexes):
# RaftUnhealthy, FailureToleranceLow and FollowerLag rules.
path "sys/storage/raft/autopilot/state" {
  capabilities = ["read"]
}

# Server-side request latency (vault_core_handle_request) when the listener does not set
# unauthenticated_metrics_access; harmless when it does.
path "sys/metrics" {
  capabilities = ["read"]
}

# Own token's TTL and policies: TokenExpiring rule and token TTL metric.
path "auth/token/lookup-self" {
  capabilities = ["read"]
}

# Keep the periodic token alive.
path "auth/token/renew-self" {
  capabilities = ["update"]
}
