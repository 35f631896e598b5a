#!/usr/bin/env bash
# End-to-end proof of the operations kit against a running dev cluster: a real Sealwatch watched by a
# real Prometheus that loads alerts/sealwatch.rules.yml.
#
#   DEV_CLUSTER_DIR=/tmp/c BASE_PORT=38200 scripts/dev-cluster.sh up
#   DEV_CLUSTER_DIR=/tmp/c SEALWATCH_BIN=.build/release/sealwatch scripts/prometheus-e2e.sh
#
# Steps: Sealwatch (interval 1s, a local webhook receiver) on a free loopback port; Prometheus
# scraping it every second with the rules (evaluation every second); `up == 1`; no alert firing on the
# healthy cluster; scripts/check-metric-names.sh against the live /metrics; the dashboard's structure
# and EVERY panel query through /api/v1/query (queries without data on a healthy cluster, such as the
# alerts table, are evaluated again during the fault below and must have data then); seal a standby:
# its series show sealed and Prometheus fires VaultSealed (the shipped rule, unchanged); SIGSTOP it
# for probe errors; SIGCONT, unseal, wait-healthy, VaultSealed resolves. Prints "N passed, N failed";
# exits 1 on any failure. Leaves the cluster healthy and no process behind.
#
# Environment: DEV_CLUSTER_DIR (required; the cluster must be up), BASE_PORT (default: the cluster's),
# SEALWATCH_BIN (default .build/release/sealwatch, else .build/debug/sealwatch), PROMETHEUS, PROMTOOL,
# E2E_KEEP=1 keeps the work directory.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
: "${DEV_CLUSTER_DIR:?DEV_CLUSTER_DIR must name a running dev cluster (scripts/dev-cluster.sh up)}"
export DEV_CLUSTER_DIR
dc=$root/scripts/dev-cluster.sh
if [[ -z ${BASE_PORT:-} && -r $DEV_CLUSTER_DIR/cluster.conf ]]; then
  BASE_PORT=$(sed -n 's/^base_port=//p' "$DEV_CLUSTER_DIR/cluster.conf" | head -1)
fi
: "${BASE_PORT:?BASE_PORT unknown}"
export BASE_PORT
SEALWATCH_BIN=${SEALWATCH_BIN:-}
if [[ -z $SEALWATCH_BIN ]]; then
  for b in .build/release/sealwatch .build/debug/sealwatch; do [[ -x $b ]] && { SEALWATCH_BIN=$root/$b; break; }; done
fi
[[ -x ${SEALWATCH_BIN:-} ]] || { echo "prometheus-e2e: no sealwatch binary (set SEALWATCH_BIN)" >&2; exit 2; }
PROMETHEUS=${PROMETHEUS:-prometheus}
command -v "$PROMETHEUS" >/dev/null || { echo "prometheus-e2e: $PROMETHEUS not found" >&2; exit 2; }
token=$DEV_CLUSTER_DIR/root-token
[[ -r $token ]] || { echo "prometheus-e2e: $token missing: is the cluster initialised?" >&2; exit 2; }

started=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/sealwatch-prom-e2e.XXXXXX")
pass=0 fail=0
ok() { echo "ok   - $*"; pass=$((pass + 1)); }
nok() { echo "FAIL - $*"; fail=$((fail + 1)); }
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }

