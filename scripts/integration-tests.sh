#!/usr/bin/env bash
# Integration tests against a real 3-node OpenBao cluster, started once for the whole run.
# Each scenario gets a healthy cluster back (dev-cluster.sh wait-healthy) before it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEV_CLUSTER_DIR=${DEV_CLUSTER_DIR:-$PWD/.build-it/cluster}
export BASE_PORT=${IT_BASE_PORT:-28200}
mkdir -p "$(dirname "$DEV_CLUSTER_DIR")"
cleanup() { scripts/dev-cluster.sh down --purge >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup
start=$(date +%s)
scripts/dev-cluster.sh up
echo "cluster up in $(( $(date +%s) - start ))s"

echo "== least-privilege policy against the real cluster =="
scripts/test-policy.sh

echo "== Prometheus scraping Sealwatch: metric names, rules, every dashboard query, VaultSealed via Prometheus =="
swift build
SEALWATCH_BIN="$PWD/.build/debug/sealwatch" scripts/prometheus-e2e.sh

echo "== Swift integration tests =="
swift build
SEALWATCH_IT=1 SEALWATCH_BIN="$PWD/.build/debug/sealwatch" DEV_CLUSTER_SCRIPT="$PWD/scripts/dev-cluster.sh" \
  swift test --no-parallel --filter '^IntegrationTests\.'

