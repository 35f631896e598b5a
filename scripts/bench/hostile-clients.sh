#!/usr/bin/env bash
# The /metrics server against hostile clients (issue 11): side scrapes under connection floods,
# memory under slow-reading gzip clients, and scrape latency during a wrong-password flood.
#
#   scripts/bench/hostile-clients.sh
#   NODES=100 SCRAPES=300 BINARY=.build/release/sealwatch scripts/bench/hostile-clients.sh
#
# Starts scripts/fake-vault.py (NODES fake nodes, default 100: a ~550 KB exposition) and the
# release binary (built with `make release` if missing), then runs scripts/bench/hostile-clients.py:
#   (a) share of side scrapes (fresh connection, GET /metrics with gzip, complete within 5 s) that
#       succeed under 600 slow half-sent connections that reconnect when cut, under 1,000
#       connections that send complete requests and never read, and under 1,000 keep-alive
#       connections that read every answer and ask again at once;
#   (b) the daemon's VmRSS / VmHWM under 512 gzip clients reading 1 KiB per second;
#   (c) median / p99 of a correct scrape (basic auth, bcrypt cost 10) on a keep-alive connection,
#       without and with 10 connections sending distinct wrong passwords back to back.
# Loopback only; every phase is bounded (connections and seconds) and the script stops by itself
# (about 2 minutes). Needs: curl, python3 (with the crypt module, for the bcrypt hash).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NODES="${NODES:-100}"
SCRAPES="${SCRAPES:-300}"
BINARY="${BINARY:-$ROOT/.build/release/sealwatch}"
CLIENTS="$ROOT/scripts/bench/hostile-clients.py"
# shellcheck source=scripts/bench/fleet.sh
. "$ROOT/scripts/bench/fleet.sh"
bench_setup sealwatch-hostile

[ -x "$BINARY" ] || (cd "$ROOT" && make release)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
start_fake_fleet "$NODES" "$WORK" || exit 1
mkdir -p "$WORK/state"

PASSWORD="bench-$RANDOM$RANDOM"
HASH="$(python3 -W ignore -c 'import crypt, sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1024)))' "$PASSWORD")"

# start_daemon AUTH(0|1): sets PORT and DAEMON; waits until /metrics has a full exposition.
start_daemon() {
    PORT="$(free_port)"
    fleet_config "$NODES" "$FAKE_PORT" "$PORT" 5s 2s "$WORK/state" >"$WORK/sealwatch.yml"
    local curl_auth=()
    if [ "$1" = 1 ]; then
        sed -i "s|^listen: .*|listen: {address: \"127.0.0.1:$PORT\", basic_auth_users: {bench: \"$HASH\"}}|" "$WORK/sealwatch.yml"
        curl_auth=(-u "bench:$PASSWORD")
    fi
    "$BINARY" run --config "$WORK/sealwatch.yml" >"$WORK/daemon.log" 2>&1 &
    DAEMON=$!
    PIDS+=("$DAEMON")
    local url="http://127.0.0.1:$PORT/metrics" size=0
    for _ in $(seq 150); do
        size="$(curl -fs "${curl_auth[@]}" "$url" 2>/dev/null | wc -c || true)"
        [ "${size:-0}" -gt 400000 ] && break
        sleep 0.2
    done
    [ "${size:-0}" -gt 400000 ] || { echo "daemon did not serve a full exposition ($size bytes)" >&2; tail -20 "$WORK/daemon.log" >&2; exit 1; }
    echo "daemon pid $DAEMON on 127.0.0.1:$PORT, exposition $((size / 1024)) KiB"
}
stop_daemon() { kill "$DAEMON" 2>/dev/null || true; wait "$DAEMON" 2>/dev/null || true; }
clients() { timeout 120 python3 "$CLIENTS" --port "$PORT" "$@" || echo "  (this phase failed or timed out: exit $?)"; }

echo "sealwatch $("$BINARY" --version 2>/dev/null || echo '?'), $NODES fake nodes, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
start_daemon 0
echo
echo "(a) side scrapes under connection floods (max_connections 512)"
clients side-scrapes --flood slow --conns 600 --scrapes "$SCRAPES" --interval 0.03
clients side-scrapes --flood complete --conns 1000 --scrapes "$SCRAPES" --interval 0.03
clients side-scrapes --flood reading --conns 1000 --scrapes "$SCRAPES" --interval 0.03
kill -0 "$DAEMON" || { echo "daemon died" >&2; tail -20 "$WORK/daemon.log" >&2; exit 1; }
echo
echo "(b) memory under slow-reading gzip clients"
clients slow-readers --conns 512 --seconds 10 --pid "$DAEMON"
stop_daemon

echo
echo "(c) correct scrapes during a wrong-password flood (bcrypt cost 10)"
start_daemon 1
clients auth-latency --scrapes 200 --user bench --password "$PASSWORD"
clients auth-latency --scrapes 200 --flood-conns 10 --user bench --password "$PASSWORD"
kill -0 "$DAEMON" || { echo "daemon died" >&2; tail -20 "$WORK/daemon.log" >&2; exit 1; }
stop_daemon
