#!/bin/bash
# CLI end to end: exit statuses, ids, JSON shape, atomic outputs, help.
# usage: run.sh MVBUILD SRCDIR TMPDIR
set -u
MVB=$1 SRC=$2 T=$3
. "$(dirname "$0")/lib.sh"

CC=$FIXTURE_CC LD=$FIXTURE_LD
APP=$SRC/tests/data/elf/app.yaml API=$SRC/tests/data/elf/mv_api.yaml
$CC $LD -DCALL_MV -Wl,--defsym=mv_log=0x1001f009 "$SRC/tests/data/elf/app.c" -lgcc -o "$T/good.elf" || { echo "cannot build fixture"; exit 1; }
$CC $LD -DTOUCH_UART2 -DBIG_BSS=0x200000 -Wl,--defsym=RAM_LENGTH=0x300000 "$SRC/tests/data/elf/app.c" -lgcc -o "$T/bad.elf" || exit 1
# the SDK embeds the manifest as a non-alloc section holding the YAML text
arm-none-eabi-objcopy --add-section .mvb.app="$APP" --set-section-flags .mvb.app=contents,readonly "$T/good.elf" "$T/embedded.elf" || exit 1

# --- check: clean app, text and JSON
expect 0 "clean check" -- "$MVB" check "$T/good.elf" --app "$APP" --api "$API"
has out "app_flash  0x00200000" "usage line"
has out "check: 0 errors, 0 warnings" "summary"
has out "microvisor calls: mv_log (needs ABI >= 1.1" "calls"
expect 0 "embedded manifest" -- "$MVB" check "$T/embedded.elf" --api "$API"
has out "app 'fixture' 1.2.3" "embedded manifest used"
printf 'schema: 1\nname: other\nversion: 1.0.0\nperipherals: [uart1]\nirqs: [34]\n' >"$T/other.yaml"
expect 0 "differing manifest is a warning" -- "$MVB" check "$T/embedded.elf" --app "$T/other.yaml" --api "$API"
has out "app-manifest-differs" "differs id"
expect 1 "--werror" -- "$MVB" check "$T/embedded.elf" --app "$T/other.yaml" --api "$API" --werror
expect 0 "json" -- "$MVB" check "$T/good.elf" --app "$APP" --api "$API" --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]==1 and d["errors"]==0 and d["partitions"][0]["name"]=="app_flash" and d["microvisor"]["min_abi"]=="1.1" and d["app"]["name"]=="fixture"' "$T/out"; then ok; else bad "json shape"; fi

# --- check: the pins an app gets with its peripherals (stm32u585 lists
# pins; mps2-an505 has none and shows no pins line)
U5PLD="-T $SRC/tests/data/elf/app.ld -Wl,--defsym=FLASH_ORIGIN=0x08040000,--defsym=FLASH_LENGTH=0x1C0000,--defsym=RAM_ORIGIN=0x20040000,--defsym=RAM_LENGTH=0x80000,--defsym=STACK_SIZE=0x1000"
$CC $U5PLD "$SRC/tests/data/elf/app.c" -lgcc -o "$T/u5pins.elf" || bad "cannot build the stm32u585 pins app"
printf 'schema: 1\nname: pins\nversion: 1.0.0\nperipherals: [usart2, i2c1, tim2]\n' >"$T/pins.yaml"
expect 0 "check shows the pins" -- "$MVB" check "$T/u5pins.elf" --board stm32u585 --app "$T/pins.yaml"
has out "^  pins: usart2 tx PA2 AF7, rx PA3 AF7; i2c1 scl PB8 AF4, sda PB9 AF4$" "pins line"
expect 0 "check shows the pins, json" -- "$MVB" check "$T/u5pins.elf" --board stm32u585 --app "$T/pins.yaml" --format json
if python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["pins"]; assert p==[{"peripheral":"i2c1","signal":"scl","pin":"PB8","af":4},{"peripheral":"i2c1","signal":"sda","pin":"PB9","af":4},{"peripheral":"usart2","signal":"tx","pin":"PA2","af":7},{"peripheral":"usart2","signal":"rx","pin":"PA3","af":7}] or p==[{"peripheral":"usart2","signal":"tx","pin":"PA2","af":7},{"peripheral":"usart2","signal":"rx","pin":"PA3","af":7},{"peripheral":"i2c1","signal":"scl","pin":"PB8","af":4},{"peripheral":"i2c1","signal":"sda","pin":"PB9","af":4}], p' "$T/out"; then ok; else bad "pins json"; fi
printf 'schema: 1\nname: nopins\nversion: 1.0.0\nperipherals: [tim2]\n' >"$T/nopins.yaml"
expect 0 "check: peripherals without pins" -- "$MVB" check "$T/u5pins.elf" --board stm32u585 --app "$T/nopins.yaml"
has out "^  pins: none$" "no pins granted"
expect 0 "mps2-an505: no pins line" -- "$MVB" check "$T/good.elf" --app "$APP" --api "$API"
if grep -q "pins:" "$T/out"; then bad "a pins line on a board without pins"; else ok; fi

# --- check: findings, every one reported, stable ids
expect 1 "bad app" -- "$MVB" check "$T/bad.elf" --app "$APP" --api "$API"
has out "\[partition-overflow\]" "overflow id"
has out "\[periph-literal\]" "literal id"
has out "segment \[1\] (.data, 0x28000000-" "elf location form"
expect 1 "bad app json" -- "$MVB" check "$T/bad.elf" --app "$APP" --api "$API" --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); ids={f["id"] for f in d["findings"]}; assert {"partition-overflow","periph-literal"}<=ids, ids; assert d["errors"]>=1' "$T/out"; then ok; else bad "json findings"; fi

# --- inputs built to be expensive: validation stays linear, and at most
# 100 findings are printed, then a count of the rest (bench/check/hostile.sh)
python3 - "$T" <<'PY'
import struct, sys
n, phoff = 65534, 52
h = b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)
h += struct.pack("<HHIIIIIHHHHHH", 2, 40, 1, 0x00200001, phoff, 0, 0x05000400, 52, 32, n, 40, 0, 0)
h += struct.pack("<IIIIIIII", 1, phoff + 32 * n, 0x00200000, 0x00200000, 4, 4, 5, 4) * n
open(sys.argv[1] + "/phdrs.elf", "wb").write(h + bytes(16))
open(sys.argv[1] + "/keys.yaml", "w").write("schema: 1\nname: big\nversion: 1.0.0\n" + "".join("key%d: 1\n" % i for i in range(45000)))
PY
expect 1 "65,534 program headers over one word" -- timeout 60 "$MVB" check "$T/phdrs.elf" --app "$APP"
if [ "$(grep -c '\[segment-overlap\]' "$T/out")" = 99 ] && grep -q "^check: 65535 errors, 1 warning$" "$T/out"; then ok; else bad "overlaps: 100 findings printed and the summary"; fi
has err "^mvbuild: 65436 more findings not shown (65535 errors and 1 warning in all; --format json lists every one)$" "overlaps: the rest counted"
expect 1 "65,534 program headers, json" -- timeout 60 "$MVB" check "$T/phdrs.elf" --app "$APP" --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["errors"]==65535 and len(d["findings"])==65536 and sum(f["id"]=="segment-overlap" for f in d["findings"])==65534' "$T/out"; then ok; else bad "overlaps json: every finding"; fi
expect 1 "45,000 unknown keys" -- timeout 60 "$MVB" check "$T/good.elf" --app "$T/keys.yaml"
if [ "$(grep -c '\[yaml-unknown-key\]' "$T/out")" = 100 ]; then ok; else bad "unknown keys: 100 printed"; fi
has err "^mvbuild: 44900 more findings not shown" "unknown keys: the rest counted"

# --- malformed and missing inputs
head -c 40 "$T/good.elf" >"$T/trunc.elf"
expect 1 "truncated ELF" -- "$MVB" check "$T/trunc.elf"
has out "offset 0x28: error: .*\[elf-truncated\]" "truncation location"
expect 3 "missing file" -- "$MVB" check "$T/nope.elf"
has err "mvbuild: error: cannot read" "I/O message"
expect 2 "unknown board" -- "$MVB" check "$T/good.elf" --board nosuch
has err "unknown board 'nosuch' (known: .*mps2-an505" "board list"
expect 2 "unknown option" -- "$MVB" check --frobnicate "$T/good.elf"
expect 2 "missing argument" -- "$MVB" check
expect 2 "bad format" -- "$MVB" check "$T/good.elf" --format xml
expect 2 "unknown command" -- "$MVB" frobnicate
expect 2 "a command with a typo" -- "$MVB" chekc "$T/good.elf"
has err "unknown command 'chekc'; did you mean 'check'?" "command suggestion"
expect 2 "an option with a typo" -- "$MVB" publish "$T/a.mvb" --dryrun
has err "unknown option '--dryrun'; did you mean '--dry-run'?" "option suggestion"
expect 2 "an option far from any" -- "$MVB" check --frobnicate "$T/good.elf"
if grep -q "did you mean" "$T/err"; then bad "suggested an option for --frobnicate"; else ok; fi
printf 'schema: 1\nname: x\nversion: 1.0\n' >"$T/badapp.yaml"
expect 1 "bad app manifest" -- "$MVB" check "$T/good.elf" --app "$T/badapp.yaml"
has out "badapp.yaml:3:10: error: .*\[app-version\]" "yaml location"

