#!/bin/bash
# fuzz.sh - build the libFuzzer harnesses (clang-14, ASan+UBSan, through
# CMake so every core source file is in) and run each for SECONDS
# (default 60).  A harness is a file tests/fuzz/fuzz_<name>.c; all of
# them run unless some are named.  Each run starts from the committed
# seeds (tests/fuzz/seeds/<harness>/) and past crashers
# (tests/data/regress/<harness>/) and the directories listed in
# tests/fuzz/<harness>.seeds, if any; the growing corpus lives in
# build-fuzz/corpus/<harness>/.  Any crash, leak, UB report or input
# slower than FUZZ_TIMEOUT seconds (default 5) fails the run; the
# artefact is build-fuzz/<harness>-crash-* (or leak-, timeout-, oom-).
#   scripts/fuzz.sh [SECONDS] [HARNESS...]
#   CC_FUZZ=clang-14 FUZZ_TIMEOUT=5 FUZZ_BUILD=build-fuzz
set -eu
cd "$(dirname "$0")/.."
SECS=${1:-60}
shift || true
CC=${CC_FUZZ:-clang-14}
B=${FUZZ_BUILD:-build-fuzz}
command -v "$CC" >/dev/null || { echo "fuzz: $CC not found (scripts/setup.sh installs clang-14)"; exit 3; }
case "$SECS" in '' | *[!0-9]*) echo "fuzz: SECONDS must be a number, not '$SECS'"; exit 2 ;; esac

if [ "$#" -gt 0 ]; then
	HARNESSES=$*
else
	HARNESSES=$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c; done)
fi
for h in $HARNESSES; do
	[ -f "tests/fuzz/$h.c" ] || { echo "fuzz: no harness tests/fuzz/$h.c"; exit 2; }
done

# The whole project is instrumented for coverage (fuzzer-no-link); only
# the harness targets are built, and only they link libFuzzer.
mkdir -p "$B"
CC=$CC cmake -S . -B "$B" -DMVB_FUZZ=ON -DMVB_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link" -DMVB_FW_BUILD_DIR= >"$B/cmake.log" 2>&1 ||
	{ cat "$B/cmake.log"; exit 3; }
# shellcheck disable=SC2086
cmake --build "$B" -j2 $(for h in $HARNESSES; do echo "--target $h"; done) >"$B/build.log" 2>&1 ||
	{ tail -40 "$B/build.log"; exit 3; }

status=0
for h in $HARNESSES; do
	exe=$(find "$B" -name "$h" -type f -perm -u+x | head -1)
	[ -n "$exe" ] || { echo "fuzz: $h was not built (see $B/build.log)"; status=1; continue; }
	mkdir -p "$B/corpus/$h"
	dirs=("$B/corpus/$h")
	extra=()
	[ -f "tests/fuzz/$h.seeds" ] && mapfile -t extra < <(grep -v '^#' "tests/fuzz/$h.seeds")
	for d in "tests/fuzz/seeds/$h" "tests/data/regress/$h" "${extra[@]}"; do
		[ -n "$d" ] && [ -d "$d" ] && dirs+=("$d")
	done
	opts=(-max_total_time="$SECS" -max_len=65536 -timeout="${FUZZ_TIMEOUT:-5}" -rss_limit_mb=2048
		-artifact_prefix="$B/$h-" -print_final_stats=1)
	[ -f "tests/fuzz/$h.dict" ] && opts+=(-dict="tests/fuzz/$h.dict")
	echo "fuzz: $h for ${SECS}s"
	if ! MVB_FUZZ_BOARD=$PWD/boards/mps2-an505.yaml "$exe" "${opts[@]}" "${dirs[@]}" 2>"$B/$h.log"; then
		echo "fuzz: $h FAILED; the report (full log: $B/$h.log):"
		grep -E -A30 "^==[0-9]+==ERROR|runtime error|^SUMMARY|Test unit written" "$B/$h.log" | head -60
		status=1
	fi
	grep -E "stat::number_of_executed_units|stat::peak_rss_mb|stat::new_units_added" "$B/$h.log" | sed "s/^/  $h /"
done
exit $status