sw_pid='' prom_pid='' hook_pid='' sealed_node='' stopped_node=''
stop_child() { # PID NAME: SIGTERM, wait up to 10 s, then SIGKILL; always reaped.
  local pid=$1 i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || { [[ -n $pid ]] && wait "$pid" 2>/dev/null; return 0; }
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { echo "# $2 ignored SIGTERM for 10 s: SIGKILL" >&2; kill -KILL "$pid" 2>/dev/null; }
  wait "$pid" 2>/dev/null
  return 0
}
cleanup() {
  [[ -n $stopped_node ]] && "$dc" cont "$stopped_node" >/dev/null 2>&1
  [[ -n $sealed_node ]] && "$dc" unseal "$sealed_node" >/dev/null 2>&1
  "$dc" audit-up >/dev/null 2>&1 || true
  stop_child "$prom_pid" prometheus; prom_pid=''
  stop_child "$sw_pid" sealwatch; sw_pid=''
  stop_child "$hook_pid" webhook-receiver; hook_pid=''
  if [[ ${E2E_KEEP:-0} == 1 || $fail -gt 0 ]]; then echo "# work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { # URL SECONDS
  local deadline=$(( $(date +%s) + $2 ))
  until curl -fsS --max-time 2 "$1" >/dev/null 2>&1; do
    (( $(date +%s) >= deadline )) && return 1
    sleep 0.2
  done
}
# promql EXPR: prints the number of result series (or "error: ...").
promql() {
  curl -sS --max-time 5 -G "$prom/api/v1/query" --data-urlencode "query=$1" 2>/dev/null |
    python3 -c 'import json,sys
try:
    d = json.load(sys.stdin)
except Exception as e:
    print("error: bad response"); sys.exit()
if d.get("status") != "success": print("error: " + str(d.get("error"))); sys.exit()
r = d["data"]["result"]
print(len(r) if d["data"]["resultType"] in ("vector", "matrix") else 1)'
}
wait_query() { # EXPR SECONDS: until the query returns at least one series
  local deadline=$(( $(date +%s) + $2 )) n
  while :; do
    n=$(promql "$1")
    [[ $n =~ ^[0-9]+$ && $n -gt 0 ]] && return 0
    (( $(date +%s) >= deadline )) && { echo "# last answer for $1: ${n:-none}" >&2; return 1; }
    sleep 0.5
  done
}
wait_no_result() { # EXPR SECONDS: until the query returns no series
  local deadline=$(( $(date +%s) + $2 )) n
  while :; do
    n=$(promql "$1")
    [[ $n == 0 ]] && return 0
    (( $(date +%s) >= deadline )) && { echo "# last answer for $1: ${n:-none}" >&2; return 1; }
    sleep 0.5
  done
}

echo "# prometheus-e2e: cluster $DEV_CLUSTER_DIR (base port $BASE_PORT), $SEALWATCH_BIN, $($PROMETHEUS --version 2>&1 | head -1)"
if "$dc" wait-healthy 60 >/dev/null; then ok "dev cluster is healthy"; else nok "dev cluster is healthy"; exit 1; fi

# --- a webhook receiver that accepts everything, so notification metrics are real
hook_port=$(free_port)
python3 -u - "$hook_port" > "$work/webhook.log" 2>&1 <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
        print("POST", self.path, n, flush=True)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
hook_pid=$!

# --- Sealwatch
sw_port=$(free_port)
mkdir -p "$work/state"
cat > "$work/sealwatch.yml" <<YAML
global:
  interval: 1s
  timeout: 800ms
  state_dir: $work/state
listen:
  address: "127.0.0.1:$sw_port"
clusters:
  - name: dev
    token_file: $token
    canary: {read_path: secret/data/sealwatch/canary, write_path: secret/data/sealwatch/canary-write}
    telemetry: {interval: 2s}
    nodes:
      - {name: bao-1, address: "http://127.0.0.1:$BASE_PORT"}
      - {name: bao-2, address: "http://127.0.0.1:$((BASE_PORT + 10))"}
      - {name: bao-3, address: "http://127.0.0.1:$((BASE_PORT + 20))"}
receivers:
  - name: hook
    webhook: {url: "http://127.0.0.1:$hook_port/alerts"}
routes:
  - {match: {severity: critical}, receivers: [hook], send_resolved: true}
  - {match: {severity: warning}, receivers: [hook], send_resolved: true}
YAML
"$SEALWATCH_BIN" run --config "$work/sealwatch.yml" > "$work/sealwatch.log" 2>&1 &
sw_pid=$!
sw=http://127.0.0.1:$sw_port
if wait_http "$sw/-/ready" 30; then ok "sealwatch ready on $sw"; else nok "sealwatch ready"; tail -20 "$work/sealwatch.log"; exit 1; fi

# --- Prometheus
prom_port=$(free_port)
cat > "$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $root/alerts/sealwatch.rules.yml
scrape_configs:
  - job_name: sealwatch
    static_configs:
      - targets: ["127.0.0.1:$sw_port"]
YAML
"$PROMETHEUS" --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn > "$work/prometheus.log" 2>&1 &
prom_pid=$!
prom=http://127.0.0.1:$prom_port
if wait_http "$prom/-/ready" 30; then ok "prometheus ready on $prom"; else nok "prometheus ready"; tail -20 "$work/prometheus.log"; exit 1; fi
if wait_query 'up{job="sealwatch"} == 1' 30; then ok 'up{job="sealwatch"} == 1'; else nok 'up{job="sealwatch"} == 1'; exit 1; fi
n=$(promql 'count(ALERTS)'); [[ $n =~ ^[0-9]+$ ]] && ok "rules loaded (ALERTS queryable)" || nok "rules loaded: $n"
rules=$(curl -fsS "$prom/api/v1/rules" | python3 -c 'import json,sys; print(sum(len(g["rules"]) for g in json.load(sys.stdin)["data"]["groups"]))' 2>/dev/null)
expected=$(grep -cE '^\s*- (alert|record):' alerts/sealwatch.rules.yml)
[[ $rules == "$expected" ]] && ok "prometheus loaded all $rules rules" || nok "prometheus loaded ${rules:-0} of $expected rules"

