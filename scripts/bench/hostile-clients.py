#!/usr/bin/env python3
"""Hostile HTTP clients against a /metrics server, for scripts/bench/hostile-clients.sh.

Loopback only, stdlib only, bounded in connections and time. Each mode runs a flood in a
background thread (one selector/poll loop) and "side scrapes" in the main thread, and prints one
summary line.

  side-scrapes   --flood slow|complete|reading --conns N --scrapes M --interval S
                 slow:     N connections send half a request head and add a header line every
                           second, never finishing; when the server cuts one, it reconnects.
                 complete: N connections send a complete GET /metrics and never read the answer
                           (small receive buffer); when cut, they reconnect and do it again.
                 reading:  N keep-alive connections that read every answer and ask again at once
                           (like `wrk -c N`); when cut, they reconnect.
                 A side scrape is a fresh connection, GET /metrics with gzip, read to the end
                 within 5 s: "ok" is a 200 with the whole body. At most --max-seconds of scraping.
  slow-readers   --conns N --seconds S --pid PID
                 N connections ask for /metrics with gzip and read 1 KiB per second; prints the
                 server's VmRSS / VmHWM (from /proc/PID/status) after S seconds.
  auth-latency   --scrapes M [--flood-conns 10] --user U --password P
                 M scrapes with good credentials on one keep-alive connection (after one warm-up),
                 with or without a flood of distinct wrong passwords from --flood-conns keep-alive
                 connections sending back to back; prints median / p99 and the flood's statuses.
"""
import argparse
import base64
import resource
import select
import selectors
import socket
import statistics
import sys
import threading
import time


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def request(path, extra=""):
    return ("GET %s HTTP/1.1\r\nHost: bench\r\n%s\r\n" % (path, extra)).encode()


GZIP = "Accept-Encoding: gzip\r\n"


