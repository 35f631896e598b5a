#!/usr/bin/env bash
# Resident memory of the whole daemon while it watches NODES fake nodes and is being scraped.
#
#   scripts/bench/memory.sh                 # 100 nodes, 1 s interval, 60 s, scraped every second
#   NODES=100 SECONDS_TO_RUN=60 BINARY=.build/release/sealwatch scripts/bench/memory.sh
#
# Prints VmRSS / VmHWM / RssAnon / RssFile every 10 s, then the largest mappings by resident size
# (from /proc/PID/smaps) so a regression can be traced to a library or to the heap.
# Only loopback addresses are used. Needs: curl, python3.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NODES="${NODES:-100}"
RUN_FOR="${SECONDS_TO_RUN:-60}"
BINARY="${BINARY:-$ROOT/.build/release/sealwatch}"
# shellcheck source=scripts/bench/fleet.sh
. "$ROOT/scripts/bench/fleet.sh"
bench_setup sealwatch-mem

[ -x "$BINARY" ] || (cd "$ROOT" && make release)
start_fake_fleet "$NODES" "$WORK" || exit 1
PORT="$(free_port)"
CONFIG="$WORK/sealwatch.yml"
fleet_config "$NODES" "$FAKE_PORT" "$PORT" 1s 800ms "$WORK/state" >"$CONFIG"
mkdir -p "$WORK/state"

"$BINARY" run --config "$CONFIG" >"$WORK/daemon.log" 2>&1 &
PID=$!
PIDS+=("$PID")
URL="http://127.0.0.1:$PORT/metrics"
for _ in $(seq 300); do curl -fs -o /dev/null "$URL" && break; sleep 0.2; done
curl -fs -o /dev/null "$URL" || { echo "daemon did not serve $URL" >&2; tail -20 "$WORK/daemon.log" >&2; exit 1; }

field() { awk -v k="$1:" '$1 == k { printf "%.1f", $2 / 1024 }' "/proc/$PID/status"; }
echo "sealwatch $("$BINARY" --version 2>/dev/null || true), $NODES nodes, interval 1 s, scraped every 1 s, ${RUN_FOR} s"
printf '%6s %9s %9s %9s %9s  %s\n' t VmRSS VmHWM RssAnon RssFile "(MiB)"
start=$SECONDS
while [ $((SECONDS - start)) -lt "$RUN_FOR" ]; do
    curl -fs -o /dev/null -H 'Accept-Encoding: gzip' "$URL"
    curl -fs -o /dev/null "$URL"
    curl -fs -o /dev/null "http://127.0.0.1:$PORT/"
    curl -fs -o /dev/null "http://127.0.0.1:$PORT/api/v1/status"
    el=$((SECONDS - start))
    if [ $((el % 10)) -eq 0 ]; then
        printf '%6s %9s %9s %9s %9s\n' "${el}s" "$(field VmRSS)" "$(field VmHWM)" "$(field RssAnon)" "$(field RssFile)"
    fi
    sleep 1
done
printf '%6s %9s %9s %9s %9s\n' "end" "$(field VmRSS)" "$(field VmHWM)" "$(field RssAnon)" "$(field RssFile)"
kill -0 "$PID" || { echo "daemon died" >&2; tail -20 "$WORK/daemon.log" >&2; exit 1; }

echo
echo "largest mappings (KiB resident, of which private/anonymous):"
python3 - "$PID" <<'PYEOF'
import re, sys
rss, anon, cur = {}, {}, None
for line in open(f"/proc/{sys.argv[1]}/smaps"):
    m = re.match(r"^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$", line)
    if m:
        cur = m.group(1).strip() or "(anonymous: malloc arenas, thread stacks)"
        continue
    key, _, value = line.partition(":")
    if key == "Rss":
        rss[cur] = rss.get(cur, 0) + int(value.split()[0])
    elif key == "Anonymous":
        anon[cur] = anon.get(cur, 0) + int(value.split()[0])
for name in sorted(rss, key=rss.get, reverse=True)[:20]:
    if rss[name]:
        print(f"{rss[name]:8d} {anon.get(name, 0):8d}  {name}")
PYEOF
echo
echo "VmRSS $(field VmRSS) MiB, VmHWM $(field VmHWM) MiB (target: VmRSS < 30 MiB)"