# Recording rules over rate() need two scrapes; then the healthy cluster must not fire anything.
if wait_query 'cluster_node:sealwatch_probe_latency_seconds:p99_5m' 30 && wait_query 'cluster:sealwatch_probe_errors:ratio_rate5m' 30; then
  ok "recording rules have data"
else
  nok "recording rules have data"
fi
sleep 2
active=$(curl -sS -G "$prom/api/v1/query" --data-urlencode 'query=ALERTS' |
  python3 -c 'import json,sys; print(" ".join(sorted(r["metric"]["alertname"] + "/" + r["metric"]["alertstate"] for r in json.load(sys.stdin)["data"]["result"])))')
[[ -z $active ]] && ok "no alert pending or firing on the healthy cluster" || nok "alerts on the healthy cluster: $active"

echo "# service-level series: canaries through every node, each node's telemetry re-exported"
for q in 'count(sealwatch_canary_up{cluster="dev",kind="lookup"} == 1) == 3' 'count(sealwatch_canary_up{cluster="dev",kind="read"} == 1) == 3' \
         'count(sealwatch_canary_up{cluster="dev",kind="write"} == 1) == 1' 'count(sealwatch_node_telemetry_up{cluster="dev"} == 1) == 3' \
         'count(sealwatch_vault_request_duration_seconds{cluster="dev",quantile="0.99"}) == 3' 'count(sealwatch_vault_audit_failures_total{cluster="dev"}) >= 3' \
         'count(sealwatch_vault_memory_bytes{cluster="dev",kind="alloc"}) == 3' 'count(sealwatch_node_clock_skew_seconds{cluster="dev"}) == 3' \
         'count(sealwatch_probe_errors_total{cluster="dev",endpoint="health"}) >= 3'; do
  if wait_query "$q" 30; then ok "$q"; else nok "$q"; fi
done

echo "# check-metric-names against the live /metrics"
if scripts/check-metric-names.sh "$sw/metrics" > "$work/check-metric-names.log" 2>&1; then
  ok "check-metric-names.sh: $(tail -1 "$work/check-metric-names.log")"
else
  nok "check-metric-names.sh"; sed 's/^/#   /' "$work/check-metric-names.log" | grep -v '^#   ok:'
fi

# --- the dashboard: structure, the cluster variable, every panel query
label_ok=$(curl -sS -G "$prom/api/v1/label/cluster/values" --data-urlencode 'match[]=sealwatch_cluster_nodes' |
  python3 -c 'import json,sys; print("dev" in json.load(sys.stdin)["data"])')
[[ $label_ok == True ]] && ok 'variable cluster: label_values(sealwatch_cluster_nodes, cluster) contains "dev"' || nok "variable cluster query"

# dashboard.py PHASE: evaluates the queries (all in phase "all", those in $work/deferred in phase "deferred"),
# prints ok/FAIL/DEFER lines. Phase "deferred" retries for up to $2 seconds.
cat > "$work/dashboard.py" <<'PY'
import json, re, sys, time, urllib.parse, urllib.request
dashboard, prom, work, phase = sys.argv[1:5]
patience = float(sys.argv[5]) if len(sys.argv) > 5 else 0
d = json.load(open(dashboard))

def structure():
    problems = []
    if d.get("schemaVersion", 0) < 36: problems.append("schemaVersion < 36")
    tv = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
    ds = tv.get("datasource", {})
    if ds.get("type") != "datasource" or ds.get("query") != "prometheus": problems.append("no datasource variable of type datasource/prometheus")
    cl = tv.get("cluster", {})
    q = cl.get("query"); q = q.get("query") if isinstance(q, dict) else q
    if cl.get("type") != "query" or q != "label_values(sealwatch_cluster_nodes, cluster)": problems.append("cluster variable is not label_values(sealwatch_cluster_nodes, cluster)")
    ids = set()
    for p in d["panels"]:
        if p["id"] in ids: problems.append(f"duplicate panel id {p['id']}")
        ids.add(p["id"])
        if p["type"] == "row": continue
        if p.get("datasource", {}).get("uid") != "${datasource}": problems.append(f"panel {p['title']!r} does not use ${{datasource}}")
        for t in p.get("targets", []):
            if t.get("datasource", {}).get("uid") != "${datasource}": problems.append(f"target {p['title']!r}/{t['refId']} does not use ${{datasource}}")
    kinds = {p["type"] for p in d["panels"]}
    for k in ("state-timeline", "table", "timeseries", "stat"):
        if k not in kinds: problems.append(f"no {k} panel")
    return problems

