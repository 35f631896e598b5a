#!/usr/bin/env bash
# Checks the systemd units: `systemd-analyze verify` must be silent and the service's exposure score
# (`systemd-analyze security --offline=yes`) must be <= 1.5. Works without systemd as PID 1.
#
# verify refuses an ExecStart= binary that does not exist, and /usr/local/bin/sealwatch is usually
# not installed where this runs, so the check verifies copies of the units whose ExecStart= binary is
# replaced by $SEALWATCH_BIN (default: a built .build*/*/sealwatch, else a stub script in the temp
# directory). Nothing else in the units is changed; the security score is computed on the originals.
#
# Usage: scripts/check-units.sh            (exit 0 ok, 1 verify or score failed, 2 tool missing)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
units_dir="$root/systemd"
service="$units_dir/sealwatch.service"
socket="$units_dir/sealwatch.socket"
max_exposure_tenths=15   # --threshold is on systemd's internal 0..100 scale: 15 = score 1.5
installed_bin=/usr/local/bin/sealwatch

command -v systemd-analyze >/dev/null || { echo "check-units: systemd-analyze not found (apt-get install systemd)" >&2; exit 2; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

bin="${SEALWATCH_BIN:-}"
if [[ -z "$bin" ]]; then
    bin="$(ls -t "$root"/.build*/{release,debug}/sealwatch 2>/dev/null | head -n1 || true)"
fi
if [[ -z "$bin" || ! -x "$bin" ]]; then
    bin="$tmp/sealwatch"
    printf '#!/bin/sh\nexit 0\n' > "$bin"
    chmod 755 "$bin"
fi
echo "check-units: verifying copies with ExecStart=$installed_bin replaced by $bin"

mkdir -p "$tmp/units"
sed "s#^ExecStart=$installed_bin #ExecStart=$bin #" "$service" > "$tmp/units/sealwatch.service"
cp "$socket" "$tmp/units/sealwatch.socket"
grep -q "^ExecStart=$bin " "$tmp/units/sealwatch.service" || { echo "check-units: ExecStart= is not $installed_bin ..." >&2; exit 1; }

failed=0
# verify exits 0 on unknown keys and unparsable values (it only warns), so any output is a failure.
if ! out="$(cd "$tmp/units" && systemd-analyze verify --man=no sealwatch.service sealwatch.socket 2>&1)" || [[ -n "$out" ]]; then
    echo "check-units: systemd-analyze verify FAILED:" >&2
    echo "$out" >&2
    failed=1
else
    echo "check-units: systemd-analyze verify: ok (sealwatch.service, sealwatch.socket)"
fi

sec_out="$(systemd-analyze security --offline=yes --threshold="$max_exposure_tenths" "$service" 2>&1)" && sec_rc=0 || sec_rc=$?
score_line="$(grep -E 'Overall exposure level' <<<"$sec_out" || true)"
warnings="$(grep -E '^/.*:[0-9]+: ' <<<"$sec_out" || true)"
if [[ $sec_rc -ne 0 || -z "$score_line" || -n "$warnings" ]]; then
    echo "check-units: systemd-analyze security FAILED (exit $sec_rc, limit 1.5):" >&2
    echo "$sec_out" | grep -v '✓' >&2
    failed=1
else
    echo "check-units: systemd-analyze security: ${score_line#→ } (limit 1.5)"
fi
exit "$failed"
