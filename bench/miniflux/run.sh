#!/usr/bin/env bash
# bench/miniflux/run.sh [RUNS]: the first ingest of 1,000 local feeds of 50
# items, Mentiondesk's release binary beside Miniflux on PostgreSQL, each
# run on fresh state, alternated run by run (RUNS of each, default 3),
# under the machine's benchmark lock. Prints every run, the median times
# and the median ratio Miniflux / Mentiondesk. Optional, not in CI; see
# BENCHMARKS.md, "First ingest beside Miniflux".
#
#   GOTOOLCHAIN=go1.27.3 bench/miniflux/run.sh 3
#
# Needs Debian's postgresql-15 (initdb and pg_ctl in /usr/lib/postgresql/15/bin),
# sqlite3, psql, curl and jq. Miniflux is built from the Go module proxy
# into a temporary directory. As root, PostgreSQL runs as a temporary
# system user (initdb refuses root), removed at the end.
# FEEDS, ITEMS (the size), CONC (poll workers and API clients, both
# products) and BENCH_PORT (the first of four loopback ports) can be set.
# ALONE=1 runs Mentiondesk alone (its times and memory, nothing to compare).
# PROFILE=dir runs Mentiondesk alone too, built with -tags benchpprof, and
# saves a CPU profile of each run's first ingest there (dir/cpu-N.pprof,
# PROFILE_SECONDS long, default 12): its times are not for comparison.
# PROFILE_TRACE=1 saves an execution trace instead (dir/trace-N.out, for
# `go tool trace -pprof=sync` and `-pprof=syscall`: where goroutines wait).
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
RUNS=${1:-3} FEEDS=${FEEDS:-1000} ITEMS=${ITEMS:-50} CONC=${CONC:-4} BENCH_PORT=${BENCH_PORT:-28600}
MINIFLUX=${MINIFLUX:-miniflux.app/v2@v2.3.5}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
FEEDURL=http://127.0.0.1:$BENCH_PORT MDURL=http://127.0.0.1:$((BENCH_PORT + 1)) MFURL=http://127.0.0.1:$((BENCH_PORT + 2))
PASS=bench-password-42
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
work=$(mktemp -d /tmp/mdmf.XXXXXX)
chmod 755 "$work"

pgas=() pguser=""
if [ "$(id -u)" = 0 ]; then
	pguser=mdmf$$
	useradd --system --no-create-home --shell /usr/sbin/nologin "$pguser"
	pgas=(runuser -u "$pguser" --)
fi
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -f "$work/pg/postmaster.pid" ] && "${pgas[@]}" "$PGBIN/pg_ctl" -D "$work/pg" -m fast stop >/dev/null 2>&1 || true
	wait 2>/dev/null || true
	[ -n "$pguser" ] && userdel "$pguser" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "building (outside the lock)" >&2
if [ -n "${PROFILE:-}" ]; then
	mkdir -p "$PROFILE" "$work/md"
	(cd "$root" && CGO_ENABLED=0 go build -tags benchpprof -trimpath -ldflags "-s -w" -o "$work/md/mentiondesk-linux-amd64" .)
else
	(cd "$root" && OUT="$work/md" PLATFORMS=linux/amd64 scripts/release.sh >/dev/null)
fi
(cd "$root" && go build -o "$work/" ./bench/miniflux/feedserver ./bench/miniflux/firstingest)
[ -n "${ALONE:-}${PROFILE:-}" ] || GOBIN="$work/gobin" go install "$MINIFLUX"
MD=$work/md/mentiondesk-linux-amd64 MF=$work/gobin/miniflux.app

# A throwaway cluster on a Unix socket only. synchronous_commit=off gives
# Miniflux the durability Mentiondesk's SQLite has (WAL, synchronous=NORMAL):
# a crash may lose the last commits, never corrupts.
mkdir -p "$work/pg" "$work/sock" "$work/pglog"
[ -n "$pguser" ] && chown "$pguser" "$work/pg" "$work/sock" "$work/pglog"
"${pgas[@]}" "$PGBIN/initdb" -D "$work/pg" -U postgres -A trust >/dev/null

wait_http() { # url log
	for _ in $(seq 150); do curl -fs "$1" >/dev/null && return 0; sleep 0.1; done
	echo "no answer from $1; the end of $2:" >&2
	tail -20 "$2" >&2
	return 1
}
stop() { kill "$1"; wait "$1" 2>/dev/null || true; }

run_mentiondesk() { # run number
	local dir=$work/md-$1
	mkdir -p "$dir"
	"$MD" superuser upsert root@bench.invalid "$PASS" --dir "$dir" >/dev/null
	MD_PPROF_ADDR=127.0.0.1:$((BENCH_PORT + 3)) \
		"$MD" serve --dir "$dir" --http "${MDURL#http://}" --allow-private-urls --poll-workers "$CONC" >"$dir/log" 2>&1 &
	local pid=$!
	pids+=("$pid")
	wait_http "$MDURL/api/health" "$dir/log"
	# The operator lifts the REST API's rate limits for loopback (README:
	# /_/ → Settings → Rate limiting): PocketBase's default "*:create"
	# rule, 20 creations per 5 s per address, would make 1,000 sources
	# take 250 s however fast the ingest.
	local su
	su=$(curl -fs "$MDURL/api/collections/_superusers/auth-with-password" -H 'Content-Type: application/json' \
		-d "{\"identity\":\"root@bench.invalid\",\"password\":\"$PASS\"}" | jq -r .token)
	curl -fs -X PATCH "$MDURL/api/settings" -H "Authorization: $su" -H 'Content-Type: application/json' \
		-d '{"rateLimits":{"excludedIPs":["127.0.0.1"]}}' >/dev/null
	local prof=""
	if [ -n "${PROFILE:-}" ]; then
		local pp=http://127.0.0.1:$((BENCH_PORT + 3))/debug/pprof
		if [ -n "${PROFILE_TRACE:-}" ]; then
			curl -fs -o "$PROFILE/trace-$1.out" "$pp/trace?seconds=${PROFILE_SECONDS:-12}" &
		else
			curl -fs -o "$PROFILE/cpu-$1.pprof" "$pp/profile?seconds=${PROFILE_SECONDS:-12}" &
		fi
		prof=$!
	fi
	"$work/firstingest" -product mentiondesk -api "$MDURL" -feeds "$FEEDURL" -n "$FEEDS" -expect $((FEEDS * ITEMS)) \
		-concurrency "$CONC" -pid "$pid" -user owner@bench.invalid -password "$PASS" \
		-count "sqlite3 -cmd '.timeout 2000' '$dir/data.db' 'select count(*) from mentions'"
	[ -n "$prof" ] && wait "$prof"
	echo "  mentiondesk: $(sqlite3 "$dir/data.db" "select count(*) from tickets") tickets," \
		"$(sqlite3 "$dir/data.db" "select count(*) from sources where last_error != ''") sources with an error" >&2
	stop "$pid"
	rm -rf "$dir"
}

