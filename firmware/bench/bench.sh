#!/bin/sh
# bench.sh - the microvisor's budgets, measured: flash and static RAM of
# the image (arm-none-eabi-size) and exact instruction counts (QEMU
# -singlestep -d exec,nochain, one "Trace" line per instruction, with
# -icount shift=0 so the tick cannot fire inside the measured windows).
#
#   firmware/bench/bench.sh <firmware build dir>
#
# Boots examples/test_bench_calls.elf (one mv_version, mv_ticks, mv_info,
# mv_log, mv_watchdog_feed, TZ_AllocModuleContext_S each, TZ_StoreContext_S
# and TZ_LoadContext_S from an SVC handler as an RTOS's PendSV calls them,
# and a refused TZ_FreeModuleContext_S) and prints: reset-to-app instructions (with the heaviest
# functions), and per secure call the instructions from its SG to the
# BXNS back (the SG itself is not traced by QEMU and is added as 1).
# Exit 1 if the image with the update client (microvisor-ota.elf) has more
# than 20 KiB of flash or more than 16 KiB of static RAM besides its one
# patch page, or microvisor.elf more than 20 / 16 KiB.
set -eu

fw=${1:?usage: bench.sh <firmware build dir>}
fw=$(cd "$fw" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mv-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
FLASH_BUDGET=20480
RAM_BUDGET=16384

elf="$fw/microvisor.elf"
app="$fw/examples/test_bench_calls.elf"

# ---------------------------------------------------------------- sizes
arm-none-eabi-size -A "$elf" >"$work/size"
sec() { awk -v n="$1" '$1 == n { print $2 }' "$work/size"; }
text=$(( $(sec .vectors) + $(sec .text) ))
veneers=$(sec .gnu.sgstubs)
data=$(sec .data); data=${data:-0}
bss=$(sec .bss)
stack=$(sec .stack)
flash=$((text + veneers + data))
ram=$((data + bss + stack))
echo "size: flash $flash B (code+rodata $text, veneers $veneers, data $data) of $FLASH_BUDGET"
echo "size: static ram $ram B (data $data, bss $bss, stack $stack) of $RAM_BUDGET"
# the image with the update client, where the budgets apply (RAM: 16 KiB
# plus the one patch page the client buffers)
ota="$fw/microvisor-ota.elf"
ota_flash=0 ota_ram=0 page=0
if [ -f "$ota" ]; then
	arm-none-eabi-size -A "$ota" >"$work/size-ota"
	osec() { awk -v n="$1" '$1 == n { print $2 }' "$work/size-ota"; }
	od=$(osec .data); od=${od:-0}
	ota_flash=$(( $(osec .vectors) + $(osec .text) + $(osec .gnu.sgstubs) + od ))
	ota_ram=$(( od + $(osec .bss) + $(osec .stack) ))
	page=$(sed -n 's/^#define MVB_PART_APP_FLASH_SIZE \(0x[0-9a-fA-F]*\)u.*/\1/p' "$fw/gen/mv_board.h")
	page=$(( page / 512 ))
	erase=$(sed -n 's/^#define MVB_PART_APP_FLASH_ERASE_SIZE \(0x[0-9a-fA-F]*\|[0-9]*\)u.*/\1/p' "$fw/gen/mv_board.h")
	[ $(( erase )) -gt "$page" ] && page=$(( erase ))
	echo "size: with the update client (microvisor-ota.elf): flash $ota_flash B of $FLASH_BUDGET, static ram $ota_ram B of $RAM_BUDGET + one $page B patch page"
fi

# ------------------------------------------------------------ the trace
"$here/trace.sh" "$fw" "$app" "$work"
flash_lo=$(sed -n 's/^#define MVB_PART_APP_FLASH_NS_BASE \(0x[0-9a-fA-F]*\)u.*/\1/p' "$fw/gen/mv_board.h")
flash_sz=$(sed -n 's/^#define MVB_PART_APP_FLASH_SIZE \(0x[0-9a-fA-F]*\)u.*/\1/p' "$fw/gen/mv_board.h")
awk -v lo=$((flash_lo)) -v hi=$((flash_lo + flash_sz)) '
function hex(s,   i, v) { v = 0; for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(tolower(s), i, 1)) - 1; return v }
function pcval(field,   a) { split(field, a, "/"); return hex(a[2]) }
/^Trace/ {
	pc = pcval($4); fn = $NF
	if (!in_app) {
		boot++; per[fn]++
		if (pc >= lo && pc < hi) {
			in_app = 1
			printf "reset to app: %d instructions (to the first app instruction)\n", boot - 1
			n = 0
			for (f in per) if (f != "") { names[++n] = f }
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
				if (per[names[j]] > per[names[i]]) { t = names[i]; names[i] = names[j]; names[j] = t }
			for (i = 1; i <= 6 && i <= n; i++) printf "  %7d %s\n", per[names[i]], names[i]
		}
		next
	}
	secure = pc >= 268435456 && pc < 536870912  # 0x1xxxxxxx: secure code alias
	if (counting && !secure) {
		printf "secure call %-24s %4d instructions, SG to BXNS\n", callee, count + 1
		counting = 0
	}
	if (!counting && secure && !prev_secure && fn ~ /^(mv_[a-z_]+|TZ_[A-Za-z_]+)$/ && !(fn in seen)) {
		counting = 1; count = 0; callee = fn; seen[fn] = 1
	}
	if (counting) count++
	prev_secure = secure
}' "$work/exec.log"

[ "$ota_flash" -le "$FLASH_BUDGET" ] || { echo "bench.sh: microvisor-ota.elf: flash over budget by $((ota_flash - FLASH_BUDGET)) B" >&2; exit 1; }
[ "$ota_ram" -le $((RAM_BUDGET + page)) ] || { echo "bench.sh: microvisor-ota.elf: static ram over budget" >&2; exit 1; }
[ "$flash" -le "$FLASH_BUDGET" ] || { echo "bench.sh: flash over budget" >&2; exit 1; }
[ "$ram" -le "$RAM_BUDGET" ] || { echo "bench.sh: static ram over budget" >&2; exit 1; }
