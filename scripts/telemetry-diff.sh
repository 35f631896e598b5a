#!/usr/bin/env bash
# Differential test of Sealwatch's Prometheus text parser against prometheus_client (the
# reference): the recorded fixtures plus N generated or mutated valid bodies must give the same
# samples. Builds the parser with a tiny driver (scripts/telemetry-tool/main.swift, swiftc -O, no
# SwiftPM product) in a temporary directory, then runs scripts/telemetry-diff.py.
#   scripts/telemetry-diff.sh [N=500] [SEED]     exit 1 on any mismatch
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-500}"
python3 -c 'import prometheus_client' 2>/dev/null || { echo "prometheus_client missing: pip install prometheus-client (make deps)" >&2; exit 1; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/telemetry-diff.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
echo "building the parser driver..."
swiftc -O -D TELEMETRY_PARSER_ONLY -module-name TelemetryTool "$ROOT/scripts/telemetry-tool/main.swift" \
    "$ROOT/Sources/Telemetry/PrometheusText.swift" -o "$WORK/telemetry-tool"
python3 "$ROOT/scripts/telemetry-diff.py" "$WORK/telemetry-tool" "$N" ${2:+"$2"}
