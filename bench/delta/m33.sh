#!/bin/bash
# bench/delta/m33.sh - the device patcher (src/delta: inflater, predictor,
# in-place patcher) built for the firmware target (Cortex-M33, -Os, the
# firmware's flags): code and data size from arm-none-eabi-size, the RAM of
# struct mvd, and a check that it needs nothing from a C library but
# memcpy and memset.  With --check, fails when code or RAM exceed 8 KiB
# (the delta issue's device budget); CTest runs it that way.
#   usage: bench/delta/m33.sh [--check] [OUTDIR]
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
check=0
if [ "${1:-}" = --check ]; then check=1; shift; fi
OUT=${1:-${TMPDIR:-/tmp}/mvb-delta-m33}
mkdir -p "$OUT"
CC=arm-none-eabi-gcc
FLAGS="-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16 -ffreestanding -std=c11 -Os
 -Wall -Wextra -Werror -ffunction-sections -fdata-sections -fno-common -fno-builtin -fno-tree-loop-distribute-patterns
 -I$ROOT/include -I$ROOT/src/delta"
for f in inflate patch; do
	$CC $FLAGS -c "$ROOT/src/delta/$f.c" -o "$OUT/$f.o"
done
# struct sizes, read back from the object's symbol table
printf '#include "mvd.h"\nconst char mvd_state_size[sizeof(struct mvd)];\nconst char mvd_inflate_size[sizeof(struct mvd_inflate)];\n' >"$OUT/sz.c"
$CC $FLAGS -c "$OUT/sz.c" -o "$OUT/sz.o"
state=$(( 0x$(arm-none-eabi-nm -S "$OUT/sz.o" | awk '$4 == "mvd_state_size" { print $2 }') ))
infl=$(( 0x$(arm-none-eabi-nm -S "$OUT/sz.o" | awk '$4 == "mvd_inflate_size" { print $2 }') ))
# link the two into one relocatable object so size counts shared code once
arm-none-eabi-ld -r --gc-sections -e mvd_apply -o "$OUT/mvd.o" "$OUT/inflate.o" "$OUT/patch.o" 2>/dev/null ||
	arm-none-eabi-ld -r -o "$OUT/mvd.o" "$OUT/inflate.o" "$OUT/patch.o"
arm-none-eabi-size "$OUT/inflate.o" "$OUT/patch.o" "$OUT/mvd.o"
read -r text data bss _ < <(arm-none-eabi-size "$OUT/mvd.o" | awk 'NR == 2 { print $1, $2, $3 }')
undef=$(arm-none-eabi-nm -u "$OUT/mvd.o" | awk '{ print $2 }' | sort -u | tr '\n' ' ')
echo "undefined: $undef"
printf 'code (text+data) %d B; struct mvd %d B (inflater %d B, of which window %d B); page buffer: one flash page\n' \
	$((text + data)) "$state" "$infl" 4096
status=0
if [ "$check" = 1 ]; then
	for u in $undef; do
		case $u in memcpy | memset) ;; *) echo "m33: needs '$u' from a C library"; status=1 ;; esac
	done
	[ $((text + data)) -le 8192 ] || { echo "m33: code $((text + data)) B > 8192"; status=1; }
	[ "$state" -le 8192 ] || { echo "m33: struct mvd $state B > 8192"; status=1; }
	[ "$bss" -eq 0 ] || { echo "m33: $bss B of static state"; status=1; }
fi
exit $status
