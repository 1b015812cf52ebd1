#!/usr/bin/env bash
# Idle memory of a release binary: starts it on an empty data directory with
# no flags but the address, waits for the first-start work (migrations,
# settings row, VAPID keys) to settle, and prints the binary's size and the
# process's resident memory (VmRSS, VmHWM from /proc).
#
#   scripts/idle-rss.sh dist/mentiondesk-linux-amd64 [seconds to wait, 30]
set -euo pipefail
BIN=$(realpath "$1") WAIT=${2:-30}
DIR=$(mktemp -d) PORT=${PORT:-18391}
cleanup() { [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$DIR"; }
trap cleanup EXIT
# exec: $! is the server itself, not a subshell
(cd "$DIR" && exec "$BIN" serve --dir "$DIR/pb_data" --http "127.0.0.1:$PORT" >"$DIR/log" 2>&1) &
PID=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/api/health" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$PORT/" >/dev/null   # the app's page, as a first visit would
sleep "$WAIT"
echo "binary: $(stat -c %s "$BIN") bytes ($(du -h "$BIN" | cut -f1))"
grep -E 'VmRSS|VmHWM' "/proc/$PID/status"
