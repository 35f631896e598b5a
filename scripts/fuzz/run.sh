#!/usr/bin/env bash
# Fuzz Sealwatch's HTTP request parser with libFuzzer for SECONDS (default 60).
#   scripts/fuzz/run.sh [SECONDS]
# Builds scripts/fuzz/harness.swift together with the parser's dependency-free sources (one swiftc call,
# -sanitize=fuzzer,address), copies the committed seed corpus to a scratch corpus (new inputs never land
# in the repo), and exits non-zero if libFuzzer finds a crash, a failed invariant or a leak. Crash inputs
# are kept in $FUZZ_WORK/artifacts (reproduce with: $FUZZ_WORK/fuzz-parser <crash-file>).
set -euo pipefail

SECONDS_TO_RUN="${1:-60}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
FUZZ_WORK="${FUZZ_WORK:-${TMPDIR:-/tmp}/sealwatch-fuzz}"
export SWIFT_BACKTRACE=enable=no   # Swift's backtracer fights ASan and can leave orphan processes

mkdir -p "$FUZZ_WORK/corpus" "$FUZZ_WORK/artifacts"
echo "building fuzz-parser..."
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name FuzzParser \
    "$HERE/harness.swift" \
    "$ROOT/Sources/MetricsServer/HTTPRequestParser.swift" \
    "$ROOT/Sources/MetricsServer/HTTPRequestHead.swift" \
    -o "$FUZZ_WORK/fuzz-parser" 2> >(grep -v "Cannot export local symbol '__asan" >&2)

cp -n "$HERE"/corpus/* "$FUZZ_WORK/corpus/" 2>/dev/null || true
echo "fuzzing for ${SECONDS_TO_RUN}s (corpus: $FUZZ_WORK/corpus)"
set +e
"$FUZZ_WORK/fuzz-parser" "$FUZZ_WORK/corpus" "$HERE/corpus" \
    -dict="$HERE/http.dict" -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$FUZZ_WORK/artifacts/" -print_final_stats=1 2>&1 | tee "$FUZZ_WORK/last-run.log" \
    | grep -E "^#[0-9]+ +(DONE|pulse|INITED)|ERROR|SUMMARY|deadly|stat::number_of_executed_units|stat::average_exec_per_sec|Test unit written|==[0-9]+=="
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
    echo "FUZZING FAILED (exit $status); crash inputs in $FUZZ_WORK/artifacts, full log $FUZZ_WORK/last-run.log" >&2
    exit "$status"
fi
echo "fuzzing passed: no crash in ${SECONDS_TO_RUN}s"
