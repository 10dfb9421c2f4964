#!/bin/bash
# fuzz.sh - build the libFuzzer harnesses (clang-14, ASan+UBSan, through
# CMake so every core source file is in) and run each for SECONDS
# (default 60).  A harness is a file tests/fuzz/fuzz_<name>.c; all of
# them run unless some are named.  Each run starts from the committed
# seeds (tests/fuzz/seeds/<harness>/), the committed campaign corpus
# (tests/fuzz/corpus/<harness>/), past crashers
# (tests/data/regress/<harness>/) and the directories listed in
# tests/fuzz/<harness>.seeds, if any; the growing corpus lives in
# build-fuzz/corpus/<harness>/.  Any crash, leak, UB report, input slower
# than FUZZ_TIMEOUT seconds (default 1) or allocation over 256 MiB fails
# the run; the artefact is build-fuzz/<harness>-crash-* (or leak-,
# timeout-, oom-).
#
# Every run's CPU time (user + system, from /usr/bin/time) is appended to
# the campaign ledger build-fuzz/ledger.tsv with the commit, the
# executions and the outcome; --ledger prints CPU minutes per harness
# from it, which is what a campaign's "CPU-hours per harness" is.
#   scripts/fuzz.sh [SECONDS] [HARNESS[:SECONDS]...]   (a harness's own time)
#   scripts/fuzz.sh --ledger [GOAL]   (GOAL: CPU minutes every harness needs)
#   scripts/fuzz.sh --merge [HARNESS...]
#       replaces tests/fuzz/corpus/<harness>/ (committed, replayed by CTest)
#       with the smallest set of inputs from it, the campaign corpus, the
#       seeds and past crashers that keeps all the coverage they reach
#   CC_FUZZ=clang-14 FUZZ_TIMEOUT=1 FUZZ_BUILD=build-fuzz
#   FUZZ_JOBS=N     run N harnesses at once (default 1)
#   FUZZ_CPU=1      SECONDS are CPU seconds (user + system), not wall time:
#                   each run is stopped once it has used that much, so a
#                   campaign on a busy machine gets exactly its budget
set -eu
cd "$(dirname "$0")/.."
CC=${CC_FUZZ:-clang-14}
B=${FUZZ_BUILD:-build-fuzz}
LEDGER=$B/ledger.tsv
if [ "${1:-}" = --ledger ]; then
	# Counted: runs that ended ok or were interrupted (stopped by hand, their
	# time is real fuzzing).  Not counted: failed runs (listed) and rows
	# whose outcome begins with "superseded" (a harness version since
	# replaced, kept for the record).  With GOAL minutes, the last column
	# says what each harness still needs and the exit status is 1 while any
	# harness is short of it or any run failed.
	[ -f "$LEDGER" ] || { echo "fuzz: no ledger yet ($LEDGER)"; exit 1; }
	goal=${2:-0}
	case "$goal" in '' | *[!0-9.]*) echo "fuzz: --ledger GOAL must be minutes, not '$goal'"; exit 2 ;; esac
	# Every harness in the tree is listed, those never run with 0.
	all=$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c; done)
	awk -F'\t' -v goal="$goal" -v all="$all" 'BEGIN { k = split(all, hs, "\n"); for (i = 1; i <= k; i++) seen[hs[i]] = 1 }
		NR > 1 {
			h = $3; seen[h] = 1
			if ($9 == "failed") { bad[h]++; next }
			if ($9 ~ /^superseded/) { old[h] += $6 + $7; next }
			cpu[h] += $6 + $7; ex[h] += $8; n[h]++
		}
		END {
			printf "%-16s %5s %12s %14s %12s %11s", "harness", "runs", "CPU minutes", "executions", "superseded", "failed runs"
			if (goal > 0) printf " %10s", "to " goal
			printf "\n"
			short = 0
			for (h in seen) {
				left = goal - cpu[h] / 60
				printf "%-16s %5d %12.1f %14d %12.1f %11d", h, n[h], cpu[h] / 60, ex[h], old[h] / 60, bad[h]
				if (goal > 0) printf " %10s", (left > 0 ? sprintf("%.1f", left) : "done")
				printf "\n"
				if ((goal > 0 && left > 0) || bad[h]) short = 1
			}
			exit short
		}' "$LEDGER" >"$LEDGER.sum" || st=$?
	{ head -1 "$LEDGER.sum"; tail -n +2 "$LEDGER.sum" | sort; }
	rm -f "$LEDGER.sum"
	exit "${st:-0}"
fi
MERGE=0
if [ "${1:-}" = --merge ]; then
	MERGE=1
	shift
	set -- 0 "$@"
