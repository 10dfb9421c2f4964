#!/bin/bash
# flash.sh - `mvbuild flash` against a scripted GDB server (tests/tools/
# rspsim.c) that can offer flash and a memory map, garble replies, answer
# errors, drop the connection, lose writes, or be slow enough to kill
# mvbuild half-way.  After every flash the server's memory is compared
# byte for byte with the factory image of the same app (independent of
# mvbuild's own read-back).
# usage: flash.sh MVBUILD SRCDIR TMPDIR RSPSIM
set -u
MVB=$1 SRC=$2 T=$3 SIM=$4
. "$(dirname "$0")/lib.sh"

CC=$FIXTURE_CC LD=$FIXTURE_LD
APP=$SRC/tests/data/elf/app.yaml
$CC $LD "$SRC/tests/data/elf/app.c" -lgcc -o "$T/app.elf" || { echo "cannot build fixture"; exit 1; }
"$MVB" keygen -o "$T/k.pem" >/dev/null 2>&1 || { echo "keygen failed"; exit 1; }
"$MVB" bundle "$T/app.elf" --app "$APP" --sign "$T/k.pem" -o "$T/app.mvb" 2>/dev/null || { echo "bundle failed"; exit 1; }
"$MVB" bundle "$T/app.elf" --app "$APP" --unsigned -o "$T/unsigned.mvb" 2>/dev/null || exit 1
"$MVB" bundle "$T/app.elf" --app "$APP" --factory -o "$T/factory.hex" 2>/dev/null || exit 1
# a second release: other code, the same microvisor
$CC $LD -O2 "$SRC/tests/data/elf/app.c" -lgcc -o "$T/app2.elf" || { echo "cannot build fixture 2"; exit 1; }
"$MVB" bundle "$T/app2.elf" --app "$APP" --sign "$T/k.pem" -o "$T/app2.mvb" 2>/dev/null || exit 1
"$MVB" bundle "$T/app2.elf" --app "$APP" --factory -o "$T/factory2.hex" 2>/dev/null || exit 1

# mps2-an505: microvisor and app header in code SSRAM (secure alias), app
# in its non-secure window
RAM="--ram 0x10000000:0x40000 --ram 0x00200000:0x20000"
SIMPID=
start_sim() { # rspsim options...
	stop_sim
	rm -f "$T/port" "$T"/mem.*
	"$SIM" --port-file "$T/port" --dump "$T/mem" --log "$T/sim.log" "$@" &
	SIMPID=$!
	for _ in $(seq 1500); do [ -s "$T/port" ] && break; sleep 0.02; done
	PORT=$(cat "$T/port" 2>/dev/null)
	[ -n "$PORT" ] || { echo "FAIL: rspsim $* did not start within 30 s"; cat "$T/sim.log" 2>/dev/null; }
	PROBE=gdb://127.0.0.1:$PORT
}
stop_sim() {
	if [ -n "$SIMPID" ]; then kill "$SIMPID" 2>/dev/null; wait "$SIMPID" 2>/dev/null; fi
	SIMPID=
}
trap stop_sim EXIT

# dumps so far; wait_dump OLD waits (up to 10 s) until there are more
dumps() { cat "$T/mem.count" 2>/dev/null || echo 0; }
wait_dump() {
	for _ in $(seq 1500); do [ "$(dumps)" -gt "$1" ] && return 0; sleep 0.02; done
	return 1
}

# The server's memory (dumped before it answers a read or detach, and after each connection) against the factory
# image: every byte of every record must be there.  $1: "header-blank" to
# require instead that the app header is still cleared (0xff).
same_as_factory() {
	python3 - "$T/${FACTORY:-factory.hex}" "$T/mem" "${1:-}" <<'EOF'
import sys, glob
hexf, dump, mode = sys.argv[1], sys.argv[2], sys.argv[3]
regions = {}
for p in glob.glob(dump + ".[0-9a-f]*[0-9a-f]"):
    regions[int(p.rsplit(".", 1)[1], 16)] = open(p, "rb").read()
def byte_at(a):
    for s, d in regions.items():
        if s <= a < s + len(d):
            return d[a - s]
    raise SystemExit("address 0x%08x is in no region" % a)
upper = 0
bad = 0
for line in open(hexf):
    line = line.strip()
    n, off, typ = int(line[1:3], 16), int(line[3:7], 16), int(line[7:9], 16)
    data = bytes.fromhex(line[9:9 + 2 * n])
    if typ == 4:
        upper = int.from_bytes(data, "big") << 16
    elif typ == 0:
        for i, b in enumerate(data):
            a = upper + off + i
            want = b
            if mode == "header-blank" and 0x10022000 <= a < 0x10022100:
                want = 0xff
            if byte_at(a) != want:
                bad += 1
                if bad < 4:
                    print("0x%08x: 0x%02x, want 0x%02x" % (a, byte_at(a), want))
sys.exit(1 if bad else 0)
EOF
}

