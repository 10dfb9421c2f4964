#!/bin/bash
# bench/bundle/run.sh - time `mvbuild bundle --sign` and `mvbuild verify` on
# the large generated app of bench/check (1.6 MiB of code), over N runs.
# Prints figures; goals from the bundle issue: bundle+sign <= 50 ms,
# verify <= 20 ms.   usage: bench/bundle/run.sh [MVBUILD]
# environment: N (runs, default 30), WORK (as bench/check/run.sh)
#
# Wall time is min and median over N runs; cpu is the median of user +
# system time (all threads).  bundle compresses on every CPU it may use, so
# it is also timed pinned to one CPU (taskset).  Callgrind counts
# instructions (Ir) of one run; valgrind hides the CPU's SHA extensions, so
# those counts are of the portable SHA-256 path.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MVB=$(realpath "${1:-$ROOT/build/mvbuild}")
N=${N:-30}
WORK=${WORK:-${TMPDIR:-/tmp}/mvb-bench-check}
ELF=$WORK/big.elf
if [ ! -f "$ELF" ]; then
	echo "building the large app first (bench/check/run.sh)..."
	N=1 WORK=$WORK "$ROOT/bench/check/run.sh" "$MVB" >/dev/null
fi
B=$WORK/bundle
mkdir -p "$B"
gcc -O2 -Wall -Wextra -o "$B/measure" "$ROOT/bench/check/measure.c"
rm -f "$B/k.pem" "$B/k.pub.pem"
"$MVB" keygen -o "$B/k.pem" >/dev/null
APP=$ROOT/tests/data/elf/app.yaml API=$ROOT/tests/data/elf/mv_api.yaml
BUNDLE=("$MVB" bundle "$ELF" --app "$APP" --api "$API" --sign "$B/k.pem" -o "$B/big.mvb")
VERIFY=("$MVB" verify "$B/big.mvb" --key "$B/k.pub.pem")
"${BUNDLE[@]}" 2>/dev/null
"${VERIFY[@]}" >/dev/null

row() { # label, then the measure output
	local label=$1 runs min med mean max rss st cpu
	read -r runs min med mean max rss st cpu
	[ "$st" = 0 ] || { echo "bench/bundle: '$label' exited with $st" >&2; exit 1; }
	printf '  %-30s %8.2f ms min, %8.2f median, cpu %8.2f ms, peak RSS %6s KiB\n' "$label" "$min" "$med" "$cpu" "$rss"
	echo "$med" >"$B/$2.med"
}
printf 'mvbuild bundle/verify, large app (%s runs, %s CPUs usable)\n' "$N" "$(nproc)"
printf '  app ELF                     %9s B\n' "$(stat -c %s "$ELF")"
printf '  signed bundle               %9s B\n' "$(stat -c %s "$B/big.mvb")"
"$B/measure" "$N" "${BUNDLE[@]}" | row "bundle --sign (incl. check)" bundle
if command -v taskset >/dev/null; then
	taskset -c 0 "$B/measure" "$N" "${BUNDLE[@]}" | row "bundle --sign, one CPU" bundle1
fi
"$B/measure" "$N" "${VERIFY[@]}" | row "verify --key" verify
awk -v b="$(cat "$B/bundle.med")" -v v="$(cat "$B/verify.med")" 'BEGIN {
	printf "goals (median wall): bundle+sign <= 50 ms: %s; verify <= 20 ms: %s\n",
		(b <= 50 ? "met" : "not met"), (v <= 20 ? "met" : "not met") }'
if command -v valgrind >/dev/null; then
	for what in bundle verify; do
		if [ $what = bundle ]; then cmd=("${BUNDLE[@]}"); else cmd=("${VERIFY[@]}"); fi
		valgrind -q --tool=callgrind --callgrind-out-file="$B/callgrind.$what" "${cmd[@]}" >/dev/null 2>&1
		ir=$(awk '/^(summary|totals):/ { print $2; exit }' "$B/callgrind.$what")
		sha=$(callgrind_annotate "$B/callgrind.$what" 2>/dev/null | awk '/:(blocks_portable|mbedtls_internal_sha256_process) / { gsub(",", "", $1); print $1; exit }')
		printf '  %-30s %14s Ir (callgrind, portable SHA-256), %s Ir outside the SHA-256 compression\n' \
			"$what" "$ir" "$((ir - ${sha:-0}))"
	done
fi
