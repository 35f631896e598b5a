#!/usr/bin/env bash
# Benchmarks RuleEngine.step: 100 clusters x 5 nodes with full windows (default), release build.
# Usage: scripts/bench/rules.sh [--clusters N] [--nodes N] [--cycles N]
# Builds the Rules target in release mode (own scratch path), then compiles the small bench program
# in scripts/bench/rules-bench against the built modules and objects. Prints median/p99 ms per step.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
scratch="${SCRATCH:-$root/.build-bench-rules}"
cd "$root"
swift build -c release --scratch-path "$scratch" --target Rules >&2
bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)"
out="$scratch/rules-bench"
objects=( "$bin"/ClusterModel.build/*.o "$bin"/Rules.build/*.o )
swiftc -O -wmo -module-name RulesBench -I "$bin/Modules" -I "$bin" \
    scripts/bench/rules-bench/main.swift "${objects[@]}" -o "$out" >&2
"$out" "$@"