# --- plain RAM target: binary X writes, read-back verify, byte-exact
start_sim $RAM
expect 0 "flash over X" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --reset system_reset
has err "with X packets; verified by read-back" "X summary"
has err "rspsim: monitor 'system_reset'" "reset command sent"
if same_as_factory; then ok; else bad "memory after X flash differs from the factory image"; fi
# the header went in last, after its range was cleared first
if python3 - "$T/sim.log" <<'EOF'
import re, sys
writes = [int(m.group(1), 16) for m in re.finditer(r"^<- [XM]([0-9a-f]+),", open(sys.argv[1]).read(), re.M)]
hdr = [i for i, a in enumerate(writes) if 0x10022000 <= a < 0x10022100]
assert len(hdr) == 2 and hdr[0] == 0 and hdr[1] == len(writes) - 1, (hdr, len(writes))
EOF
then ok; else bad "app header not cleared first and written last"; fi

# --- an app with 'watchdog: 2s': the header flash writes from the bundle
# (mvu_app_header, the device's rule) is the factory image's, made from the
# ELF and the app manifest, and carries the deadline (ah_watchdog_ms 2000)
printf 'watchdog: 2s\n' | cat "$APP" - >"$T/wd.yaml"
"$MVB" bundle "$T/app.elf" --app "$T/wd.yaml" --sign "$T/k.pem" -o "$T/wd.mvb" 2>/dev/null || bad "bundle with a watchdog"
"$MVB" bundle "$T/app.elf" --app "$T/wd.yaml" --factory -o "$T/factory-wd.hex" 2>/dev/null || bad "factory with a watchdog"
start_sim $RAM
expect 0 "flash an app with a watchdog" -- "$MVB" flash "$T/wd.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --no-run
if FACTORY=factory-wd.hex same_as_factory; then ok; else bad "the header flashed from a bundle differs from the factory image's"; fi
if python3 -c 'import struct,sys,zlib; d=open(sys.argv[1],"rb").read()[0x22000:0x22100]; assert d[:4]==b"MVAP" and struct.unpack_from("<I", d, 0x88)[0]==2000 and struct.unpack_from("<I", d, 0xfc)[0]==zlib.crc32(d[:0xfc]), d[0x88:0x8c]' "$T/mem.10000000"; then ok; else bad "ah_watchdog_ms is not 2000 in the flashed header"; fi

# --- a server without X (QEMU 7.2): hex M packets; run-length replies
start_sim $RAM --no-x
expect 0 "flash over M" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --no-run
has err "with M packets" "M summary"
if same_as_factory; then ok; else bad "memory after M flash differs"; fi

# --- a server whose qCRC goes wrong after two good answers: the bytes
# read back right, so verification goes on by read-back and says so
start_sim $RAM --crc --bad-crc-after 2
expect 0 "flash with a server whose CRC lies" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --no-run
has err "verified by read-back" "read-back after a lying CRC"
has err "qCRC disagreed at 0x" "the distrusted CRC is named"
[ "$(grep -c '^<- qCRC' "$T/sim.log")" = 3 ] && ok || bad "qCRC asked again after it disagreed"
if same_as_factory; then ok; else bad "memory after a lying-CRC flash differs"; fi

# --- no --key: flashed, and the output says the signature went unchecked
start_sim $RAM
expect 0 "flash without --key" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --no-run
has err "1 signature not checked (no --key)" "unchecked signature named"
if same_as_factory; then ok; else bad "memory after a flash without --key differs"; fi

# --- qCRC verification, no-ack mode, small packets
start_sim $RAM --crc --noack --packet-size 0x100
expect 0 "flash with qCRC, no-ack, 256-byte packets" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --no-run
has err "verified by CRC" "CRC verify"
if same_as_factory; then ok; else bad "memory after CRC-verified flash differs"; fi
grep -q '^<- QStartNoAckMode' "$T/sim.log" && ok || bad "no-ack mode not requested"

# --- flash memory: the memory map sends the app through vFlash erase/write
start_sim --ram 0x10000000:0x40000 --flash 0x00200000:0x20000:0x2000
expect 0 "flash through vFlash" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --no-run
has err "with vFlash X packets" "vFlash summary"
if same_as_factory; then ok; else bad "memory after vFlash flash differs"; fi
grep -q '^<- vFlashErase:200000,2000' "$T/sim.log" && ok || bad "app flash block not erased"
grep -q '^<- vFlashDone' "$T/sim.log" && ok || bad "no vFlashDone"