# --- boards
expect 0 "boards list" -- "$MVB" boards
has out "mps2-an505" "list"
expect 0 "boards show" -- "$MVB" boards show mps2-an505
has out "app_flash   nonsecure code     0x00200000-0x003fffff" "show partitions"
expect 0 "boards show json" -- "$MVB" boards show mps2-an505 --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]==1 and d["findings"]==[] and d["errors"]==0 and d["name"]=="mps2-an505" and any(p["name"]=="app_flash" and p["base"]=="0x00200000" for p in d["partitions"])' "$T/out"; then ok; else bad "boards json"; fi
sed 's/    offset: 0x22000/    offset: 0x21000/' "$SRC/boards/mps2-an505.yaml" >"$T/overlap.yaml"
expect 1 "boards check bad" -- "$MVB" boards check "$T/overlap.yaml"
has err "overlap.yaml:[0-9]*:[0-9]*: error: .*\[board-partition-overlap\]" "board finding"
expect 0 "boards check good" -- "$MVB" boards check "$SRC/boards/mps2-an505.yaml"
# every --format json form is one schema-1 document with its findings
expect 0 "boards list json" -- "$MVB" boards --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]==1 and [b["name"] for b in d["boards"]][:1]==["mps2-an505"] and d["findings"]==[] and d["errors"]==0' "$T/out"; then ok; else bad "boards list json"; fi
expect 1 "boards check json, one bad of two" -- "$MVB" boards check "$T/overlap.yaml" mps2-an505 --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); m=d["manifests"]; assert d["schema"]==1 and len(m)==2 and not m[0]["valid"] and m[0]["board"] is None and "board-partition-overlap" in [f["id"] for f in m[0]["findings"]] and m[1]=={"file":"mps2-an505","board":"mps2-an505","valid":True,"findings":[],"errors":0,"warnings":0} and d["errors"]==m[0]["errors"]>0' "$T/out"; then ok; else bad "boards check json"; fi
if [ ! -s "$T/err" ]; then ok; else bad "boards check json: findings on stderr too"; fi
expect 1 "boards show json, a bad manifest" -- "$MVB" boards show "$T/overlap.yaml" --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]==1 and d["name"] is None and d["errors"]>0 and d["findings"][0]["location"]["line"]>0' "$T/out"; then ok; else bad "boards show json, bad"; fi

# --- gen: deterministic, atomic, never over an input
expect 0 "gen header" -- "$MVB" gen header -o "$T/h1.h"
expect 0 "gen header again" -- "$MVB" gen header -o "$T/h2.h"
if cmp -s "$T/h1.h" "$T/h2.h"; then ok; else bad "gen not deterministic"; fi
cp "$SRC/boards/mps2-an505.yaml" "$T/in.yaml"
expect 3 "refuse to overwrite input" -- "$MVB" gen ld --board "$T/in.yaml" -o "$T/in.yaml"
if cmp -s "$T/in.yaml" "$SRC/boards/mps2-an505.yaml"; then ok; else bad "input changed"; fi
if ls "$T"/in.yaml.tmp* "$T"/.mvbuild-* >/dev/null 2>&1; then bad "temporary file left"; else ok; fi
expect 3 "unwritable output" -- "$MVB" gen ld -o "$T/no/such/dir/x.ld"
# outputs honour the umask (as open(2) would: 0666 filtered), a name of
# NAME_MAX bytes works (the temporary file has a short name of its own)
expect 0 "output under umask 027" -- sh -c 'umask 027 && "$1" gen header -o "$2"' sh "$MVB" "$T/um027.h"
if [ "$(stat -c %a "$T/um027.h")" = 640 ]; then ok; else bad "umask 027 output mode $(stat -c %a "$T/um027.h"), want 640"; fi
expect 0 "output under umask 0" -- sh -c 'umask 0 && "$1" gen header -o "$2"' sh "$MVB" "$T/um000.h"
if [ "$(stat -c %a "$T/um000.h")" = 666 ]; then ok; else bad "umask 0 output mode $(stat -c %a "$T/um000.h"), want 666"; fi
long=$(printf 'n%.0s' $(seq 252)).h
expect 0 "an output name of 255 bytes" -- "$MVB" gen header -o "$T/$long"
same "$T/$long" "$T/h1.h" "the header under a 255-byte name"
expect 0 "a 255-byte name replaced" -- "$MVB" gen header -o "$T/$long"
if ls "$T"/.mvbuild-* >/dev/null 2>&1; then bad "temporary file left"; else ok; fi

# --- inputs that are pipes or devices, outputs that are, and full disks
mkfifo "$T/fifo" "$T/ofifo"
expect 3 "a FIFO nothing writes to: refused at once" -- timeout 20 "$MVB" check "$T/fifo" --app "$APP"
has err "cannot read '.*fifo': a pipe or device that gave no data" "empty FIFO named"
exec 4<>"$T/fifo" # a writer that never writes
t0=$(date +%s%N)
expect 3 "a FIFO whose writer stalls: the input deadline" -- env MVBUILD_TEST_INPUT_TIMEOUT_MS=1500 timeout 20 "$MVB" check "$T/fifo" --app "$APP"
ms=$((($(date +%s%N) - t0) / 1000000))
exec 4>&-
has err "a pipe or device that did not end within 30 s" "stalled FIFO named"
if [ "$ms" -ge 1500 ] && [ "$ms" -le 6000 ]; then ok; else bad "stalled FIFO: $ms ms, want 1.5-6 s"; fi
expect 0 "an ELF through a pipe" -- "$MVB" check <(cat "$T/good.elf") --app "$APP" --api "$API"
/usr/bin/time -f %M -o "$T/rss" "$MVB" check /dev/zero --app "$APP" >"$T/out" 2>"$T/err"
if [ $? = 3 ] && grep -q "cannot read '/dev/zero': larger than 256 MiB" "$T/err"; then ok; else bad "/dev/zero: not refused as too large"; cat "$T/err"; fi
rss=$(tail -1 "$T/rss")
# ASan's allocator copies on every realloc and keeps a quarantine: the
# bound is the product build's (the sanitizer suite runs with ASAN_OPTIONS)
if [ -n "${ASAN_OPTIONS:-}" ] || [ "$rss" -lt 300000 ]; then ok; else bad "/dev/zero cost $rss KB of memory, over the 256 MiB limit"; fi
expect 3 "standard output on a full disk" -- sh -c '"$1" boards --format json >/dev/full' sh "$MVB"
has err "cannot write to standard output: No space left on device" "full stdout named"
expect 3 "--version on a full disk" -- sh -c '"$1" --version >/dev/full' sh "$MVB"
cat "$T/ofifo" >"$T/ofifo.got" &
expect 0 "output to a FIFO with a reader: written in place" -- "$MVB" gen header -o "$T/ofifo"
wait
same "$T/ofifo.got" "$T/h1.h" "the header through the FIFO"
if [ -p "$T/ofifo" ]; then ok; else bad "the output FIFO was replaced by a file"; fi
expect 3 "output to a FIFO without a reader" -- timeout 20 "$MVB" gen header -o "$T/ofifo"
has err "cannot write '.*ofifo': No such device or address" "no reader named"
if ls "$T"/ofifo.tmp* "$T"/.mvbuild-* >/dev/null 2>&1; then bad "temporary file left beside a FIFO"; else ok; fi
# a full device made by the test (a device node needs root: as another
# user this case is left out, and says so)
if mknod "$T/full" c 1 7 2>/dev/null; then
	expect 3 "output to a full device" -- "$MVB" gen header -o "$T/full"
	has err "cannot write '.*full': No space left on device" "full device named"
	if [ -c "$T/full" ]; then ok; else bad "the device node was replaced by a file"; fi
else
	echo "note: not root: the device-node output case is left out (the FIFO cases cover writing in place)"
fi