fi
SECS=${1:-60}
shift || true
command -v "$CC" >/dev/null || { echo "fuzz: $CC not found (scripts/setup.sh installs clang-14)"; exit 3; }
case "$SECS" in '' | *[!0-9]*) echo "fuzz: SECONDS must be a number, not '$SECS'"; exit 2 ;; esac

if [ "$#" -gt 0 ]; then
	HARNESSES=$*
else
	HARNESSES=$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c; done)
fi
for hs in $HARNESSES; do
	h=${hs%%:*}
	[ -f "tests/fuzz/$h.c" ] || { echo "fuzz: no harness tests/fuzz/$h.c"; exit 2; }
	case "$hs" in *:*) case "${hs#*:}" in '' | *[!0-9]*) echo "fuzz: '$hs': SECONDS must be a number"; exit 2 ;; esac ;; esac
done

# The whole project is instrumented for coverage (fuzzer-no-link); only
# the harness targets are built, and only they link libFuzzer.
mkdir -p "$B"
CC=$CC cmake -S . -B "$B" -DMVB_FUZZ=ON -DMVB_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link" -DMVB_FW_BUILD_DIR= >"$B/cmake.log" 2>&1 ||
	{ cat "$B/cmake.log"; exit 3; }
# shellcheck disable=SC2046
cmake --build "$B" -j2 $(for h in $HARNESSES; do echo "--target ${h%%:*}"; done) >"$B/build.log" 2>&1 ||
	{ tail -40 "$B/build.log"; exit 3; }

# input_dirs HARNESS: the directories a run starts from besides the
# growing corpus, one per line.
input_dirs() {
	local h=$1 d extra=()
	[ -f "tests/fuzz/$h.seeds" ] && mapfile -t extra < <(grep -v '^#' "tests/fuzz/$h.seeds")
	for d in "tests/fuzz/seeds/$h" "tests/fuzz/corpus/$h" "tests/data/regress/$h" "${extra[@]}"; do
		[ -n "$d" ] && [ -d "$d" ] && echo "$d"
	done
	return 0
}

# merge_one HARNESS: libFuzzer's -merge=1 (a set cover of the features the
# inputs reach, smallest inputs first) into a new directory that then
# replaces tests/fuzz/corpus/HARNESS.
merge_one() {
	local h=$1 exe=$B/tests/fuzz/$1 new dirs=()
	[ -x "$exe" ] || { echo "fuzz: $h was not built (see $B/build.log)"; return 1; }
	mapfile -t dirs < <(input_dirs "$h")
	[ -d "$B/corpus/$h" ] && dirs+=("$B/corpus/$h")
	new=$(mktemp -d "$B/merge-$h.XXXXXX")
	if ! MVB_FUZZ_BOARD=$PWD/boards/mps2-an505.yaml "$exe" -merge=1 -timeout=10 -rss_limit_mb=2048 \
		"$new" "${dirs[@]}" >"$B/$h.merge.log" 2>&1; then
		echo "fuzz: merging $h failed (log: $B/$h.merge.log)"
		rm -rf "$new"
		return 1
	fi
	chmod 755 "$new"
	rm -rf "tests/fuzz/corpus/$h"
	mkdir -p tests/fuzz/corpus
	mv "$new" "tests/fuzz/corpus/$h"
	echo "fuzz: tests/fuzz/corpus/$h: $(find "tests/fuzz/corpus/$h" -type f | wc -l) inputs," \
		"$(cat "tests/fuzz/corpus/$h"/* 2>/dev/null | wc -c) bytes"
}