# --- all of it in flash: erased-looking steps (the microvisor image's 0xff
# gap) are left erased, not programmed, and still verified
start_sim --flash 0x10000000:0x40000:0x2000 --flash 0x00200000:0x20000:0x2000
expect 0 "flash everything through vFlash" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --no-run
has err "bytes of 0xff left erased" "erased steps skipped"
if same_as_factory; then ok; else bad "memory after all-flash vFlash differs"; fi
if grep -q '^<- vFlashWrite:1000' "$T/sim.log"; then ok; else bad "microvisor not written through vFlash"; fi

# --- --changed-only: compare first, erase and write only what differs
# log_since N: the sim log from line N on
log_since() { tail -n +"$(($1 + 1))" "$T/sim.log"; }
start_sim --flash 0x10000000:0x40000:0x2000 --flash 0x00200000:0x20000:0x2000 --crc
expect 0 "flash into flash" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --no-run
n0=$(wc -l <"$T/sim.log")
expect 0 "the same bundle again, --changed-only" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --no-run --changed-only --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["changed_only"] and d["unchanged"]==d["bytes"]>0 and d["erased"]==0 and d["verified"]=="crc", d' "$T/out"; then ok; else bad "--changed-only: not everything left alone"; fi
if log_since "$n0" | grep -q '^<- vFlash\(Erase\|Write\)'; then bad "--changed-only erased or wrote an unchanged image"; else ok; fi
if log_since "$n0" | grep -q '^<- qCRC:'; then ok; else bad "--changed-only did not compare by qCRC"; fi
if same_as_factory; then ok; else bad "memory after an unchanged --changed-only flash differs"; fi
n0=$(wc -l <"$T/sim.log")
expect 0 "another app, --changed-only" -- "$MVB" flash "$T/app2.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --no-run --changed-only --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert 0<d["unchanged"]<d["bytes"] and 0<d["erased"], d' "$T/out"; then ok; else bad "--changed-only: a new app"; fi
# only the app's blocks and the header's block: none of the microvisor's
if log_since "$n0" | python3 -c '
import re, sys
er = [int(m.group(1), 16) for l in sys.stdin for m in [re.match(r"<- vFlashErase:([0-9a-f]+),", l)] if m]
assert er and all(a >= 0x00200000 or 0x10022000 <= a < 0x10024000 for a in er), [hex(a) for a in er]'; then ok; else bad "--changed-only erased microvisor blocks for an app update"; fi
if FACTORY=factory2.hex same_as_factory; then ok; else bad "memory after a --changed-only app update differs"; fi
# without qCRC and in RAM: compared by reading back
start_sim $RAM
expect 0 "flash into RAM" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --no-run
n0=$(wc -l <"$T/sim.log")
expect 0 "again, --changed-only, by read-back" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --no-run --changed-only
has err "; 12[0-9]* bytes already on the device left alone" "--changed-only summary"
if log_since "$n0" | grep -q '^<- [XM][0-9a-f]'; then bad "--changed-only wrote unchanged RAM"; else ok; fi
expect 0 "another app into RAM, --changed-only" -- "$MVB" flash "$T/app2.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --no-run --changed-only
if FACTORY=factory2.hex same_as_factory; then ok; else bad "RAM after a --changed-only app update differs"; fi

# --- garbled replies: every third reply has a bad checksum; NAK and retry
start_sim $RAM --corrupt-every 3
expect 0 "flash through garbled replies" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --no-run
if same_as_factory; then ok; else bad "memory after garbled-reply flash differs"; fi

# --- the server answers an error: say what was written where
start_sim $RAM --error-at 0x00200010
expect 3 "server error" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem"
has err "answered 'E0e' to writing .* bytes at 0x00200000" "error names address"

# --- a server that loses writes (QEMU drops writes to unmapped memory)
start_sim $RAM --lie-at 0x00200020
expect 3 "lost write caught by verify" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem"
has err "verify failed: 0x00200020 (app)" "mismatch address"
expect 0 "--no-verify trusts it (and says so)" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --no-verify --no-run
has err "NOT verified" "no-verify summary"

# --- the connection drops mid-write; the next flash repairs the device
start_sim $RAM --drop-after 60000
before=$(dumps)
expect 3 "connection dropped" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem"
has err "closed the connection" "drop message"
wait_dump "$before" || bad "no dump after the dropped connection"
if same_as_factory header-blank; then bad "dropped flash left a complete image?"; else ok; fi
if python3 -c "import sys; d=open(sys.argv[1],'rb').read(); sys.exit(0 if d[0x22000:0x22100]==b'\xff'*256 else 1)" "$T/mem.10000000"; then ok; else bad "app header not cleared after an interrupted flash"; fi
expect 0 "flash again after the drop, --changed-only" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --no-run --changed-only
if same_as_factory; then ok; else bad "memory after the repeated flash differs"; fi

