#!/usr/bin/env bash
# Static checks of the operations kit: systemd units, Prometheus rules and their unit tests,
# and that every metric used by alerts/ and dashboards/ exists in Sealwatch's exposition.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== systemd units =="
scripts/check-units.sh
if compgen -G "alerts/*.yml" >/dev/null; then
  echo "== promtool check rules =="
  promtool check rules alerts/*.yml
fi
if compgen -G "alerts/tests/*.yml" >/dev/null; then
  echo "== promtool test rules =="
  promtool test rules alerts/tests/*.yml
fi