def read_response(sock, deadline):
    """(status, body length, keep_alive) of one response on a blocking socket; raises on timeout/EOF."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        sock.settimeout(max(0.001, deadline - time.monotonic()))
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError("closed before the head")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length, keep = 0, True
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
        if name.strip().lower() == "connection" and value.strip().lower() == "close":
            keep = False
    got = len(rest)
    view = bytearray(65536)
    while got < length:
        sock.settimeout(max(0.001, deadline - time.monotonic()))
        n = sock.recv_into(view)
        if n == 0:
            raise EOFError("closed inside the body")
        got += n
    return status, length, keep


def side_scrape(host, port, extra=GZIP, timeout=5.0):
    """(None when a fresh connection gets a complete 200 within `timeout`, else why not; seconds to connect)."""
    start = time.monotonic()
    deadline = start + timeout
    connected = float("nan")
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            connected = time.monotonic() - start
            s.sendall(request("/metrics", extra))
            status, _, _ = read_response(s, deadline)
            return (None if status == 200 else str(status)), connected
    except socket.timeout:
        return "timeout", connected
    except ConnectionResetError:
        return "reset", connected
    except EOFError:
        return "closed", connected
    except (OSError, ValueError, IndexError) as e:
        return type(e).__name__, connected


class Flood(threading.Thread):
    """N connections of one kind, reconnecting when cut, until stop() (one thread, one poll loop)."""

    def __init__(self, kind, host, port, conns):
        super().__init__(daemon=True)
        self.kind, self.host, self.port, self.conns = kind, host, port, conns
        self.running = True
        self.connects = self.cut = self.responses = 0
        self.socks = {}  # fd -> [socket, state]

    def stop(self):
        self.running = False
        self.join(10)

    def open_one(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if self.kind == "complete":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.setblocking(False)
        try:
            s.connect((self.host, self.port))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            return
        self.connects += 1
        # state: phase, buffer, bytes left of the body, next trickle time
        self.socks[s.fileno()] = [s, "connecting", b"", 0, 0.0]

    def close_one(self, fd):
        s = self.socks.pop(fd)[0]
        try:
            self.poll.unregister(fd)
        except (KeyError, ValueError):
            pass
        s.close()
        self.cut += 1

    def run(self):
        self.poll = select.poll()
        mask_connect = select.POLLOUT | select.POLLERR | select.POLLHUP
        mask_watch = select.POLLRDHUP | select.POLLERR | select.POLLHUP
        mask_read = select.POLLIN | select.POLLERR | select.POLLHUP
        view = bytearray(65536)
        while self.running:
            while len(self.socks) < self.conns:
                before = len(self.socks)
                self.open_one()
                if len(self.socks) == before:
                    break
                self.poll.register(list(self.socks)[-1], mask_connect)
            now = time.monotonic()
            for fd, (s, phase, buf, left, nxt) in list(self.socks.items()):
                if phase == "trickle" and now >= nxt:
                    try:
                        s.send(b"X-Slow: y\r\n")
                    except OSError:
                        self.close_one(fd)
                        continue
                    self.socks[fd][4] = now + 1.0
            for fd, ev in self.poll.poll(100):
                if fd not in self.socks:
                    continue
                st = self.socks[fd]
                s = st[0]
                if st[1] == "connecting":
                    if ev & (select.POLLERR | select.POLLHUP) or s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                        self.close_one(fd)
                        continue
                    try:
                        if self.kind == "slow":
                            s.send(b"GET /metrics HTTP/1.1\r\nHost: bench\r\n")
                            st[1], st[4] = "trickle", time.monotonic() + 1.0
                            self.poll.modify(fd, mask_read)
                        elif self.kind == "complete":
                            s.send(request("/metrics"))
                            st[1] = "hold"
                            self.poll.modify(fd, mask_watch)
                        else:
                            s.send(request("/metrics", GZIP))
                            st[1], st[2] = "head", b""
                            self.poll.modify(fd, mask_read)
                    except OSError:
                        self.close_one(fd)
                    continue
                if st[1] == "hold":  # only hang-ups are watched: the answer is never read
                    self.close_one(fd)
                    continue
                try:
                    if st[1] == "body":
                        n = s.recv_into(view, min(len(view), st[3]))
                        data = None
                    else:
                        data = s.recv(65536)
                        n = len(data)
                except BlockingIOError:
                    continue
                except OSError:
                    self.close_one(fd)
                    continue
                if n == 0:
                    self.close_one(fd)
                    continue
                if self.kind == "slow" or st[1] == "trickle":
                    continue  # a 408 or a 503: the close follows
                if st[1] == "head":
                    st[2] += data
                    if b"\r\n\r\n" not in st[2]:
                        continue
                    head, _, rest = st[2].partition(b"\r\n\r\n")
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        if line.lower().startswith(b"content-length:"):
                            length = int(line.split(b":")[1])
                    st[3] = length - len(rest)
                    st[1] = "body"
                else:
                    st[3] -= n
                if st[1] == "body" and st[3] <= 0:
                    self.responses += 1
                    try:
                        s.send(request("/metrics", GZIP))
                    except OSError:
                        self.close_one(fd)
                        continue
                    st[1], st[2] = "head", b""
        for fd in list(self.socks):
            self.close_one(fd)


def cmd_side_scrapes(a):
    raise_nofile()
    flood = Flood(a.flood, a.host, a.port, a.conns)
    flood.start()
    time.sleep(a.warmup)
    ok = attempted = 0
    latencies, connects, failures = [], [], {}
    stop_at = time.monotonic() + a.max_seconds
    for _ in range(a.scrapes):
        if time.monotonic() > stop_at:
            break
        attempted += 1
        t = time.monotonic()
        why, connected = side_scrape(a.host, a.port)
        if why is None:
            ok += 1
            latencies.append(time.monotonic() - t)
            connects.append(connected)
        else:
            failures[why] = failures.get(why, 0) + 1
        time.sleep(a.interval)
    flood.stop()
    latencies.sort()
    med = statistics.median(latencies) * 1000 if latencies else float("nan")
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000 if latencies else float("nan")
    failed = ", ".join("%d %s" % (v, k) for k, v in sorted(failures.items())) or "none"
    conn_med = statistics.median(connects) * 1000 if connects else float("nan")
    print("flood=%s conns=%d: side scrapes ok %d/%d (%.1f %%), median %.1f ms (of which connect %.1f ms), p99 %.1f ms, "
          "failed: %s; flood connects %d, answers read %d"
          % (a.flood, a.conns, ok, attempted, 100.0 * ok / attempted, med, conn_med, p99, failed, flood.connects,
             flood.responses))


def vm(pid, key):
    for line in open("/proc/%d/status" % pid):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def cmd_slow_readers(a):
    raise_nofile()
    base_rss, base_data = vm(a.pid, "VmRSS"), vm(a.pid, "VmData")
    socks = []
    for _ in range(a.conns):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect((a.host, a.port))
        s.sendall(request("/metrics", GZIP))
        s.setblocking(False)
        socks.append(s)
    received = 0
    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        for s in socks:
            try:
                received += len(s.recv(1024))
            except (BlockingIOError, OSError):
                pass
        time.sleep(1.0)
    rss, hwm, data = vm(a.pid, "VmRSS"), vm(a.pid, "VmHWM"), vm(a.pid, "VmData")
    for s in socks:
        s.close()
    print("%d slow-reading gzip clients (1 KiB/s each) for %d s: daemon VmRSS %.1f MiB (%.1f before), VmHWM %.1f MiB, "
          "VmData %.1f MiB (%.1f before); clients read %d KiB in all"
          % (a.conns, a.seconds, rss, base_rss, hwm, data, base_data, received // 1024))


def cmd_auth_latency(a):
    raise_nofile()
    good = "Authorization: Basic %s\r\n" % base64.b64encode(("%s:%s" % (a.user, a.password)).encode()).decode()
    statuses = {}
    running = [True]
    lock = threading.Lock()

    def flooder(n):
        i = 0
        while running[0]:
            try:
                with socket.create_connection((a.host, a.port), timeout=10) as s:
                    while running[0]:
                        bad = base64.b64encode(("%s:wrong-%d-%d" % (a.user, n, i)).encode()).decode()
                        i += 1
                        s.sendall(request("/metrics", "Authorization: Basic %s\r\n" % bad))
                        status, _, keep = read_response(s, time.monotonic() + 10)
                        with lock:
                            statuses[status] = statuses.get(status, 0) + 1
                        if not keep:
                            break
            except (OSError, EOFError, ValueError):
                time.sleep(0.01)

    threads = [threading.Thread(target=flooder, args=(n,), daemon=True) for n in range(a.flood_conns)]
    with socket.create_connection((a.host, a.port), timeout=10) as s:
        s.sendall(request("/metrics", GZIP + good))
        status, _, _ = read_response(s, time.monotonic() + 10)  # warm-up: the good credentials get cached
        if status != 200:
            print("warm-up scrape answered %d" % status)
            return 1
        for t in threads:
            t.start()
        if threads:
            time.sleep(0.5)
        latencies, failures = [], 0
        stop_at = time.monotonic() + a.max_seconds
        for _ in range(a.scrapes):
            if time.monotonic() > stop_at:
                break
            t = time.monotonic()
            s.sendall(request("/metrics", GZIP + good))
            status, _, _ = read_response(s, time.monotonic() + 10)
            latencies.append(time.monotonic() - t)
            failures += status != 200
            time.sleep(a.interval)
    running[0] = False
    for t in threads:
        t.join(15)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    flood = ", ".join("%d×%d" % (v, k) for k, v in sorted(statuses.items())) or "none"
    print("%s: correct scrape median %.2f ms, p99 %.2f ms (%d scrapes, %d not 200); flood answers: %s"
          % ("with %d-connection wrong-password flood" % a.flood_conns if threads else "no flood",
             statistics.median(latencies) * 1000, p99 * 1000, len(latencies), failures, flood))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("side-scrapes")
    s.add_argument("--flood", choices=["slow", "complete", "reading"], required=True)
    s.add_argument("--conns", type=int, default=600)
    s.add_argument("--scrapes", type=int, default=200)
    s.add_argument("--interval", type=float, default=0.05)
    s.add_argument("--warmup", type=float, default=3.0)
    s.add_argument("--max-seconds", type=float, default=60.0, help="stop scraping after this long")
    r = sub.add_parser("slow-readers")
    r.add_argument("--conns", type=int, default=512)
    r.add_argument("--seconds", type=int, default=10)
    r.add_argument("--pid", type=int, required=True)
    u = sub.add_parser("auth-latency")
    u.add_argument("--scrapes", type=int, default=200)
    u.add_argument("--interval", type=float, default=0.02)
    u.add_argument("--flood-conns", type=int, default=0)
    u.add_argument("--max-seconds", type=float, default=60.0, help="stop scraping after this long")
    u.add_argument("--user", required=True)
    u.add_argument("--password", required=True)
    a = p.parse_args()
    if not a.host.startswith("127.") and a.host != "::1":
        sys.exit("loopback only")
    return {"side-scrapes": cmd_side_scrapes, "slow-readers": cmd_slow_readers, "auth-latency": cmd_auth_latency}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main() or 0)
