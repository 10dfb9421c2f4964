#!/bin/bash
# bench/bundle/run.sh - time `mvbuild bundle --sign` and `mvbuild verify` on
# the large generated app of bench/check (1.6 MiB of code), over N runs.
# Prints figures; goals from the bundle issue: bundle+sign <= 50 ms,
# verify <= 20 ms.   usage: bench/bundle/run.sh [MVBUILD]
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MVB=$(realpath "${1:-$ROOT/build/mvbuild}")
N=${N:-30}
WORK=${WORK:-${TMPDIR:-/tmp}/mvb-bench-check}
ELF=$WORK/big.elf
if [ ! -f "$ELF" ]; then
	echo "building the large app first (bench/check/run.sh)..."
	N=1 "$ROOT/bench/check/run.sh" "$MVB" >/dev/null
fi
B=$WORK/bundle
mkdir -p "$B"
gcc -O2 -Wall -Wextra -o "$B/measure" "$ROOT/bench/check/measure.c"
rm -f "$B/k.pem" "$B/k.pub.pem"
"$MVB" keygen -o "$B/k.pem" >/dev/null
APP=$ROOT/tests/data/elf/app.yaml API=$ROOT/tests/data/elf/mv_api.yaml
"$MVB" bundle "$ELF" --app "$APP" --api "$API" --sign "$B/k.pem" -o "$B/big.mvb" 2>/dev/null
read -r _ b_min b_med _ _ b_rss _ < <("$B/measure" "$N" "$MVB" bundle "$ELF" --app "$APP" --api "$API" --sign "$B/k.pem" -o "$B/big.mvb")
read -r _ v_min v_med _ _ v_rss _ < <("$B/measure" "$N" "$MVB" verify "$B/big.mvb" --key "$B/k.pub.pem")
size=$(stat -c %s "$B/big.mvb")
printf 'mvbuild bundle/verify, large app (%s runs)\n' "$N"
printf '  app ELF                     %9s B\n' "$(stat -c %s "$ELF")"
printf '  signed bundle               %9s B\n' "$size"
printf '  bundle --sign (incl. check) %8.2f ms min, %.2f median, peak RSS %s KiB\n' "$b_min" "$b_med" "$b_rss"
printf '  verify --key                %8.2f ms min, %.2f median, peak RSS %s KiB\n' "$v_min" "$v_med" "$v_rss"
awk -v b="$b_med" -v v="$v_med" 'BEGIN { printf "goals: bundle+sign <= 50 ms: %s; verify <= 20 ms: %s\n", (b <= 50 ? "met" : "not met"), (v <= 20 ? "met" : "not met") }'
