#!/bin/sh
# trace.sh - boot an app on the microvisor in QEMU mps2-an505 with an
# exact instruction trace: -singlestep -d exec,nochain writes one "Trace"
# line per instruction (PC and symbol) to WORK/exec.log, -icount shift=0
# makes time a function of instructions; the console goes to
# WORK/console.raw as it came and, its tokens ("{@15|0}") decoded by
# 'mvbuild decode', to WORK/console.log.  The app header is made here
# (firmware/tools/mkapphdr.c) and loaded with the app, as a factory image
# would be.  Fails unless the app ends the run with status 0.  bench.sh
# and bench/p256/run.sh use it.
#
#   firmware/bench/trace.sh <firmware build dir> <app.elf> <work dir>
#   TRACE_TIMEOUT=SECONDS (default 120)
#   MVBUILD=BIN (default: the mvbuild the firmware build was configured with)
set -eu
fw=$(cd "${1:?usage: trace.sh <firmware build dir> <app.elf> <work dir>}" && pwd)
app=${2:?app ELF}
work=${3:?work dir}
top=$(cd "$(dirname "$0")/../.." && pwd)
mvbuild=${MVBUILD:-$(sed -n 's/^MVBUILD:[A-Z]*=//p' "$fw/CMakeCache.txt" 2>/dev/null)}
[ -x "$mvbuild" ] || { echo "trace.sh: no mvbuild to decode the console: set MVBUILD" >&2; exit 1; }
mkdir -p "$work"
cc -std=c11 -O1 -I"$top/firmware/include" -I"$top/include" -I"$fw/gen" -o "$work/mkapphdr" \
	"$top/firmware/tools/mkapphdr.c" "$top/firmware/core/sha256.c" "$top/firmware/core/crc32.c"
arm-none-eabi-objcopy -O binary "$app" "$work/app.bin"
arm-none-eabi-objcopy --dump-section .mvb.app="$work/app.yaml" "$app" "$work/scratch.elf"
"$work/mkapphdr" --manifest "$work/app.yaml" --image "$work/app.bin" -o "$work/hdr.bin"
hdr=$(sed -n 's/^#define MVB_PART_APP_HEADER_BASE \(0x[0-9a-fA-F]*\)u.*/\1/p' "$fw/gen/mv_board.h")
status=0
timeout "${TRACE_TIMEOUT:-120}" qemu-system-arm -M mps2-an505 -display none -monitor none \
	-chardev stdio,id=con,mux=on -serial chardev:con -serial chardev:con \
	-semihosting-config enable=on,target=native -no-reboot \
	-icount shift=0 -singlestep -d exec,nochain -D "$work/exec.log" \
	-kernel "$fw/microvisor.elf" -device loader,file="$app" -device loader,file="$work/hdr.bin",addr="$hdr" \
	>"$work/console.raw" || status=$?
"$mvbuild" decode "$work/console.raw" >"$work/console.log"
if [ "$status" != 0 ] || ! grep -q "mv: app exit 0" "$work/console.log"; then
	cat "$work/console.log"
	echo "trace.sh: $(basename "$app") did not run to its end (status $status)" >&2
	exit 1
fi
