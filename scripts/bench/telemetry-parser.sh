#!/usr/bin/env bash
# Throughput of Sealwatch's Prometheus text parser against prometheus_client on the recorded
# OpenBao 2.7 bodies and a synthetic ~150 KB body (the active fixture three times, families renamed
# r1_…, r2_…, r3_… so that it stays valid). Our side: Sources/Telemetry + ClusterModel + Checked
# with scripts/telemetry-tool/main.swift, swiftc -O in a temporary directory (no SwiftPM product).
#   scripts/bench/telemetry-parser.sh [K=2000]   (K parses per body for us, K/100 for Python)
# Columns: accept-all (every sample becomes strings and a Double, what prometheus_client does),
# selection (TelemetryReader's families, what Sealwatch runs), reader (TelemetryReader.read, the
# selection plus NodeTelemetry), prometheus_client (text_string_to_metric_families, samples
# counted), ratio = accept-all / prometheus_client and reader / prometheus_client.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
K="${1:-2000}"
python3 -c 'import prometheus_client' 2>/dev/null || { echo "prometheus_client missing: pip install prometheus-client (make deps)" >&2; exit 1; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/telemetry-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
echo "building the parser driver (swiftc -O)..."
swiftc -O -module-name TelemetryTool "$ROOT/scripts/telemetry-tool/main.swift" "$ROOT"/Sources/Telemetry/*.swift \
    "$ROOT"/Sources/ClusterModel/*.swift "$ROOT/Sources/Checked/Checked.swift" -o "$WORK/telemetry-tool"
FIX="$ROOT/Tests/TelemetryTests/Fixtures"
python3 - "$FIX/openbao-2.7-active.prom" "$WORK/synthetic-150k.prom" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
out = []
for n in (1, 2, 3):
    for line in text.split("\n"):
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            out.append(line[:7] + f"r{n}_" + line[7:])
        elif line and not line.startswith("#"):
            out.append(f"r{n}_" + line)
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(out) + "\n")
PY
bodies=("$FIX/openbao-2.7-active.prom" "$FIX/openbao-2.7-standby.prom" "$FIX/openbao-2.7-audit-failing.prom" "$WORK/synthetic-150k.prom")
"$WORK/telemetry-tool" bench "$K" "${bodies[@]}" > "$WORK/ours.txt"
python3 - "$K" "$WORK/ours.txt" "${bodies[@]}" <<'PY'
import os, sys, time
from prometheus_client.parser import text_string_to_metric_families
k = max(int(sys.argv[1]) // 100, 3)
ours = {}
for line in open(sys.argv[2]):
    name, size, all_, sel, reader, _ = line.split()
    ours[name] = (int(size), float(all_), float(sel), float(reader))
print(f"{'body':32} {'bytes':>7} {'accept-all':>11} {'selection':>10} {'reader':>8} {'prom_client':>12} {'all/py':>7} {'reader/py':>9}   (MB/s)")
for path in sys.argv[3:]:
    text = open(path, encoding="utf-8").read()
    size = len(text.encode())
    start = time.perf_counter()
    for _ in range(k):
        n = sum(len(f.samples) for f in text_string_to_metric_families(text))
    py = size * k / (time.perf_counter() - start) / 1e6
    name = os.path.basename(path)
    _, a, s, r = ours[name]
    print(f"{name:32} {size:>7} {a:>11.1f} {s:>10.1f} {r:>8.1f} {py:>12.2f} {a / py:>6.0f}x {r / py:>8.0f}x")
PY
echo "machine: $(nproc) cores, $(swiftc --version 2>&1 | head -1 | sed 's/ (.*//'), $(python3 -c 'import platform, prometheus_client.parser, importlib.metadata as m; print("Python", platform.python_version(), "prometheus_client", m.version("prometheus-client"))')"
