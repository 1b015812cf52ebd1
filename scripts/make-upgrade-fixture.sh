#!/usr/bin/env bash
# Makes testdata/upgrade/: a data directory written by an earlier release,
# for the upgrade test (ops/upgrade_release_test.go, run by .ci/run).
#
#   scripts/make-upgrade-fixture.sh [commit]   # default: the commit named in testdata/upgrade/COMMIT
#
# The earlier commit's source is taken with `git archive` (no worktree),
# built, started once with --demo on an empty directory (a month of tickets,
# mentions, replies and contacts on every channel), given a superuser the
# test signs in with, and stopped. Only data.db is kept: auxiliary.db holds
# logs, which PocketBase recreates.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=go1.27.3 CGO_ENABLED=0
OUTDIR=testdata/upgrade
COMMIT=$(git rev-parse "${1:-$(cat $OUTDIR/COMMIT)}")
TMP=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT

mkdir -p "$TMP/src" && git archive "$COMMIT" | tar -x -C "$TMP/src"
(cd "$TMP/src" && go build -trimpath -o "$TMP/old" .)
DATA=$TMP/pb_data PORT=18393
"$TMP/old" serve --demo --dir "$DATA" --http "127.0.0.1:$PORT" >"$TMP/log" 2>&1 &
PID=$!
for _ in $(seq 150); do curl -fs "http://127.0.0.1:$PORT/api/health" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$PORT/api/health" >/dev/null || { cat "$TMP/log"; exit 1; }
sleep 3   # the demo loads on start; let it finish
kill "$PID"; wait "$PID" || true; PID=
# Test-only credentials: the fixture is a throwaway database.
"$TMP/old" superuser upsert fixture@example.com fixture-password-1 --dir "$DATA" >/dev/null
sqlite3 "$DATA/data.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
mkdir -p "$OUTDIR"
sqlite3 "$DATA/data.db" 'VACUUM;'
gzip -9 -n -c "$DATA/data.db" > "$OUTDIR/data.db.gz"
echo "$COMMIT" > "$OUTDIR/COMMIT"
echo "fixture from $COMMIT: $(stat -c %s "$DATA/data.db") bytes, $(stat -c %s "$OUTDIR/data.db.gz") gzipped"
sqlite3 "$DATA/data.db" "SELECT 'migrations applied: ' || count(*) FROM _migrations;"
for t in users sources tickets mentions replies contacts; do
  sqlite3 "$DATA/data.db" "SELECT '$t: ' || count(*) FROM $t;"
done
