#!/bin/bash
# bench/p256/run.sh - the device ECDSA P-256 verifier (src/p256): its size
# and stack for the firmware target (Cortex-M33, -Os, the firmware's flags,
# arm-none-eabi-size and -fstack-usage; it must need nothing from a C
# library but memcpy and memset), and on this host the time per
# verification (median of 5 runs of N) and the instructions of one
# (callgrind, x86-64 -O2: a proxy until the device count is measured).
#   usage: bench/p256/run.sh [OUTDIR]     environment: N (default 200)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-${TMPDIR:-/tmp}/mvb-p256}
N=${N:-200}
mkdir -p "$OUT"
CC=arm-none-eabi-gcc
FLAGS="-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16 -ffreestanding -std=c11 -Os
 -Wall -Wextra -Werror -ffunction-sections -fdata-sections -fno-common -fno-builtin -fstack-usage
 -I$ROOT/src/p256"
$CC $FLAGS -c "$ROOT/src/p256/verify.c" -o "$OUT/verify.o"
echo "device verifier for Cortex-M33 (arm-none-eabi-gcc $($CC -dumpversion), -Os):"
arm-none-eabi-size "$OUT/verify.o" | sed 's/^/  /'
undef=$(arm-none-eabi-nm -u "$OUT/verify.o" | awk '{ print $2 }' | grep -v -x -e memcpy -e memset || true)
[ -z "$undef" ] || { echo "bench/p256: needs more than memcpy/memset: $undef"; exit 1; }
echo "  C library: memcpy, memset only"
# the deepest call chain: verify -> pt_add -> pt_dbl (each frame from .su)
awk '{ split($1, a, ":"); f = a[4]; s[f] = $2 }
	END { chain = s["mvp_verify_der"] + s["mvp_verify_rs"] + s["pt_add"] + s["pt_dbl"] + s["mont_mul"];
		printf "  stack: mvp_verify_der %d + mvp_verify_rs %d + pt_add %d + pt_dbl %d + mont_mul %d = %d bytes at most\n",
			s["mvp_verify_der"], s["mvp_verify_rs"], s["pt_add"], s["pt_dbl"], s["mont_mul"], chain }' "$OUT/verify.su"

B=$ROOT/build
[ -f "$B/libmvbcore.a" ] || { echo "bench/p256: build mvbuild first (scripts/build.sh)"; exit 1; }
gcc -O2 -Wall -Wextra -I"$ROOT/include" -I"$ROOT/src/p256" -o "$OUT/measure" "$ROOT/bench/p256/measure.c" \
	"$ROOT/src/p256/verify.c" "$B/libmvbcore.a" -lmbedcrypto -lz -lpthread
echo "host ($(nproc) CPUs), one verification:"
for _ in 1 2 3 4 5; do "$OUT/measure" "$N"; done | sort -n -k2 | awk -v n="$N" 'NR == 3 { printf "  %.1f us (median of 5 runs of %d)\n", $2, n }'
if command -v valgrind >/dev/null; then
	valgrind -q --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" "$OUT/measure" 1 >/dev/null
	ir=$(callgrind_annotate --inclusive=yes "$OUT/callgrind.out" 2>/dev/null |
		awk '/mvp_verify_der/ { gsub(",", "", $1); print $1; exit }')
	echo "  ${ir:-?} instructions (callgrind, inclusive, mvp_verify_der)"
fi

# On the device: the firmware test app test_p256 verifies one signature
# between two mv_ticks() calls; the app instructions between them (the
# secure tick interrupts excluded) are one verification on the Cortex-M33.
FW=${FW:-$ROOT/build/fw/mps2-an505}
if [ -f "$FW/examples/test_p256.elf" ] && command -v qemu-system-arm >/dev/null; then
	lo=$(sed -n 's/^#define MVB_PART_APP_FLASH_NS_BASE \(0x[0-9a-fA-F]*\)u.*/\1/p' "$FW/gen/mv_board.h")
	sz=$(sed -n 's/^#define MVB_PART_APP_FLASH_SIZE \(0x[0-9a-fA-F]*\)u.*/\1/p' "$FW/gen/mv_board.h")
	rm -f "$OUT/m33/exec.log"
	mkdir -p "$OUT/m33"
	mkfifo "$OUT/m33/exec.log" # the trace is about 1 GB: counted as it comes
	awk -v lo=$((lo)) -v hi=$((lo + sz)) '
	function hex(s,   i, v) { v = 0; for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(tolower(s), i, 1)) - 1; return v }
	/^Trace/ {
		split($4, a, "/"); pc = hex(a[2]); fn = $NF
		secure = pc >= 268435456 && pc < 536870912
		if (secure && !prev_secure && fn == "mv_ticks")
			ticks++
		else if (ticks == 1 && !secure && pc >= lo && pc < hi)
			n++
		prev_secure = secure
	}
	END { if (ticks >= 2) printf "Cortex-M33 (QEMU mps2-an505, test_p256): %d instructions for one verification\n", n
		else print "bench/p256: the trace did not show both mv_ticks calls" }' "$OUT/m33/exec.log" &
	counter=$!
	# about 40 M traced instructions: minutes under QEMU -singlestep
	TRACE_TIMEOUT=1200 "$ROOT/firmware/bench/trace.sh" "$FW" "$FW/examples/test_p256.elf" "$OUT/m33" || { kill $counter 2>/dev/null; exit 1; }
	wait $counter
	grep -q "app: p256: ok" "$OUT/m33/console.log" || { echo "bench/p256: test_p256 did not verify"; exit 1; }
else
	echo "(no firmware build with test_p256 at $FW: scripts/build-firmware.sh; no device count)"
fi