run_miniflux() { # run number
	local psql=(env PGOPTIONS='-c client_min_messages=warning' psql -h "$work/sock" -U postgres -Atq)
	"${psql[@]}" -d postgres -c 'drop database if exists miniflux' -c 'create database miniflux'
	# Configuration (miniflux.1 of this version). POST /v1/feeds fetches
	# and stores a feed before it answers, so the first ingest is the API
	# clients' work; the scheduler's options only matter for refreshes:
	# every feed in a batch, as many workers as Mentiondesk's poller, the
	# same 15-minute interval as the app's source form gives a new source.
	# POLLING_FREQUENCY stays at its default (60 min): a new feed is due at
	# the scheduler's next tick (its next_check_at is the insert's now()),
	# so with 1 minute the tick re-fetched the ~720 feeds created so far
	# while creation went on (BENCHMARKS.md) — work Mentiondesk does not do.
	DATABASE_URL="host=$work/sock user=postgres dbname=miniflux sslmode=disable" \
		RUN_MIGRATIONS=1 CREATE_ADMIN=1 ADMIN_USERNAME=admin ADMIN_PASSWORD="$PASS" \
		LISTEN_ADDR="${MFURL#http://}" FETCHER_ALLOW_PRIVATE_NETWORKS=1 \
		BATCH_SIZE="$FEEDS" WORKER_POOL_SIZE="$CONC" \
		SCHEDULER_ROUND_ROBIN_MIN_INTERVAL=15 WATCHDOG=0 LOG_LEVEL=warning \
		env -u PORT "$MF" >"$work/miniflux.log" 2>&1 &
	local pid=$!
	pids+=("$pid")
	wait_http "$MFURL/healthcheck" "$work/miniflux.log"
	"$work/firstingest" -product miniflux -api "$MFURL" -feeds "$FEEDURL" -n "$FEEDS" -expect $((FEEDS * ITEMS)) \
		-concurrency "$CONC" -pid "$pid" -user admin -password "$PASS" ${pguser:+-side-user "$pguser"} \
		-count "psql -h '$work/sock' -U postgres -Atq -d miniflux -c 'select count(*) from entries'"
	stop "$pid"
}

exec 9>>/tmp/bench.lock
echo "waiting for /tmp/bench.lock" >&2
flock 9
renice -n 5 $$ >/dev/null
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet || echo -dirty); $(nproc) cores" >&2
"${pgas[@]}" "$PGBIN/pg_ctl" -D "$work/pg" -l "$work/pglog/pg.log" -w \
	-o "-k $work/sock -c listen_addresses='' -c synchronous_commit=off" start >/dev/null
"$work/feedserver" -addr "${FEEDURL#http://}" -feeds "$FEEDS" -items "$ITEMS" 2>"$work/feedserver.log" &
pids+=($!)
wait_http "$FEEDURL/stats" "$work/feedserver.log"

results=$work/results
for r in $(seq "$RUNS"); do
	run_mentiondesk "$r" | tee -a "$results"
	[ -n "${ALONE:-}${PROFILE:-}" ] && continue
	run_miniflux "$r" | tee -a "$results"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
flock -u 9

awk '
	{ for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	  p = f["product"]; n[p]++; t[p, n[p]] = f["seconds"]; m[p, n[p]] = f["peak_rss_mb"] }
	function median(a, c,   i, j, x, s) {
		for (i = 1; i <= c; i++) s[i] = a[i]
		for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (s[j] < s[i]) { x = s[i]; s[i] = s[j]; s[j] = x }
		return c % 2 ? s[(c + 1) / 2] : (s[c / 2] + s[c / 2 + 1]) / 2
	}
	END {
		if (!n["miniflux"]) { for (i = 1; i <= n["mentiondesk"]; i++) md[i] = t["mentiondesk", i]
			printf "mentiondesk alone: median %.2f s\n", median(md, n["mentiondesk"]); exit }
		c = n["mentiondesk"] < n["miniflux"] ? n["mentiondesk"] : n["miniflux"]
		for (i = 1; i <= c; i++) { md[i] = t["mentiondesk", i]; mf[i] = t["miniflux", i]; r[i] = mf[i] / md[i]
			printf "run %d: mentiondesk %.2f s, miniflux %.2f s, miniflux/mentiondesk %.2f\n", i, md[i], mf[i], r[i] }
		printf "median: mentiondesk %.2f s, miniflux %.2f s; median ratio %.2f\n", median(md, c), median(mf, c), median(r, c)
	}' "$results"
