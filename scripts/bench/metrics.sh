#!/usr/bin/env bash
# Benchmarks Sealwatch's /metrics endpoint against nginx serving the same bytes, then checks
# slowloris resistance and prints the server's memory.
#
#   scripts/bench/metrics.sh
#       Starts scripts/fake-vault.py --nodes 100 and `.build/release/sealwatch run --config <generated>`
#       (built with `make release` if missing), waits for /metrics.
#   METRICS_URL=http://127.0.0.1:9742/metrics [SERVER_PID=1234] scripts/bench/metrics.sh
#       Benchmarks an already running server (RSS is printed when SERVER_PID is given or found with ss).
#   SEALWATCH_CMD="path/to/binary run --config {config}" scripts/bench/metrics.sh
#       Another server command for the default mode ({config} is replaced by the generated config path).
#
# Knobs: DURATION (wrk seconds per run, default 10), CONNECTIONS ("1 10 100"), SLOWLORIS (idle
# connections held during the slow-client check, default 500), NODES (fake nodes, default 100).
# Only loopback addresses are used. Needs: wrk, nginx (nginx-light), curl, python3.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-1 10 100}"
SLOWLORIS="${SLOWLORIS:-500}"
NODES="${NODES:-100}"
# shellcheck source=scripts/bench/fleet.sh
. "$ROOT/scripts/bench/fleet.sh"
bench_setup sealwatch-bench

need() { command -v "$1" >/dev/null || { echo "missing tool: $1" >&2; exit 2; }; }
need wrk; need curl; need python3
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || { echo "missing tool: nginx" >&2; exit 2; }


wait_http() {  # URL TIMEOUT_SECONDS
    local deadline=$((SECONDS + $2))
    until curl -fs -o /dev/null --max-time 2 "$1"; do
        [ "$SECONDS" -lt "$deadline" ] || { echo "timed out waiting for $1" >&2; return 1; }
        sleep 0.2
    done
}

# --- 1. the server under test ---------------------------------------------------------------
if [ -z "${METRICS_URL:-}" ]; then
    start_fake_fleet "$NODES" "$WORK" || exit 1
    PORT="$(free_port)"
    CONFIG="$WORK/sealwatch.yml"
    fleet_config "$NODES" "$FAKE_PORT" "$PORT" 5s 2s "$WORK/state" >"$CONFIG"
    mkdir -p "$WORK/state"
    if [ -z "${SEALWATCH_CMD:-}" ]; then
        [ -x "$ROOT/.build/release/sealwatch" ] || (cd "$ROOT" && make release)
        SEALWATCH_CMD="$ROOT/.build/release/sealwatch run --config {config}"
    fi
    # shellcheck disable=SC2086
    ${SEALWATCH_CMD//\{config\}/$CONFIG} >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    METRICS_URL="http://127.0.0.1:$PORT/metrics"
    wait_http "$METRICS_URL" 60 || { tail -20 "$WORK/server.log" >&2; exit 1; }
    sleep 6  # let one full poll cycle fill the registry
fi

HOSTPORT="$(echo "$METRICS_URL" | sed -E 's#^http://([^/]+).*#\1#')"
HOST="${HOSTPORT%:*}"; HOST="${HOST#[}"; HOST="${HOST%]}"
SPORT="${HOSTPORT##*:}"
if [ -z "${SERVER_PID:-}" ] && command -v ss >/dev/null; then
    SERVER_PID="$(ss -ltnpH "sport = :$SPORT" 2>/dev/null | sed -nE 's/.*pid=([0-9]+).*/\1/p' | head -1)"
fi

# --- 2. the same bytes as a static file behind nginx -----------------------------------------
mkdir -p "$WORK/www" "$WORK/nginx"
chmod 755 "$WORK" "$WORK/www"   # nginx workers started by root run as nobody
curl -fs "$METRICS_URL" -o "$WORK/www/metrics"
chmod 644 "$WORK/www/metrics"
BYTES=$(wc -c <"$WORK/www/metrics")
SERIES=$(grep -vc '^#' "$WORK/www/metrics" || true)
NGINX_PORT="$(free_port)"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 2048; }
http {
    access_log off;
    sendfile on; tcp_nopush off; tcp_nodelay on;
    keepalive_requests 100000000; keepalive_timeout 60s;
    default_type text/plain;
    client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx; fastcgi_temp_path $WORK/nginx;
    uwsgi_temp_path $WORK/nginx; scgi_temp_path $WORK/nginx;
    server { listen 127.0.0.1:$NGINX_PORT; root $WORK/www; }
}
EOF
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' 2>"$WORK/nginx/stderr.log" &
PIDS+=($!)
NGINX_URL="http://127.0.0.1:$NGINX_PORT/metrics"
wait_http "$NGINX_URL" 10 || { tail -5 "$WORK/nginx/stderr.log" "$WORK/nginx/error.log" >&2; exit 1; }

