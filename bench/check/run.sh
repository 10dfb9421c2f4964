#!/bin/bash
# run.sh - times `mvbuild check` on a generated large app (>= 1.5 MiB of
# code, >= 5,000 symbols) and prints wall time, peak RSS and callgrind's
# instruction count.  A benchmark: it prints figures, it does not fail on them.
# usage: bench/check/run.sh [MVBUILD]     (default build/mvbuild)
# environment: N (runs, default 50), WORK (scratch dir, default
# ${TMPDIR:-/tmp}/mvb-bench-check; the ELF is reused while its inputs match)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MVB=${1:-$ROOT/build/mvbuild}
case $MVB in /*) ;; *) MVB=$PWD/$MVB ;; esac
N=${N:-50}
WORK=${WORK:-${TMPDIR:-/tmp}/mvb-bench-check}
NFUNC=5200 STEPS=23
GOAL_MS=20 GOAL_RATIO=3
FIX=$ROOT/tests/data/elf
APP=$FIX/app.yaml API=$FIX/mv_api.yaml

die() { echo "bench/check: $*" >&2; exit 1; }
[ -x "$MVB" ] || die "no mvbuild at '$MVB' (build it first or pass its path)"
for t in arm-none-eabi-gcc arm-none-eabi-size arm-none-eabi-nm gcc awk; do
	command -v $t >/dev/null || die "'$t' is not installed"
done
mkdir -p "$WORK" || die "cannot create '$WORK'"

# ---- the app: regions as in tests/cli/run.sh, mv_log at its fixture entry
# shellcheck disable=SC2054 # the commas belong to -Wl, not to the array
CC=(arm-none-eabi-gcc -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16 -O1 -ffreestanding -nostdlib
	-ffunction-sections -fdata-sections -Wl,--no-warn-rwx-segments)
# shellcheck disable=SC2054
LD=(-T "$FIX/app.ld" -Wl,--defsym=FLASH_ORIGIN=0x00200000,--defsym=FLASH_LENGTH=0x200000,--defsym=RAM_ORIGIN=0x28000000
	-Wl,--defsym=RAM_LENGTH=0x200000,--defsym=STACK_SIZE=0x1000,--defsym=mv_log=0x1001f009)
ELF=$WORK/big.elf
stamp=$( { cat "$HERE/gen.awk" "$FIX/app.ld"; echo "$NFUNC $STEPS ${CC[*]} ${LD[*]}"; arm-none-eabi-gcc --version | head -1; } | cksum)
if [ ! -s "$ELF" ] || [ "$(cat "$WORK/stamp" 2>/dev/null)" != "$stamp" ]; then
	echo "generating $NFUNC functions and building $ELF (about half a minute)..."
	rm -f "$ELF" "$WORK/stamp"
	awk -v nfunc=$NFUNC -v steps=$STEPS -f "$HERE/gen.awk" >"$WORK/big.c" || die "generator failed"
	"${CC[@]}" "${LD[@]}" "$WORK/big.c" -lgcc -o "$ELF" || die "cannot build the app"
	echo "$stamp" >"$WORK/stamp"
fi
gcc -O2 -Wall -Wextra -o "$WORK/measure" "$HERE/measure.c" || die "cannot build the measuring helper"

elf_bytes=$(stat -c %s "$ELF")
text_bytes=$(arm-none-eabi-size -A "$ELF" | awk '$1 == ".text" { print $2 }')
# the fixture's linker script puts .rodata into .text, so code is counted
# from the FUNC symbols' sizes; .symtab also holds the $t/$d mapping symbols
read -r code_bytes nfuncs nsymtab < <(arm-none-eabi-readelf -sW "$ELF" |
	awk '$4 == "FUNC" { s += $3 } $4 == "FUNC" && $5 == "GLOBAL" { g++ } $1 ~ /^[0-9]+:$/ { t++ }
	     END { printf "%d %d %d\n", s, g, t }')
nsyms=$(arm-none-eabi-nm "$ELF" | wc -l)
[ "$code_bytes" -ge $((3 * 1024 * 1024 / 2)) ] || die "only $code_bytes bytes of code; raise STEPS"
[ "$nsyms" -ge 5000 ] || die "only $nsyms symbols; raise NFUNC"

# ---- one check, to show what is being timed
echo "\$ mvbuild check big.elf --app $APP --api $API"
"$MVB" check "$ELF" --app "$APP" --api "$API" 2>&1 | sed 's/^/  | /'
status=${PIPESTATUS[0]}
echo "  exit status $status"
echo

# ---- wall time and peak RSS over N runs; the baseline is `mvbuild --version`
read -r _ c_min c_med c_mean c_max c_rss c_st _ < <("$WORK/measure" "$N" "$MVB" check "$ELF" --app "$APP" --api "$API")
read -r _ v_min v_med _ _ v_rss _ < <("$WORK/measure" "$N" "$MVB" --version)
[ "$c_st" = "$status" ] || echo "note: exit status changed between runs ($status, then $c_st)"

# ---- instruction count: independent of the machine's speed and load
ir=n/a
if command -v valgrind >/dev/null; then
	CG=$WORK/callgrind.out
	rm -f "$CG"
	valgrind -q --tool=callgrind --callgrind-out-file="$CG" "$MVB" check "$ELF" --app "$APP" --api "$API" >/dev/null 2>&1
	ir=$(awk '/^(summary|totals):/ { print $2; exit }' "$CG" 2>/dev/null)
	[ -n "$ir" ] || ir=n/a
fi

awk -v elf="$elf_bytes" -v text="$text_bytes" -v code="$code_bytes" -v nsyms="$nsyms" -v nfuncs="$nfuncs" -v nsymtab="$nsymtab" \
    -v n="$N" -v cmin="$c_min" -v cmed="$c_med" -v cmean="$c_mean" -v cmax="$c_max" -v crss="$c_rss" \
    -v vmin="$v_min" -v vmed="$v_med" -v vrss="$v_rss" -v ir="$ir" -v gms=$GOAL_MS -v gratio=$GOAL_RATIO '
function yes(c) { return c ? "met" : "NOT met" }
BEGIN {
	ek = elf / 1024
	over = crss - vrss
	printf "mvbuild check, large app (%d runs)\n", n
	printf "  %-34s %12d B  (%.0f KiB)\n", "ELF file size", elf, ek
	printf "  %-34s %12d B  (%.2f MiB)\n", ".text (code + rodata)", text, text / 1048576
	printf "  %-34s %12d B  (%.2f MiB)\n", "code (sum of FUNC sizes)", code, code / 1048576
	printf "  %-34s %12d    (%d global functions, %d .symtab entries)\n", "symbols (nm | wc -l)", nsyms, nfuncs, nsymtab
	printf "  %-34s %12.2f ms min, %.2f median, %.2f mean, %.2f max\n", "wall per check", cmin, cmed, cmean, cmax
	printf "  %-34s %12.2f ms min, %.2f median\n", "wall of mvbuild --version", vmin, vmed
	printf "  %-34s %12d KiB\n", "peak RSS, check", crss
	printf "  %-34s %12d KiB\n", "peak RSS, --version (baseline)", vrss
	printf "  %-34s %12d KiB  (%.2fx the ELF size)\n", "peak RSS minus baseline", over, over / ek
	printf "  %-34s %12s      (%.2fx the ELF size)\n", "peak RSS, whole process", "", crss / ek
	printf "  %-34s %12s\n", "callgrind instructions (Ir)", ir
	printf "goals: wall < %d ms (median): %s; memory < %dx ELF (over baseline): %s, (whole process): %s\n",
	       gms, yes(cmed < gms), gratio, yes(over < gratio * ek), yes(crss < gratio * ek)
}'
if [ "$ir" != n/a ] && command -v callgrind_annotate >/dev/null; then
	echo "hottest functions (callgrind, exclusive Ir):"
	callgrind_annotate "$CG" 2>/dev/null | awk '/file:function/ { on = 1; next } on && NF && !/^-/ { print "  " $0; if (++k == 8) exit }'
fi
