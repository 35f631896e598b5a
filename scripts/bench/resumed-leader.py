#!/usr/bin/env python3
"""How long a resumed leader still claims active: prints numbers, optionally records fixtures.

Per trial, against a running dev cluster (scripts/dev-cluster.sh; default Raft timing for the
production-like case): SIGSTOP the active node, wait until another node answers sys/health 200
(the election), then SIGCONT the old leader (t0: the signal, sent to the pid in DIR/node-N/pid)
while polling its /v1/sys/health and /v1/sys/leader as fast as possible (one thread each; the
first requests go out 200 ms before t0 and wait in the socket backlog, like a probe in flight)
and the new leader's /v1/sys/health, for ~2 s. The stale claim is the time from t0 to the old
leader's last answer that still says active (health 200, or sys/leader is_self true); 0 when its
first answer already says standby.

--record DIR: for the first trial with a stale claim (else the last), writes sys/health and
sys/leader bodies of every node before the fault (before-*), of the other two 1 s after SIGSTOP
(stopped-*) and after the election (elected-*), of all three ~2 s after SIGCONT (after-*), the
first body of each kind seen while watching (resumed-*: the old leader's stale active answers and
its first standby answers, the new leader's active health), and sequence.json (every answer while
watching, in order, with its time after t0).
"""
import argparse, json, os, signal, statistics, subprocess, sys, threading, time, urllib.error, urllib.request

p = argparse.ArgumentParser()
p.add_argument("--cluster-dir", required=True)
p.add_argument("--base-port", type=int, required=True)
p.add_argument("--script", default="scripts/dev-cluster.sh")
p.add_argument("--trials", type=int, default=5)
p.add_argument("--watch", type=float, default=2.0, help="seconds to poll after SIGCONT")
p.add_argument("--hold", type=float, default=0.5, help="seconds the old leader stays stopped after the election")
p.add_argument("--record", help="directory for fixtures (first trial with a stale claim, else the last)")
a = p.parse_args()
env = dict(os.environ, DEV_CLUSTER_DIR=a.cluster_dir, BASE_PORT=str(a.base_port))


def addr(n):
    return f"http://127.0.0.1:{a.base_port + 10 * (n - 1)}"


