#!/bin/sh
# ota.sh - what an over-the-air update costs the device, measured: the
# microvisor with the update client (out/microvisor-ota.elf) in QEMU
# mps2-an505 with exact instruction counts (-icount shift=0, -d
# in_asm,exec,nochain: every translation block's listing and every run of
# one, counted as they come by tbcount.awk, never stored), its link served
# by 'mvbuild serve' from a repository made here.  Two installs of the
# test app 'forever' (examples/test_ota1 -> test_ota2, a 33 KiB image with
# a table deflate cannot squeeze): the delta, and the full bundle.  For
# each: the session's instructions from its first to its last
# (verification of the index and the bundle, the reads, the install, the
# checks, the waits for the link), split by what runs them (P-256,
# SHA-256, the patcher and inflater, flash writes, the link, the rest),
# per KiB installed, and the bytes moved over the link against the
# bundle's size.  Then a revert: a release that crashes at every start,
# installed on trial and rejected: the session that puts the old release
# back in place from the revert partition (the patcher reading flash).
#
#   firmware/bench/ota.sh [--big] <firmware build dir>
#   --big   instead, a full install of a 1 MiB app (bench/check/gen.awk's
#           generated code, 3,150 functions; 1.1 -> 1.2 adds 16), about
#           five minutes
#   MVBUILD=BIN (default: the mvbuild the firmware build was configured with)
set -eu
big=0
[ "${1:-}" = --big ] && { big=1; shift; }
fw=$(cd "${1:?usage: ota.sh [--big] <firmware build dir>}" && pwd)
mvb=${MVBUILD:-$(sed -n 's/^MVBUILD:[A-Z]*=//p' "$fw/CMakeCache.txt" 2>/dev/null)}
[ -x "$mvb" ] || { echo "ota.sh: no mvbuild: set MVBUILD" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
board=$top/boards/mps2-an505.yaml
work=$(mktemp -d "${TMPDIR:-/tmp}/mv-ota-bench.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM
mv="$fw/out/microvisor-ota.elf"
api="$fw/out/mv_api.yaml"
[ -f "$mv" ] || { echo "ota.sh: no $mv (this board's port has no update client)" >&2; exit 1; }
cd "$work"
# the microvisor's functions by address (the factory image QEMU runs has
# no symbols): start, size, type, name, sorted
arm-none-eabi-nm -S -n "$fw/microvisor-ota.elf" | awk 'NF == 4 && $3 ~ /[TtWw]/' >syms
"$mvb" keygen -o k.pem >/dev/null
if [ "$big" = 1 ]; then
	# two releases of a generated 1 MiB app (bench/check's generator, built
	# as bench/publish builds it, mv_log at its veneer), full bundles only
	fix=$top/tests/data/elf
	log=$(sed -n 's/.*name: mv_log, slot: [0-9]*, address: \(0x[0-9a-f]*\).*/\1/p' "$api")
	for i in 1 2; do
		awk -v nfunc=$((3150 + 16 * (i - 1))) -v steps=23 -f "$top/bench/check/gen.awk" >"r$i.c"
		arm-none-eabi-gcc -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16 -O1 -ffreestanding -nostdlib \
			-ffunction-sections -fdata-sections -Wl,--no-warn-rwx-segments -T "$fix/app.ld" \
			-Wl,--defsym=FLASH_ORIGIN=0x00200000,--defsym=FLASH_LENGTH=0x200000,--defsym=RAM_ORIGIN=0x28000000 \
			-Wl,--defsym=RAM_LENGTH=0x200000,--defsym=STACK_SIZE=0x1000,--defsym=mv_log=$((log | 1)) \
			"r$i.c" -lgcc -o "r$i.elf"
		"$mvb" bundle "r$i.elf" --app "$fix/app.yaml" --board "$board" --microvisor "$mv" --api "$api" \
			--sign k.pem --version 1.$i.0 --security-counter $i -o "v$i.mvb" >/dev/null 2>&1
		"$mvb" publish "v$i.mvb" --repo repo-full --sign k.pem --deltas 0 >/dev/null 2>&1
	done
	"$mvb" bundle r1.elf --app "$fix/app.yaml" --board "$board" --microvisor "$mv" --api "$api" \
		--factory --trust k.pub.pem --version 1.1.0 --security-counter 1 -o factory.elf >/dev/null 2>&1
	cases=full to=1.2.0
else
	"$mvb" bundle "$fw/examples/test_ota1.elf" --board "$board" --microvisor "$mv" --api "$api" \
		--factory --trust k.pub.pem -o factory.elf >/dev/null 2>&1
	"$mvb" bundle "$fw/examples/test_ota1.elf" --board "$board" --microvisor "$mv" --api "$api" \
		--sign k.pem -o v1.mvb >/dev/null 2>&1
	"$mvb" bundle "$fw/examples/test_ota2.elf" --board "$board" --microvisor "$mv" --api "$api" \
		--sign k.pem --version 1.1.0 --security-counter 1 -o v2.mvb >/dev/null 2>&1
	for r in delta full; do
		d=3
		[ "$r" = full ] && d=0
		"$mvb" publish v1.mvb --repo "repo-$r" --sign k.pem --deltas $d >/dev/null
		"$mvb" publish v2.mvb --repo "repo-$r" --sign k.pem --deltas $d >/dev/null 2>&1
	done
	# a release rejected on trial (test_ota3 crashes at every start): the
	# revert, which reads its patch from the revert partition, not the link
	printf 'schema: 1\nname: forever\nversion: 1.0.0\nperipherals: []\nconfirm: after 60s\n' >trial.yaml
	"$mvb" bundle "$fw/examples/test_ota3.elf" --app trial.yaml --board "$board" --microvisor "$mv" --api "$api" \
		--sign k.pem --version 1.1.0 --security-counter 1 -o v3.mvb >/dev/null 2>&1
	"$mvb" publish v1.mvb --repo repo-revert --sign k.pem >/dev/null
	"$mvb" publish v3.mvb --repo repo-revert --sign k.pem >/dev/null 2>&1
	cases="delta full revert" to=1.1.0
fi

count() { # $1: repo; the trace, counted by phase and function
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	rm -f trace.fifo && mkfifo trace.fifo
	skip=0
	[ "$1" = revert ] && skip=1 # the install first
	awk -v syms="$work/syms" -v skip=$skip -f "$here/tbcount.awk" trace.fifo >"count-$1" &
	awk_pid=$!
	qemu-system-arm -M mps2-an505 -display none -monitor none -no-reboot \
		-semihosting-config enable=on,target=native -icount shift=0 -d in_asm,exec,nochain -D trace.fifo \
		-chardev file,id=con,path="console-$1",mux=on -serial chardev:con -serial chardev:con -serial null -serial null \
		-chardev socket,id=lk,host=127.0.0.1,port="$port",server=on,wait=on -serial chardev:lk \
		-kernel factory.elf >/dev/null 2>"qemu-$1.err" &
	qemu_pid=$!
	sleep 0.5
	# a revert ends serve --once with 1 (rejected and reverted)
	rc=0
	"$mvb" serve --repo "repo-$1" --device "tcp:127.0.0.1:$port" --once --update-now --timeout 600 \
		>/dev/null 2>"serve-$1" || rc=$?
	if [ "$rc" != 0 ] && ! { [ "$1" = revert ] && [ "$rc" = 1 ]; }; then
		cat "serve-$1" "console-$1" >&2
		exit 1
	fi
	sleep 2 # the new app's start, so the trace leaves the session
	kill "$qemu_pid" 2>/dev/null || true
	wait "$awk_pid" || true
}

for r in $cases; do
	count "$r"
	# the console as it reads: the microvisor prints message tokens
	"$mvb" decode "console-$r" >"console-$r.txt"
	if [ "$r" = revert ]; then
		restored=$(sed -n 's/.*1.0.0 verified: \([0-9]*\) bytes.*/\1/p' "console-$r.txt" | tail -1)
		grep -o 'update: 1.1.0 rejected.*' "console-$r.txt" | tail -1
		echo "revert of 1.1.0 to 1.0.0 in place, its patch read from the revert partition: image $restored B"
		cat "count-$r"
		total=$(sed -n 's/^  session: \([0-9]*\) instructions/\1/p' "count-$r")
		echo "    per KiB restored: $((total * 1024 / restored)) instructions"
		continue
	fi
	installed=$(sed -n 's/.*verified: \([0-9]*\) bytes.*/\1/p' "console-$r.txt" | tail -1)
	moved=$(sed -n 's/.*(\([0-9]*\) bytes over the link).*/\1/p' "console-$r.txt" | tail -1)
	size=$(sed -n "s/.*installing $to ([a-z]*, \([0-9]*\) bytes).*/\1/p" "console-$r.txt" | tail -1)
	echo "$r install of $to: bundle $size B, $moved B moved over the link (index included), image $installed B"
	cat "count-$r"
	total=$(sed -n 's/^  session: \([0-9]*\) instructions/\1/p' "count-$r")
	echo "    per KiB installed: $((total * 1024 / installed)) instructions"
done
