#!/bin/sh
# check-secure-image.sh - static checks of the linked microvisor that the
# compiler will not do for us (ACLE CMSE requirements, CVE classes):
#  1. the NSC partition holds only .gnu.sgstubs; every veneer slot starts
#     with SG and no other 2-byte offset there holds an SG pattern (an
#     inadvertent gateway);
#  2. every secure entry function clears r1-r3, r12, s0-s15 and FPSCR
#     before each BXNS (no secure data left in registers for the app), or
#     leaves through the common exit (sctx.c: mv_arch_call_exit falls
#     into mv_arch_call_clear), which is checked the same way;
#  3. secure code never computes in FP registers (so the FP state the app
#     can see after a call or an exception holds nothing of ours); moves,
#     pushes, FPSCR access by the CMSE sequences and the fault handler's
#     store of the app's FP registers into its crash record (fault.c)
#     are the only FP uses.
#
#   check-secure-image.sh <firmware build dir> [image]  (default: each image there)
set -u
fw=${1:?usage: check-secure-image.sh <firmware build dir>}
# Without an image: every microvisor image the build made.
if [ $# -lt 2 ]; then
	rc=0
	for img in microvisor.elf microvisor-ota.elf; do
		if [ -f "$fw/$img" ] || [ "$img" = microvisor.elf ]; then
			"$0" "$fw" "$img" || rc=$?
		fi
	done
	exit "$rc"
fi
elf="$fw/$2"
OBJDUMP=${OBJDUMP:-arm-none-eabi-objdump}
OBJCOPY=${OBJCOPY:-arm-none-eabi-objcopy}
READELF=${READELF:-arm-none-eabi-readelf}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mv-image.XXXXXX") || exit 3
trap 'rm -rf "$tmp"' EXIT INT TERM
bad=0
say() { echo "check-secure-image: $*"; bad=1; }

hexnum() { printf '%d' "$1"; }
nsc_base=$(sed -n 's/^#define MVB_PART_MV_NSC_BASE \(0x[0-9a-fA-F]*\)u.*/\1/p' "$fw/gen/mv_board.h")
nsc_size=$(sed -n 's/^#define MVB_PART_MV_NSC_SIZE \(0x[0-9a-fA-F]*\)u.*/\1/p' "$fw/gen/mv_board.h")
[ -n "$nsc_base" ] && [ -n "$nsc_size" ] || { echo "check-secure-image: no mv_nsc in $fw/gen/mv_board.h"; exit 3; }
lo=$(hexnum "$nsc_base")
hi=$((lo + $(hexnum "$nsc_size")))

# 1a. Nothing but the veneers in the NSC partition.
"$READELF" -SW "$elf" | awk -v lo="$lo" -v hi="$hi" '
	/^ *\[ *[0-9]+\]/ {
		sub(/^ *\[ *[0-9]+\] */, "")
		name = $1; addr = 0; size = 0
		a = $3; s = $5
		for (i = 1; i <= length(a); i++) addr = addr * 16 + index("0123456789abcdef", substr(a, i, 1)) - 1
		for (i = 1; i <= length(s); i++) size = size * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		if (size > 0 && addr < hi && addr + size > lo && name != ".gnu.sgstubs")
			printf "section %s overlaps the NSC partition\n", name
	}' >"$tmp/sections"
[ -s "$tmp/sections" ] && say "$(cat "$tmp/sections")"

# 1b. SG only at slot starts.
"$OBJCOPY" -O binary --only-section=.gnu.sgstubs "$elf" "$tmp/sg.bin"
od -An -v -tx2 "$tmp/sg.bin" | tr -s ' \n' '\n\n' | sed '/^$/d' >"$tmp/hw"
[ -s "$tmp/hw" ] || say "no .gnu.sgstubs section (no secure entry points?)"
awk '
	{ hw[NR - 1] = $1; n = NR }
	END {
		for (i = 0; i + 1 < n; i++)
			if (hw[i] == "e97f" && hw[i + 1] == "e97f" && i % 4 != 0)
				printf "SG pattern at byte offset %d of .gnu.sgstubs, not a slot start\n", 2 * i
		for (i = 0; i < n; i += 4) {
			empty = hw[i] == "0000" && hw[i + 1] == "0000"
			if (!empty && !(hw[i] == "e97f" && hw[i + 1] == "e97f"))
				printf "veneer slot at byte offset %d does not start with SG\n", 2 * i
		}
	}' "$tmp/hw" >"$tmp/sg"
[ -s "$tmp/sg" ] && say "$(cat "$tmp/sg")"

# 2 and 3. Disassembly per function.  Data objects that sit in .text
# (rodata) are skipped: their bytes may decode as anything.  The
# hand-written common exit (sctx.c) is checked like an entry function: it
# is where the calls return to the app.
"$OBJDUMP" -d --no-show-raw-insn "$elf" >"$tmp/dis"
"$READELF" -sW "$elf" | awk '$4 == "OBJECT" { print $8 }' >"$tmp/objects"
awk -F '\t' '
	FNR == NR { obj[$0] = 1; next }
	function done_fn() {
		if (fn ~ /^__acle_se_/ && !left)
			printf "%s neither returns with BXNS nor branches to the common exit\n", fn
	}
	/^[0-9a-f]+ <.*>:$/ { done_fn(); fn = $0; sub(/^[0-9a-f]+ </, "", fn); sub(/>:$/, "", fn); since = ""; left = 0; next }
	/^ *[0-9a-f]+:\t/ {
		if (fn in obj)
			next
		insn = $2; ops = $3; sub(/^ +/, "", ops)
		# what an entry function clears after its last real work
		if (fn ~ /^__acle_se_/ || fn == "mv_arch_call_clear") {
			if (insn ~ /^vmov/ && ops ~ /^s([0-9]|1[0-5]), /) { split(ops, o, ","); since = since " " o[1] }
			if (insn ~ /^vmov/ && ops ~ /^s([0-9]|1[0-5]), s([0-9]|1[0-5]), r1, r1$/) {
				split(ops, o, ","); sub(/^ +/, "", o[2]); since = since " " o[1] " " o[2]
			}
			if (insn ~ /^mov/ && ops ~ /^(r1|r2|r3|ip), lr$/) { split(ops, o, ","); since = since " " o[1] }
			if (insn ~ /^movs?$/ && ops ~ /^r1, #0$/) since = since " r1"
			if (insn ~ /^mov/ && ops ~ /^(r2|r3|ip), r1$/ && index(since " ", " r1 ")) {
				split(ops, o, ","); since = since " " o[1]
			}
			if (insn == "vmsr" && ops ~ /^fpscr/) since = since " fpscr"
			if (insn ~ /^b(\.w)?$/ && ops ~ /<mv_arch_call_(exit|clear)>$/) left = 1
			if (insn == "bxns") {
				left = 1
				need = "r1 r2 r3 ip fpscr s0 s1 s2 s3 s4 s5 s6 s7 s8 s9 s10 s11 s12 s13 s14 s15"
				n = split(need, w, " ")
				for (k = 1; k <= n; k++) if (index(since " ", " " w[k] " ") == 0)
					printf "%s returns to the app without clearing %s\n", fn, w[k]
				entries++
			}
		}
		if (insn ~ /^v/ && insn !~ /^(vmov|vmrs|vmsr|vpush|vpop|vstm|vlstm|vlldm|vscclrm)/)
			printf "%s computes in FP registers: %s %s\n", fn, insn, ops
	}
	END { done_fn(); if (entries == 0) print "no BXNS in any __acle_se_ function" }' "$tmp/objects" "$tmp/dis" >"$tmp/cmse"
[ -s "$tmp/cmse" ] && say "$(cat "$tmp/cmse")"

if [ "$bad" = 0 ]; then
	echo "check-secure-image: $2: $(grep -c '^[0-9a-f]* <__acle_se_' "$tmp/dis") entry functions, NSC and FP use clean"
fi
exit "$bad"
