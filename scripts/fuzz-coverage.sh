#!/bin/bash
# fuzz-coverage.sh - how much of each parser its fuzz corpus reaches.
#
# Builds the harnesses in replay mode (no libFuzzer) with clang's
# source-based coverage, replays every input a harness has (the campaign
# corpus build-fuzz/corpus/<harness>/, the committed seeds, the past
# crashers and its .seeds directories), and prints, for the files named
# on the harness's "Covers:" line, the line, region and branch coverage
# llvm-cov measures.  Per-harness reports (with the uncovered lines) go
# to build-cov/<harness>.txt.
#   scripts/fuzz-coverage.sh [HARNESS...]
#   CC_FUZZ=clang-14 FUZZ_BUILD=build-fuzz COV_BUILD=build-cov
set -eu
cd "$(dirname "$0")/.."
CC=${CC_FUZZ:-clang-14}
V=${CC##*-}
[ "$V" = "$CC" ] && V=
PROFDATA=llvm-profdata${V:+-$V}
COV=llvm-cov${V:+-$V}
FB=${FUZZ_BUILD:-build-fuzz}
B=${COV_BUILD:-build-cov}
for t in "$CC" "$PROFDATA" "$COV"; do
	command -v "$t" >/dev/null || { echo "fuzz-coverage: $t not found (scripts/setup.sh installs clang-14 and llvm-14)"; exit 3; }
done

if [ "$#" -gt 0 ]; then
	HARNESSES=$*
else
	HARNESSES=$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c; done)
fi
for h in $HARNESSES; do
	[ -f "tests/fuzz/$h.c" ] || { echo "fuzz-coverage: no harness tests/fuzz/$h.c"; exit 2; }
done

# The build maps the source prefix away (-ffile-prefix-map), leaving
# names relative to each target's own directory; one fixed compilation
# directory makes them all relative to the top, which -path-equivalence
# then turns back into this checkout.
flags="-fprofile-instr-generate -fcoverage-mapping -fcoverage-compilation-dir=/mvbuild"
mkdir -p "$B"
CC=$CC cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="$flags" \
	-DCMAKE_EXE_LINKER_FLAGS="-fprofile-instr-generate" -DMVB_FW_BUILD_DIR= >"$B/cmake.log" 2>&1 ||
	{ cat "$B/cmake.log"; exit 3; }
# shellcheck disable=SC2046
cmake --build "$B" -j2 $(for h in $HARNESSES; do echo "--target $h"; done) >"$B/build.log" 2>&1 ||
	{ tail -40 "$B/build.log"; exit 3; }

printf '%-16s %-26s %8s %15s %15s %15s\n' harness file inputs lines regions branches
for h in $HARNESSES; do
	exe=$B/tests/fuzz/$h
	covers=$(sed -n 's/^ \* Covers: //p' "tests/fuzz/$h.c")
	[ -n "$covers" ] || { echo "fuzz-coverage: tests/fuzz/$h.c has no 'Covers:' line"; exit 2; }
	dirs=()
	extra=()
	[ -f "tests/fuzz/$h.seeds" ] && mapfile -t extra < <(grep -v '^#' "tests/fuzz/$h.seeds")
	for d in "$FB/corpus/$h" "tests/fuzz/seeds/$h" "tests/data/regress/$h" "${extra[@]}"; do
		[ -n "$d" ] && [ -d "$d" ] && dirs+=("$d")
	done
	inputs=$(find "${dirs[@]}" -type f | wc -l)
	rm -f "$B/$h".*.profraw
	# replay.c takes every file of every directory; the profile is
	# written at exit.  A crash would be a finding: say so and stop.
	if ! LLVM_PROFILE_FILE="$B/$h.%p.profraw" MVB_FUZZ_BOARD=$PWD/boards/mps2-an505.yaml \
		"$exe" "${dirs[@]}" >"$B/$h.replay.log" 2>&1; then
		echo "fuzz-coverage: replaying $h's corpus failed (see $B/$h.replay.log)"
		exit 1
	fi
	"$PROFDATA" merge -sparse "$B/$h".*.profraw -o "$B/$h.profdata"
	"$COV" report "$exe" -instr-profile="$B/$h.profdata" >"$B/$h.report" 2>&1
	"$COV" show "$exe" -instr-profile="$B/$h.profdata" -path-equivalence=/mvbuild,"$PWD" -show-line-counts-or-regions \
		-format=text >"$B/$h.txt" 2>&1
	# llvm-cov report columns: Filename Regions Missed Cover Functions
	# Missed Executed Lines Missed Cover Branches Missed Cover.  The
	# build maps the source prefix away (-ffile-prefix-map), so a file is
	# matched by the end of its name.
	awk -v covers="$covers" -v h="$h" -v n="$inputs" '
		function pct(total, missed) { return total ? sprintf("%d/%d %4.1f%%", total - missed, total, 100 * (total - missed) / total) : "-" }
		function row(name, l, lm, r, rm, b, bm) { printf "%-16s %-26s %8d %15s %15s %15s\n", h, name, n, pct(l, lm), pct(r, rm), pct(b, bm) }
		BEGIN { nf = split(covers, want, " ") }
		NF >= 13 { for (i = 1; i <= nf; i++) if (!seen[i] && substr($1, length($1) - length(want[i]) + 1) == want[i] &&
				(length($1) == length(want[i]) || substr($1, length($1) - length(want[i]), 1) == "/")) {
			seen[i] = 1; row(want[i], $8, $9, $2, $3, $11, $12)
			L += $8; LM += $9; R += $2; RM += $3; B += $11; BM += $12 } }
		END { for (i = 1; i <= nf; i++) if (!seen[i]) { printf "fuzz-coverage: %s: %s is not in the coverage report\n", h, want[i]; bad = 1 }
			if (nf > 1) row("(together)", L, LM, R, RM, B, BM); exit bad }
	' "$B/$h.report"
done
