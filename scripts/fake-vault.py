#!/usr/bin/env python3
"""A fake Vault/OpenBao fleet on loopback, for benchmarks and demos (stdlib only, asyncio).

Binds N listeners on consecutive loopback addresses -- 127.0.1.1 ... 127.0.1.254, then
127.0.2.1 ... (the last octet wraps 1..254 into the next third octet) -- all on the same port,
and answers like one healthy Raft cluster:

  GET /v1/sys/health       node 0: 200 active; others: 429 standby; sealed nodes: 503
  GET /v1/sys/seal-status  shamir seal, t=1 n=1, raft storage
  GET /v1/sys/leader       leader_address = node 0 (the first unsealed node)

HTTP/1.1 keep-alive; every response is written in ONE write (head + body), so clients never
meet the Nagle + delayed-ACK stall. Prints "ready" on stdout once every listener is bound.

  scripts/fake-vault.py --nodes 1000 --base 127.0.1.1 --port 8200 [--delay-ms 5]
                        [--fail-every 100] [--sealed 3,7] [--exit-after 600]
"""
import argparse
import asyncio
import ipaddress
import json
import resource
import signal
import sys
import time

CLUSTER_ID = "5b3c1c5e-1c3a-4f0e-9d2a-6f3b7c8d9e01"
CLUSTER_NAME = "vault-cluster-fake"
VERSION = "1.15.6"
REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 429: "Too Many Requests",
           500: "Internal Server Error", 503: "Service Unavailable"}
MAX_HEAD = 64 * 1024


def node_addresses(base, count):
    """127.0.1.1 -> 127.0.1.1 ... 127.0.1.254, 127.0.2.1, ... (octet 4 stays within 1..254)."""
    a, b, c, d = (int(x) for x in base.split("."))
    if a != 127:
        raise SystemExit("--base must be a loopback address (127.x.y.z)")
    out = []
    for _ in range(count):
        if d > 254:
            d = 1
            c += 1
            if c > 255:
                c = 0
                b += 1
        if b > 255:
            raise SystemExit("ran out of 127.0.0.0/8 addresses")
        out.append("%d.%d.%d.%d" % (a, b, c, d))
        d += 1
    return out


class Fleet:
    def __init__(self, args):
        self.addresses = node_addresses(args.base, args.nodes)
        self.port = args.port
        self.delay = args.delay_ms / 1000.0
        self.fail_every = args.fail_every
        self.sealed = set(args.sealed)
        self.requests = 0
        self.started = time.time()
        unsealed = [i for i in range(len(self.addresses)) if i not in self.sealed]
        self.leader = unsealed[0] if unsealed else None

    def url(self, index, port=None, scheme="http"):
        return "%s://%s:%d" % (scheme, self.addresses[index], port or self.port)

    def answer(self, index, method, path):
        """(status, body dict) for one request to node `index`."""
        self.requests += 1
        if self.fail_every and self.requests % self.fail_every == 0:
            return 500, {"errors": ["injected failure (--fail-every %d)" % self.fail_every]}
        if method not in ("GET", "HEAD"):
            return 405, {"errors": []}
        path = path.split("?", 1)[0]
        sealed = index in self.sealed
        active = index == self.leader
        now = int(time.time())
        if path == "/v1/sys/health":
            body = {"initialized": True, "sealed": sealed, "standby": not active,
                    "performance_standby": False, "replication_performance_mode": "disabled",
                    "replication_dr_mode": "disabled", "server_time_utc": now, "version": VERSION}
            if not sealed:
                body.update(cluster_name=CLUSTER_NAME, cluster_id=CLUSTER_ID, echo_duration_ms=0,
                            clock_skew_ms=0, ha_connection_healthy=True)
            return (503 if sealed else 200 if active else 429), body
        if path == "/v1/sys/seal-status":
            body = {"type": "shamir", "initialized": True, "sealed": sealed, "t": 1, "n": 1, "progress": 0,
                    "nonce": "", "version": VERSION, "build_date": "2024-01-01T00:00:00Z", "migration": False,
                    "recovery_seal": False, "storage_type": "raft"}
            if not sealed:
                body.update(cluster_name=CLUSTER_NAME, cluster_id=CLUSTER_ID)
            return 200, body
        if path == "/v1/sys/leader":
            if sealed:
                return 503, {"errors": ["Vault is sealed"]}
            leader = self.leader if self.leader is not None else index
            return 200, {"ha_enabled": True, "is_self": active,
                         "active_time": "%sZ" % time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self.started)),
                         "leader_address": self.url(leader),
                         "leader_cluster_address": self.url(leader, self.port + 1, "https"),
                         "performance_standby": False, "performance_standby_last_remote_wal": 0,
                         "raft_committed_index": 4242, "raft_applied_index": 4242}
        return 404, {"errors": []}

    async def serve(self, index, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if len(head) > MAX_HEAD:
                    return
                lines = head.decode("latin-1").split("\r\n")
                parts = lines[0].split(" ")
                if len(parts) != 3:
                    writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    await writer.drain()
                    return
                method, target, version = parts
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                if length:
                    await reader.readexactly(length)
                keep_alive = (headers.get("connection", "").lower() != "close") if version == "HTTP/1.1" \
                    else headers.get("connection", "").lower() == "keep-alive"
                if self.delay:
                    await asyncio.sleep(self.delay)
                status, body = self.answer(index, method, target)
                payload = json.dumps(body, separators=(",", ":")).encode() + b"\n"
                response = ("HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n"
                            "Content-Length: %d\r\nConnection: %s\r\n\r\n"
                            % (status, REASONS.get(status, "Status"), len(payload),
                               "keep-alive" if keep_alive else "close")).encode()
                writer.write(response + (b"" if method == "HEAD" else payload))  # one write
                await writer.drain()
                if not keep_alive:
                    return
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()


def raise_fd_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, needed)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        print("warning: RLIMIT_NOFILE %d < %d needed (listeners + connections)" % (soft, needed), file=sys.stderr)


async def main(args):
    fleet = Fleet(args)
    # One listener and, with keep-alive, about one client connection per endpoint per node.
    raise_fd_limit(len(fleet.addresses) * 4 + 64)
    servers = []
    for index, address in enumerate(fleet.addresses):
        def handler(reader, writer, index=index):
            return fleet.serve(index, reader, writer)
        servers.append(await asyncio.start_server(handler, address, args.port, reuse_address=True, backlog=256))
    print("ready", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if args.exit_after > 0:
        loop.call_later(args.exit_after, stop.set)
    await stop.wait()
    for server in servers:
        server.close()


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--nodes", type=int, default=3)
    p.add_argument("--base", default="127.0.1.1", help="first loopback address (default 127.0.1.1)")
    p.add_argument("--port", type=int, default=8200)
    p.add_argument("--delay-ms", type=float, default=0.0, help="wait before every answer")
    p.add_argument("--fail-every", type=int, default=0, metavar="K", help="answer 500 to every K-th request")
    p.add_argument("--sealed", type=lambda s: [int(x) for x in s.split(",") if x.strip()], default=[],
                   metavar="I,J", help="node indexes (0-based) that report sealed (503)")
    p.add_argument("--exit-after", type=float, default=0.0, metavar="SECONDS", help="stop after this long (0: never)")
    args = p.parse_args(argv)
    if args.nodes < 1:
        p.error("--nodes must be at least 1")
    return args


if __name__ == "__main__":
    try:
        asyncio.run(main(parse_args(sys.argv[1:])))
    except KeyboardInterrupt:
        pass