def get(n, path, timeout=0.5):
    """(status, body bytes) or (0, b"") when there is no answer."""
    try:
        with urllib.request.urlopen(addr(n) + path, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except Exception:
        return 0, b""


def node_pid(n):
    return int(open(os.path.join(a.cluster_dir, f"node-{n}", "pid")).read().strip())


def cluster(*args):
    subprocess.run([a.script, *args], env=env, check=True, stdout=subprocess.DEVNULL)


def leader():
    return int(subprocess.run([a.script, "leader"], env=env, check=True, capture_output=True, text=True).stdout.strip())


def bodies(nodes):
    """{node: {"health": (status, body), "leader": (status, body)}} for each node, asked now."""
    return {n: {"health": get(n, "/v1/sys/health", 1.0), "leader": get(n, "/v1/sys/leader", 1.0)} for n in nodes}


def says_active(endpoint, status, body):
    if endpoint == "health":
        return status == 200
    try:
        return status == 200 and json.loads(body).get("is_self") is True
    except ValueError:
        return False


def trial(k):
    cluster("wait-healthy", "90")
    old = leader()
    others = [n for n in (1, 2, 3) if n != old]
    phases = {"before": bodies((1, 2, 3))}
    cluster("stop", str(old))
    stopped = time.monotonic()
    new = None
    try:
        time.sleep(1.0)
        phases["stopped"] = bodies(others)    # before the election: the standbys still name the old leader
        while time.monotonic() - stopped < 60:
            for n in others:
                if get(n, "/v1/sys/health", 0.3)[0] == 200:
                    new = n
                    break
            if new:
                break
            time.sleep(0.05)
        elected = time.monotonic() - stopped
        if new is None:
            raise SystemExit(f"trial {k}: no new leader within 60 s of stopping bao-{old}")
        time.sleep(min(0.5, a.hold))   # the new leader settles; the old one is still stopped
        phases["elected"] = bodies(others)
        time.sleep(max(0.0, a.hold - 0.5))
    finally:
        answers = []          # (sent after t0, answered after t0, node, endpoint, status, body)
        lock = threading.Lock()
        stop = threading.Event()
        t0 = None

        def poll(n, endpoint, path):
            # The first request goes out while the old leader is still stopped: it waits in the
            # socket backlog and is answered the moment the process runs again, as a probe in
            # flight would be.
            while not stop.is_set():
                sent = time.monotonic()
                status, body = get(n, path, 3.0)
                with lock:
                    answers.append((sent, time.monotonic(), n, endpoint, status, body))

        threads = [threading.Thread(target=poll, args=args, daemon=True) for args in
                   [(old, "health", "/v1/sys/health"), (old, "leader", "/v1/sys/leader"),
                    (new or others[0], "health", "/v1/sys/health")]]
        for t in threads:
            t.start()
        time.sleep(0.2)
        t0 = time.monotonic()
        os.kill(node_pid(old), signal.SIGCONT)
        time.sleep(a.watch)
        stop.set()
        for t in threads:
            t.join(4)
    answers = [(s - t0, g - t0, *rest) for s, g, *rest in answers]
    phases["after"] = bodies((1, 2, 3))
    answers.sort(key=lambda x: x[1])
    mine = [x for x in answers if x[2] == old]
    stale = [x for x in mine if says_active(x[3], x[4], x[5])]
    first_not = next((x for x in mine if x[4] and not says_active(x[3], x[4], x[5])), None)
    last_stale = stale[-1][1] * 1000 if stale else None
    ended = first_not[1] * 1000 if first_not else None
    both = sum(1 for x in stale if x[3] == "health")
    print(f"trial {k}: bao-{old} stopped, bao-{new} active after {elected:5.1f} s; after SIGCONT bao-{old} "
          f"answered active {len(stale)} times ({both} health 200), last at "
          f"{'-' if last_stale is None else f'{last_stale:6.1f} ms'}, first non-active answer at "
          f"{'-' if ended is None else f'{ended:6.1f} ms'}", flush=True)
    global recorded
    if a.record and not recorded and (stale or k == a.trials):
        record(a.record, old, new, answers, phases)
        recorded = True
    return elected, (last_stale or 0.0), ended, len(stale)


recorded = False


def record(d, old, new, answers, phases):
    os.makedirs(d, exist_ok=True)
    seq, saved = [], {}
    files = {}
    for phase, nodes in phases.items():
        for n, answers_of in nodes.items():
            for endpoint, (status, body) in answers_of.items():
                name = f"{phase}-bao-{n}-{endpoint}.json"
                with open(os.path.join(d, name), "wb") as f:
                    f.write(body.rstrip(b"\n") + b"\n")
                files.setdefault(phase, {}).setdefault(f"bao-{n}", {})[endpoint] = {"status": status, "file": name}

    def save(name, body):
        if name not in saved:
            with open(os.path.join(d, name), "wb") as f:
                f.write(body.rstrip(b"\n") + b"\n")
            saved[name] = True
        return name

    for sent, got, n, endpoint, status, body in answers:
        role = "old" if n == old else "new"
        entry = {"sent_ms": round(sent * 1000, 1), "answered_ms": round(got * 1000, 1), "node": f"bao-{n}",
                 "role": f"{role}-leader", "endpoint": endpoint, "status": status}
        if status:
            state = "active" if says_active(endpoint, status, body) else "standby"
            # The first answer of each kind is kept as a file; the sequence names it.
            entry["file"] = save(f"resumed-{role}-leader-{endpoint}-{state}.json", body) if (role == "old" or state == "active") else None
            if entry["file"] is None:
                del entry["file"]
        # Consecutive answers of one node and endpoint with the same status and body kind are one run.
        runs = [r for r in seq if r["node"] == entry["node"] and r["endpoint"] == entry["endpoint"]]
        last = runs[-1] if runs else None
        if last and last["status"] == entry["status"] and last.get("file") == entry.get("file"):
            last["count"] += 1
            last["last_answered_ms"] = entry["answered_ms"]
        else:
            entry["count"] = 1
            entry["last_answered_ms"] = entry["answered_ms"]
            seq.append(entry)
    meta = {"recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "old_leader": f"bao-{old}",
            "new_leader": f"bao-{new}", "addresses": {f"bao-{n}": addr(n) for n in (1, 2, 3)},
            "note": "t0 = SIGCONT of the old leader; times in ms after t0; each entry is a run of `count` equal answers (sent_ms/answered_ms of its first, last_answered_ms of its last)",
            "phases": files, "answers": seq}
    with open(os.path.join(d, "sequence.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(f"recorded {len(saved) + sum(len(v) * 2 for v in phases.values())} bodies and sequence.json ({len(answers)} answers, {len(seq)} runs) in {d}")


rows = [trial(k + 1) for k in range(a.trials)]
cluster("wait-healthy", "90")
el = [r[0] for r in rows]
stale = [r[1] for r in rows]
ended = [r[2] for r in rows if r[2] is not None]
print(f"-- {a.trials} trials (held {a.hold:g} s after the election): election (stop -> another node active) median {statistics.median(el):.1f} s, max {max(el):.1f} s")
print(f"-- stale active claim after SIGCONT (last answer still saying active; 0 = none): median {statistics.median(stale):.0f} ms, "
      f"max {max(stale):.0f} ms, per trial {[round(x) for x in stale]} ms; active answers per trial {[r[3] for r in rows]}")
if ended:
    print(f"-- first answer no longer saying active: median {statistics.median(ended):.0f} ms, max {max(ended):.0f} ms")