# --- killed half-way (SIGKILL, no clean-up at all), then repeated
# stop_mid_flash SIGNAL: a flash through a slow server, stopped by SIGNAL
# once it is well into the writes; sets rc to mvbuild's exit status
stop_mid_flash() {
	start_sim $RAM --delay-ms 15
	local before
	before=$(dumps)
	"$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --no-run >"$T/out" 2>"$T/err" &
	local fpid=$!
	for _ in $(seq 1500); do grep -q '^<- X1000' "$T/sim.log" 2>/dev/null && break; sleep 0.02; done
	sleep 0.3
	kill "-$1" "$fpid" 2>/dev/null
	wait "$fpid"
	rc=$?
	wait_dump "$before" || bad "no dump after the stopped flash"
}
stop_mid_flash KILL
if [ "$(grep -c '^<- X' "$T/sim.log")" -gt 2 ]; then ok; else bad "kill did not land mid-write"; fi
if python3 -c "import sys; d=open(sys.argv[1],'rb').read(); sys.exit(0 if d[0x22000:0x22100]==b'\xff'*256 else 1)" "$T/mem.10000000"; then ok; else bad "app header not cleared after a killed flash"; fi
expect 0 "flash again after the kill" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --no-run
if same_as_factory; then ok; else bad "memory after flash-kill-flash differs"; fi

# --- Ctrl-C half-way: a clean stop that says what state the device is in
stop_mid_flash INT
if [ "$rc" = 3 ]; then ok; else bad "Ctrl-C: exit $rc, want 3"; fi
has err "interrupted after writing .* bytes; the device has no bootable app until the next 'mvbuild flash'" "interrupt message"
expect 0 "flash again after Ctrl-C" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --no-run
if same_as_factory; then ok; else bad "memory after flash-interrupt-flash differs"; fi

# --- servers that talk but never answer: each is status 3 within the
# documented deadline (every reply within --reply-timeout, default 5 s; a
# flash erase 1 s more per 32 KiB), never a hang
# hang_case WANT_MS MAX_MS DESCRIPTION -- command: status 3, after at
# least WANT_MS and at most MAX_MS milliseconds
hang_case() {
	local want=$1 max=$2 what=$3 t0 ms
	shift 3
	t0=$(date +%s%N)
	expect 3 "$what" "$@"
	ms=$((($(date +%s%N) - t0) / 1000000))
	if [ "$ms" -ge "$want" ] && [ "$ms" -le "$max" ]; then ok; else bad "$what: took $ms ms, want $want..$max"; fi
}
start_sim $RAM --hostile silent
hang_case 2000 4000 "silent server, --reply-timeout 2" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --reply-timeout 2
has err "no complete reply from the GDB server within 2 s while greeting the GDB server (it sent 1 byte meanwhile)" "silence named"
start_sim $RAM --hostile trickle --trickle-ms 3000
hang_case 5000 7000 "a byte every 3 s, default deadline" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem"
has err "no complete reply from the GDB server within 5 s while greeting the GDB server (it sent [23] bytes meanwhile)" "trickle named"
for mode in noise endless console notify; do
	start_sim $RAM --hostile $mode
	hang_case 0 5000 "server sending $mode" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem"
done
start_sim $RAM --hostile noise
expect 3 "noise" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem"
has err "the GDB server sent 1048576 bytes but no reply while greeting" "noise named"
start_sim $RAM --hostile endless
expect 3 "endless packet" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem"
has err "reply longer than 65536 bytes" "endless packet named"
# mid-flash: keep-alive packets (an empty 'O' each second) instead of the
# reply to a write; and to an erase, which gets 1 s more for its 8 KiB
start_sim $RAM --hostile keepalive --hostile-at X
hang_case 2000 4000 "keep-alives instead of a write's reply" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --reply-timeout 2
has err "no complete reply from the GDB server within 2 s while writing .* (writing [0-9]* bytes at 0x" "write deadline named"
start_sim --ram 0x10000000:0x40000 --flash 0x00200000:0x20000:0x2000 --hostile keepalive --hostile-at vFlashErase
hang_case 3000 5000 "keep-alives instead of an erase's reply" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --reply-timeout 2
has err "within 3 s while erasing flash" "erase allowance named"
expect 2 "--reply-timeout 0" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --reply-timeout 0

