#!/usr/bin/env bash
# Fault → page latency at OpenBao's default Raft timing, and the poll cycle's wall time while the
# active node hangs (prints numbers): a SIGSTOPped leader → NodeUnreachable page, the leader and a
# standby SIGSTOPped → NoLeader page, TRIALS (default 5) of each, interval 1 s, timeout 500 ms.
# Its own 3-node cluster (performance_multiplier left out = OpenBao's default 5), removed at exit.
# Usage: scripts/bench/fault-to-page.sh [TRIALS]   (~8 min for 5 trials)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${SEALWATCH_BIN:-.build/release/sealwatch}
[ -x "$bin" ] || make release
export DEV_CLUSTER_DIR=${DEV_CLUSTER_DIR:-/tmp/sealwatch-fault-bench/cluster} BASE_PORT=${BASE_PORT:-18600}
export DEV_CLUSTER_PERF_MULTIPLIER=default
own=0; [ -d "$DEV_CLUSTER_DIR" ] || own=1
cleanup() {
  for n in 1 2 3; do scripts/dev-cluster.sh cont "$n" >/dev/null 2>&1 || true; done
  if [ $own = 1 ]; then scripts/dev-cluster.sh down --purge >/dev/null 2>&1 || true; rm -rf "$(dirname "$DEV_CLUSTER_DIR")/fault-bench"; rmdir "$(dirname "$DEV_CLUSTER_DIR")" 2>/dev/null || true; fi
}
trap cleanup EXIT
echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $("$bin" --version) =="
scripts/dev-cluster.sh up >/dev/null
python3 scripts/bench/fault-to-page.py --bin "$bin" --cluster-dir "$DEV_CLUSTER_DIR" --base-port "$BASE_PORT" --trials "${1:-5}"
