#!/usr/bin/env python3
"""Fault-to-page latency at OpenBao's default Raft timing: prints numbers, asserts nothing.

Sealwatch (interval 1 s, timeout 500 ms, the root token so the Raft view is asked too, every rule
at its default) watches the dev cluster and pages a loopback webhook receiver. Per trial:
  leader   SIGSTOP the active node (t0 = the signal, sent to its pid) until the NodeUnreachable
           page for it arrives, then SIGCONT and wait for the resolve and a healthy cluster;
  quorum   SIGSTOP the active node and one standby until the NoLeader page arrives, then SIGCONT
           both and wait for a healthy cluster and the resolve.
While the active node is hung, every poll cycle's wall time is read from /api/v1/status
(last_cycle_seconds, sampled every 100 ms) and from the sealwatch_poll_cycle_duration_seconds
histogram (sum/count deltas between 0.6 s after t0 and the page).
Targets: page <= for (30 s) + interval (1 s) + the firing cycle's wait for the hung node (500 ms);
cycle wall time with the active node hung <= timeout + 50 ms = 550 ms; no SplitBrain page.
"""
import argparse, http.server, json, os, re, signal, socket, statistics, subprocess, sys, threading, time, urllib.request

p = argparse.ArgumentParser()
p.add_argument("--bin", required=True)
p.add_argument("--cluster-dir", required=True)
p.add_argument("--base-port", type=int, required=True)
p.add_argument("--script", default="scripts/dev-cluster.sh")
p.add_argument("--trials", type=int, default=5)
a = p.parse_args()
env = dict(os.environ, DEV_CLUSTER_DIR=a.cluster_dir, BASE_PORT=str(a.base_port), DEV_CLUSTER_PERF_MULTIPLIER="default")
events = []          # (monotonic time, kind, alertname, node, status)
lock = threading.Lock()


def note(*e):
    with lock:
        events.append((time.monotonic(), *e))


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            doc = json.loads(body)
        except ValueError:
            doc = {}
        for alert in doc.get("alerts", []):
            labels = alert.get("labels", {})
            note("page", labels.get("alertname"), labels.get("node"), alert.get("status"))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=srv.serve_forever, daemon=True).start()
s = socket.socket()
s.bind(("127.0.0.1", 0))
listen_port = s.getsockname()[1]
s.close()
work = os.path.join(a.cluster_dir, "..", "fault-bench")
os.makedirs(work, exist_ok=True)
nodes = "\n".join(f'      - {{name: bao-{i + 1}, address: "http://127.0.0.1:{a.base_port + 10 * i}"}}' for i in range(3))
cfg = f"""global: {{interval: 1s, timeout: 500ms, state_dir: {work}/state}}
listen: {{address: "127.0.0.1:{listen_port}"}}
clusters:
  - name: bench
    token_file: {a.cluster_dir}/root-token
    nodes:
{nodes}
receivers:
  - {{name: hook, webhook: {{url: "http://127.0.0.1:{srv.server_address[1]}/hook"}}}}
notify: {{initial_backoff: 200ms, max_backoff: 1s}}
"""
open(f"{work}/sealwatch.yml", "w").write(cfg)
daemon = subprocess.Popen([a.bin, "run", "--config", f"{work}/sealwatch.yml"], stderr=subprocess.PIPE,
                          stdout=subprocess.DEVNULL, text=True, env=dict(os.environ, NOTIFY_SOCKET=""))
transition = re.compile(r"alert (\w+) (firing|resolved|pending)")


def read_log():
    for line in daemon.stderr:
        m = transition.search(line)
        if m:
            node = re.search(r"node=(\S+)", line)
            note("log", m.group(1), (node.group(1).strip('"') or None) if node else None, m.group(2))
        elif "first cycle complete" in line:
            note("ready", None, None, None)


threading.Thread(target=read_log, daemon=True).start()


def wait_for(kind, alertname, status, after, node=None, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        with lock:
            for t, k, n, nd, st in events:
                if t >= after and k == kind and n == alertname and st == status and (node is None or nd == node):
                    return t
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.002)


def count(kind, alertname, status):
    with lock:
        return sum(1 for _, k, n, _, st in events if k == kind and n == alertname and st == status)


def cluster(*args):
    subprocess.run([a.script, *args], env=env, check=True, stdout=subprocess.DEVNULL)


def leader():
    return int(subprocess.run([a.script, "leader"], env=env, check=True, capture_output=True, text=True).stdout.strip())


def pid(n):
    return int(open(os.path.join(a.cluster_dir, f"node-{n}", "pid")).read().strip())


def http_get(path):
    return urllib.request.urlopen(f"http://127.0.0.1:{listen_port}{path}", timeout=2).read().decode()


def histogram():
    text = http_get("/metrics")
    get = lambda name: float(re.search(rf"^{name}(?:{{}})? (\S+)$", text, re.M).group(1))
    return get("sealwatch_poll_cycle_duration_seconds_sum"), get("sealwatch_poll_cycle_duration_seconds_count")