# --- signed bundles, keys, detached signing checked by OpenSSL
FW=$SRC/firmware/prebuilt/mps2-an505/microvisor.elf
if [ -f "$FW" ]; then
	expect 0 "keygen" -- "$MVB" keygen -o "$T/k.pem"
	if [ "$(stat -c %a "$T/k.pem")" = 600 ]; then ok; else bad "private key mode $(stat -c %a "$T/k.pem")"; fi
	# a private key is 0600 whatever the umask; its public half follows it
	expect 0 "keygen under umask 0" -- sh -c 'umask 0 && "$1" keygen -o "$2"' sh "$MVB" "$T/um0.pem"
	if [ "$(stat -c %a "$T/um0.pem") $(stat -c %a "$T/um0.pub.pem")" = "600 666" ]; then ok; else bad "umask 0: key modes $(stat -c %a "$T/um0.pem" "$T/um0.pub.pem"), want 600 666"; fi
	expect 0 "keygen under umask 077" -- sh -c 'umask 077 && "$1" keygen -o "$2"' sh "$MVB" "$T/um77.pem"
	if [ "$(stat -c %a "$T/um77.pem") $(stat -c %a "$T/um77.pub.pem")" = "600 600" ]; then ok; else bad "umask 077: key modes $(stat -c %a "$T/um77.pem" "$T/um77.pub.pem"), want 600 600"; fi
	expect 0 "keygen under umask 0277" -- sh -c 'umask 0277 && "$1" keygen -o "$2"' sh "$MVB" "$T/um277.pem"
	if [ "$(stat -c %a "$T/um277.pem")" = 600 ]; then ok; else bad "umask 0277: private key mode $(stat -c %a "$T/um277.pem"), want 600"; fi
	expect 2 "keygen refuses to replace" -- "$MVB" keygen -o "$T/k.pem"
	expect 0 "bundle --sign" -- "$MVB" bundle "$T/good.elf" --app "$APP" --sign "$T/k.pem" -o "$T/a.mvb"
	expect 0 "bundle again" -- "$MVB" bundle "$T/good.elf" --app "$APP" --sign "$T/k.pem" -o "$T/b.mvb"
	if cmp -s "$T/a.mvb" "$T/b.mvb"; then ok; else bad "bundles differ between runs"; fi
	# the same bytes from copies of the inputs elsewhere, another working
	# directory, time zone, locale and umask, on one CPU
	mkdir -p "$T/elsewhere/sub dir"
	cp "$T/good.elf" "$T/elsewhere/sub dir/renamed.elf"
	cp "$APP" "$T/elsewhere/sub dir/m.yaml"
	cp -p "$T/k.pem" "$T/elsewhere/key.pem"
	one_cpu=()
	command -v taskset >/dev/null && one_cpu=(taskset -c 0)
	if (cd "$T/elsewhere" && umask 077 && TZ=Pacific/Chatham LC_ALL=C.UTF-8 "${one_cpu[@]}" "$MVB" bundle \
		"sub dir/renamed.elf" --app "sub dir/m.yaml" --sign key.pem -o out.mvb 2>/dev/null) &&
		cmp -s "$T/a.mvb" "$T/elsewhere/out.mvb"; then ok; else bad "bundle bytes depend on paths, zone, locale, umask or CPUs"; fi
	expect 0 "verify" -- "$MVB" verify "$T/a.mvb" --key "$T/k.pub.pem" --board mps2-an505
	# key hygiene: the private scalar is in no bundle, public key or output
	priv=$(openssl pkey -in "$T/k.pem" -text -noout 2>/dev/null | awk '/^priv:/ { f = 1; next } /^pub:/ { f = 0 } f' |
		tr -d ' :\n' | sed 's/^00\(.\{64\}\)$/\1/')
	if [ "${#priv}" = 64 ]; then ok; else bad "cannot read the private scalar with openssl"; fi
	leaked=
	for f in "$T/a.mvb" "$T/k.pub.pem" "$T/out" "$T/err"; do
		od -An -tx1 -v "$f" | tr -d ' \n' | grep -q "$priv" && leaked="$leaked $f"
		grep -qi "$priv" "$f" && leaked="$leaked $f"
	done
	if [ -z "$leaked" ] && [ -n "$priv" ]; then ok; else bad "private key bytes found in:$leaked"; fi
	has out "1 valid signature" "verify summary"
	expect 1 "verify other board" -- "$MVB" verify "$T/a.mvb" --key "$T/k.pub.pem" --board stm32u585
	has out "\[bundle-board\]" "board id"
	expect 0 "inspect" -- "$MVB" inspect "$T/a.mvb"
	has out "app        0x00200000-" "inspect layers"
	expect 0 "inspect json" -- "$MVB" inspect "$T/a.mvb" --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]==1 and d["kind"]=="bundle" and d["file"]==sys.argv[2] and d["findings"]==[] and d["manifest"]["app"]=="fixture" and len(d["layers"])==2 and len(d["signatures"])==1' "$T/out" "$T/a.mvb"; then ok; else bad "inspect json"; fi
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); l=d["layers"]; assert l[0]["partitions"]==["mv_code","mv_nsc"] and l[1]["partitions"]==["app_flash"] and d["manifest"]["peripherals"]==["uart1"] and d["manifest"]["irqs"]==[34] and d["signed_bytes"]["size"]==d["payload_offset"] and len(d["signatures"][0]["der"])>=16' "$T/out"; then ok; else bad "inspect json: partitions, grants, signed bytes"; fi
	# the app's watchdog goes into the manifest (bm_watchdog_ms); inspect
	# shows it, and a bundle without one says 0 (no line in the text)
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["manifest"]["watchdog_ms"]==0' "$T/out"; then ok; else bad "inspect json: no watchdog is 0"; fi
	expect 0 "inspect text again" -- "$MVB" inspect "$T/a.mvb"
	if grep -q "watchdog" "$T/out"; then bad "inspect shows a watchdog the app has not"; else ok; fi
	printf 'watchdog: 2s\n' | cat "$APP" - >"$T/wd.yaml"
	expect 0 "bundle an app with a watchdog" -- "$MVB" bundle "$T/good.elf" --app "$T/wd.yaml" --sign "$T/k.pem" -o "$T/wd.mvb"
	if python3 -c 'import struct,sys; b=open(sys.argv[1],"rb").read(); assert struct.unpack_from("<I", b, 64 + 0x80)[0]==2000 and not any(b[64 + 0x84:64 + 0x88]) and struct.unpack_from("<I", b, 64 + 0x88)[0]==60000 and not any(b[64 + 0x8c:64 + 192])' "$T/wd.mvb"; then ok; else bad "bm_watchdog_ms is not 2000 at manifest offset 0x80, or the rest not the default trial (0x88) and zeros"; fi
	expect 0 "verify it" -- "$MVB" verify "$T/wd.mvb" --key "$T/k.pub.pem"
	expect 0 "inspect it" -- "$MVB" inspect "$T/wd.mvb"
	has out "^  watchdog: 2000 ms$" "inspect: the watchdog"
	expect 0 "inspect it, json" -- "$MVB" inspect "$T/wd.mvb" --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["manifest"]["watchdog_ms"]==2000' "$T/out"; then ok; else bad "inspect json: watchdog_ms"; fi
	# a deadline the microvisor would refuse in the header (5 ms, over an
	# hour) is refused by verify and inspect, at the field
	for w in 5 3600001; do
		python3 -c 'import struct,sys; b=bytearray(open(sys.argv[1],"rb").read()); struct.pack_into("<I", b, 64 + 0x80, int(sys.argv[3])); open(sys.argv[2],"wb").write(b)' \
			"$T/wd.mvb" "$T/wd-bad.mvb" "$w"
		expect 1 "verify a $w ms watchdog" -- "$MVB" verify "$T/wd-bad.mvb" --key "$T/k.pub.pem"
		has err "wd-bad.mvb: offset 0xc0: error: .*\[bundle-field\]" "$w ms watchdog: id and offset"
		expect 1 "inspect a $w ms watchdog" -- "$MVB" inspect "$T/wd-bad.mvb"
		has err "\[bundle-field\]" "inspect: $w ms watchdog"
	done
	# confirm (the trial after an install): the default is after 60 s, not
	# shown in the text; the manifest's word goes into bm_flags and
	# bm_trial_ms, and check, bundle, inspect and verify say it in JSON
	confirm_is() { # FILE PYTHON-PATH MODE MS DESCRIPTION
		if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=eval("d" + sys.argv[2]); assert c=={"mode": sys.argv[3], "ms": int(sys.argv[4])}, c' "$1" "$2" "$3" "$4"; then ok; else bad "$5"; fi
	}
	expect 0 "inspect json: the default confirm" -- "$MVB" inspect "$T/a.mvb" --format json
	confirm_is "$T/out" '["manifest"]["confirm"]' after 60000 "inspect json: no confirm key is after 60 s"
	expect 0 "inspect text: the default confirm" -- "$MVB" inspect "$T/a.mvb"
	if grep -q "confirm" "$T/out"; then bad "inspect shows the default confirm"; else ok; fi
	printf 'confirm: explicit within 10m\n' | cat "$APP" - >"$T/cx.yaml"
	expect 0 "check explicit within 10m" -- "$MVB" check "$T/good.elf" --app "$T/cx.yaml"
	has out "^  confirm: explicit, by mv_update_confirm within 600000 ms of a start on trial$" "check: the confirm line"
	has out "(needs ABI >= 1.4;" "check: explicit needs ABI 1.4, the flag's"
	expect 0 "check explicit within 10m, json" -- "$MVB" check "$T/good.elf" --app "$T/cx.yaml" --format json
	confirm_is "$T/out" '["confirm"]' explicit 600000 "check json: confirm"
	expect 0 "bundle explicit within 10m" -- "$MVB" bundle "$T/good.elf" --app "$T/cx.yaml" --sign "$T/k.pem" -o "$T/cx.mvb" --format json
	confirm_is "$T/out" '["app"]["confirm"]' explicit 600000 "bundle json: confirm"
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["app"]["min_abi"]=="1.4"' "$T/out"; then ok; else bad "bundle json: explicit raises min_abi to 1.4"; fi
	if python3 -c 'import struct,sys; b=open(sys.argv[1],"rb").read(); assert struct.unpack_from("<I", b, 64 + 0x4c)[0]==1 and struct.unpack_from("<I", b, 64 + 0x88)[0]==600000 and not any(b[64 + 0x8c:64 + 192])' "$T/cx.mvb"; then ok; else bad "confirm explicit: bm_flags 1 at 0x4c, bm_trial_ms 600000 at 0x88"; fi
	expect 0 "inspect explicit within 10m, json" -- "$MVB" inspect "$T/cx.mvb" --format json
	confirm_is "$T/out" '["manifest"]["confirm"]' explicit 600000 "inspect json: confirm explicit within 10m"
	expect 0 "inspect explicit within 10m" -- "$MVB" inspect "$T/cx.mvb"
	has out "^  confirm: explicit, by mv_update_confirm within 600000 ms of a start on trial$" "inspect: the confirm line"
	expect 0 "verify explicit within 10m, json" -- "$MVB" verify "$T/cx.mvb" --key "$T/k.pub.pem" --format json
	confirm_is "$T/out" '["app"]["confirm"]' explicit 600000 "verify json: confirm"
	printf 'confirm: at-install\n' | cat "$APP" - >"$T/ci.yaml"
	expect 0 "bundle at-install" -- "$MVB" bundle "$T/good.elf" --app "$T/ci.yaml" --unsigned -o "$T/ci.mvb"
	expect 0 "inspect at-install" -- "$MVB" inspect "$T/ci.mvb"
	has out "^  confirm: at install (no trial)$" "inspect: at install"
	expect 0 "inspect at-install, json" -- "$MVB" inspect "$T/ci.mvb" --format json
	confirm_is "$T/out" '["manifest"]["confirm"]' at-install 0 "inspect json: at-install"
	printf 'watchdog: 2s\nconfirm: after 90s\n' | cat "$APP" - >"$T/ca.yaml"
	expect 0 "check after 90s" -- "$MVB" check "$T/good.elf" --app "$T/ca.yaml"
	has out "^  confirm: after 90000 ms on trial without a crash$" "check: after 90s"
	# what the manifest may not say, at its line and column
	n=$(($(wc -l <"$APP") + 1))
	for c in "later" "after" "explicit within 25h" "after 1s"; do
		printf 'watchdog: 2s\nconfirm: %s\n' "$c" | cat "$APP" - >"$T/cb.yaml"
		expect 1 "check confirm: $c" -- "$MVB" check "$T/good.elf" --app "$T/cb.yaml"
		has out "cb.yaml:$((n + 1)):10: error: confirm '$c'.*\[yaml-\(enum\|range\)\]" "confirm: $c: where and id"
	done
	# a bundle whose confirm fields a device would refuse in the header
	# (an undefined flag, a trial over a day) is refused at the field
	for f in "0x4c 2" "0x88 86400001"; do
		read -r off val <<<"$f"
		python3 -c 'import struct,sys; b=bytearray(open(sys.argv[1],"rb").read()); struct.pack_into("<I", b, 64 + int(sys.argv[3], 16), int(sys.argv[4])); open(sys.argv[2],"wb").write(b)' \
			"$T/cx.mvb" "$T/cx-bad.mvb" "$off" "$val"
		expect 1 "verify manifest $off = $val" -- "$MVB" verify "$T/cx-bad.mvb" --key "$T/k.pub.pem"
		has err "cx-bad.mvb: offset $(printf '0x%x' $((64 + off))): error: .*\[bundle-field\]" "manifest $off = $val: id and offset"
	done
	# the memory map: well-formed SVG, every partition and layer, same bytes twice
	expect 0 "inspect --map" -- "$MVB" inspect "$T/a.mvb" --elf "$T/good.elf" --map "$T/map1.svg"
	expect 0 "inspect --map again" -- "$MVB" inspect "$T/a.mvb" --elf "$T/good.elf" --map "$T/map2.svg"
	if cmp -s "$T/map1.svg" "$T/map2.svg"; then ok; else bad "maps differ between runs"; fi
	if command -v xmllint >/dev/null; then xml_ok() { xmllint --noout "$1"; }; else xml_ok() { python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$1"; }; fi
	if xml_ok "$T/map1.svg"; then ok; else bad "map is not well-formed XML"; fi
	for n in mv_code mv_nsc mv_state app_header app_flash app_ram mv_ram "microvisor layer" "app layer" ".text" ".data (load)" ".stack"; do
		if grep -q ">$n<" "$T/map1.svg"; then ok; else bad "map does not name '$n'"; fi
	done
	expect 0 "inspect ELF --map" -- "$MVB" inspect "$T/good.elf" --map "$T/map3.svg"
	has out "\.data (load) .*app_flash" "ELF sections and partitions"
	if xml_ok "$T/map3.svg" && grep -q ">app_ram<" "$T/map3.svg"; then ok; else bad "ELF map"; fi
	expect 0 "inspect ELF json" -- "$MVB" inspect "$T/good.elf" --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s={x["name"]:x for x in d["sections"]}; assert d["schema"]==1 and d["kind"]=="elf" and d["findings"]==[] and s[".text"]["kind"]=="code" and s[".stack"]["partitions"]==["app_ram"]' "$T/out"; then ok; else bad "inspect ELF json"; fi
	expect 2 "--elf with an ELF" -- "$MVB" inspect "$T/good.elf" --elf "$T/good.elf"
	head -c 100 "$T/a.mvb" >"$T/short.mvb"
	expect 1 "inspect json, a truncated bundle" -- "$MVB" inspect "$T/short.mvb" --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]==1 and d["kind"]=="bundle" and d["errors"]==1 and d["findings"][0]["id"].startswith("bundle-")' "$T/out"; then ok; else bad "inspect json of a truncated bundle"; fi
	head -c 60 "$T/good.elf" >"$T/short.elf"
	expect 1 "inspect json, a truncated ELF" -- "$MVB" inspect "$T/short.elf" --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]==1 and d["kind"]=="elf" and d["errors"]==1 and d["findings"][0]["id"].startswith("elf-")' "$T/out"; then ok; else bad "inspect json of a truncated ELF"; fi
	sed 's/^name: mps2-an505/name: custom-board/' "$SRC/boards/mps2-an505.yaml" >"$T/custom.yaml"
	"$MVB" bundle "$T/good.elf" --app "$APP" --board "$T/custom.yaml" --microvisor "$FW" --unsigned -o "$T/c.mvb" 2>/dev/null
	expect 0 "inspect a bundle for an unknown board" -- "$MVB" inspect "$T/c.mvb"
	expect 2 "its map needs --board" -- "$MVB" inspect "$T/c.mvb" --map "$T/c.svg"
	expect 0 "its map with --board" -- "$MVB" inspect "$T/c.mvb" --board "$T/custom.yaml" --map "$T/c.svg"
	expect 3 "map never replaces an input" -- "$MVB" inspect "$T/a.mvb" --map "$T/a.mvb"
	expect 1 "bundle refuses a bad app" -- "$MVB" bundle "$T/bad.elf" --app "$APP" --unsigned -o "$T/bad.mvb"
	if [ -e "$T/bad.mvb" ]; then bad "output written for a refused bundle"; else ok; fi
	# no manifest: --version and --security-counter still land; 010 is ten, not octal
	expect 0 "bundle overrides" -- "$MVB" bundle "$T/good.elf" --unsigned --version 2.0.1 --security-counter 010 -o "$T/o.mvb"
	expect 0 "inspect overrides" -- "$MVB" inspect "$T/o.mvb"
	has out "2.0.1, security counter 10," "overrides in the manifest"
	expect 2 "bundle needs a signing choice" -- "$MVB" bundle "$T/good.elf" -o "$T/x.mvb"
	chmod 644 "$T/k.pem"
	expect 3 "refuse a world-readable key" -- "$MVB" bundle "$T/good.elf" --app "$APP" --sign "$T/k.pem" -o "$T/x.mvb"
	chmod 600 "$T/k.pem"
	# detached: unsigned bundle, OpenSSL signs the digest bytes, mvbuild attaches and verifies
	expect 0 "bundle --unsigned" -- "$MVB" bundle "$T/good.elf" --app "$APP" --unsigned -o "$T/u.mvb"
	expect 1 "unsigned fails verify with a key" -- "$MVB" verify "$T/u.mvb" --key "$T/k.pub.pem"
	has out "\[bundle-unsigned\]" "unsigned id"
	has out "the bundle is unsigned; a signature by key [0-9a-f]\{16\} is required" "unsigned names the key"
	"$MVB" keygen -o "$T/other.pem" >/dev/null
	expect 1 "signed by another key" -- "$MVB" verify "$T/a.mvb" --key "$T/other.pub.pem"
	has out "no signature by the trusted key [0-9a-f]\{16\}: the bundle's 1 signature is by key [0-9a-f]\{16\}" "names both keys"
	cp "$T/a.mvb" "$T/damaged.mvb"
	printf '\377' | dd of="$T/damaged.mvb" bs=1 seek=3000 conv=notrunc 2>/dev/null
	expect 1 "damaged and for another board" -- "$MVB" verify "$T/damaged.mvb" --key "$T/k.pub.pem" --board stm32u585
	# the byte's chunk: (3000 - bh_payload_off) / bh_chunk_size (the microvisor layer's stream comes first)
	dchunk=$(python3 -c 'import sys; b=open(sys.argv[1],"rb").read(); le=lambda o: int.from_bytes(b[o:o+4],"little"); print((3000-le(0x28))//le(0x24))' "$T/a.mvb")
	has out "offset 0x[0-9a-f]*: error: microvisor layer: chunk $dchunk .*\[bundle-chunk-hash\]" "chunk named"
	has out "\[bundle-board\]" "board named too"
	# --format json: verify, for machines
	expect 0 "verify json" -- "$MVB" verify "$T/a.mvb" --key "$T/k.pub.pem,$T/other.pub.pem" --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]==1 and d["ok"] and d["errors"]==0 and d["app"]["name"]=="fixture" and d["app"]["version"]=="1.2.3" and [l["role"] for l in d["layers"]]==["microvisor","app"] and d["signatures_checked"] and d["valid_trusted_signatures"]==1 and len(d["signatures"])==1 and d["signatures"][0]["trusted"] and d["signatures"][0]["valid"] is True' "$T/out"; then ok; else bad "verify json"; fi
	expect 1 "verify json, damaged" -- "$MVB" verify "$T/damaged.mvb" --key "$T/other.pub.pem" --board stm32u585 --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); ids=[f["id"] for f in d["findings"]]; assert not d["ok"] and "bundle-chunk-hash" in ids and "bundle-board" in ids and d["signatures"][0]["trusted"] is False and d["signatures"][0]["valid"] is None, d' "$T/out"; then ok; else bad "verify json: findings, an untrusted signature not checked"; fi
	if [ ! -s "$T/err" ]; then ok; else bad "verify json wrote to standard error"; fi
	head -c 100 "$T/a.mvb" >"$T/cut.mvb"
	expect 1 "verify json, truncated" -- "$MVB" verify "$T/cut.mvb" --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert not d["ok"] and d["board"] is None and d["findings"][0]["id"]=="bundle-truncated" and "layers" not in d' "$T/out"; then ok; else bad "verify json: structure refused"; fi
	expect 2 "verify --format xml" -- "$MVB" verify "$T/a.mvb" --format xml
	# and bundle: the summary on standard output, the check's findings in it
	expect 0 "bundle json" -- "$MVB" bundle "$T/good.elf" --app "$APP" --sign "$T/k.pem" -o "$T/j.mvb" --format json
	if cmp -s "$T/a.mvb" "$T/j.mvb"; then ok; else bad "bundle json wrote other bytes"; fi
	if python3 -c 'import json,sys,hashlib; d=json.load(open(sys.argv[1])); b=open(sys.argv[2],"rb").read(); assert d["ok"] and d["kind"]=="bundle" and d["output"]==sys.argv[2] and d["size"]==len(b) and d["sha256"]==hashlib.sha256(b).hexdigest() and d["signed"] and len(d["key_id"])==16 and d["board"]=="mps2-an505" and len(d["layers"])==2 and d["errors"]==0' "$T/out" "$T/j.mvb"; then ok; else bad "bundle json"; fi
	expect 1 "bundle json, bad ELF" -- "$MVB" bundle "$T/cut.mvb" --unsigned -o "$T/never.mvb" --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert not d["ok"] and d["output"] is None and d["findings"][0]["id"]=="elf-magic"' "$T/out"; then ok; else bad "bundle json: findings"; fi
	if [ ! -e "$T/never.mvb" ]; then ok; else bad "bundle json wrote a file for a bad ELF"; fi
	expect 2 "bundle json to stdout" -- "$MVB" bundle "$T/good.elf" --app "$APP" --unsigned -o - --format json
	expect 0 "factory json" -- "$MVB" bundle "$T/good.elf" --app "$APP" --factory -o "$T/j.hex" --format json
	if python3 -c 'import json,sys,os; d=json.load(open(sys.argv[1])); assert d["kind"]=="factory" and d["size"]==os.path.getsize(sys.argv[2]) and d["app_header_bytes"]==256 and d["app_bytes"]>0 and "layers" not in d' "$T/out" "$T/j.hex"; then ok; else bad "factory json"; fi
	# provisioning: the record in the device-state partition (0x10020000),
	# checked by the same reader the microvisor uses (firmware.core.prov);
	# here: that it is there, whole, and refused where it cannot be
	expect 0 "factory, provisioned" -- "$MVB" bundle "$T/good.elf" --app "$APP" --factory -o "$T/p.bin" --trust "$T/k.pub.pem,$T/other.pub.pem" --serial SN-12
	has err "provisioning record: 2 trust anchors, serial SN-12" "provisioning named"
	expect 0 "factory, provisioned, elf" -- "$MVB" bundle "$T/good.elf" --app "$APP" --factory -o "$T/p.elf" --trust "$T/k.pub.pem"
	if python3 "$SRC/tests/tools/prov-record.py" "$T/p.elf" >"$T/p.prov" &&
		[ "$(od -An -tu4 -j8 -N4 "$T/p.prov" | tr -d ' ')" = 1 ]
	then ok; else bad "no provisioning record at the device-state partition"; fi
	expect 2 "--trust without --factory" -- "$MVB" bundle "$T/good.elf" --app "$APP" --unsigned -o "$T/never.mvb" --trust "$T/k.pub.pem"
	expect 2 "--serial with a space" -- "$MVB" bundle "$T/good.elf" --app "$APP" --factory -o "$T/never.elf" --serial "A B"
	expect 2 "--serial with a '|'" -- "$MVB" bundle "$T/good.elf" --app "$APP" --factory -o "$T/never.elf" --serial "A|B"
	has err "no spaces, '{', '|' or '}'" "--serial: the reason"
	expect 2 "--serial too long" -- "$MVB" bundle "$T/good.elf" --app "$APP" --factory -o "$T/never.elf" --serial 0123456789012345678901234567890123
	expect 2 "five trust anchors" -- "$MVB" bundle "$T/good.elf" --app "$APP" --factory -o "$T/never.elf" --trust "$T/k.pub.pem,$T/k.pub.pem,$T/k.pub.pem,$T/k.pub.pem,$T/k.pub.pem"
	if [ ! -e "$T/never.elf" ]; then ok; else bad "a refused provisioning wrote a file"; fi
	# an update that changes every one of its ~196 pages (4 bytes inserted at
	# the front of 800 KB): still a delta (the patcher has no step limit,
	# format 1 stopped at 192), far smaller than the app
	python3 -c 'import random,sys; r=random.Random(1); open(sys.argv[1],"wb").write(bytes(r.getrandbits(8) for _ in range(800000)))' "$T/blob1.bin"
	python3 -c 'import sys; open(sys.argv[2],"wb").write(b"new!" + open(sys.argv[1],"rb").read())' "$T/blob1.bin" "$T/blob2.bin"
	for v in 1 2; do
		printf '\t.section .rodata.blob,"a"\n\t.incbin "%s"\n' "$T/blob$v.bin" >"$T/blob$v.S"
		$CC $LD -DCALL_MV -Wl,--defsym=mv_log=0x1001f009 "$SRC/tests/data/elf/app.c" "$T/blob$v.S" -lgcc -o "$T/blob$v.elf" ||
			bad "cannot build the 800 KB app"
	done
	"$MVB" bundle "$T/blob1.elf" --app "$APP" --api "$API" --sign "$T/k.pem" -o "$T/blob1.mvb" 2>/dev/null || bad "bundle the 800 KB app"
	expect 0 "bundle --base, every page changes" -- "$MVB" bundle "$T/blob2.elf" --app "$APP" --api "$API" --sign "$T/k.pem" --base "$T/blob1.mvb" -o "$T/blob2.mvb"
	if grep -q "sent whole" "$T/err"; then bad "a page-limit note for 196 pages"; else ok; fi
	"$MVB" inspect "$T/blob2.mvb" --format json >"$T/blob2.json" 2>/dev/null || bad "inspect the 800 KB delta"
	python3 - "$T/blob2.json" <<'PY' && ok || bad "the 800 KB shift is not a small app delta"