# --- 3. wrk, side by side ---------------------------------------------------------------------
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f", v}'; }
run_wrk() {  # URL CONNECTIONS -> "rps p99ms"
    local out
    out="$(wrk -t1 -c"$2" -d"${DURATION}s" --latency "$1" 2>&1)"
    local rps p99
    rps="$(echo "$out" | awk '/^Requests\/sec:/ {printf "%.0f", $2}')"
    p99="$(echo "$out" | awk '$1 == "99%" {print $2}' | to_ms)"
    if echo "$out" | grep -q "Non-2xx\|Socket errors"; then echo "$out" | grep "Non-2xx\|Socket errors" >&2; fi
    echo "${rps:-0} ${p99:-nan}"
}

echo "body: $BYTES bytes, $SERIES series (from $METRICS_URL); wrk -t1, ${DURATION}s per run"
printf '%-6s | %12s %10s | %12s %10s | %s\n' conns "sealwatch/s" "p99 ms" "nginx/s" "p99 ms" "ratio"
for c in $CONNECTIONS; do
    read -r s_rps s_p99 < <(run_wrk "$METRICS_URL" "$c")
    read -r n_rps n_p99 < <(run_wrk "$NGINX_URL" "$c")
    ratio="$(awk -v a="$s_rps" -v b="$n_rps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
    printf '%-6s | %12s %10s | %12s %10s | %s\n' "$c" "$s_rps" "$s_p99" "$n_rps" "$n_p99" "$ratio"
done

# --- 4. slowloris: idle half-requests must not slow a real scrape -----------------------------
python3 - "$HOST" "$SPORT" "$SLOWLORIS" >"$WORK/slowloris.log" 2>&1 <<'PY' &
import socket, sys, time
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
held = []
for _ in range(n):
    s = socket.create_connection((host, port))
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")  # never finished
    held.append(s)
print("held", len(held), flush=True)
time.sleep(30)
PY
LORIS_PID=$!
PIDS+=("$LORIS_PID")
for _ in $(seq 100); do grep -q held "$WORK/slowloris.log" && break; sleep 0.1; done
grep -q held "$WORK/slowloris.log" || { echo "slowloris client failed:" >&2; cat "$WORK/slowloris.log" >&2; exit 1; }
worst=0
for _ in 1 2 3; do
    t="$(curl -fs -o /dev/null -w '%{time_total}' "$METRICS_URL")"
    worst="$(awk -v a="$worst" -v b="$t" 'BEGIN { print (b > a) ? b : a }')"
done
worst_ms="$(awk -v t="$worst" 'BEGIN { printf "%.1f", t * 1000 }')"
verdict="$(awk -v t="$worst" 'BEGIN { print (t < 0.1) ? "ok (< 100 ms)" : "SLOW (>= 100 ms)" }')"
echo "slowloris: $SLOWLORIS idle half-requests held; worst of 3 scrapes: ${worst_ms} ms -> $verdict"
kill "$LORIS_PID" 2>/dev/null || true

# --- 5. memory ---------------------------------------------------------------------------------
if [ -n "${SERVER_PID:-}" ] && [ -r "/proc/$SERVER_PID/status" ]; then
    echo "server pid $SERVER_PID: $(grep -E '^VmRSS' "/proc/$SERVER_PID/status" | tr -s ' \t' ' '), $(grep -E '^VmHWM' "/proc/$SERVER_PID/status" | tr -s ' \t' ' ')"
else
    echo "server RSS: unknown (set SERVER_PID)"
fi