class CycleSampler:
    """Every cycle's wall time from /api/v1/status while running (a new value each cycle)."""
    def __init__(self):
        self.values, self.stop, self.last = [], threading.Event(), None
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            try:
                doc = json.loads(http_get("/api/v1/status"))
                key = (doc.get("last_cycle_at"), doc.get("last_cycle_seconds"))
                if key != self.last and self.last is not None:
                    self.values.append(doc["last_cycle_seconds"])
                self.last = key
            except Exception:
                pass
            time.sleep(0.1)

    def done(self):
        self.stop.set()
        self.thread.join(2)
        return self.values


def hung_window_start(t0):
    """The histogram 0.6 s after the fault: every cycle completed after it probed the hung node(s)."""
    time.sleep(max(0.0, t0 + 0.6 - time.monotonic()))
    return histogram()


def trial(kind, k):
    cluster("wait-healthy", "90")
    time.sleep(1.5 + (k % 4) * 0.25)   # a few healthy cycles; vary the phase against the poll grid
    lead = leader()
    stopped = [lead] if kind == "leader" else [lead, lead % 3 + 1]
    for n in stopped:
        os.kill(pid(n), signal.SIGSTOP)
    t0 = time.monotonic()
    try:
        h0 = hung_window_start(t0)
        sampler = CycleSampler()
        alert, node = ("NodeUnreachable", f"bao-{lead}") if kind == "leader" else ("NoLeader", None)
        tp = wait_for("page", alert, "firing", t0, node, timeout=60)
        tl = wait_for("log", alert, "firing", t0, node, timeout=1)
        tpend = wait_for("log", alert, "pending", t0, node, timeout=0)
        h1 = histogram()
        cycles = sampler.done()
    finally:
        for n in stopped:
            os.kill(pid(n), signal.SIGCONT)
    resumed = time.monotonic()
    if kind == "leader":
        wait_for("page", alert, "resolved", resumed, node, timeout=30)
        cluster("wait-healthy", "90")
    else:
        cluster("wait-healthy", "90")
        wait_for("page", alert, "resolved", resumed, node, timeout=30)
    mean = (h1[0] - h0[0]) / (h1[1] - h0[1]) if h1[1] > h0[1] else None
    page = None if tp is None else tp - t0
    fired = None if tl is None else tl - t0
    pending = None if tpend is None else tpend - t0
    print(f"{kind:6s} trial {k}: SIGSTOP {', '.join(f'bao-{n}' for n in stopped)} -> {alert} pending "
          f"{'-' if pending is None else f'{pending:6.3f} s'}, firing "
          f"{'-' if fired is None else f'{fired:6.3f} s'}, page {'-' if page is None else f'{page:6.3f} s'}; "
          f"cycles while hung: n={len(cycles)} median {statistics.median(cycles) * 1000 if cycles else 0:.1f} ms "
          f"max {max(cycles) * 1000 if cycles else 0:.1f} ms, histogram mean "
          f"{'-' if mean is None else f'{mean * 1000:.1f} ms'} over {int(h1[1] - h0[1])} cycles", flush=True)
    return page, cycles, mean


try:
    if wait_for("ready", None, None, 0, timeout=30) is None:
        sys.exit("sealwatch did not become ready")
    results = {"leader": [trial("leader", k + 1) for k in range(a.trials)],
               "quorum": [trial("quorum", k + 1) for k in range(a.trials)]}
    time.sleep(6)   # past SplitBrain's for after the last resume

    def row(name, xs, unit, target):
        xs = [x for x in xs if x is not None]
        if not xs:
            print(f"{name:44s} {'-':>4s}")
            return
        scale = 1000 if unit == "ms" else 1
        print(f"{name:44s} {len(xs):4d} {statistics.median(xs) * scale:10.3f} {max(xs) * scale:10.3f}  {unit:3s} {target}")

    print()
    print(f"-- fault to page, OpenBao default Raft timing, interval 1 s, timeout 500 ms, {a.trials} trials each, "
          f"{os.cpu_count()} cores, load {open('/proc/loadavg').read().split()[0]}")
    print(f"{'measure':44s} {'n':>4s} {'median':>10s} {'max':>10s}  unit target")
    row("SIGSTOP leader -> NodeUnreachable page", [r[0] for r in results["leader"]], "s", "<= 31.5 (for 30 + interval 1 + timeout 0.5)")
    row("SIGSTOP leader+standby -> NoLeader page", [r[0] for r in results["quorum"]], "s", "<= 31.5")
    row("cycle wall time, active hung (status)", [c for r in results["leader"] for c in r[1]], "ms", "<= 550 (timeout + 50)")
    row("cycle wall time, active hung (histogram)", [r[2] for r in results["leader"]], "ms", "<= 550 (mean per trial)")
    row("cycle wall time, 2 of 3 hung (status)", [c for r in results["quorum"] for c in r[1]], "ms", "<= 550")
    print(f"SplitBrain pages: {count('page', 'SplitBrain', 'firing')} (pending {count('log', 'SplitBrain', 'pending')} times), "
          f"NoLeader pages in leader trials: {count('page', 'NoLeader', 'firing') - len([r for r in results['quorum'] if r[0] is not None])}")
finally:
    daemon.terminate()
    daemon.wait(timeout=10)
    srv.shutdown()
