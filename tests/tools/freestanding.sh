#!/bin/bash
# freestanding.sh - shared host/device code (src/DIR) builds for the
# firmware's CPU as the firmware would build it (-ffreestanding, no C
# library headers beyond <stdint.h>/<stddef.h>) and links against nothing:
# any undefined symbol means the device could not link it as it is.
# ALLOWED names the firmware's own functions the code may call (the link
# codec calls the firmware's mv_crc32).
#   usage: freestanding.sh SRCDIR OUTDIR DIR [ALLOWED...]
set -eu
SRC=$1 OUT=$2 DIR=$3
shift 3
allowed=" $* "
mkdir -p "$OUT"
CC=arm-none-eabi-gcc
FLAGS="-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16 -ffreestanding -std=c11 -Os
 -Wall -Wextra -Werror -fno-common -fno-builtin -nostdinc -isystem $($CC -print-file-name=include)
 -I$SRC/src/$DIR -I$SRC/include"
objs=()
for c in "$SRC/src/$DIR"/*.c; do
	o=$OUT/$(basename "$c" .c).o
	# -nostdinc with only the compiler's own headers: <stdint.h> and
	# <stddef.h> are there, <string.h> and <stdlib.h> are not
	$CC $FLAGS -c "$c" -o "$o"
	objs+=("$o")
done
arm-none-eabi-ld -r -o "$OUT/all-$DIR.o" "${objs[@]}"
undef=$(arm-none-eabi-nm -u "$OUT/all-$DIR.o" | awk -v ok="$allowed" 'index(ok, " " $2 " ") == 0 { print $2 }' | tr '\n' ' ')
data=$(arm-none-eabi-size "$OUT/all-$DIR.o" | awk 'NR == 2 { print $2 + $3 }')
arm-none-eabi-size "$OUT/all-$DIR.o"
status=0
[ -z "$undef" ] || { echo "freestanding: src/$DIR needs $undef"; status=1; }
[ "$data" -eq 0 ] || { echo "freestanding: src/$DIR keeps $data bytes of static state"; status=1; }
exit $status
