#!/usr/bin/env python3
"""Fault-to-page latency: prints numbers, asserts nothing.

--fault seal (default): for each trial, seal a standby of the dev cluster (PUT sys/seal; t0 = when
it returned), then measure how long until (1) Sealwatch logs the VaultSealed firing transition and
(2) a Slack-like and a PagerDuty-like loopback receiver get the page. Then unseal and wait for a
healthy cluster. Targets (1 s interval): firing max <= interval + 50 ms; pages median <=
interval/2 + 50 ms, max <= interval + 100 ms.

--fault audit: make every audit device unreachable (`dev-cluster.sh audit-down`: the nodes' socket
audit sink stops; t0 = when it returned) and measure the AuditDeviceFailing firing and pages; then
`audit-up`. Target: <= interval + 0.5 s.
"""
import argparse, http.server, json, os, statistics, subprocess, sys, threading, time, urllib.request

p = argparse.ArgumentParser()
p.add_argument("--bin", required=True)
p.add_argument("--cluster-dir", required=True)
p.add_argument("--base-port", type=int, required=True)
p.add_argument("--script", default="scripts/dev-cluster.sh")
p.add_argument("--trials", type=int, default=10)
p.add_argument("--interval", default="1s")
p.add_argument("--fault", choices=["seal", "audit"], default="seal")
a = p.parse_args()
alert = "VaultSealed" if a.fault == "seal" else "AuditDeviceFailing"
interval = float(a.interval.rstrip("s"))
env = dict(os.environ, DEV_CLUSTER_DIR=a.cluster_dir, BASE_PORT=str(a.base_port))
token = open(os.path.join(a.cluster_dir, "root-token")).read().strip()
key = open(os.path.join(a.cluster_dir, "unseal-key")).read().strip()
events = []          # (monotonic time, what)
lock = threading.Lock()

def note(what):
    with lock:
        events.append((time.monotonic(), what))

class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        kind = self.path.strip("/")
        try:
            doc = json.loads(body)
        except ValueError:
            doc = {}
        if kind == "pagerduty":
            note(f"pagerduty {doc.get('event_action')}")
            out, code = b'{"status":"success"}', 202
        else:
            note("slack " + ("resolved" if "RESOLVED" in doc.get("text", "").upper() else "firing"))
            out, code = b"ok", 200
        self.send_response(code)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *args):
        pass

srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=srv.serve_forever, daemon=True).start()
rport = srv.server_address[1]
work = os.path.join(a.cluster_dir, "..", f"{a.fault}-bench")
os.makedirs(work, exist_ok=True)
nodes = "\n".join(f'      - {{name: bao-{i + 1}, address: "http://127.0.0.1:{a.base_port + 10 * i}"}}' for i in range(3))
cfg = f"""global: {{interval: {a.interval}, timeout: 500ms, state_dir: {work}/state}}
listen: {{address: "127.0.0.1:0"}}
clusters:
  - name: bench
{"    token_file: " + os.path.join(os.path.abspath(a.cluster_dir), "root-token") if a.fault == "audit" else ""}
    nodes:
{nodes}
receivers:
  - {{name: chat, slack: {{url: "http://127.0.0.1:{rport}/slack"}}}}
  - {{name: pager, pagerduty: {{routing_key: "0123456789abcdef0123456789abcdef", url: "http://127.0.0.1:{rport}/pagerduty"}}}}
notify: {{slack_min_interval: 0s}}
"""
open(f"{work}/sealwatch.yml", "w").write(cfg)
daemon = subprocess.Popen([a.bin, "run", "--config", f"{work}/sealwatch.yml"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)

def read_log():
    for line in daemon.stderr:
        if f"alert {alert} firing" in line:
            note("firing")
        elif f"alert {alert} resolved" in line:
            note("resolved")
        elif "first cycle complete" in line:
            note("ready")
threading.Thread(target=read_log, daemon=True).start()

def api(port, method, path, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"X-Vault-Token": token})
    return urllib.request.urlopen(req, timeout=10).read()

def wait_for(what, after, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with lock:
            for t, w in events:
                if w == what and t >= after:
                    return t
        time.sleep(0.002)
    return None

def cluster(*args):
    subprocess.run([a.script, *args], env=env, check=True, stdout=subprocess.DEVNULL)

def leader():
    return int(subprocess.run([a.script, "leader"], env=env, check=True, capture_output=True, text=True).stdout.strip())

try:
    if wait_for("ready", 0, 30) is None:
        sys.exit("sealwatch did not become ready")
    firing, slack, pager = [], [], []
    for trial in range(a.trials):
        cluster("wait-healthy", "60")
        time.sleep(interval * 1.5 + (trial % 4) * interval / 4)   # vary the phase against the poll grid
        if a.fault == "seal":
            n = 3 if leader() != 3 else 2
            port = a.base_port + 10 * (n - 1)
            api(port, "PUT", "/v1/sys/seal")
            what = f"bao-{n} sealed"
        else:
            cluster("audit-down")
            what = "audit down"
        t0 = time.monotonic()
        tf, ts, tp = wait_for("firing", t0), wait_for("slack firing", t0), wait_for("pagerduty trigger", t0)
        row = [None if t is None else (t - t0) * 1000 for t in (tf, ts, tp)]
        firing.append(row[0]); slack.append(row[1]); pager.append(row[2])
        fmt = lambda x: "   none" if x is None else f"{x:7.1f}"
        print(f"trial {trial + 1:2d}: {what} → firing {fmt(row[0])} ms, slack {fmt(row[1])} ms, pagerduty {fmt(row[2])} ms", flush=True)
        if a.fault == "seal":
            cluster("unseal", str(n))
        else:
            cluster("audit-up")
        wait_for("resolved", t0, 30)
    def summary(name, xs):
        xs = [x for x in xs if x is not None]
        print(f"{name:10s} median {statistics.median(xs):7.1f} ms   max {max(xs):7.1f} ms   (n={len(xs)})")
    if a.fault == "seal":
        print(f"-- interval {a.interval}: targets firing max <= {interval * 1000 + 50:.0f} ms; pages median <= {interval * 500 + 50:.0f} ms, max <= {interval * 1000 + 100:.0f} ms")
    else:
        print(f"-- interval {a.interval}: target AuditDeviceFailing page <= interval + 500 ms = {interval * 1000 + 500:.0f} ms")
    summary("firing", firing); summary("slack", slack); summary("pagerduty", pager)
finally:
    daemon.terminate()
    daemon.wait(timeout=10)
    srv.shutdown()