import json, sys
j = json.load(open(sys.argv[1]))
app = [l for l in j["layers"] if l["role"] == "app"][0]
assert app["encoding"] == "delta" and app["size"] > 800000 and app["encoded_size"] < 50000, app
PY
	expect 0 "bundle --base, the same app" -- "$MVB" bundle "$T/blob1.elf" --app "$APP" --api "$API" --sign "$T/k.pem" --base "$T/blob1.mvb" -o "$T/blob1d.mvb"
	if grep -q "revert" "$T/err"; then bad "bundle --base on mps2-an505: a revert note, but the layer fits mv_revert"; else ok; fi
	# the same board with a revert partition too small (a 1 KiB one keeps
	# nothing beside the replaced header), and with none
	sed 's/^    size: 128KiB$/    size: 1KiB/' "$SRC/boards/mps2-an505.yaml" >"$T/small-revert.yaml"
	python3 -c 'import sys; s=open(sys.argv[1]).read(); i=s.index("  - name: mv_revert"); j=s.index("  - name: app_flash"); open(sys.argv[2],"w").write(s[:i]+s[j:])' "$SRC/boards/mps2-an505.yaml" "$T/no-revert.yaml"
	expect 0 "bundle --base, a revert partition too small" -- "$MVB" bundle "$T/blob1.elf" --app "$APP" --api "$API" --board "$T/small-revert.yaml" --sign "$T/k.pem" --base "$T/blob1.mvb" -o "$T/blob1s.mvb"
	has err "the revert layer ([0-9]* bytes) is larger than the 0 bytes the revert partition 'mv_revert' keeps: a device cannot undo this release by itself" "a revert layer that does not fit, said"
	expect 0 "bundle --base, a board without a revert partition" -- "$MVB" bundle "$T/blob1.elf" --app "$APP" --api "$API" --board "$T/no-revert.yaml" --sign "$T/k.pem" --base "$T/blob1.mvb" -o "$T/blob1r.mvb"
	has err "board 'mps2-an505' has no revert partition: a device cannot undo this release by itself" "a board without a revert partition, said"
	expect 0 "bundle --base --no-revert" -- "$MVB" bundle "$T/blob1.elf" --app "$APP" --api "$API" --sign "$T/k.pem" --base "$T/blob1.mvb" --no-revert -o "$T/blob1n.mvb"
	if python3 -c 'import json,subprocess,sys; l=json.loads(subprocess.run([sys.argv[1],"inspect",sys.argv[2],"--format","json"],capture_output=True).stdout)["layers"]; assert [x["role"] for x in l]==["microvisor","app"], l' "$MVB" "$T/blob1n.mvb"; then ok; else bad "--no-revert: a revert layer all the same"; fi
	expect 0 "bundle without --base" -- "$MVB" bundle "$T/blob1.elf" --app "$APP" --api "$API" --sign "$T/k.pem" -o "$T/blob1f.mvb"
	has err "no revert layer (no --base): a device cannot undo this release by itself" "a bundle without --base says it cannot be undone"
	if grep -q "sent whole" "$T/err"; then bad "a note for an update that changes nothing"; else ok; fi
	# a base whose layer claims more than a delta starts from (512 pages):
	# an input error naming the limit, found before anything is decoded
	# (a deflate layer claiming 1 GiB once cost 256 MiB and exited 4)
	for c in 0:microvisor:0x108 1:app:0x168; do
		IFS=: read -r li role off <<<"$c"
		python3 -c 'import struct,sys; b=bytearray(open(sys.argv[1],"rb").read()); struct.pack_into("<I", b, 64 + 192 + 96 * int(sys.argv[3]) + 8, 1 << 30); open(sys.argv[2],"wb").write(b)' \
			"$T/a.mvb" "$T/gib$li.mvb" "$li"
		rm -f "$T/gib-out.mvb"
		expect 1 "bundle --base, a base $role layer of 1 GiB" -- "$MVB" bundle "$T/good.elf" --app "$APP" --api "$API" --unsigned --base "$T/gib$li.mvb" -o "$T/gib-out.mvb"
		has err "gib$li.mvb: offset $off: error: base $role" "the 1 GiB $role layer located"
		has err "bl_size is 1073741824 bytes, more than a delta starts from (2097152 bytes: 512 pages of 4096 bytes) \[delta-limit\]" "the limit named"
		if [ ! -e "$T/gib-out.mvb" ]; then ok; else bad "a refused --base wrote a bundle"; fi
	done
	# a microvisor ELF whose image spans 15 MiB: its bundle is made (the
	# layer is sent whole), but no delta starts from it
	python3 -c 'import struct,sys
