#!/usr/bin/env bash
# Checks deploy/mentiondesk.service with `systemd-analyze verify`.
#
#   scripts/verify-unit.sh path/to/mentiondesk-binary
#
# verify insists that ExecStart's program exists and is executable; this
# machine has no /usr/local/bin/mentiondesk, so a copy of the unit whose
# ExecStart points at the given binary is verified instead. Nothing else in
# the unit is changed, and the substitution is checked to have happened.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "$1")
UNIT=deploy/mentiondesk.service
if ! command -v systemd-analyze >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq systemd >/dev/null
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
sed "s|^ExecStart=/usr/local/bin/mentiondesk |ExecStart=$BIN |" "$UNIT" > "$TMP/mentiondesk.service"
grep -q "^ExecStart=$BIN serve" "$TMP/mentiondesk.service" || { echo "ExecStart not found in $UNIT"; exit 1; }
# Any warning (an unknown directive, a misspelt section) fails the check:
# verify exits 0 on some of them, so its output must be empty too.
out=$(systemd-analyze verify "$TMP/mentiondesk.service" 2>&1) || { echo "$out"; exit 1; }
if [ -n "$out" ]; then echo "$out"; exit 1; fi
echo "$UNIT: systemd-analyze verify passed ($(systemd-analyze --version | head -1))"
# The exposure score systemd gives the sandbox (0 best, 10 worst), for the log.
systemd-analyze security --offline=true "$TMP/mentiondesk.service" 2>/dev/null | tail -1 || true
