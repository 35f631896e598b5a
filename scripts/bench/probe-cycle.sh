#!/usr/bin/env bash
# Probe-cycle benchmark: prints numbers, asserts nothing.
#  1. one full cycle (probe every node, evaluate rules, update metrics) against the local 3-node
#     OpenBao cluster, connections reused: median and p99 wall time (target < 10 ms median);
#  2. the same with one node hung (SIGSTOP): wall time vs the configured timeout (target timeout + 5 ms);
#  3. 1,000 fake Vault nodes on 127.0.1.1–127.0.4.232 (scripts/fake-vault.py): wall time per cycle
#     (target < 250 ms), CPU time per cycle and resident memory.
# Usage: scripts/bench/probe-cycle.sh [CYCLES]   (uses .build/release/sealwatch; builds it if missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
cycles=${1:-200}
bin=${SEALWATCH_BIN:-.build/release/sealwatch}
[ -x "$bin" ] || make release
work=$(mktemp -d /tmp/sealwatch-bench-XXXX)
export DEV_CLUSTER_DIR=${DEV_CLUSTER_DIR:-$work/cluster} BASE_PORT=${BASE_PORT:-18400}
fake_pid=
cleanup() {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null || true
  scripts/dev-cluster.sh cont 1 >/dev/null 2>&1 || true; scripts/dev-cluster.sh cont 2 >/dev/null 2>&1 || true; scripts/dev-cluster.sh cont 3 >/dev/null 2>&1 || true
  [ "$DEV_CLUSTER_DIR" = "$work/cluster" ] && scripts/dev-cluster.sh down --purge >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $("$bin" --version) =="
scripts/dev-cluster.sh up >/dev/null
cat > "$work/three.yml" <<YAML
global: {interval: 5s, timeout: 500ms, state_dir: $work/state}
clusters:
  - name: bench
    token_file: $DEV_CLUSTER_DIR/root-token
    nodes:
      - {name: bao-1, address: "http://127.0.0.1:$BASE_PORT"}
      - {name: bao-2, address: "http://127.0.0.1:$((BASE_PORT + 10))"}
      - {name: bao-3, address: "http://127.0.0.1:$((BASE_PORT + 20))"}
YAML
echo; echo "== 1. three healthy nodes (with token: + raft configuration, autopilot, token lookup), $cycles cycles =="
"$bin" bench probe --config "$work/three.yml" --cycles "$cycles"

standby=$(( $(scripts/dev-cluster.sh leader) == 3 ? 2 : 3 ))
scripts/dev-cluster.sh stop "$standby" >/dev/null
echo; echo "== 2. node bao-$standby hung (SIGSTOP), timeout 500ms, 20 cycles =="
"$bin" bench probe --config "$work/three.yml" --cycles 20 --warmup 1
scripts/dev-cluster.sh cont "$standby" >/dev/null

# The OpenBao servers would compete for the 2 cores with the fake fleet: stop them first.
scripts/dev-cluster.sh down >/dev/null 2>&1 || true
echo; echo "== 3. 1,000 fake nodes (one cluster) =="
python3 scripts/fake-vault.py --nodes 1000 --base 127.0.1.1 --port 8200 > "$work/fake.log" 2>&1 &
fake_pid=$!
for _ in $(seq 100); do grep -q ready "$work/fake.log" && break; sleep 0.1; done
python3 - "$work/fleet.yml" "$work" <<'PY'
import sys
path, work = sys.argv[1], sys.argv[2]
def addr(i):
    n = i  # 0-based → 127.0.1.1 …, last octet 1..254
    return f"127.0.{1 + n // 254}.{1 + n % 254}"
with open(path, "w") as f:
    f.write(f"global: {{interval: 5s, timeout: 2s, state_dir: {work}/state-fleet}}\nclusters:\n  - name: fleet\n    nodes:\n")
    for i in range(1000):
        f.write(f'      - {{name: n{i:04d}, address: "http://{addr(i)}:8200"}}\n')
PY
"$bin" bench probe --config "$work/fleet.yml" --cycles "${FLEET_CYCLES:-40}" --warmup 3