# run_one HARNESS: one libFuzzer run; its report goes to $B/HARNESS.log,
# its CPU time and outcome to the ledger.  Returns the fuzzer's status.
run_one() {
	local h=${1%%:*} exe rc=0 d SECS=$SECS
	case "$1" in *:*) SECS=${1#*:} ;; esac
	# The exact target path: a stray binary of the same name elsewhere in
	# the build tree (an older manual build) must never be the one run.
	exe=$B/tests/fuzz/$h
	[ -x "$exe" ] || { echo "fuzz: $h was not built (see $B/build.log)"; return 1; }
	mkdir -p "$B/corpus/$h"
	local dirs=("$B/corpus/$h") more=()
	mapfile -t more < <(input_dirs "$h")
	dirs+=("${more[@]}")
	local wall=$SECS
	[ "${FUZZ_CPU:-0}" = 1 ] && wall=$((SECS * 50 + 60)) # the CPU budget stops it (below)
	local opts=(-max_total_time="$wall" -max_len=65536 -timeout="${FUZZ_TIMEOUT:-1}" -rss_limit_mb=2048 -malloc_limit_mb=256
		-artifact_prefix="$B/$h-" -print_final_stats=1)
	[ -f "tests/fuzz/$h.dict" ] && opts+=(-dict="tests/fuzz/$h.dict")
	# One run of a harness at a time per build directory: two would share
	# the corpus, the log and the time file.
	exec {lock}>"$B/$h.lock"
	if ! flock -n "$lock"; then
		echo "fuzz: $h is already running in $B (FUZZ_BUILD=another-dir runs a second one)"
		exec {lock}>&-
		return 1
	fi
	echo "fuzz: $h for ${SECS}s$([ "${FUZZ_CPU:-0}" = 1 ] && echo " of CPU time")"
	local start
	start=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	rm -f "$B/$h.budget"
	MVB_FUZZ_BOARD=$PWD/boards/mps2-an505.yaml /usr/bin/time -f '%e %U %S' -o "$B/$h.time" \
		"$exe" "${opts[@]}" "${dirs[@]}" 2>"$B/$h.log" &
	local tpid=$! fpid= tick
	if [ "${FUZZ_CPU:-0}" = 1 ]; then
		# poll the fuzzer's CPU time (/proc: utime + stime in clock ticks)
		# and stop it with SIGINT, as a person would, at the budget
		tick=$(getconf CLK_TCK)
		while kill -0 "$tpid" 2>/dev/null; do
			[ -n "$fpid" ] || fpid=$(pgrep -P "$tpid" | head -n 1)
			if [ -n "$fpid" ] && [ -r "/proc/$fpid/stat" ]; then
				local used
				used=$(awk -v t="$tick" '{ sub(/^.*\) /, ""); print int(($12 + $13) / t) }' "/proc/$fpid/stat" 2>/dev/null)
				if [ -n "$used" ] && [ "$used" -ge "$SECS" ]; then
					touch "$B/$h.budget"
					kill -INT "$fpid" 2>/dev/null
					break
				fi
			fi
			sleep 2
		done
	fi
	wait "$tpid" || rc=$?
	local outcome=ok execs
	if [ "$rc" != 0 ] && [ -e "$B/$h.budget" ] && grep -q "libFuzzer: run interrupted" "$B/$h.log"; then
		rc=0 # stopped at its CPU budget: a complete run
		echo "fuzz: $h used its ${SECS}s of CPU time"
	elif [ "$rc" != 0 ] && grep -q "libFuzzer: run interrupted" "$B/$h.log"; then
		outcome=interrupted # SIGINT (pkill -INT): a stopped run, not a finding
		echo "fuzz: $h interrupted after $(tail -1 "$B/$h.time" | cut -d' ' -f1) s"
	elif [ "$rc" != 0 ]; then
		outcome=failed
		echo "fuzz: $h FAILED; the report (full log: $B/$h.log):"
		grep -E -A30 "^==[0-9]+==ERROR|runtime error|^SUMMARY|Test unit written" "$B/$h.log" | head -60
	fi
	grep -E "stat::number_of_executed_units|stat::peak_rss_mb|stat::new_units_added|stat::slowest_unit_time_sec" \
		"$B/$h.log" | sed "s/^/  $h /"
	local execs slowest rss
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$B/$h.log" | tail -1)
	slowest=$(sed -n 's/^stat::slowest_unit_time_sec: *//p' "$B/$h.log" | tail -1)
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$B/$h.log" | tail -1)
	# The time file's last line: the Command-exited line comes first on failure.
	read -r wall user sys < <(tail -1 "$B/$h.time")
	[ -f "$LEDGER" ] ||
		printf 'start\tcommit\tharness\tseconds\twall\tuser\tsys\texecutions\toutcome\tslowest_s\tpeak_rss_mb\n' >"$LEDGER"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$start" "$COMMIT" "$h" "$SECS" "$wall" "$user" "$sys" \
		"${execs:-0}" "$outcome" "${slowest:-}" "${rss:-}" >>"$LEDGER"
	exec {lock}>&-
	return "$rc"
}

if [ "$MERGE" = 1 ]; then
	status=0
	for h in $HARNESSES; do merge_one "${h%%:*}" || status=1; done
	exit $status
fi

COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && COMMIT="$COMMIT+"
status=0
jobs_max=${FUZZ_JOBS:-1}
running=0
for h in $HARNESSES; do
	if [ "$jobs_max" -le 1 ]; then
		run_one "$h" || status=1
		continue
	fi
	if [ "$running" -ge "$jobs_max" ]; then
		wait -n || status=1
		running=$((running - 1))
	fi
	run_one "$h" &
	running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
	wait -n || status=1
	running=$((running - 1))
done
exit $status
