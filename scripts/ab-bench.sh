#!/usr/bin/env bash
# ab-bench.sh BASE [ROUNDS]: the ingest and poll-round benchmarks of the
# hooks tests, at BASE (a commit) and at the working tree, alternated run
# by run on this machine so both see the same noise. Prints each run's
# figures and the median ratio HEAD/BASE per figure.
#
#   GOTOOLCHAIN=go1.27.3 scripts/ab-bench.sh 0340af7 3
#
# MD_BENCH_MENTIONS (default 100000) sizes the ingest fixture. The test
# binaries are built once per side; the package holding the benchmarks
# (./hooks) is the same path at both commits.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
base=${1:?usage: ab-bench.sh BASE [ROUNDS]}
rounds=${2:-3}
root=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

git -C "$root" worktree add --detach "$work/base" "$base" >/dev/null
(cd "$work/base" && go test -c -o "$work/base.test" ./hooks)
(cd "$root" && go test -c -o "$work/head.test" ./hooks)

run() { # side name pattern benchtime
	local bin=$work/$1.test
	(cd "$root/hooks" && nice -n 5 "$bin" -test.run '^$' -test.bench "$2" -test.benchtime "$3" -test.timeout 30m) |
		awk -v side="$1" '/^Benchmark/ { for (i = 3; i < NF; i += 2) print side, $1, $(i+1), $i }'
}

out=$work/results
for r in $(seq "$rounds"); do
	for side in base head; do
		run "$side" 'BenchmarkIngest100k$' 1x >>"$out"
		run "$side" 'BenchmarkPollRound' 10x >>"$out"
	done
	echo "round $r of $rounds done" >&2
done

# side benchmark unit value → per benchmark and unit: base and head
# medians, and head/base.
printf "%-48s %-18s %14s %14s %8s\n" benchmark unit "base (median)" "head (median)" head/base
awk '
	{ key = $2 " " $3; v[key, $1, ++n[key, $1]] = $4; keys[key] = 1 }
	function median(key, side,   i, j, t, c, a) {
		c = n[key, side]
		for (i = 1; i <= c; i++) a[i] = v[key, side, i]
		for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
	}
	END {
		for (key in keys) {
			split(key, k, " ")
			b = median(key, "base"); h = median(key, "head")
			printf "%-48s %-18s %14.4g %14.4g %8.3f\n", k[1], k[2], b, h, (b ? h / b : 0)
		}
	}' "$out" | sort
echo
echo "every run:"
sort -k2,3 "$out"