def queries():
    for p in d["panels"]:
        for t in p.get("targets", []):
            yield f'{p["title"]} / {t["refId"]}', t["expr"]

def substitute(expr):
    expr = expr.replace("${cluster}", "dev").replace("$cluster", "dev")
    expr = expr.replace("$__rate_interval", "30s").replace("${__rate_interval}", "30s")
    expr = expr.replace("$__interval", "5s").replace("${__interval}", "5s").replace("$__range", "1h")
    if "$" in expr: raise ValueError("unsubstituted variable in " + expr)
    return expr

def run(expr):
    url = prom + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as r:
        body = json.load(r)
    if body.get("status") != "success": raise ValueError(body.get("error"))
    return len(body["data"]["result"])

if phase == "all":
    problems = structure()
    print(("FAIL - dashboard structure: " + "; ".join(problems)) if problems else
          "ok   - dashboard structure (schemaVersion, ${datasource}, $cluster, panel kinds)")
    todo = list(queries())
    print(f"# {len(todo)} panel queries")
else:
    wanted = set(open(work + "/deferred").read().splitlines())
    todo = [q for q in queries() if q[0] in wanted]
deadline = time.time() + patience
deferred = []
pending = todo
while True:
    later = []
    for name, expr in pending:
        try:
            n = run(substitute(expr))
        except Exception as e:
            print(f"FAIL - query {name}: {e}")
            continue
        if n > 0: print(f"ok   - query {name}: {n} series")
        else: later.append((name, expr))
    if not later or phase == "all" or time.time() >= deadline: break
    pending = later
    time.sleep(1)
for name, expr in later:
    if phase == "all":
        print(f"DEFER - query {name}: no data on a healthy cluster; evaluated again during the fault")
        deferred.append(name)
    else:
        print(f"FAIL - query {name}: no data even during the fault: {substitute(expr)}")
if phase == "all":
    open(work + "/deferred", "w").write("\n".join(deferred) + ("\n" if deferred else ""))
PY
count_lines() { # FILE: adds its ok/FAIL lines to the totals
  local o f
  o=$(grep -c '^ok ' "$1"); f=$(grep -c '^FAIL ' "$1")
  pass=$((pass + o)); fail=$((fail + f))
}
python3 "$work/dashboard.py" "$root/dashboards/sealwatch.json" "$prom" "$work" all > "$work/phase1.log" 2>&1 || echo "FAIL - dashboard.py crashed" >> "$work/phase1.log"
cat "$work/phase1.log"; count_lines "$work/phase1.log"

# --- fault: seal a standby
leader=$("$dc" leader 2>/dev/null || echo 1)
victim=''; for n in 1 2 3; do [[ $n != "$leader" ]] && { victim=$n; break; }; done
node=bao-$victim
echo "# sealing standby $node (leader bao-$leader)"
t0=$(now)
sealed_node=$victim
if "$dc" seal "$victim" >/dev/null; then ok "sealed $node"; else nok "seal $node"; fi
if wait_query "sealwatch_node_sealed{cluster=\"dev\",node=\"$node\"} == 1 and on (cluster, node) sealwatch_node_state{state=\"sealed\"} == 1" 30; then
  ok "$node series show sealed after $(since "$t0") s"
else
  nok "$node series show sealed"
fi
if wait_query "sealwatch_alerts{alertname=\"VaultSealed\",node=\"$node\",state=\"firing\"}" 30; then
  ok "Sealwatch's own VaultSealed fires for $node after $(since "$t0") s"
else
  nok "Sealwatch's own VaultSealed for $node"
fi
if wait_query "ALERTS{alertname=\"VaultSealed\",alertstate=\"firing\",cluster=\"dev\",node=\"$node\",severity=\"critical\"}" 60; then
  ok "Prometheus fires VaultSealed for $node after $(since "$t0") s"
else
  nok "Prometheus fires VaultSealed for $node within 60 s"
fi
n=$(promql 'ALERTS{alertstate="firing",alertname=~"NoLeader|SplitBrain|ClusterSealed|ClusterUnreachable"}')
[[ $n == 0 ]] && ok "no cluster-wide alert fires for one sealed standby" || nok "cluster-wide alerts fire for one sealed standby ($n)"

