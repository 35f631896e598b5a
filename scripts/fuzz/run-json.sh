#!/usr/bin/env bash
# Fuzz Probing's JSON scanner with libFuzzer for SECONDS (default 30): one swiftc call builds the
# harness with Sources/Probing/JSONValue.swift (dependency-free); exits non-zero on a crash.
set -euo pipefail
SECONDS_TO_RUN="${1:-30}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
FUZZ_WORK="${FUZZ_WORK:-${TMPDIR:-/tmp}/sealwatch-fuzz-json}"
export SWIFT_BACKTRACE=enable=no
mkdir -p "$FUZZ_WORK/corpus" "$FUZZ_WORK/artifacts"
echo "building fuzz-json..."
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name FuzzJSON \
    "$HERE/json-harness.swift" "$ROOT/Sources/Probing/JSONValue.swift" \
    -o "$FUZZ_WORK/fuzz-json" 2> >(grep -v "Cannot export local symbol '__asan" >&2)
cp -n "$HERE"/json-corpus/* "$FUZZ_WORK/corpus/" 2>/dev/null || true
echo "fuzzing the JSON scanner for ${SECONDS_TO_RUN}s"
set +e
"$FUZZ_WORK/fuzz-json" "$FUZZ_WORK/corpus" -max_total_time="$SECONDS_TO_RUN" -max_len=2048 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$FUZZ_WORK/artifacts/" -print_final_stats=1 2>&1 | tee "$FUZZ_WORK/last-run.log" \
    | grep -E "^#[0-9]+ +(DONE|INITED)|ERROR|SUMMARY|deadly|stat::number_of_executed_units|stat::average_exec_per_sec|==[0-9]+=="
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
    echo "FUZZING FAILED (exit $status); crash inputs in $FUZZ_WORK/artifacts, log $FUZZ_WORK/last-run.log" >&2
    exit "$status"
fi
echo "fuzzing passed: no crash in ${SECONDS_TO_RUN}s"