b=bytearray(open(sys.argv[1],"rb").read()); phoff,=struct.unpack_from("<I",b,0x1c); n,=struct.unpack_from("<H",b,0x2c)
o=[phoff+32*i for i in range(n) if struct.unpack_from("<I",b,phoff+32*i+8)[0]==0x1001f000][0]
struct.pack_into("<II",b,o+8,0x10f00000,0x10f00000); open(sys.argv[2],"wb").write(b)' "$FW" "$T/mv15.elf"
	expect 0 "bundle with a 15 MiB microvisor" -- "$MVB" bundle "$T/good.elf" --app "$APP" --api "$API" --unsigned --microvisor "$T/mv15.elf" --base "$T/a.mvb" -o "$T/mv15.mvb"
	has err "microvisor 15728768 B" "the 15 MiB microvisor layer"
	expect 1 "bundle --base with a 15 MiB microvisor layer" -- "$MVB" bundle "$T/good.elf" --app "$APP" --api "$API" --unsigned --base "$T/mv15.mvb" -o "$T/gib-out.mvb"
	has err "mv15.mvb: offset 0x108: error: base microvisor layer: bl_size is 15728768 bytes" "the 15 MiB base layer named"
	if [ ! -e "$T/gib-out.mvb" ]; then ok; else bad "a refused --base wrote a bundle"; fi
	# stm32u585 erases 8 KiB pages: its delta layers rewrite 8 KiB at a time
	# (a 4 KiB step would erase its neighbour), as inspect reads back from
	# the patch headers
	U5LD="-T $SRC/tests/data/elf/app.ld -Wl,--defsym=FLASH_ORIGIN=0x08040000,--defsym=FLASH_LENGTH=0x1C0000,--defsym=RAM_ORIGIN=0x20040000,--defsym=RAM_LENGTH=0x80000,--defsym=STACK_SIZE=0x1000"
	printf 'schema: 1\nname: u5\nversion: 1.0.0\n' >"$T/u5.yaml"
	$CC $U5LD "$SRC/tests/data/elf/app.c" -lgcc -o "$T/u5a.elf" && $CC $U5LD -O2 "$SRC/tests/data/elf/app.c" -lgcc -o "$T/u5b.elf" ||
		bad "cannot build the stm32u585 app"
	expect 0 "stm32u585 bundle" -- "$MVB" bundle "$T/u5a.elf" --board stm32u585 --app "$T/u5.yaml" --unsigned -o "$T/u5a.mvb"
	expect 0 "stm32u585 bundle --base" -- "$MVB" bundle "$T/u5b.elf" --board stm32u585 --app "$T/u5.yaml" --version 1.0.1 --unsigned --base "$T/u5a.mvb" -o "$T/u5b.mvb"
	if grep -q "revert" "$T/err"; then bad "bundle --base on stm32u585: a revert note, but the layer fits mv_revert"; else ok; fi
	"$MVB" inspect "$T/u5b.mvb" --format json >"$T/u5b.json"
	if python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["layers"]; r=[x for x in l if x["role"]=="revert"]; assert len(r)==1 and r[0]["page_size"]==8192, l' "$T/u5b.json"; then ok; else bad "stm32u585: no revert layer in 8 KiB pages"; fi
	expect 0 "inspect the stm32u585 delta bundle" -- "$MVB" inspect "$T/u5b.mvb" --format json
	if python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["layers"]; d=[x for x in l if x["encoding"]=="delta"]; assert d and all(x["page_size"]==8192 for x in d) and all(x["page_size"] is None for x in l if x["encoding"]!="delta"), l' "$T/out"; then ok; else bad "stm32u585 delta layers not in 8 KiB pages"; fi
	# chunks no larger than the update client buffers (1 KiB), whatever the board's erase page (8 KiB here)
	if python3 -c '