# --- QEMU started by hand behind gdb://: reset as --probe qemu resets it,
# and a --reset the server does not know is status 3, not a note
start_sim $RAM --qemu
expect 0 "gdb:// to a QEMU: reset without --reset" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem"
if grep -q "^<- qqemu.sstepbits" "$T/sim.log" && grep -q "^<- qRcmd,$(printf system_reset | od -An -tx1 | tr -d ' \n')" "$T/sim.log"; then ok; else bad "gdb:// to a QEMU: asked, then system_reset"; fi
if grep -q "no reset command" "$T/err"; then bad "gdb:// to a QEMU: said there is no reset"; else ok; fi
expect 3 "a --reset the server does not know" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --reset bogus
has err "flash: the GDB server refused monitor command 'bogus' (unknown command: 'bogus')" "refused reset named"
start_sim $RAM
expect 0 "gdb:// to another server: no reset guessed" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem"
has err "no reset command for this probe" "another server: said so"
if grep -q "^<- qRcmd" "$T/sim.log"; then bad "another server: a monitor command was sent"; else ok; fi
# the real thing: QEMU's own gdbstub, its console in a file; the
# microvisor's boot lines show the device was reset after the write
if command -v qemu-system-arm >/dev/null; then
	QPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	qemu-system-arm -M mps2-an505 -display none -monitor none -S -gdb "tcp:127.0.0.1:$QPORT" \
		-chardev stdio,id=con,mux=on -serial chardev:con -serial chardev:con \
		-semihosting-config enable=on,target=native </dev/null >"$T/qemu.console" 2>&1 &
	QEMUPID=$!
	for _ in $(seq 250); do (exec 3<>"/dev/tcp/127.0.0.1/$QPORT") 2>/dev/null && break; sleep 0.02; done
	expect 0 "QEMU started by hand, through gdb://" -- "$MVB" flash "$T/app.mvb" --probe "gdb://127.0.0.1:$QPORT" --key "$T/k.pub.pem"
	# the console as QEMU wrote it, tokens and all: decoded to read it
	for _ in $(seq 250); do "$MVB" decode "$T/qemu.console" | grep -q "mv: app 'fixture' 1.2.3 verified" && break; sleep 0.02; done
	"$MVB" decode "$T/qemu.console" >"$T/qemu.decoded"
	if grep -q "^mv: microvisor .* board mps2-an505" "$T/qemu.decoded" && grep -q "mv: app 'fixture' 1.2.3 verified" "$T/qemu.decoded"; then ok; else bad "QEMU by hand: the microvisor did not boot the app"; sed 's/^/  | /' "$T/qemu.decoded" | head; fi
	kill "$QEMUPID" 2>/dev/null
	wait "$QEMUPID" 2>/dev/null
else
	bad "qemu-system-arm is not installed (scripts/setup.sh installs it)"
fi

# --- factory images (HEX), JSON summary
start_sim $RAM
expect 0 "flash a factory .hex" -- "$MVB" flash "$T/factory.hex" --probe "$PROBE" --no-run
if same_as_factory; then ok; else bad "memory after .hex flash differs"; fi
expect 0 "json summary" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem" --no-run --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["kind"]=="bundle" and d["probe"]=="gdb" and d["verified"]=="read-back" and d["bytes"]==sum(p["size"] for p in d["pieces"]) and d["pieces"][-1]["what"]=="app header", d' "$T/out"; then ok; else bad "json summary shape"; fi

# --- refusals before any connection
expect 1 "unsigned bundle refused" -- "$MVB" flash "$T/unsigned.mvb" --probe "$PROBE"
has err "\[bundle-unsigned\]" "unsigned id"
expect 0 "--allow-unsigned" -- "$MVB" flash "$T/unsigned.mvb" --probe "$PROBE" --allow-unsigned --no-run
"$MVB" keygen -o "$T/other.pem" >/dev/null 2>&1
expect 1 "signed by an untrusted key" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/other.pub.pem"
has err "no signature by the trusted key [0-9a-f]\{16\}: the bundle.s 1 signature is by key" "untrusted key named"
expect 1 "another board" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --board stm32u585
has err "\[bundle-board\]" "board id"
# a validly signed bundle whose app layer sits in the secure alias, or
# over the app header: refused before anything is written
for c in secure:0x10200000 header:0x10022000; do
	python3 -c 'import struct,sys; b=bytearray(open(sys.argv[1],"rb").read()); struct.pack_into("<I", b, 64 + 192 + 96 + 4, int(sys.argv[3], 0)); open(sys.argv[2],"wb").write(b)' \
		"$T/app.mvb" "$T/place-u.mvb" "${c#*:}"
	"$MVB" sign "$T/place-u.mvb" --key "$T/k.pem" -o "$T/place.mvb" >/dev/null 2>&1 || bad "sign the ${c%%:*} case"
	n0=$(wc -l <"$T/sim.log")
	expect 1 "misplaced app layer (${c%%:*})" -- "$MVB" flash "$T/place.mvb" --probe "$PROBE" --key "$T/k.pub.pem"
	has err "offset 0x164: error: app layer .*\[bundle-layer-start\]" "misplaced (${c%%:*}): id and where"
	if [ "$(wc -l <"$T/sim.log")" = "$n0" ]; then ok; else bad "misplaced (${c%%:*}): the server was spoken to"; fi
