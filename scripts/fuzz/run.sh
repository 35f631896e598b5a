#!/usr/bin/env bash
# Fuzz a parser, or the whole probe-to-page path, of Sealwatch with libFuzzer for SECONDS (default 60).
#   scripts/fuzz/run.sh [SECONDS] [http|json|yaml|receiver|telemetry|pipeline]
#     http      the metrics server's HTTP request parser (harness.swift, seed corpus corpus/, http.dict)
#     json      Probing's JSON scanner, the reader of every Vault body (json-harness.swift, json-corpus/)
#     yaml      Config's YAML path, libyaml's events built into a tree (yaml-harness.swift, yaml-corpus/, yaml.dict)
#     receiver  Notify's handling of a receiver's answer: retry decision, Retry-After, the receiver
#               pause and the outbox's clamping of persisted times (receiver-harness.swift, receiver-corpus/,
#               receiver.dict); the pure files listed below compile without the rest of Notify
#     telemetry Telemetry's Prometheus text parser and TelemetryReader, a node's sys/metrics body
#               (telemetry-harness.swift, telemetry-corpus/, telemetry.dict); with ClusterModel and Checked
#     pipeline  the whole path: fuzzed node answers through ClusterProber, the rules over several
#               cycles, /metrics, the status page, the status JSON and the check table
#               (pipeline-harness.swift, pipeline-corpus/ written by gen-pipeline-corpus.py, pipeline.dict)
# For http, json, yaml, receiver and telemetry one swiftc call builds the harness with the sources it needs
# (-sanitize=fuzzer,address). For pipeline, SwiftPM first builds the Daemon target and its
# dependencies instrumented (release, -enable-testing, scratch path .build-fuzz), then swiftc links
# the harness with those objects. The seed corpus is copied to a scratch corpus (new inputs never
# land in the repo). Exits non-zero if
# libFuzzer finds a crash, a failed invariant or a leak; crash inputs stay in $FUZZ_WORK/artifacts
# (reproduce with: $FUZZ_WORK/fuzz-<target> <crash-file>).
set -euo pipefail
SECONDS_TO_RUN="${1:-60}"
TARGET="${2:-http}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
flags=()
case "$TARGET" in
  http) sources=("$HERE/harness.swift" "$ROOT/Sources/MetricsServer/HTTPRequestParser.swift" "$ROOT/Sources/MetricsServer/HTTPRequestHead.swift")
        seeds="$HERE/corpus"; options=(-dict="$HERE/http.dict" -max_len=4096) ;;
  json) sources=("$HERE/json-harness.swift" "$ROOT/Sources/Probing/JSONValue.swift" "$ROOT/Sources/Checked/Checked.swift")
        seeds="$HERE/json-corpus"; options=(-max_len=2048) ;;
  yaml) sources=("$HERE/yaml-harness.swift" "$ROOT"/Sources/Config/YAML/*.swift)
        flags=(-Xcc -fmodule-map-file="$ROOT/Sources/CYAML/module.modulemap" -lyaml)
        seeds="$HERE/yaml-corpus"; options=(-dict="$HERE/yaml.dict" -max_len=4096) ;;
  receiver) sources=("$HERE/receiver-harness.swift" "$ROOT/Sources/Checked/Checked.swift" "$ROOT/Sources/Notify/RetrySchedule.swift"
                  "$ROOT/Sources/Notify/RetryPolicy.swift" "$ROOT/Sources/Notify/Redaction.swift" "$ROOT/Sources/Notify/Support/TimeFormat.swift")
        seeds="$HERE/receiver-corpus"; options=(-dict="$HERE/receiver.dict" -max_len=1024) ;;
  telemetry) sources=("$HERE/telemetry-harness.swift" "$ROOT"/Sources/Telemetry/*.swift "$ROOT"/Sources/ClusterModel/*.swift "$ROOT/Sources/Checked/Checked.swift")
        seeds="$HERE/telemetry-corpus"; options=(-dict="$HERE/telemetry.dict" -max_len=4096) ;;
  pipeline) sources=("$HERE/pipeline-harness.swift")
        seeds="$HERE/pipeline-corpus"; options=(-dict="$HERE/pipeline.dict" -max_len=16384 -detect_leaks=0) ;;
  *) echo "usage: $0 [SECONDS] [http|json|yaml|receiver|telemetry|pipeline]" >&2; exit 64 ;;
esac
FUZZ_WORK="${FUZZ_WORK:-${TMPDIR:-/tmp}/sealwatch-fuzz-$TARGET}"
export SWIFT_BACKTRACE=enable=no   # Swift's backtracer fights ASan and can leave orphan processes
mkdir -p "$FUZZ_WORK/corpus" "$FUZZ_WORK/artifacts"
echo "building fuzz-$TARGET..."
if [ "$TARGET" = pipeline ]; then
    # SwiftPM executables cannot be the harness (docs: swift-on-linux notes §10): build the library
    # graph instrumented, then link the harness with every library object (not sealwatch's, not tests').
    BUILD="$ROOT/.build-fuzz"
    (cd "$ROOT" && swift build -c release --target Daemon --scratch-path "$BUILD" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing 2> >(grep -v "Cannot export local symbol '__asan" >&2))
    # Daemon's library graph (the sealwatch executable, tests and TestSupport are not in it).
    objects=("$BUILD"/release/_AtomicsShims.build/src/*.o)
    for module in Daemon Prometheus Atomics CoreMetrics Logging Config Probing Telemetry Rules ClusterModel Checked \
                  HTTPTransport CurlTransport StateStore Notify MetricsServer Systemd; do
        objects+=("$BUILD/release/$module.build/"*.o)
    done
    # The C modules' module maps, which the Swift modules' interfaces name.
    includes=(-I "$BUILD/release/Modules" -I "$ROOT/Sources/CCurl" -I "$ROOT/Sources/CLinux" -I "$ROOT/Sources/CSystemd" -I "$ROOT/Sources/CYAML"
              -I "$BUILD/checkouts/swift-atomics/Sources/_AtomicsShims/include")
    # The harness itself without coverage instrumentation: its checks are not what to explore.
    swiftc -O -sanitize=address -parse-as-library -swift-version 6 -module-name Fuzzpipeline "${includes[@]}" \
        -c "${sources[@]}" -o "$FUZZ_WORK/pipeline-harness.o"
    swiftc -sanitize=fuzzer,address "$FUZZ_WORK/pipeline-harness.o" "${objects[@]}" -lcurl -lsystemd -lz -lcrypt -lyaml \
        -o "$FUZZ_WORK/fuzz-$TARGET" 2> >(grep -v "Cannot export local symbol '__asan" >&2)
else
    swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name "Fuzz$TARGET" "${sources[@]}" ${flags[@]+"${flags[@]}"} \
        -o "$FUZZ_WORK/fuzz-$TARGET" 2> >(grep -v "Cannot export local symbol '__asan" >&2)
fi
cp -n "$seeds"/* "$FUZZ_WORK/corpus/" 2>/dev/null || true
echo "fuzzing $TARGET for ${SECONDS_TO_RUN}s (corpus: $FUZZ_WORK/corpus)"
set +e
"$FUZZ_WORK/fuzz-$TARGET" "$FUZZ_WORK/corpus" "$seeds" "${options[@]}" -max_total_time="$SECONDS_TO_RUN" -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$FUZZ_WORK/artifacts/" -print_final_stats=1 2>&1 | tee "$FUZZ_WORK/last-run.log" \
    | grep -E "^#[0-9]+ +(DONE|pulse|INITED)|ERROR|SUMMARY|deadly|stat::number_of_executed_units|stat::average_exec_per_sec|Test unit written|==[0-9]+=="
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
    echo "FUZZING FAILED (exit $status); crash inputs in $FUZZ_WORK/artifacts, full log $FUZZ_WORK/last-run.log" >&2
    exit "$status"
fi
echo "fuzzing $TARGET passed: no crash in ${SECONDS_TO_RUN}s"
