# Shared by the benchmark scripts (source it): a work directory and background processes cleaned
# up on exit, a fake Vault fleet on loopback and a Sealwatch configuration that watches it.

# bench_setup NAME: sets WORK (a fresh directory) and PIDS (processes to stop); both go on exit.
bench_setup() {
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
    PIDS=()
    trap bench_cleanup EXIT
}
bench_cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_fake_fleet NODES WORKDIR: scripts/fake-vault.py with NODES nodes on 127.0.1.1…; sets FAKE_PORT.
start_fake_fleet() {
    local nodes=$1 work=$2 root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    FAKE_PORT="$(free_port)"
    python3 "$root/scripts/fake-vault.py" --nodes "$nodes" --base 127.0.1.1 --port "$FAKE_PORT" >"$work/fake.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 100); do grep -q ready "$work/fake.log" && break; sleep 0.1; done
    grep -q ready "$work/fake.log" || { echo "fake-vault did not start:" >&2; cat "$work/fake.log" >&2; return 1; }
}

# fleet_config NODES FAKE_PORT LISTEN_PORT INTERVAL TIMEOUT STATE_DIR: one cluster "bench" of the
# fake fleet's nodes, on stdout.
fleet_config() {
    local nodes=$1 fake_port=$2 listen_port=$3 interval=$4 timeout=$5 state_dir=$6
    echo "global: {interval: $interval, timeout: $timeout, state_dir: \"$state_dir\"}"
    echo "listen: {address: \"127.0.0.1:$listen_port\"}"
    echo "clusters:"
    echo "  - name: bench"
    echo "    nodes:"
    python3 - "$nodes" "$fake_port" <<'PY'
import sys
n, port = int(sys.argv[1]), int(sys.argv[2])
c, d = 1, 1
for i in range(n):
    if d > 254:
        d, c = 1, c + 1
    print('      - {name: node-%03d, address: "http://127.0.%d.%d:%d"}' % (i + 1, c, d, port))
    d += 1
PY
}
