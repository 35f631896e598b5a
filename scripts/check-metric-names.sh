#!/usr/bin/env bash
# Checks that every sealwatch_* metric the operations kit uses exists in a real Sealwatch /metrics
# exposition, and that the exposition passes `promtool check metrics`.
#
#   scripts/check-metric-names.sh http://127.0.0.1:9742/metrics
#   scripts/check-metric-names.sh /tmp/metrics.txt
#
# Names are taken from alerts/*.yml, alerts/tests/*.yml and dashboards/*.json (histogram suffixes
# _bucket/_sum/_count stripped; recording-rule names such as cluster_node:sealwatch_…:p99_5m are
# not metric names and are skipped). A few families only appear once something happened or on some
# setups (CONDITIONAL below); a name missing from the exposition is accepted only if it is in that
# list AND declared in Sources/Daemon/DaemonMetrics.swift, so renames are still caught.
# Exit status: 0 all found; 1 missing names (listed) or promtool problems; 2 usage / fetch error.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src=${1:?usage: check-metric-names.sh FILE|URL}
PROMTOOL=${PROMTOOL:-promtool}

# Families exported only under some conditions.
CONDITIONAL=(
  sealwatch_alerts                                      # while an alert is pending or firing
  sealwatch_notifications_sent_total                    # the notification families: with receivers
  sealwatch_notifications_failed_total
  sealwatch_notification_queue_length
  sealwatch_notification_oldest_pending_age_seconds
  sealwatch_alert_transitions_total                     # after the first alert transition
  sealwatch_notifications_dropped_total                 # after a notification is given up on
  sealwatch_node_certificate_expiry_timestamp_seconds   # https nodes
  sealwatch_token_ttl_seconds                           # a token that expires (not root / ttl 0)
  sealwatch_token_renewal_failing                       # with a token (the e2e has one; listed for token-less setups)
  sealwatch_token_renewable                             # with a token
  sealwatch_vault_responses_total                       # Vault 1.20+ response status codes (OpenBao exports none)
  sealwatch_vault_leadership_lost_total                 # once a node lost leadership (go-metrics creates it on first use)
)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
exposition=$tmp/metrics.txt
case $src in
  http://*|https://*) curl -fsS --max-time 10 "$src" > "$exposition" || { echo "check-metric-names: cannot fetch $src" >&2; exit 2; } ;;
  *) [[ -r $src ]] || { echo "check-metric-names: cannot read $src" >&2; exit 2; }; cp "$src" "$exposition" ;;
esac

status=0
echo "== promtool check metrics =="
if lint=$("$PROMTOOL" check metrics < "$exposition" 2>&1); then
  echo "ok: exposition is clean"
else
  echo "$lint"
  echo "FAIL: promtool check metrics reported problems"
  status=1
fi

shopt -s nullglob
files=("$root"/alerts/*.yml "$root"/alerts/tests/*.yml "$root"/dashboards/*.json)
(( ${#files[@]} > 0 )) || { echo "check-metric-names: no alerts/ or dashboards/ files under $root" >&2; exit 2; }

python3 - "$exposition" "$root/Sources/Daemon/DaemonMetrics.swift" "${CONDITIONAL[*]}" "${files[@]}" <<'PY' || status=1
import os, re, sys
exposition, swift_src, conditional, files = sys.argv[1], sys.argv[2], set(sys.argv[3].split()), sys.argv[4:]

def base(name):
    return re.sub(r'_(bucket|sum|count)$', '', name)

exposed = set()
for line in open(exposition, encoding='utf-8'):
    m = re.match(r'# TYPE (\S+)', line) if line.startswith('#') else re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)', line)
    if m:
        exposed.add(m.group(1)); exposed.add(base(m.group(1)))

# A metric name is `sealwatch_…` not glued to ':' or a word character (recording rules are
# `level:sealwatch_metric:operation`, runbook paths and job names have no `sealwatch_`).
name_re = re.compile(r'(?<![\w:])sealwatch_[a-zA-Z0-9_]*[a-zA-Z0-9](?![\w:])')
used = {}
for path in files:
    text = open(path, encoding='utf-8').read()
    for m in name_re.finditer(text):
        used.setdefault(base(m.group(0)), set()).add(os.path.relpath(path))

declared = set()
if os.path.exists(swift_src):
    declared = set(re.findall(r'"(sealwatch_[a-z0-9_]+)"', open(swift_src, encoding='utf-8').read()))
notify_src = os.path.join(os.path.dirname(swift_src), 'NotifySink.swift')
if os.path.exists(notify_src):
    declared |= set(re.findall(r'"(sealwatch_[a-z0-9_]+)"', open(notify_src, encoding='utf-8').read()))

missing = []
print(f"== {len(used)} sealwatch_* metric names used by {len(files)} files ==")
for name in sorted(used):
    if name in exposed:
        print(f"ok: {name}")
    elif name in conditional and (not declared or name in declared):
        print(f"ok: {name} (conditional: not in this exposition, declared in DaemonMetrics.swift)")
    else:
        missing.append(name)
        print(f"MISSING: {name} (used in {', '.join(sorted(used[name]))})")
if missing:
    print(f"FAIL: {len(missing)} metric name(s) not in the exposition: {' '.join(missing)}")
    sys.exit(1)
print("ok: every metric name exists")
PY
exit $status
