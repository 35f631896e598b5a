#!/usr/bin/env bash
# Integration tests against real 3-node OpenBao clusters, started once for the whole run: the shared
# one (performance_multiplier 1, fast elections) for most suites, and a second one at OpenBao's
# default Raft timing (~10-14 s elections, as in production) for DetectionIntegrationTests, passed
# as DETECT_CLUSTER_DIR / DETECT_BASE_PORT. Both are removed at exit.
# Each scenario gets a healthy cluster back (dev-cluster.sh wait-healthy) before it starts.
#
#   IT_FILTER=REGEX     run only these Swift tests (default: every IntegrationTests test)
#   IT_SKIP_SCRIPTS=1   skip the policy and Prometheus end-to-end steps
set -euo pipefail
cd "$(dirname "$0")/.."
export DEV_CLUSTER_DIR=${DEV_CLUSTER_DIR:-$PWD/.build-it/cluster}
export BASE_PORT=${IT_BASE_PORT:-28200}
export DETECT_CLUSTER_DIR=${DETECT_CLUSTER_DIR:-$PWD/.build-it/detect-cluster}
export DETECT_BASE_PORT=${IT_DETECT_BASE_PORT:-28400}
mkdir -p "$(dirname "$DEV_CLUSTER_DIR")" "$(dirname "$DETECT_CLUSTER_DIR")"
detect_cluster() {
  DEV_CLUSTER_DIR=$DETECT_CLUSTER_DIR BASE_PORT=$DETECT_BASE_PORT DEV_CLUSTER_PERF_MULTIPLIER=default scripts/dev-cluster.sh "$@"
}
cleanup() {
  # SIGCONT first: a node left SIGSTOPped by an interrupted test would not stop on SIGTERM.
  for n in 1 2 3; do detect_cluster cont "$n" >/dev/null 2>&1 || true; scripts/dev-cluster.sh cont "$n" >/dev/null 2>&1 || true; done
  scripts/dev-cluster.sh down --purge >/dev/null 2>&1 || true
  detect_cluster down --purge >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup
start=$(date +%s)
detect_log=$(dirname "$DETECT_CLUSTER_DIR")/detect-cluster-up.log
detect_cluster up >"$detect_log" 2>&1 &
detect_pid=$!
scripts/dev-cluster.sh up
wait "$detect_pid" || { cat "$detect_log" >&2; echo "the default-timing cluster did not come up" >&2; exit 1; }
tail -n 1 "$detect_log"
grep performance_multiplier "$DETECT_CLUSTER_DIR/node-1/config.hcl" || true
echo "clusters up in $(( $(date +%s) - start ))s"

if [[ ${IT_SKIP_SCRIPTS:-0} != 1 ]]; then
  echo "== least-privilege policy against the real cluster =="
  scripts/test-policy.sh

  echo "== Prometheus scraping Sealwatch: metric names, rules, every dashboard query, VaultSealed via Prometheus =="
  swift build
  SEALWATCH_BIN="$PWD/.build/debug/sealwatch" scripts/prometheus-e2e.sh
fi

echo "== Swift integration tests =="
swift build
SEALWATCH_IT=1 SEALWATCH_BIN="$PWD/.build/debug/sealwatch" DEV_CLUSTER_SCRIPT="$PWD/scripts/dev-cluster.sh" \
  swift test --no-parallel --filter "${IT_FILTER:-^IntegrationTests\.}"
