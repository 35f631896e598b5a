#!/usr/bin/env bash
# Footprint of Sealwatch doing all its work on the real 3-node cluster, side by side in one run
# with the Prometheus + Alertmanager pipeline the operations plan describes (prints numbers).
#
#   Sealwatch: interval 1 s (health, leader, Raft view, token, the lookup canary through every node;
#              CANARY_READ=1 adds the KV read canary), each node's telemetry every 10 s, its /metrics
#              scraped every second.
#   Pipeline:  Prometheus scraping the same three nodes' /v1/sys/metrics?format=prometheus every
#              second, evaluating Vault alert rules every second, sending to an Alertmanager.
#
# Both run at once for SECONDS_TO_RUN (default 120) after a 20 s warm-up. CPU is (utime + stime)
# over the measured span / its wall time, as % of one core; RSS is VmRSS sampled every 10 s
# (median and max). Usage: scripts/bench/footprint.sh   (SECONDS_TO_RUN=300 for a longer run)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
bin=${SEALWATCH_BIN:-$ROOT/.build/release/sealwatch}
[ -x "$bin" ] || make release
RUN_FOR=${SECONDS_TO_RUN:-120}
export DEV_CLUSTER_DIR=${DEV_CLUSTER_DIR:-/tmp/sealwatch-footprint/cluster} BASE_PORT=${BASE_PORT:-18700}
WORK=$(mktemp -d /tmp/sealwatch-footprint.XXXXXX)
pids=()
own=0; [ -d "$DEV_CLUSTER_DIR" ] || own=1
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ $own = 1 ] && scripts/dev-cluster.sh down --purge >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
scripts/dev-cluster.sh up >/dev/null
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SW_PORT=$(free_port) PROM_PORT=$(free_port) AM_PORT=$(free_port) AM_CLUSTER=$(free_port)
# Default canaries (lookup-self through every node); CANARY_READ=1 adds the KV read canary.
canary=""
[ "${CANARY_READ:-0}" = 1 ] && canary="    canary: {read_path: secret/data/sealwatch/canary}
"
nodes=$(for i in 0 1 2; do echo "      - {name: bao-$((i + 1)), address: \"http://127.0.0.1:$((BASE_PORT + 10 * i))\"}"; done)
cat >"$WORK/sealwatch.yml" <<YAML
global: {interval: 1s, timeout: 500ms, state_dir: $WORK/state}
listen: {address: "127.0.0.1:$SW_PORT"}
clusters:
  - name: bench
    token_file: $DEV_CLUSTER_DIR/root-token
$canary    telemetry: {interval: 10s}
    nodes:
$nodes
YAML
mkdir -p "$WORK/state" "$WORK/prom" "$WORK/am"
targets=$(for i in 0 1 2; do printf '"127.0.0.1:%s",' $((BASE_PORT + 10 * i)); done)
cat >"$WORK/prometheus.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
alerting:
  alertmanagers: [{static_configs: [{targets: ["127.0.0.1:$AM_PORT"]}]}]
rule_files: ["$WORK/vault.rules.yml"]
scrape_configs:
  - job_name: vault
    metrics_path: /v1/sys/metrics
    params: {format: [prometheus]}
    static_configs: [{targets: [${targets%,}]}]
YAML
cat >"$WORK/vault.rules.yml" <<'YAML'
groups:
  - name: vault
    rules:
      - alert: VaultDown
        expr: up{job="vault"} == 0
        for: 30s
      - alert: HighLatency
        expr: vault_core_handle_request{quantile="0.99"} > 50
        for: 1m
      - alert: AuditDeviceFailing
        expr: increase(vault_audit_log_request_failure[1m]) > 0 or increase(vault_audit_log_response_failure[1m]) > 0
      - alert: RaftCommitSlow
        expr: vault_raft_commitTime{quantile="0.99"} > 50
        for: 2m
      - alert: LeaseCountHigh
        expr: vault_expire_num_leases > 250000
        for: 5m
YAML
cat >"$WORK/am.yml" <<'YAML'
route: {receiver: blackhole}
receivers: [{name: blackhole}]
YAML
"$bin" run --config "$WORK/sealwatch.yml" >"$WORK/sealwatch.log" 2>&1 & sw=$!; pids+=("$sw")
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom" --web.listen-address="127.0.0.1:$PROM_PORT" >"$WORK/prom.log" 2>&1 & prom=$!; pids+=("$prom")
prometheus-alertmanager --config.file="$WORK/am.yml" --storage.path="$WORK/am" --web.listen-address="127.0.0.1:$AM_PORT" \
    --cluster.listen-address="127.0.0.1:$AM_CLUSTER" >"$WORK/am.log" 2>&1 & am=$!; pids+=("$am")
( while sleep 1; do curl -fs -o /dev/null "http://127.0.0.1:$SW_PORT/metrics" || true; done ) & pids+=("$!")
sleep 20
for p in $sw $prom $am; do
    kill -0 "$p" 2>/dev/null || { echo "a process died during warm-up; logs:" >&2; tail -5 "$WORK"/*.log >&2; exit 1; }
done
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss() { awk '$1 == "VmRSS:" {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
c0_sw=$(cpu $sw) c0_prom=$(cpu $prom) c0_am=$(cpu $am) t0=$(date +%s.%N)
r_sw=() r_pipe=()
end=$((SECONDS + RUN_FOR))
while [ $SECONDS -lt $end ]; do
    r_sw+=("$(rss $sw)")
    r_pipe+=("$(python3 -c "print(round($(rss $prom) + $(rss $am), 1))")")
    sleep 10
done
t1=$(date +%s.%N)
c1_sw=$(cpu $sw) c1_prom=$(cpu $prom) c1_am=$(cpu $am)
python3 - "$ticks" "$t0" "$t1" "$c0_sw" "$c1_sw" "$c0_prom" "$c1_prom" "$c0_am" "$c1_am" "${r_sw[*]}" "${r_pipe[*]}" <<'PY'
import statistics, sys
ticks, t0, t1 = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
c = [float(x) for x in sys.argv[4:10]]
wall = t1 - t0
sw_cpu = (c[1] - c[0]) / ticks / wall * 100
pipe_cpu = ((c[3] - c[2]) + (c[5] - c[4])) / ticks / wall * 100
rs = [float(x) for x in sys.argv[10].split()]
rp = [float(x) for x in sys.argv[11].split()]
print(f"measured {wall:.0f} s after a 20 s warm-up, RSS sampled every 10 s ({len(rs)} samples)")
print(f"{'':28s} {'CPU % of a core':>16s} {'RSS median MiB':>15s} {'RSS max MiB':>12s}")
print(f"{'sealwatch':28s} {sw_cpu:16.2f} {statistics.median(rs):15.1f} {max(rs):12.1f}")
print(f"{'prometheus + alertmanager':28s} {pipe_cpu:16.2f} {statistics.median(rp):15.1f} {max(rp):12.1f}")
print(f"ratio sealwatch / pipeline: CPU {sw_cpu / pipe_cpu:.2f}, RSS {statistics.median(rs) / statistics.median(rp):.2f}")
print("targets: sealwatch RSS <= 25 MiB and <= 1/3 of the pipeline's; CPU <= 0.5 % and <= 1/2 of the pipeline's")
PY