done
head -c 300 "$T/app.mvb" >"$T/trunc.mvb"
expect 1 "truncated bundle" -- "$MVB" flash "$T/trunc.mvb" --probe "$PROBE"
sed '3s/..$/00/' "$T/factory.hex" >"$T/badsum.hex"
expect 1 "bad HEX checksum" -- "$MVB" flash "$T/badsum.hex" --probe "$PROBE"
has err "badsum.hex:3:.*\[ihex-record\]" "ihex line and id"
printf 'plain bytes' >"$T/raw.bin"
expect 1 "raw binary refused" -- "$MVB" flash "$T/raw.bin" --probe "$PROBE"
has err "raw.bin: error: neither a bundle, an ELF file nor Intel HEX .*\[image-format\]" "raw binary: id"
# a refusal with --format json is still one document, with the findings
expect 1 "truncated bundle, json" -- "$MVB" flash "$T/trunc.mvb" --probe "$PROBE" --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]==1 and d["command"]=="flash" and d["errors"]==1 and d["findings"][0]["id"].startswith("bundle-")' "$T/out"; then ok; else bad "flash refusal json"; fi
expect 2 "bad probe" -- "$MVB" flash "$T/app.mvb" --probe gdb://nohost
expect 2 "unknown probe" -- "$MVB" flash "$T/app.mvb" --probe jtag
stop_sim
expect 3 "nothing listening" -- "$MVB" flash "$T/app.mvb" --probe "$PROBE" --key "$T/k.pub.pem"
has err "cannot connect to 127.0.0.1:$PORT" "connect message"
expect 3 "st-util missing" -- env MVBUILD_STUTIL=/nonexistent/st-util "$MVB" flash "$T/app.mvb" --probe stlink
has err "not installed (Debian: apt-get install stlink-tools)" "st-util hint"
# an stm32u585 bundle (the fixture app in its app_flash and app_ram)
U5LD="-T $SRC/tests/data/elf/app.ld -Wl,--defsym=FLASH_ORIGIN=0x08040000,--defsym=FLASH_LENGTH=0x1C0000,--defsym=RAM_ORIGIN=0x20040000,--defsym=RAM_LENGTH=0x80000,--defsym=STACK_SIZE=0x1000"
printf 'schema: 1\nname: u5\nversion: 1.0.0\n' >"$T/u5.yaml"
$CC $U5LD "$SRC/tests/data/elf/app.c" -lgcc -o "$T/u5.elf" &&
	"$MVB" bundle "$T/u5.elf" --board stm32u585 --app "$T/u5.yaml" --unsigned -o "$T/u5.mvb" 2>/dev/null ||
	bad "cannot build the stm32u585 bundle"

