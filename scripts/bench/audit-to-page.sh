#!/usr/bin/env bash
# Audit devices unreachable → AuditDeviceFailing page latency, 5 trials at a 1 s interval (prints numbers).
# The dev cluster's nodes audit to a socket sink; `dev-cluster.sh audit-down` stops it.
# Usage: scripts/bench/audit-to-page.sh [TRIALS]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${SEALWATCH_BIN:-.build/release/sealwatch}
[ -x "$bin" ] || make release
export DEV_CLUSTER_DIR=${DEV_CLUSTER_DIR:-/tmp/sealwatch-audit-bench/cluster} BASE_PORT=${BASE_PORT:-18600}
own=0; [ -d "$DEV_CLUSTER_DIR" ] || own=1
trap 'scripts/dev-cluster.sh audit-up >/dev/null 2>&1 || true; [ $own = 1 ] && scripts/dev-cluster.sh down --purge >/dev/null 2>&1 || true' EXIT
scripts/dev-cluster.sh up >/dev/null
python3 scripts/bench/seal-to-page.py --fault audit --bin "$bin" --cluster-dir "$DEV_CLUSTER_DIR" --base-port "$BASE_PORT" --trials "${1:-5}"
