#!/usr/bin/env bash
# test-policy.sh - check config/sealwatch-policy.hcl against the running dev cluster
# (scripts/dev-cluster.sh up): write the policy, create a periodic Sealwatch token with it and
# check with curl what that token can and cannot do. Prints one line per check and
# "N passed, N failed"; exits 1 on any failure.
#
# Usage: scripts/test-policy.sh [--dir DIR]      (DIR as for dev-cluster.sh; DEV_CLUSTER_DIR)
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd)
POLICY_FILE=$REPO_ROOT/config/sealwatch-policy.hcl
POLICY_NAME=sealwatch

cluster_args=()
while (($#)); do
    case $1 in
    --dir) (($# >= 2)) || { echo "test-policy.sh: --dir needs a value" >&2; exit 2; }; cluster_args=(--dir "$2"); shift 2 ;;
    --dir=*) cluster_args=(--dir "${1#--dir=}"); shift ;;
    -h | --help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "test-policy.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done

die() {
    echo "test-policy.sh: error: $*" >&2
    exit 1
}

command -v jq >/dev/null || die "jq is needed"
[[ -f $POLICY_FILE ]] || die "$POLICY_FILE not found"
envs=$("$SCRIPT_DIR/dev-cluster.sh" "${cluster_args[@]}" env) || die "no dev cluster (run scripts/dev-cluster.sh up)"
eval "$envs"
ROOT_TOKEN=$BAO_TOKEN
# Talk to the active node (a standby forwards, but answers kv-v2 writes later after a mount).
leader=$("$SCRIPT_DIR/dev-cluster.sh" "${cluster_args[@]}" leader) || die "the dev cluster has no active node"
addr_var=DEV_CLUSTER_NODE${leader}_ADDR
ADDR=${!addr_var}
unset BAO_TOKEN VAULT_TOKEN

curl_opts=(-sS --connect-timeout 2 --max-time 10)
[[ -n ${BAO_CACERT:-} ]] && curl_opts+=(--cacert "$BAO_CACERT")

# call TOKEN METHOD PATH [curl args]: body, then the HTTP code on the last line.
call() {
    local tok=$1 method=$2 path=$3
    shift 3
    curl "${curl_opts[@]}" -X "$method" -w '\n%{http_code}' \
        -H @<(printf 'X-Vault-Token: %s\n' "$tok") "$@" "$ADDR/v1/$path" 2>/dev/null || printf '\n000'
}
code_of() { printf '%s\n' "${1##*$'\n'}"; }
body_of() { printf '%s\n' "${1%$'\n'*}"; }

# root METHOD PATH [curl args]: a setup call with the root token that must succeed.
root() {
    local r
    r=$(call "$ROOT_TOKEN" "$@")
    [[ $(code_of "$r") =~ ^20 ]] || die "setup: $1 $2 with the root token: HTTP $(code_of "$r") $(body_of "$r" | head -c 300)"
    body_of "$r"
}

# ---- setup (root token)
root PUT "sys/policies/acl/$POLICY_NAME" \
    --data-binary "$(jq -n --rawfile p "$POLICY_FILE" '{policy: $p}')" >/dev/null
echo "wrote policy '$POLICY_NAME' from config/sealwatch-policy.hcl"

if ! root GET sys/mounts | jq -e '.data["secret/"] // ."secret/"' >/dev/null; then
    root POST sys/mounts/secret --data-binary '{"type":"kv","options":{"version":"2"}}' >/dev/null
    echo "enabled kv-v2 at secret/"
fi
# A new kv-v2 mount upgrades itself for a moment before it takes writes.
for ((i = 0; i < 100; i++)); do
    r=$(call "$ROOT_TOKEN" POST secret/data/sealwatch-policy-test --data-binary '{"data":{"value":"not-for-sealwatch"}}')
    [[ $(code_of "$r") == 200 ]] && break
    sleep 0.2
done
[[ $(code_of "$r") == 200 ]] || die "setup: writing secret/sealwatch-policy-test: HTTP $(code_of "$r") $(body_of "$r" | head -c 300)"
echo "wrote secret/sealwatch-policy-test with the root token"
# The read canary's secret (dev-cluster.sh up writes it; written here if it is missing) and no
# write canary secret yet: the first canary write must be allowed to create it.
r=$(call "$ROOT_TOKEN" GET secret/data/sealwatch/canary)
if [[ $(code_of "$r") != 200 ]]; then
    root POST secret/data/sealwatch/canary --data-binary '{"data":{"value":"sealwatch canary"}}' >/dev/null
    echo "wrote secret/sealwatch/canary with the root token"
fi
call "$ROOT_TOKEN" DELETE secret/metadata/sealwatch/canary-write >/dev/null

# Same as: bao token create -policy=sealwatch -period=24h -orphan -no-default-policy (docs/operations.md)
# (-no-default-policy: the default policy would add cubbyhole, sys/tools, ... which Sealwatch
# does not need; the sealwatch policy itself grants lookup-self and renew-self).
SW_TOKEN=$(root POST auth/token/create-orphan \
    --data-binary "{\"policies\":[\"$POLICY_NAME\"],\"period\":\"24h\",\"no_default_policy\":true,\"display_name\":\"sealwatch-policy-test\"}" |
    jq -r '.auth.client_token')
[[ -n $SW_TOKEN && $SW_TOKEN != null ]] || die "token create returned no token"
trap 'call "$ROOT_TOKEN" POST auth/token/revoke-orphan --data-binary "{\"token\":\"$SW_TOKEN\"}" >/dev/null || true' EXIT
echo "created periodic orphan token with policy '$POLICY_NAME' (revoked at exit)"

# ---- checks (Sealwatch token)
passed=0
failed=0
# check DESCRIPTION EXPECTED_CODE METHOD PATH [curl args] [-- JQ_FILTER that must be true]
# (EXPECTED_CODE may list alternatives: 200|204)
check() {
    local desc=$1 want=$2 method=$3 path=$4 r code filter="" ok=1
    shift 4
    local args=()
    while (($#)); do
        if [[ $1 == -- ]]; then filter=$2; break; fi
        args+=("$1")
        shift
    done
    r=$(call "$SW_TOKEN" "$method" "$path" "${args[@]}")
    code=$(code_of "$r")
    [[ $code =~ ^($want)$ ]] || ok=0
    if ((ok)) && [[ -n $filter ]]; then
        body_of "$r" | jq -e "$filter" >/dev/null 2>&1 || ok=0
    fi
    if ((ok)); then
        printf 'PASS  %-55s %s %s -> %s\n' "$desc" "$method" "$path" "$code"
        passed=$((passed + 1))
    else
        printf 'FAIL  %-55s %s %s -> %s (want %s%s)\n' "$desc" "$method" "$path" "$code" "$want" "${filter:+, body: $filter}"
        failed=$((failed + 1))
    fi
}

check "token has exactly the sealwatch policy" 200 GET auth/token/lookup-self \
    -- '.data.policies == ["sealwatch"] and .data.period > 0'
check "read raft configuration" 200 GET sys/storage/raft/configuration \
    -- '(.data.config.servers | length) >= 1'
check "read autopilot state" 200 GET sys/storage/raft/autopilot/state \
    -- '.data | has("healthy") and has("failure_tolerance")'
check "renew own token" 200 POST auth/token/renew-self --data-binary '{}' \
    -- '.auth.renewable == true'
check "read metrics (prometheus)" 200 GET 'sys/metrics?format=prometheus'
check "read metrics (json)" 200 GET sys/metrics -- 'has("Gauges") or has("Counters")'
# The canaries (canary.read_path / canary.write_path as docs/rules.md suggests them).
check "read canary: read secret/sealwatch/canary" 200 GET secret/data/sealwatch/canary \
    -- '.data.data | type == "object"'
check "write canary: create secret/sealwatch/canary-write" '200|204' POST secret/data/sealwatch/canary-write \
    --data-binary "{\"data\":{\"at\":\"$(date -u +%FT%TZ)\"}}"
check "write canary: update secret/sealwatch/canary-write" '200|204' PUT secret/data/sealwatch/canary-write \
    --data-binary "{\"data\":{\"at\":\"$(date -u +%FT%TZ)\"}}"
check "cannot read a kv secret" 403 GET secret/data/sealwatch-policy-test
check "cannot write another kv secret" 403 POST secret/data/sealwatch-policy-test --data-binary '{"data":{"a":"b"}}'
check "cannot write to the read canary's secret" 403 POST secret/data/sealwatch/canary --data-binary '{"data":{"a":"b"}}'
check "cannot read the write canary's secret" 403 GET secret/data/sealwatch/canary-write
check "cannot patch the write canary's secret" 403 PATCH secret/data/sealwatch/canary-write \
    -H 'Content-Type: application/merge-patch+json' --data-binary '{"data":{"a":"b"}}'
check "cannot delete the write canary's secret" 403 DELETE secret/data/sealwatch/canary-write
check "cannot read canary metadata (versions)" 403 GET secret/metadata/sealwatch/canary
check "cannot write next to the canary" 403 POST secret/data/sealwatch/canary-write2 --data-binary '{"data":{"a":"b"}}'
check "cannot list kv secrets" 403 LIST secret/metadata
check "cannot list the canary folder" 403 LIST secret/metadata/sealwatch
check "cannot list ACL policies" 403 LIST sys/policies/acl
check "cannot read sys/policies" 403 GET sys/policies/acl
check "cannot read the sealwatch policy" 403 GET "sys/policies/acl/$POLICY_NAME"
check "cannot list mounts" 403 GET sys/mounts
check "cannot create tokens" 403 POST auth/token/create --data-binary '{}'
check "cannot write to cubbyhole" 403 POST cubbyhole/x --data-binary '{"a":"b"}'
check "cannot seal" 403 PUT sys/seal
check "cannot step down" 403 PUT sys/step-down
check "cannot remove raft peers" 403 POST sys/storage/raft/remove-peer --data-binary '{"server_id":"bao-3"}'
check "cannot change autopilot configuration" 403 POST sys/storage/raft/autopilot/configuration \
    --data-binary '{"server_stabilization_time":"10s"}'
check "cannot take a raft snapshot" 403 GET sys/storage/raft/snapshot

# The listener sets unauthenticated_metrics_access, so the metrics reads above would pass
# without the policy: ask the server for the token's capabilities per path instead.
check_caps() {
    local path=$1 want=$2 r got
    r=$(call "$ROOT_TOKEN" POST sys/capabilities \
        --data-binary "$(jq -cn --arg t "$SW_TOKEN" --arg p "$path" '{token: $t, paths: [$p]}')")
    got=$(body_of "$r" | jq -r --arg p "$path" '(.[$p] // .data[$p] // ["?"]) | sort | join(",")' 2>/dev/null || echo "?")
    if [[ $got == "$want" ]]; then
        printf 'PASS  %-55s %s\n' "capabilities on $path" "$got"
        passed=$((passed + 1))
    else
        printf 'FAIL  %-55s %s (want %s)\n' "capabilities on $path" "$got" "$want"
        failed=$((failed + 1))
    fi
}
check_caps sys/metrics read
check_caps sys/storage/raft/configuration read
check_caps sys/storage/raft/autopilot/state read
check_caps auth/token/lookup-self read
check_caps auth/token/renew-self update
check_caps sys/storage/raft/autopilot/configuration deny
check_caps secret/data/sealwatch/canary read
check_caps secret/data/sealwatch/canary-write create,update
check_caps secret/metadata/sealwatch/canary deny
check_caps secret/data/anything deny

echo "$passed passed, $failed failed"
((failed == 0))