# --- stm32u585 option bytes (src/optbytes): read through the probe before
# anything is written; rspsim --u5-options holds the flash controller's
# option registers and acts on OpenOCD's commands that change them
U5SIM="--flash 0x0c000000:0x40000:0x2000 --flash 0x08040000:0x1c0000:0x2000 --ram 0x30030000:0x1000"
start_sim $U5SIM --u5-options 0x1feff8aa
expect 3 "stm32u585, option bytes fresh from the factory" -- "$MVB" flash "$T/u5.mvb" --probe "$PROBE" --allow-unsigned --no-run
has err "flash: option bytes: TZEN is 0, must be 1" "TZEN named"
has err "SECWM1R1 is 0x007f0000 (secure pages 0-127 of bank 1), must be 0x001f0000" "SECWM1R1: the value it needs"
has err "SECWM2R1 is 0x007f0000 .*must be 0x0000007f" "SECWM2R1: the value it needs"
has err "nothing was written ('mvbuild provision --board stm32u585' sets them)" "provision named"
if grep -Eq '^<- (vFlash|M|X)' "$T/sim.log"; then bad "written before the option bytes were right"; else ok; fi
expect 3 "provision --check" -- "$MVB" provision --board stm32u585 --probe "$PROBE" --check
has err "provision: option bytes: TZEN is 0" "--check names TZEN"
if grep -q 'qRcmd' "$T/sim.log"; then bad "--check sent a monitor command"; else ok; fi
expect 0 "provision" -- "$MVB" provision --board stm32u585 --probe "$PROBE"
has out "option bytes as the microvisor needs them: OPTR 0x9feff8aa SECBOOTADD0R 0x0c000000 SECWM1R1 0x001f0000 SECWM2R1 0x0000007f" "provisioned"
has err "monitor stm32l4x trustzone 0 enable" "TrustZone first"
has err "monitor stm32l4x option_write 0 0x50 0x001f0000 0x007f007f" "watermark 1 written"
if grep -Eiq 'wrp|protect|lock|mass_erase|option_write 0 0x40 [^ ]+ 0x[0-9a-f]{6}([1-9a-f].|.[1-9a-f])' "$T/err"; then bad "provision sent a protection or RDP command"; else ok; fi
expect 0 "provision again: nothing to do" -- "$MVB" provision --board stm32u585 --probe "$PROBE"
if grep -q 'monitor' "$T/err"; then bad "provision wrote right option bytes again"; else ok; fi
expect 0 "stm32u585 flashed once provisioned" -- "$MVB" flash "$T/u5.mvb" --probe "$PROBE" --allow-unsigned --no-run
for c in "0x1fefe8bb:RDP is level 1 (0xbb)" "0x9feff855:RDP is level 0.5 (0x55)" "0x9fbff8aa:SWAP_BANK is 1" \
	"0x93eff8aa:nSWBOOT0 and nBOOT0 are 0"; do
	start_sim $U5SIM --u5-options "${c%%:*},0x0c000000,0x001f0000,0x0000007f"
	expect 3 "flash refused: ${c#*:}" -- "$MVB" flash "$T/u5.mvb" --probe "$PROBE" --allow-unsigned --no-run
	has err "option bytes: ${c#*:}" "${c#*:}: named"
done
start_sim $U5SIM --u5-options 0x9feff8bb,0x0c000000,0x001f0000,0x0000007f
expect 3 "provision will not regress RDP" -- "$MVB" provision --board stm32u585 --probe "$PROBE"
has err "provision: nothing was written" "RDP: nothing written"
if grep -q 'qRcmd' "$T/sim.log"; then bad "provision wrote above RDP level 0"; else ok; fi
start_sim $U5SIM --u5-options 0x9feff8aa,0x0c040001,0x001f0000,0x0000007f
expect 3 "a locked boot address elsewhere" -- "$MVB" provision --board stm32u585 --probe "$PROBE"
has err "SECBOOTADD0 is 0x0c040000, must be 0x0c000000 .*BOOT_LOCK is set" "locked boot address"
if grep -q 'qRcmd' "$T/sim.log"; then bad "provision wrote with a locked boot address"; else ok; fi
stop_sim
expect 2 "provision: a board without option bytes" -- "$MVB" provision --board mps2-an505 --print
expect 2 "provision: no board" -- "$MVB" provision
expect 2 "provision: not through st-util" -- "$MVB" provision --board stm32u585 --probe stlink
# an st-util that does not know the chip (as stlink-tools 1.7.0 says it) is named so
printf '#!/bin/sh\necho "2024-01-01T00:00:00 ERROR common.c: unknown chip id! 0xe0042000" >&2\nexit 1\n' >"$T/st-util-old"
chmod +x "$T/st-util-old"
expect 3 "st-util that does not know the chip" -- env MVBUILD_STUTIL="$T/st-util-old" "$MVB" flash "$T/u5.mvb" --board stm32u585 --probe stlink --allow-unsigned
has err "st-util-old does not know this chip .*0x482.*use --probe openocd" "unknown chip named with the fix"

# the real st-util and OpenOCD (Debian packages), with no probe on this machine
if command -v st-util >/dev/null && command -v openocd >/dev/null; then
	expect 3 "st-util without an ST-Link" -- "$MVB" flash "$T/app.mvb" --probe stlink --key "$T/k.pub.pem"
	has err "no ST-Link found: st-util exited with status" "no st-link message"
	sed 's|  qemu-machine: mps2-an505|  qemu-machine: mps2-an505\n  openocd-target: target/stm32u5x.cfg\n  openocd-config: interface/stlink.cfg|' \
		"$SRC/boards/mps2-an505.yaml" >"$T/with-openocd.yaml"
	expect 3 "openocd without a probe" -- "$MVB" flash "$T/app.mvb" --probe openocd --board "$T/with-openocd.yaml" --key "$T/k.pub.pem"
	has err "no ST-LINK found: openocd exited with status" "no probe message"
	# stm32u585: OpenOCD with stlink-dap is its default probe (Debian's
	# st-util does not know the chip)
	expect 3 "stm32u585 with no board attached" -- "$MVB" flash "$T/u5.mvb" --board stm32u585 --allow-unsigned
	has err "no ST-LINK found: openocd exited with status" "no ST-LINK for stm32u585"
	# the command line it gives OpenOCD parses with Debian's OpenOCD: every
	# file and command up to 'init', then 'shutdown' (a bad command or file
	# is status 1 there)
	cat >"$T/openocd-rec" <<'EOF'