import json,sys
def find(o):
    if isinstance(o, dict):
        if "chunk_size" in o: return o["chunk_size"]
        for v in o.values():
            r = find(v)
            if r is not None: return r
    return None
assert find(json.load(open(sys.argv[1]))) == 1024' "$T/out"; then ok; else bad "stm32u585 bundle chunks are not 1 KiB"; fi
	expect 0 "inspect it as text" -- "$MVB" inspect "$T/u5b.mvb"
	has out "a delta in pages of 8192 bytes over the installed image" "page size in the text"
	expect 0 "mps2-an505 deltas keep 4 KiB pages" -- "$MVB" inspect "$T/blob1d.mvb" --format json
	if python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["layers"]; assert [x["page_size"] for x in l if x["encoding"]=="delta"]==[4096]*3, l' "$T/out"; then ok; else bad "mps2-an505 delta page size (microvisor, app and revert layers)"; fi
	# layers against the board's partitions (the device's rule): validly
	# signed bundles whose app layer sits in the secure alias, over the app
	# header, over the microvisor, or is larger than app_flash
	"$MVB" bundle "$T/good.elf" --app "$APP" --unsigned -o "$T/place.mvb" 2>/dev/null || bad "bundle for the placement cases"
	for c in header:0x10022000 microvisor:0x00000000 secure:0x10200000; do
		python3 -c 'import struct,sys; b=bytearray(open(sys.argv[1],"rb").read()); struct.pack_into("<I", b, 64 + 192 + 96 + 4, int(sys.argv[3], 0)); open(sys.argv[2],"wb").write(b)' \
			"$T/place.mvb" "$T/place-u-${c%%:*}.mvb" "${c#*:}"
		"$MVB" sign "$T/place-u-${c%%:*}.mvb" --key "$T/k.pem" -o "$T/place-${c%%:*}.mvb" >/dev/null 2>&1 || bad "sign the ${c%%:*} case"
		expect 1 "verify: app layer over the ${c%%:*}" -- "$MVB" verify "$T/place-${c%%:*}.mvb" --key "$T/k.pub.pem"
		has out "offset 0x164: error: app layer .*\[bundle-layer-start\]" "verify: the ${c%%:*} case's id and where"
	done
	has out "app layer reaches 'app_flash' of board 'mps2-an505' through its secure alias at 0x10200000" "secure alias named"
	expect 1 "verify json: the layer's finding" -- "$MVB" verify "$T/place-secure.mvb" --key "$T/k.pub.pem" --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); f=d["findings"]; assert not d["ok"] and [x["id"] for x in f]==["bundle-layer-start"] and f[0]["location"]["offset"]==0x164 and f[0]["location"]["start"]=="0x10200000", f' "$T/out"; then ok; else bad "verify json: layer finding"; fi
	expect 1 "inspect: the misplaced layer is a finding" -- "$MVB" inspect "$T/place-header.mvb"
	has out "layers:" "inspect still shows the bundle"
	has err "\[bundle-layer-start\]" "inspect: the id"
	expect 1 "inspect json: findings" -- "$MVB" inspect "$T/place-header.mvb" --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [x["id"] for x in d["findings"]]==["bundle-layer-start"] and d["errors"]==1 and len(d["layers"])==2, d["findings"]' "$T/out"; then ok; else bad "inspect json: findings"; fi
	expect 0 "inspect: a good bundle has no findings" -- "$MVB" inspect "$T/place.mvb" --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["findings"]==[] and d["errors"]==0' "$T/out"; then ok; else bad "inspect json: no findings"; fi
	# larger than app_flash: the 800 KB app against a board file whose
	# app_flash is 512 KiB
	python3 -c 'import sys; t=sys.stdin.read(); a="  - name: app_flash\n    memory: code\n    offset: 0x200000\n    size: 2MiB"; assert a in t; sys.stdout.write(t.replace(a, a[:-4] + "512KiB"))' <"$SRC/boards/mps2-an505.yaml" >"$T/small-app.yaml"
	expect 1 "verify: app layer larger than app_flash" -- "$MVB" verify "$T/blob1.mvb" --key "$T/k.pub.pem" --board "$T/small-app.yaml"
	has out "error: app layer (0x00200000-0x002.....) runs past every partition of board 'mps2-an505' at 0x00280000 \[bundle-layer-outside\]" "too large named"
	expect 0 "verify: the same on the shipped board" -- "$MVB" verify "$T/blob1.mvb" --key "$T/k.pub.pem"
	# keygen and sign: the key id, as bundles name it
	expect 0 "keygen json" -- "$MVB" keygen -o "$T/jk.pem" --format json
	if python3 -c 'import json,sys,os,stat; d=json.load(open(sys.argv[1])); assert d["private_key"]==sys.argv[2] and d["public_key"]==sys.argv[3] and d["encrypted"] is False and len(d["key_id"])==16 and stat.S_IMODE(os.stat(sys.argv[2]).st_mode)==0o600' "$T/out" "$T/jk.pem" "$T/jk.pub.pem"; then ok; else bad "keygen json"; fi
	jkid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key_id"])' "$T/out")
	expect 0 "sign json" -- "$MVB" sign "$T/a.mvb" --key "$T/jk.pem" -o "$T/two.mvb" --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["output"]==sys.argv[2] and d["key_id"]==sys.argv[3] and d["replaced"] is False and d["signatures"]==2' "$T/out" "$T/two.mvb" "$jkid"; then ok; else bad "sign json"; fi
	expect 0 "sign json again" -- "$MVB" sign "$T/two.mvb" --key "$T/jk.pem" -o "$T/two2.mvb" --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["replaced"] is True and d["signatures"]==2' "$T/out"; then ok; else bad "sign json: a signature by the same key replaced"; fi
	expect 0 "verify the two signatures" -- "$MVB" verify "$T/two2.mvb" --key "$T/k.pub.pem,$T/jk.pub.pem" --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["valid_trusted_signatures"]==2 and sorted(s["key_id"] for s in d["signatures"])==sorted(s["key_id"] for s in d["signatures"] if s["valid"])' "$T/out"; then ok; else bad "verify json: two signatures"; fi
	expect 0 "digest" -- "$MVB" digest "$T/u.mvb" -o "$T/tbs.bin"
	if [ "$(cat "$T/out")" = "$(sha256sum "$T/tbs.bin" | cut -d' ' -f1)" ]; then ok; else bad "digest is not SHA-256 of the signed bytes"; fi
	openssl dgst -sha256 -sign "$T/k.pem" -out "$T/sig.der" "$T/tbs.bin" || bad "openssl sign"
	expect 0 "attach openssl signature" -- "$MVB" sign "$T/u.mvb" --signature "$T/sig.der" --pubkey "$T/k.pub.pem" -o "$T/s.mvb"
	expect 0 "verify attached" -- "$MVB" verify "$T/s.mvb" --key "$T/k.pub.pem"
	# and OpenSSL verifies mvbuild's own signature over the documented bytes
	"$MVB" digest "$T/a.mvb" -o "$T/tbs-a.bin" >/dev/null
	python3 - "$T/a.mvb" "$T/sig-a.der" <<'PY'
