#!/bin/sh
# ota.sh - what an over-the-air update costs the device, measured: the
# microvisor with the update client (out/microvisor-ota.elf) in QEMU
# mps2-an505 with an exact instruction trace (-singlestep -d exec,nochain,
# -icount shift=0; the trace is counted as it comes, never stored), its
# link served by 'mvbuild serve' from a repository made here.  Two
# installs of the test app 'forever' (examples/test_ota1 -> test_ota2, a
# 33 KiB image with a table deflate cannot squeeze): the delta, and the
# full bundle.  For each: the session's instructions from its first to its
# last (verification of the index and the bundle, the reads, the install,
# the checks), split by what runs them (P-256, SHA-256, the patcher and
# inflater, flash writes, the link, the rest), per KiB installed, and the
# bytes moved over the link against the bundle's size.
#
#   firmware/bench/ota.sh <firmware build dir>
#   MVBUILD=BIN (default: the mvbuild the firmware build was configured with)
set -eu
fw=$(cd "${1:?usage: ota.sh <firmware build dir>}" && pwd)
mvb=${MVBUILD:-$(sed -n 's/^MVBUILD:[A-Z]*=//p' "$fw/CMakeCache.txt" 2>/dev/null)}
[ -x "$mvb" ] || { echo "ota.sh: no mvbuild: set MVBUILD" >&2; exit 1; }
top=$(cd "$(dirname "$0")/../.." && pwd)
board=$top/boards/mps2-an505.yaml
work=$(mktemp -d "${TMPDIR:-/tmp}/mv-ota-bench.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM
mv="$fw/out/microvisor-ota.elf"
[ -f "$mv" ] || { echo "ota.sh: no $mv (this board's port has no update client)" >&2; exit 1; }
cd "$work"
# the microvisor's functions by address (the factory image QEMU runs has
# no symbols): start, size, type, name, sorted
arm-none-eabi-nm -S -n "$fw/microvisor-ota.elf" | awk 'NF == 4 && $3 ~ /[TtWw]/' >syms
"$mvb" keygen -o k.pem >/dev/null
"$mvb" bundle "$fw/examples/test_ota1.elf" --board "$board" --microvisor "$mv" --api "$fw/out/mv_api.yaml" \
	--factory --trust k.pub.pem -o factory.elf >/dev/null 2>&1
"$mvb" bundle "$fw/examples/test_ota1.elf" --board "$board" --microvisor "$mv" --api "$fw/out/mv_api.yaml" \
	--sign k.pem -o v1.mvb >/dev/null 2>&1
"$mvb" bundle "$fw/examples/test_ota2.elf" --board "$board" --microvisor "$mv" --api "$fw/out/mv_api.yaml" \
	--sign k.pem --version 1.1.0 --security-counter 1 -o v2.mvb >/dev/null 2>&1
for r in delta full; do
	d=3
	[ "$r" = full ] && d=0
	"$mvb" publish v1.mvb --repo "repo-$r" --sign k.pem --deltas $d >/dev/null
	"$mvb" publish v2.mvb --repo "repo-$r" --sign k.pem --deltas $d >/dev/null 2>&1
done

count() { # $1: repo; the trace, counted by phase and function
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	rm -f trace.fifo && mkfifo trace.fifo
	awk -v syms="$work/syms" '
	function hex(x,   i, v) { v = 0; x = tolower(x); for (i = 1; i <= length(x); i++) v = v * 16 + index("0123456789abcdef", substr(x, i, 1)) - 1; return v }
	BEGIN { while ((getline l < syms) > 0) { split(l, f, " "); n++; lo[n] = hex(f[1]); hi[n] = lo[n] + hex(f[2]); name[n] = f[4] } }
	function sym(pc,   a, b, m) {
		if (pc >= clo && pc < chi) return cname
		a = 1; b = n
		while (a <= b) { m = int((a + b) / 2); if (pc < lo[m]) b = m - 1; else if (pc >= hi[m]) a = m + 1; else break }
		if (a > b) { clo = pc; chi = pc + 1; cname = "?"; return "?" }
		clo = lo[m]; chi = hi[m]; cname = name[m]; return cname
	}
	/^Trace/ {
		split($4, a, "/"); fn = sym(hex(a[2]))
		if (phase == 0 && fn == "mv_update_session") phase = 1
		else if (phase == 1 && fn == "mv_start_app") { phase = 2 }
		if (phase != 1) next
		total++
		if (fn ~ /^(mvp_|pt_|mont_|mod_|der_|from_mont|vrun|fe_)/) g = "P-256"
		else if (fn ~ /^(mv_sha256|block)/) g = "SHA-256"
		else if (fn ~ /^(mvd_|record_byte|index_byte|decode|build|dist_base|emit|varint|begin_step|put_byte|flush_page|op_|install)/) g = "patcher, inflater"
		else if (fn ~ /^mv_port_flash/) g = "flash writes"
		else if (fn ~ /^(mv_port_link|send|mvl_|mv_link|read_object|read_hash|mv_arch_link|mv_arch_wait|mv_arch_tick|mv_watchdog|dispatch)/) g = "link and waits"
		else if (fn ~ /^(mv_printf|out|flush_line|mv_port_console|out_dec|out_hex|str_len)/) g = "console"
		else g = "session (parsing, checks)"
		grp[g]++
	}
	END {
		printf "  session: %d instructions\n", total
		for (g in grp) printf "    %-26s %10d\n", g, grp[g]
	}' trace.fifo >"count-$1" &
	awk_pid=$!
	qemu-system-arm -M mps2-an505 -display none -monitor none -no-reboot \
		-semihosting-config enable=on,target=native -icount shift=0 -singlestep -d exec,nochain -D trace.fifo \
		-chardev file,id=con,path="console-$1",mux=on -serial chardev:con -serial chardev:con -serial null -serial null \
		-chardev socket,id=lk,host=127.0.0.1,port="$port",server=on,wait=on -serial chardev:lk \
		-kernel factory.elf >/dev/null 2>"qemu-$1.err" &
	qemu_pid=$!
	sleep 0.5
	"$mvb" serve --repo "repo-$1" --device "tcp:127.0.0.1:$port" --once --update-now --timeout 600 \
		>/dev/null 2>"serve-$1" || { cat "serve-$1" "console-$1" >&2; exit 1; }
	sleep 2 # the new app's start, so the trace leaves the session
	kill "$qemu_pid" 2>/dev/null || true
	wait "$awk_pid" || true
}

for r in delta full; do
	count "$r"
	installed=$(sed -n 's/.*verified: \([0-9]*\) bytes.*/\1/p' "console-$r" | tail -1)
	moved=$(sed -n 's/.*(\([0-9]*\) bytes over the link).*/\1/p' "console-$r" | tail -1)
	size=$(sed -n "s/.*installing 1.1.0 ([a-z]*, \([0-9]*\) bytes).*/\1/p" "console-$r" | tail -1)
	echo "$r install of 1.1.0: bundle $size B, $moved B moved over the link (index included), image $installed B"
	cat "count-$r"
	total=$(sed -n 's/^  session: \([0-9]*\) instructions/\1/p' "count-$r")
	echo "    per KiB installed: $((total * 1024 / installed)) instructions"
done
