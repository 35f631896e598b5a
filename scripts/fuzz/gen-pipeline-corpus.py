#!/usr/bin/env python3
"""Writes the seed corpus of the `pipeline` fuzz target (scripts/fuzz/pipeline-corpus/).

The input format is documented at the top of pipeline-harness.swift. Bodies come from the recorded
Vault answers in Tests/ProbingTests/Fixtures, with their addresses and Raft ids rewritten to the
harness's nodes (vault-<i> at http://10.0.0.<i>:8200, cluster port 8201).
Run: python3 scripts/fuzz/gen-pipeline-corpus.py   (rewrites every seed; commit the result)
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "Tests", "ProbingTests", "Fixtures")
OUT = os.path.join(HERE, "pipeline-corpus")

HEALTH, SEAL_STATUS, LEADER, RAFT_CONFIG, AUTOPILOT, TOKEN_LOOKUP, RENEW, METRICS = range(8)


def fixture(name, leader=1):
    text = open(os.path.join(FIXTURES, name), encoding="utf-8").read().strip()
    # 127.0.0.1:8200/8201 is the active node; 8211, 8221 the Raft addresses of the others.
    text = text.replace("127.0.0.1:8200", f"10.0.0.{leader}:8200").replace("127.0.0.1:8201", f"10.0.0.{leader}:8201")
    text = text.replace("127.0.0.1:8211", "10.0.0.2:8201").replace("127.0.0.1:8221", "10.0.0.3:8201")
    return text.replace("bao-", "vault-").encode()


def sub(body, old, new):
    assert old in body, f"{old!r} not in the fixture"
    return body.replace(old, new)


def flags(nodes=3, token=False, color=False):
    return bytes([(nodes - 2) | (4 if token else 0) | (8 if color else 0)])


def answer(node, endpoint, status, body, latency_ms=3):
    body = body if isinstance(body, bytes) else body.encode()
    return bytes([endpoint << 3 | node]) + struct.pack(">HBH", status, latency_ms, len(body)) + body


def cycle(step_ms=5000):
    return b"\x80" + struct.pack(">i", step_ms)


def cert(node, expiry):
    return bytes([0xC0 | node]) + struct.pack(">q", expiry)


def healthy(nodes=3, token=True):
    """Node 0 active, the others standby, all agreeing on the leader; with the token answers."""
    out = b""
    for i in range(nodes):
        out += answer(i, HEALTH, 200 if i == 0 else 429, fixture("health-active.json" if i == 0 else "health-standby.json"))
        out += answer(i, LEADER, 200, fixture("leader-active.json" if i == 0 else "leader-standby.json"))
    if token:
        for i in range(nodes):
            out += answer(i, RAFT_CONFIG, 200, fixture("raft-configuration.json"))
            out += answer(i, AUTOPILOT, 200, fixture("autopilot-state.json"))
            out += answer(i, TOKEN_LOOKUP, 200, fixture("token-lookup.json"))
        out += answer(0, RENEW, 200, '{"auth":{"client_token":"s.x","lease_duration":3600,"renewable":true}}')
    return out


SEEDS = {}

# A healthy 3-node cluster over a few cycles, and the same without a token.
SEEDS["healthy-3-nodes"] = flags(3, token=True) + healthy() + cycle() + cycle() + cycle()
SEEDS["healthy-3-nodes-no-token"] = flags(3) + healthy(token=False) + cycle() + cycle()
SEEDS["healthy-5-nodes-color"] = flags(5, color=True) + healthy(5, token=False) + cycle() + cycle()

# The crash of issue 11: an active node's sys/leader with raft_applied_index 1e19 next to a normal standby.
huge_index = sub(fixture("leader-active.json"), b'"raft_applied_index":1234', b'"raft_applied_index":10000000000000000000')
SEEDS["raft-index-1e19"] = (flags(3, token=True) + healthy() + answer(0, LEADER, 200, huge_index)
                            + cycle() + cycle(30000) + cycle(30000))

# Hostile health answers on one node of a healthy cluster.
for name, status, body in [
    ("health-200-empty-object", 200, "{}"),
    ("health-sealed-yes", 503, sub(fixture("health-sealed.json"), b'"sealed":true', b'"sealed":"yes"')),
    ("health-sealed-1e999999", 429, sub(fixture("health-standby.json"), b'"sealed":false', b'"sealed":1e999999')),
    ("health-invalid-utf8", 429, sub(fixture("health-standby.json"), b'"version":"2.7.2"', b'"version":"2.7\xff\xfe\xc0"')),
    ("health-garbage-html", 200, fixture("garbage.html")),
    ("health-markup-version", 429, sub(fixture("health-standby.json"), b'"version":"2.7.2"',
                                       b'"version":"<script>alert(1)</script>\\"\\n\\\\ \\u0000"')),
    ("health-418", 418, fixture("health-standby.json")),
]:
    SEEDS[name] = flags(3, token=True) + healthy() + cycle() + answer(1, HEALTH, status, body) + cycle() + cycle(60000)

# Token lookup with an infinite TTL, and a TTL that needs renewal.
ttl_inf = sub(fixture("token-lookup.json"), b'"ttl":3512', b'"ttl":"inf"')
SEEDS["token-ttl-inf"] = flags(3, token=True) + healthy() + answer(0, TOKEN_LOOKUP, 200, ttl_inf) + cycle() + cycle()
ttl_low = sub(fixture("token-lookup.json"), b'"ttl":3512', b'"ttl":60')
SEEDS["token-ttl-low"] = flags(3, token=True) + healthy() + answer(0, TOKEN_LOOKUP, 200, ttl_low) + cycle()

# Telemetry (sys/metrics, Prometheus text) and canaries: audit failures rising, hostile numbers,
# a 500 from every lookup while health is fine (the audit devices are gone).
telemetry = (b"vault_core_handle_request{quantile=\"0.99\"} 0.3\nvault_audit_log_request_failure 0\n"
             b"vault_raft_commitTime{quantile=\"0.99\"} 2.7\nvault_expire_num_leases 12\nvault_route_read_secret__count 4\n")
rising = telemetry.replace(b"vault_audit_log_request_failure 0", b"vault_audit_log_request_failure 9")
hostile = (b"vault_expire_num_leases 1e999\nvault_core_handle_request{quantile=\"0.99\"} NaN\n"
           b"vault_raft_commitTime{quantile=\"0.99\"} -Inf\nvault_audit_log_request_failure{a=\"\\\"} 1\n"
           b"vault_core_response_status_code{code=\"500\"} 18446744073709551616\n")
SEEDS["telemetry-audit-rising"] = (flags(3, token=True) + healthy() + answer(0, METRICS, 200, telemetry) + cycle()
                                   + answer(0, METRICS, 200, rising) + cycle(11000) + cycle(11000))
SEEDS["telemetry-hostile-numbers"] = flags(3, token=True) + healthy() + answer(1, METRICS, 200, hostile) + cycle() + cycle(11000)
SEEDS["canary-500-health-fine"] = (flags(3, token=True) + healthy() + cycle()
                                   + b"".join(answer(i, TOKEN_LOOKUP, 500, '{"errors":["internal error"]}') for i in range(3))
                                   + cycle(1000) + cycle(1000))

# Invalid UTF-8 everywhere a body goes.
SEEDS["invalid-utf8-bodies"] = (flags(3, token=True) + healthy() + answer(0, LEADER, 200, b'{"is_self":true,"leader_address":"\xff"}')
                                + answer(0, AUTOPILOT, 200, b'\xc3\x28{"data":{}}') + answer(2, HEALTH, 200, b'\xed\xa0\x80')
                                + cycle())

# Split brain: two nodes claim active; no leader: every node a standby pointing nowhere.
SEEDS["split-brain"] = (flags(3, token=True) + healthy() + answer(1, HEALTH, 200, fixture("health-active.json"))
                        + answer(1, LEADER, 200, fixture("leader-active.json", leader=2)) + cycle() + cycle(60000) + cycle(120000))
stepped = b"".join(answer(i, LEADER, 200, fixture("leader-stepped-down.json")) for i in range(3))
SEEDS["no-leader"] = (flags(3) + healthy(token=False) + answer(0, HEALTH, 429, fixture("health-standby.json")) + stepped
                      + cycle() + cycle(60000) + cycle(120000))

# Follower lag: a standby far behind the active node's index, across cycles, then the clock goes back.
lagging = sub(fixture("leader-standby.json"), b'"raft_applied_index":1230', b'"raft_applied_index":3')
SEEDS["follower-lag-clock-back"] = (flags(3, token=True) + healthy() + answer(2, LEADER, 200, lagging)
                                    + cycle() + cycle(60000) + cycle(120000) + cycle(-300000) + cycle(5000))

# Sealed and uninitialised nodes (seal-status asked), unreachable and timed-out nodes, other codes.
SEEDS["sealed-node"] = (flags(3, token=True) + healthy() + answer(2, HEALTH, 503, fixture("health-sealed.json"))
                        + answer(2, SEAL_STATUS, 200, fixture("seal-status-sealed.json")) + cycle() + cycle(600000))
SEEDS["uninitialized-and-down"] = (flags(4) + healthy(4, token=False) + answer(1, HEALTH, 501, fixture("health-uninitialized.json"))
                                   + answer(1, SEAL_STATUS, 200, '{"initialized":false,"sealed":true,"t":0,"n":0,"progress":0}')
                                   + answer(3, HEALTH, 0, b"\x00") + answer(2, HEALTH, 0, b"") + cycle() + cycle(10000))
SEEDS["dr-perf-474-530"] = (flags(5) + healthy(5, token=False) + answer(1, HEALTH, 472, fixture("health-dr-secondary.json"))
                            + answer(2, HEALTH, 473, fixture("health-perf-standby.json")) + answer(3, HEALTH, 474, fixture("health-474.json"))
                            + answer(4, HEALTH, 530, fixture("health-530.json")) + cycle() + cycle())

# High latency, certificates expiring soon and at the ends of the representable range.
slow = flags(3) + b"".join(answer(i, HEALTH, 200 if i == 0 else 429,
                                  fixture("health-active.json" if i == 0 else "health-standby.json"), latency_ms=250) for i in range(3))
SEEDS["high-latency"] = slow + cycle() + cycle(60000) + cycle(60000) + cycle(60000)
SEEDS["certificates"] = (flags(3) + healthy(token=False) + cert(0, 1795364400 + 86400) + cert(1, -62167219200)
                         + cert(2, 253402300799) + cycle() + cycle(3600000))

# Refused token (403) and an autopilot answer camelCased.
SEEDS["token-refused"] = (flags(3, token=True) + healthy() + b"".join(answer(i, e, 403, '{"errors":["permission denied"]}')
                                                                     for i in range(3) for e in (RAFT_CONFIG, AUTOPILOT, TOKEN_LOOKUP))
                          + cycle())
SEEDS["autopilot-camelcase"] = flags(3, token=True) + healthy() + answer(0, AUTOPILOT, 200, fixture("autopilot-state-camelcase.json")) + cycle()

# Degenerate inputs.
SEEDS["empty"] = b""
SEEDS["flags-only"] = flags(2)


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    for name, data in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(SEEDS)} seeds to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