import struct, sys
b = open(sys.argv[1], 'rb').read()
payload_off, payload_size = struct.unpack_from('<II', b, 0x28)
sigs = payload_off + payload_size
count = struct.unpack_from('<H', b, sigs + 4)[0]
assert count == 1
e = sigs + 8
n = struct.unpack_from('<H', b, e + 10)[0]
open(sys.argv[2], 'wb').write(b[e + 12:e + 12 + n])
PY
	if openssl dgst -sha256 -verify "$T/k.pub.pem" -signature "$T/sig-a.der" "$T/tbs-a.bin" >/dev/null; then ok; else bad "openssl rejects mvbuild's signature"; fi
	# the signed bytes do not include the signatures, so a.mvb's signature fits u.mvb
	expect 0 "signature moves between unsigned and signed copies" -- "$MVB" sign "$T/u.mvb" --signature "$T/sig-a.der" --pubkey "$T/k.pub.pem" -o "$T/w.mvb"
	openssl dgst -sha256 -sign "$T/k.pem" -out "$T/sig-other.der" "$T/app.c" 2>/dev/null || openssl dgst -sha256 -sign "$T/k.pem" -out "$T/sig-other.der" "$APP"
	expect 1 "wrong signature refused" -- "$MVB" sign "$T/u.mvb" --signature "$T/sig-other.der" --pubkey "$T/k.pub.pem" -o "$T/w2.mvb"
	has err "sig-other.der: error: not a valid signature of .* \[bundle-signature\]" "wrong signature: id"
	# a refusal with --format json is a document too, ending with the findings
	expect 1 "wrong signature refused, json" -- "$MVB" sign "$T/u.mvb" --signature "$T/sig-other.der" --pubkey "$T/k.pub.pem" -o "$T/w2.mvb" --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d=={"schema":1,"command":"sign","findings":d["findings"],"errors":1,"warnings":0} and d["findings"][0]["id"]=="bundle-signature"' "$T/out"; then ok; else bad "sign refusal json"; fi
	if [ ! -s "$T/err" ] || ! grep -q "\[" "$T/err"; then ok; else bad "sign refusal json: findings on stderr too"; fi
	printf 'not a key\n' >"$T/nokey.pem" && chmod 600 "$T/nokey.pem"
	expect 1 "a file that is no key" -- "$MVB" sign "$T/u.mvb" --key "$T/nokey.pem" -o "$T/w3.mvb"
	has err "nokey.pem: error: .*\[key-format\]" "no key: id"
	expect 1 "a public key file that is no key, json" -- "$MVB" verify "$T/a.mvb" --key "$T/nokey.pem" --format json
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]==1 and d["command"]=="verify" and [f["id"] for f in d["findings"]]==["key-format"]' "$T/out"; then ok; else bad "verify with a bad key: json"; fi
	# a bundle holding the most signatures the format allows takes no more
	cp "$T/u.mvb" "$T/full.mvb"
	for i in 1 2 3 4 5 6 7 8; do
		"$MVB" keygen -o "$T/many$i.pem" >/dev/null && "$MVB" sign "$T/full.mvb" --key "$T/many$i.pem" -o "$T/full-next.mvb" &&
			mv "$T/full-next.mvb" "$T/full.mvb" || bad "signature $i"
	done
	"$MVB" keygen -o "$T/many9.pem" >/dev/null
	expect 1 "a ninth signature" -- "$MVB" sign "$T/full.mvb" --key "$T/many9.pem" -o "$T/full9.mvb"
	has err "full.mvb: offset 0x[0-9a-f]*: error: the bundle already has 8 signatures by other keys \[sign-full\]" "sign-full"
	# encrypted private keys: the passphrase from the environment or a file
	# descriptor, never argv; what mbedTLS 2.28 and OpenSSL both read
	expect 2 "keygen --encrypt needs a passphrase" -- env -u MVBUILD_KEY_PASSPHRASE "$MVB" keygen --encrypt -o "$T/e.pem"
	expect 0 "keygen --encrypt" -- env MVBUILD_KEY_PASSPHRASE=correct-horse "$MVB" keygen --encrypt -o "$T/e.pem"
	has out "encrypted" "keygen says encrypted"
	if head -1 "$T/e.pem" | grep -q "BEGIN ENCRYPTED PRIVATE KEY" && [ "$(stat -c %a "$T/e.pem")" = 600 ]; then ok; else bad "encrypted key file"; fi
	if openssl pkey -in "$T/e.pem" -passin pass:correct-horse -pubout 2>/dev/null | cmp -s - "$T/e.pub.pem"; then ok; else bad "openssl cannot read the encrypted key"; fi
	expect 0 "sign with the passphrase from the environment" -- env MVBUILD_KEY_PASSPHRASE=correct-horse "$MVB" bundle "$T/good.elf" --app "$APP" --sign "$T/e.pem" -o "$T/e.mvb"
	expect 0 "verify it" -- "$MVB" verify "$T/e.mvb" --key "$T/e.pub.pem"
	printf 'correct-horse\n' >"$T/pass.txt"
	expect 0 "sign with the passphrase from a descriptor" -- env -u MVBUILD_KEY_PASSPHRASE "$MVB" sign "$T/u.mvb" --key "$T/e.pem" --passphrase-fd 3 -o "$T/e2.mvb" 3<"$T/pass.txt"
	expect 1 "wrong passphrase" -- env MVBUILD_KEY_PASSPHRASE=wrong "$MVB" sign "$T/u.mvb" --key "$T/e.pem" -o "$T/e3.mvb"
	has err "wrong passphrase" "wrong passphrase message"
	expect 1 "no passphrase" -- env -u MVBUILD_KEY_PASSPHRASE "$MVB" sign "$T/u.mvb" --key "$T/e.pem" -o "$T/e3.mvb"
	has err "encrypted and no passphrase was given" "no passphrase message"
	expect 3 "unreadable descriptor" -- "$MVB" sign "$T/u.mvb" --key "$T/e.pem" --passphrase-fd 9 -o "$T/e3.mvb"
	if [ -e "$T/e3.mvb" ]; then bad "output written without a key"; else ok; fi
	# keys OpenSSL encrypted: 3DES PKCS#8 and AES traditional PEM work; AES PKCS#8 is named
	openssl pkcs8 -topk8 -in "$T/k.pem" -v2 des3 -v2prf hmacWithSHA256 -passout pass:pw -out "$T/o1.pem"
	openssl ec -in "$T/k.pem" -aes256 -passout pass:pw -out "$T/o2.pem" 2>/dev/null
	openssl pkcs8 -topk8 -in "$T/k.pem" -v2 aes-256-cbc -passout pass:pw -out "$T/o3.pem"
	chmod 600 "$T"/o[123].pem
	expect 0 "openssl 3DES PKCS#8 key" -- env MVBUILD_KEY_PASSPHRASE=pw "$MVB" sign "$T/u.mvb" --key "$T/o1.pem" -o "$T/o1.mvb"
	expect 0 "openssl AES traditional key" -- env MVBUILD_KEY_PASSPHRASE=pw "$MVB" sign "$T/u.mvb" --key "$T/o2.pem" -o "$T/o2.mvb"
	expect 1 "openssl AES PKCS#8 key" -- env MVBUILD_KEY_PASSPHRASE=pw "$MVB" sign "$T/u.mvb" --key "$T/o3.pem" -o "$T/o3.mvb"
	has err "mbedTLS 2.28 does not read (PKCS#8 with AES); re-encrypt" "AES PKCS#8 message"
	head -c 300 "$T/a.mvb" >"$T/trunc.mvb"
	expect 1 "truncated bundle" -- "$MVB" verify "$T/trunc.mvb"
	has err "\[bundle-truncated\]" "truncated id"
