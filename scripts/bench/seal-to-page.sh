#!/usr/bin/env bash
# Seal → firing transition → Slack/PagerDuty page latency, 10 trials at a 1 s interval (prints numbers).
# Usage: scripts/bench/seal-to-page.sh [TRIALS]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${SEALWATCH_BIN:-.build/release/sealwatch}
[ -x "$bin" ] || make release
export DEV_CLUSTER_DIR=${DEV_CLUSTER_DIR:-/tmp/sealwatch-seal-bench/cluster} BASE_PORT=${BASE_PORT:-18500}
own=0; [ -d "$DEV_CLUSTER_DIR" ] || own=1
trap '[ $own = 1 ] && scripts/dev-cluster.sh down --purge >/dev/null 2>&1 || true' EXIT
scripts/dev-cluster.sh up >/dev/null
python3 scripts/bench/seal-to-page.py --bin "$bin" --cluster-dir "$DEV_CLUSTER_DIR" --base-port "$BASE_PORT" --trials "${1:-10}"
