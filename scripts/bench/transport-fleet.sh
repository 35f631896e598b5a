#!/usr/bin/env bash
# Polls a fake 1,000-node Vault fleet (scripts/fake-vault.py) with CurlTransport, 5 cycles of
# 1,000 concurrent GET /v1/sys/health, and prints each cycle's wall time. Target: a warm cycle
# (keep-alive connections reused) under 250 ms on a 2-core host.
#   scripts/bench/transport-fleet.sh [NODES]
set -euo pipefail
cd "$(dirname "$0")/../.."
export SEALWATCH_BENCH=1 SEALWATCH_BENCH_NODES="${1:-1000}"
swift test --scratch-path "${SCRATCH:-.build-bench}" --filter 'FleetBenchmark' 2>&1 | grep -E 'cycle|fleet benchmark|passed|failed|error'