fi

# --- init: parents made, the name from the last component, a command that
# quotes what the shell would split, no machine path in the project
rm -rf "$T/init"
expect 0 "init with missing parents" -- "$MVB" init "$T/init/a/b/"
has out "^created app 'b' for board mps2-an505" "name without the trailing slash"
has out "^build it with: cmake -S $T/init/a/b -B $T/init/a/b/build .*&& cmake --build $T/init/a/b/build\$" "build command"
for f in CMakeLists.txt app.ld app.yaml cmake/arm-none-eabi.cmake cmake/clang.cmake src/main.c src/startup.c src/manifest.S; do
	[ -f "$T/init/a/b/$f" ] && ok || bad "init wrote no $f"
done
if grep -rn -e '@MVB_' -e "$SRC" -e "$(dirname "$MVB")" "$T/init/a/b"; then bad "init left a placeholder or a path"; else ok; fi
expect 2 "init into a directory that is not empty" -- "$MVB" init "$T/init/a"
has err "init: '.*' exists and is not empty" "not empty message"
expect 0 "init with a space and a quote in the path" -- "$MVB" init "$T/init/it's here" --name 'x y'
has out "^created app 'x_y'" "name sanitized"
has out "^build it with: cmake -S '$T/init/it'\\\\''s here' -B '$T/init/it'\\\\''s here/build'" "quoted command"
cmd=$(sed -n 's/^build it with: //p' "$T/out")
eval "set -- ${cmd%% &&*}"
[ "$3" = "$T/init/it's here" ] && [ "$5" = "$T/init/it's here/build" ] && ok || bad "the shell reads the printed command back as '$3' '$5'"

# --- help on every command
for c in check boards gen init bundle verify inspect keygen digest sign; do
	expect 0 "$c --help" -- "$MVB" "$c" --help
	has out "^usage: mvbuild $c" "$c usage"
done
# delta and patch on a public release pair (tests/data/delta-public, as the
# delta unit tests use)
C=$SRC/tests/data/delta-public
if [ -f "$C/synthesizer-1.bin" ]; then ok; else bad "no delta corpus at $C"; fi
expect 0 "delta" -- "$MVB" delta "$C/synthesizer-1.bin" "$C/synthesizer-2.bin" -o "$T/s12.patch"
has out "wrote .*s12.patch: [0-9]* bytes" "delta summary"
expect 0 "delta json" -- "$MVB" delta "$C/synthesizer-1.bin" "$C/synthesizer-2.bin" -o "$T/s12j.patch" --format json
same "$T/s12.patch" "$T/s12j.patch" "delta bytes the same with json"
if python3 -c 'import json,sys,os; d=json.load(open(sys.argv[1])); n=d["new_bytes"]
assert d["patch_size"]==os.path.getsize(sys.argv[2]) and d["old_size"]==os.path.getsize(sys.argv[3]) and d["new_size"]==os.path.getsize(sys.argv[4])
assert d["page_size"]==4096 and 0<d["pages"]<=(d["new_size"]+4095)//4096 and d["prediction"] in ("thumb+pointer","thumb","none")
assert n["copied"]+n["predicted"]+n["literal"]+n["fixed"]<=d["pages"]*4096' "$T/out" "$T/s12j.patch" "$C/synthesizer-1.bin" "$C/synthesizer-2.bin"; then ok; else bad "delta json"; fi
expect 0 "patch" -- "$MVB" patch "$C/synthesizer-1.bin" "$T/s12.patch" -o "$T/s2.bin"
same "$T/s2.bin" "$C/synthesizer-2.bin" "patch rebuilds the new image"
expect 1 "patch over another image" -- "$MVB" patch "$C/synthesizer-3.bin" "$T/s12.patch" -o "$T/never.bin"
has err "\[delta-" "patch over another image: an id"
if [ ! -e "$T/never.bin" ]; then ok; else bad "patch wrote an output over the wrong image"; fi
expect 2 "delta page size" -- "$MVB" delta "$C/synthesizer-1.bin" "$C/synthesizer-2.bin" -o "$T/x.patch" --page-size 1000
expect 2 "delta json to stdout" -- "$MVB" delta "$C/synthesizer-1.bin" "$C/synthesizer-2.bin" -o - --format json

expect 0 "--help" -- "$MVB" --help
expect 0 "--version" -- "$MVB" --version

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