#!/usr/bin/env python3
import subprocess, sys
a = sys.argv[1:]
open(sys.argv[0] + ".args", "w").write("\n".join(a) + "\n")
i = next(k for k in range(len(a) - 1) if a[k] == "-c" and a[k + 1] == "init")
rc = subprocess.call(["openocd"] + a[:i] + ["-c", "shutdown"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
open(sys.argv[0] + ".parsed", "w").write("%d\n" % rc)
sys.exit(1)
EOF
	chmod +x "$T/openocd-rec"
	expect 3 "stm32u585 OpenOCD command line" -- env MVBUILD_OPENOCD="$T/openocd-rec" "$MVB" flash "$T/u5.mvb" --board stm32u585 --allow-unsigned
	if [ "$(cat "$T/openocd-rec.parsed" 2>/dev/null)" = 0 ]; then ok; else bad "Debian's OpenOCD refuses the generated command line"; fi
	if grep -qx 'interface/stlink-dap.cfg' "$T/openocd-rec.args" && grep -qx 'reset halt' "$T/openocd-rec.args" &&
		grep -q 'connect_assert_srst' "$T/openocd-rec.args" && ! grep -Eqi 'protect|lock|option|rdp' "$T/openocd-rec.args"; then
		ok
	else
		bad "the OpenOCD command line: $(tr '\n' ' ' <"$T/openocd-rec.args")"
	fi
else
	bad "st-util and openocd are not installed (scripts/setup.sh installs stlink-tools and openocd)"
fi
if command -v openocd >/dev/null; then
	expect 3 "provision with no board attached" -- "$MVB" provision --board stm32u585
	has err "no ST-LINK found: openocd exited with status" "provision: no ST-LINK"
	# the printed recipe: every command line parses with Debian's OpenOCD
	# 0.12 (files and commands up to 'init'), every command after 'init' is
	# one it knows, and none protects, locks or changes RDP
	expect 0 "provision --print" -- "$MVB" provision --board stm32u585 --print
	[ "$(grep -c '^openocd ' "$T/out")" = 2 ] && ok || bad "provision --print: want 2 OpenOCD runs"
	if python3 - "$T/out" <<'EOF'
import shlex, subprocess, sys
for line in open(sys.argv[1]):
    if not line.startswith("openocd "):
        continue
    a = shlex.split(line)[1:]
    i = next(k for k in range(len(a) - 1) if a[k] == "-c" and a[k + 1] == "init")
    checks = []
    for c in [a[k + 1] for k in range(i + 2, len(a) - 1, 2)]:
        w = c.split()
        if any(x in c.lower() for x in ("wrp", "protect", "lock", "mass_erase")):
            sys.exit("forbidden: " + c)
        if w[:2] == ["stm32l4x", "option_write"] and int(w[3], 0) == 0x40 and int(w[5], 0) & 0xff:
            sys.exit("RDP written: " + c)
        # 'reset halt' is registered only at init (as 'flash' uses it too);
        # the flash driver's commands exist once the target file is read
        if c in ("reset halt", "shutdown"):
            continue
        if w[0] != "stm32l4x":
            sys.exit("unexpected: " + c)
        checks += ["-c", "if {[command mode %s] eq {unknown}} {echo {unknown: %s}; shutdown error}" % (" ".join(w[:2]), c)]
    rc = subprocess.call(["openocd"] + a[:i] + checks + ["-c", "shutdown"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if rc:
        sys.exit("OpenOCD refuses: " + line)
EOF
	then ok; else bad "provision --print: the recipe does not parse with Debian's OpenOCD"; fi
	# and a command OpenOCD does not know fails that check (it can fail)
	if openocd -f interface/stlink-dap.cfg -f target/stm32u5x.cfg -c 'if {[command mode stm32l4x option_writ] eq {unknown}} {shutdown error}' -c shutdown >/dev/null 2>&1; then
		bad "the command check cannot fail"
	else ok; fi
fi

if [ -e "$T/app.mvb.tmp" ] || ls "$T"/.*tmp* "$T"/.mvbuild-* >/dev/null 2>&1; then bad "temporary files left"; else ok; fi

echo "flash: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