# A hung node (SIGSTOP: accepts TCP, never answers) gives probe errors (timeouts).
echo "# SIGSTOP $node for probe errors"
stopped_node=$victim
"$dc" stop "$victim" >/dev/null && ok "stopped $node (SIGSTOP)" || nok "stop $node"
if wait_query "rate(sealwatch_probe_errors_total{cluster=\"dev\",node=\"$node\"}[30s]) > 0" 30; then
  ok "probe errors of $node visible in Prometheus after $(since "$t0") s"
else
  nok "probe errors of $node visible in Prometheus"
fi
if [[ -s $work/deferred ]]; then
  python3 "$work/dashboard.py" "$root/dashboards/sealwatch.json" "$prom" "$work" deferred 20 > "$work/phase2.log" 2>&1 || echo "FAIL - dashboard.py crashed" >> "$work/phase2.log"
  cat "$work/phase2.log"; count_lines "$work/phase2.log"
fi

# --- recovery
"$dc" cont "$victim" >/dev/null && { ok "resumed $node (SIGCONT)"; stopped_node=''; } || nok "cont $node"
"$dc" unseal "$victim" >/dev/null && { ok "unsealed $node"; sealed_node=''; } || nok "unseal $node"
if "$dc" wait-healthy 60 >/dev/null; then ok "cluster healthy again after $(since "$t0") s"; else nok "cluster healthy again"; fi
if wait_no_result 'ALERTS{alertname="VaultSealed"}' 30; then ok "VaultSealed resolved in Prometheus"; else nok "VaultSealed resolved"; fi
# Rules evaluate every second over freshly scraped data: give the firing set a few evaluations to drain.
if wait_no_result 'ALERTS{alertstate="firing"}' 20; then ok "nothing else fires after recovery"; else
  names=$(curl -sS --max-time 5 -G "$prom/api/v1/query" --data-urlencode 'query=ALERTS{alertstate="firing"}' |
    python3 -c 'import json,sys; print(" ".join(sorted(r["metric"].get("alertname","?")+"/"+r["metric"].get("node","") for r in json.load(sys.stdin)["data"]["result"])))')
  nok "alerts still firing after recovery: $names"
fi
# Every audit device unreachable: audited requests answer 500 while sys/health stays fine.
echo "# audit devices unreachable (dev-cluster.sh audit-down)"
t0=$(now)
"$dc" audit-down >/dev/null && ok "audit sink stopped" || nok "audit-down"
if wait_query 'sealwatch_alerts{alertname="AuditDeviceFailing",cluster="dev",state="firing"}' 15; then
  ok "Sealwatch's own AuditDeviceFailing fires after $(since "$t0") s"
else
  nok "Sealwatch's own AuditDeviceFailing"
fi
if wait_query 'ALERTS{alertname="AuditDeviceFailing",alertstate="firing",cluster="dev"}' 60; then
  ok "Prometheus fires AuditDeviceFailing after $(since "$t0") s"
else
  nok "Prometheus fires AuditDeviceFailing within 60 s"
fi
n=$(promql 'ALERTS{alertstate="firing",alertname=~"VaultSealed|NoLeader|NodeUnreachable|ClusterUnreachable"}')
[[ $n == 0 ]] && ok "no liveness alert fires while only the audit devices fail" || nok "liveness alerts fire during the audit outage ($n)"
"$dc" audit-up >/dev/null && ok "audit sink running again" || nok "audit-up"
if wait_no_result 'sealwatch_alerts{alertname="AuditDeviceFailing"}' 30; then ok "Sealwatch's AuditDeviceFailing resolved"; else nok "Sealwatch's AuditDeviceFailing resolved"; fi
if wait_no_result 'ALERTS{alertname="AuditDeviceFailing"}' 120; then ok "Prometheus' AuditDeviceFailing resolved"; else nok "Prometheus' AuditDeviceFailing resolved"; fi

delivered=$(grep -c '^POST' "$work/webhook.log")
(( delivered > 0 )) && ok "webhook receiver got $delivered notifications" || nok "webhook receiver got no notification"

# --- shut down: everything we started is reaped
stop_child "$prom_pid" prometheus; prom_pid=''
stop_child "$sw_pid" sealwatch; sw_pid=''
stop_child "$hook_pid" webhook-receiver; hook_pid=''
left=$(jobs -p | wc -l)
[[ $left == 0 ]] && ok "no child process left" || nok "$left child processes left"
echo "# prometheus-e2e finished in $(( $(date +%s) - started )) s"
echo "$pass passed, $fail failed"
(( fail == 0 ))
