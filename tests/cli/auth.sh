#!/bin/bash
# auth.sh - debug authorization on the host: 'mvbuild bundle --factory
# --trust-debug' puts the debug key into the provisioning record
# (pv_debug: key id, X || Y; zero without it), and 'mvbuild crash get'
# against a simulated device (tests/tools/authsim.c: the link codec and the
# P-256 verifier the microvisor compiles, its nonce rules): an honest
# fetch (record and core written, END sent), a replayed AUTH refused
# (--save-auth, --auth-file), the local refusals (no debug key, another
# key), each device refusal's message, no crash, a record replaced while
# read, a lost CRASH answer, an AUTH put off while no app runs, a lost
# link, a mute device, and the usage errors.
# usage: auth.sh MVBUILD SRCDIR TMPDIR AUTHSIM
set -u
MVB=$1 SRC=$2 T=$3 SIM=$4
. "$(dirname "$0")/lib.sh"

SIMPID=
cleanup() { [ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null; }
trap cleanup EXIT

"$MVB" keygen -o "$T/debug.pem" >/dev/null 2>&1 || exit 1
"$MVB" keygen -o "$T/other.pem" >/dev/null 2>&1 || exit 1
"$MVB" keygen -o "$T/release.pem" >/dev/null 2>&1 || exit 1
# key id: the first 8 bytes of SHA-256 of 0x04 || X || Y (the last 65
# bytes of the SubjectPublicKeyInfo)
point() { sed -e '/-----/d' "$1" | base64 -d | tail -c 65; }
DEBUG_ID=$(point "$T/debug.pub.pem" | sha256sum | cut -c1-16)
OTHER_ID=$(point "$T/other.pub.pem" | sha256sum | cut -c1-16)
[ ${#DEBUG_ID} = 16 ] && [ "$DEBUG_ID" != "$OTHER_ID" ] || { echo "cannot compute key ids"; exit 1; }

# ---- provisioning: pv_debug ------------------------------------------------
CC=$FIXTURE_CC LD=$FIXTURE_LD
APP=$SRC/tests/data/elf/app.yaml API=$SRC/tests/data/elf/mv_api.yaml
$CC $LD -DCALL_MV -Wl,--defsym=mv_log=0x1001f009 "$SRC/tests/data/elf/app.c" -lgcc -o "$T/app.elf" || { echo "cannot build fixture"; exit 1; }
# prov FACTORY.elf: the provisioning record (0x10020000 on mps2-an505)
prov() {
	python3 "$SRC/tests/tools/prov-record.py" "$1"
}
expect 0 "factory with --trust-debug" -- "$MVB" bundle "$T/app.elf" --app "$APP" --api "$API" --factory -o "$T/f.elf" \
	--trust "$T/release.pub.pem" --trust-debug "$T/debug.pub.pem" --serial SN-7
has err "provisioning record: 1 trust anchor, serial SN-7, debug key $DEBUG_ID" "the debug key named"
if prov "$T/f.elf" >"$T/prov.bin"; then ok; else bad "no provisioning record"; fi
# pv_debug at 0x170: the id, then X || Y; pv_reserved (0x1b8, 68 bytes) zero
if [ "$(head -c $((0x178)) "$T/prov.bin" | tail -c 8 | od -An -tx1 | tr -d ' \n')" = "$DEBUG_ID" ]; then ok; else bad "pv_debug's key id"; fi
if cmp -s <(head -c $((0x1b8)) "$T/prov.bin" | tail -c 64) <(point "$T/debug.pub.pem" | tail -c 64); then ok; else bad "pv_debug's point"; fi
if [ "$(head -c $((0x1fc)) "$T/prov.bin" | tail -c 68 | tr -d '\0' | wc -c)" = 0 ]; then ok; else bad "pv_reserved not zero"; fi
# the anchor is where it was
if cmp -s <(head -c $((0x78)) "$T/prov.bin" | tail -c 64) <(point "$T/release.pub.pem" | tail -c 64); then ok; else bad "the trust anchor moved"; fi
# without it: pv_debug zero
expect 0 "factory without --trust-debug" -- "$MVB" bundle "$T/app.elf" --app "$APP" --api "$API" --factory -o "$T/g.elf" --trust "$T/release.pub.pem"
prov "$T/g.elf" >"$T/prov0.bin"
if [ "$(head -c $((0x1b8)) "$T/prov0.bin" | tail -c 72 | tr -d '\0' | wc -c)" = 0 ]; then ok; else bad "pv_debug not zero without --trust-debug"; fi
if grep -q "debug key" "$T/err"; then bad "a debug key named without one"; else ok; fi
# --trust-debug alone: refused (a device takes no debug key from a record
# without trust anchors)
expect 2 "--trust-debug alone" -- "$MVB" bundle "$T/app.elf" --app "$APP" --api "$API" --factory -o "$T/h.elf" --trust-debug "$T/debug.pub.pem"
has err "needs --trust" "--trust-debug alone said"
expect 0 "json debug_key_id" -- "$MVB" bundle "$T/app.elf" --app "$APP" --api "$API" --factory -o "$T/h.elf" --trust "$T/release.pub.pem" --trust-debug "$T/debug.pub.pem" --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] and d["debug_key_id"]==sys.argv[2], d' "$T/out" "$DEBUG_ID"; then ok; else bad "json debug_key_id"; fi
expect 0 "json without" -- "$MVB" bundle "$T/app.elf" --app "$APP" --api "$API" --factory -o "$T/i.elf" --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["debug_key_id"] is None, d' "$T/out"; then ok; else bad "json debug_key_id null"; fi
# the same key for both: said
expect 0 "debug key also an anchor" -- "$MVB" bundle "$T/app.elf" --app "$APP" --api "$API" --factory -o "$T/j.elf" --trust "$T/debug.pub.pem" --trust-debug "$T/debug.pub.pem"
has err "warning: bundle: --trust-debug .* is also a --trust anchor" "a shared key said"
expect 2 "--trust-debug without --factory" -- "$MVB" bundle "$T/app.elf" --app "$APP" --api "$API" --unsigned -o "$T/never.mvb" --trust-debug "$T/debug.pub.pem"
has err "give --factory" "--trust-debug needs --factory"
echo "not a key" >"$T/junk.pem"
expect 1 "--trust-debug not a key" -- "$MVB" bundle "$T/app.elf" --app "$APP" --api "$API" --factory -o "$T/never.elf" --trust "$T/release.pub.pem" --trust-debug "$T/junk.pem"
has err "junk.pem: error: .*\[key-format\]" "the bad key named"
expect 3 "--trust-debug missing" -- "$MVB" bundle "$T/app.elf" --app "$APP" --api "$API" --factory -o "$T/never.elf" --trust "$T/release.pub.pem" --trust-debug "$T/none.pem"
if [ ! -e "$T/never.elf" ] && [ ! -e "$T/never.mvb" ]; then ok; else bad "a refused provisioning wrote a file"; fi

# ---- crash get -------------------------------------------------------------
# A crash record as a device keeps it (mvbuild-crash(5)): crash 3, reason
# 0x4513 (MemManage), frame and stack, 256 stack bytes: 568 in all
python3 - "$T/rec.bin" <<'PY'
import struct, sys
head = 0x138
stack = bytes(range(256))
r = bytearray(head)
struct.pack_into("<IHHIIII", r, 0, 0x5243564d, 1, head + len(stack), 3, 0x4513, 12345, (1 << 24) | (2 << 16) | 3)
r[0x18:0x38] = bytes(range(32))
struct.pack_into("<II", r, 0x38, 0x01 | 0x02 | 0x08 | 0x20, 0xffffffbc)
for i in range(13):
    struct.pack_into("<I", r, 0x40 + 4 * i, 0x1000 + i)
struct.pack_into("<IIII", r, 0x74, 0x28001f00, 0x00200123, 0x00200456, 0x61000000)
struct.pack_into("<II", r, 0x130, 0x28001f00, len(stack))
open(sys.argv[1], "wb").write(bytes(r) + stack)
PY
REC_SIZE=$(stat -c %s "$T/rec.bin")
# a record of one part (no stack): 312 bytes
python3 -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()[:0x138]); b[6:8]=(0x138).to_bytes(2,"little"); b[0x38]&=~0x08; b[0x134:0x138]=bytes(4); open(sys.argv[2],"wb").write(b)' "$T/rec.bin" "$T/rec1.bin"

# start_sim ARGS...: authsim on a free port ($PORT), its log in $T/sim.log
start_sim() {
	rm -f "$T/port" "$T/sim.log"
	"$SIM" --port-file "$T/port" --log "$T/sim.log" "$@" 2>"$T/sim.err" &
	SIMPID=$!
	for _ in $(seq 1500); do [ -s "$T/port" ] && break; sleep 0.02; done
	PORT=$(cat "$T/port" 2>/dev/null)
	[ -n "$PORT" ] || echo "FAIL: authsim $* did not start"
}
sim_done() {
	wait "$SIMPID" 2>/dev/null
	SIMPID=
}
# logged PATTERN DESCRIPTION: the simulated device's log has it
logged() { if grep -qx -- "$1" "$T/sim.log"; then ok; else bad "$2: '$1' not in the device's log"; sed 's/^/  | /' "$T/sim.log"; fi; }
notlogged() { if grep -q -- "$1" "$T/sim.log"; then bad "$2: '$1' in the device's log"; sed 's/^/  | /' "$T/sim.log"; else ok; fi; }
DEV() { echo "tcp:127.0.0.1:$PORT"; }

# an honest fetch: two parts (448 + 120 bytes), the first again, END
start_sim --debug-key "$T/debug.pub.pem" --serial SN-7 --record "$T/rec.bin"
expect 0 "crash get" -- "$MVB" crash get --device "$(DEV)" --key "$T/debug.pem" -o "$T/got.bin" --core "$T/got.core" --save-auth "$T/auth1.bin"
sim_done
same "$T/rec.bin" "$T/got.bin" "the record as the device keeps it"
has err "authorized for 600 s as debug key $DEBUG_ID on device 'SN-7'" "authorized said"
has err "mvbuild: wrote .*got.bin: crash 3 of app 1.2.3 (reason 0x4513: MemManage), pc 0x00200456, $REC_SIZE bytes; core .*got.core" "the summary"
logged "challenge 1" "one challenge"
logged "auth ok 600" "the device verified the AUTH (600 s by default)"
logged "crash 0" "the first part"
logged "crash 448" "the second part"
logged "end" "the session ended"
if [ "$(grep -c '^crash 0$' "$T/sim.log")" = 2 ]; then ok; else bad "the first part not read again"; fi
if [ "$(stat -c %a "$T/got.bin")" = 600 ] && [ "$(stat -c %a "$T/got.core")" = 600 ] && [ "$(stat -c %a "$T/auth1.bin")" = 600 ]; then ok; else bad "outputs not 0600"; fi
if [ "$(head -c 4 "$T/got.core" | od -An -c | tr -d ' ')" = "177ELF" ]; then ok; else bad "the core is no ELF"; fi
# the saved AUTH: 128 bytes, "MVDA", 600 s, the debug key's id
if [ "$(stat -c %s "$T/auth1.bin")" = 128 ] && [ "$(head -c 4 "$T/auth1.bin")" = MVDA ] &&
	[ "$(head -c 64 "$T/auth1.bin" | tail -c 8 | od -An -tx1 | tr -d ' \n')" = "$DEBUG_ID" ]; then ok; else bad "the saved AUTH"; fi
# the core holds the record: crash show reads it back
expect 0 "crash show of the core" -- "$MVB" crash show "$T/got.core" --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=json.dumps(d); assert "MemManage" in s and ("0x00200456" in s or "2098262" in s), d' "$T/out"; then ok; else bad "the core's record"; sed 's/^/  | /' "$T/out" | head; fi

# the replay: a new CHALLENGE, the old AUTH sent: the device refuses it (nonce)
start_sim --debug-key "$T/debug.pub.pem" --serial SN-7 --record "$T/rec.bin"
expect 3 "replayed AUTH" -- "$MVB" crash get --device "$(DEV)" --auth-file "$T/auth1.bin" -o "$T/replay.bin"
sim_done
has err "crash get: the device refused the authorization: its nonce was not the last one it issued (replayed or stale)$" "replay refused"
logged "auth refused 3" "the device saw the old nonce"
notlogged "^crash " "no CRASH after a refusal"
notlogged "^end$" "no END without a session"
if [ ! -e "$T/replay.bin" ]; then ok; else bad "a refused fetch wrote a record"; fi

# json, --seconds
start_sim --debug-key "$T/debug.pub.pem" --serial SN-7 --record "$T/rec1.bin"
expect 0 "crash get json" -- "$MVB" crash get --device "$(DEV)" --key "$T/debug.pem" -o "$T/one.bin" --seconds 30 --format json
sim_done
logged "auth ok 30" "--seconds sent"
if [ "$(grep -c '^crash ' "$T/sim.log")" = 1 ]; then ok; else bad "a one-part record read more than once"; fi
same "$T/rec1.bin" "$T/one.bin" "one part"
if python3 -c 'import json,sys,hashlib; d=json.load(open(sys.argv[1])); c=d["crash"]
assert d["key_id"]==sys.argv[2] and d["serial"]=="SN-7" and d["seconds"]==30 and d["size"]==312 and d["core"] is None and d["ended"] is True, d
assert d["sha256"]==hashlib.sha256(open(sys.argv[3],"rb").read()).hexdigest()
assert c["number"]==3 and c["reason"]==0x4513 and c["reason_text"]=="MemManage" and c["app_version"]=="1.2.3" and c["pc"]=="0x00200456", c' "$T/out" "$DEBUG_ID" "$T/rec1.bin"; then ok; else bad "crash get json"; sed 's/^/  | /' "$T/out"; fi

# the local refusals: another key; a device without a debug key
start_sim --debug-key "$T/debug.pub.pem" --serial SN-7 --record "$T/rec.bin"
expect 3 "another key" -- "$MVB" crash get --device "$(DEV)" --key "$T/other.pem" -o "$T/never.bin"
sim_done
has err "crash get: .*other.pem (id $OTHER_ID) is not the debug key this device trusts (id $DEBUG_ID)$" "another key said"
notlogged "^auth" "nothing signed for another key"
start_sim --serial SN-7 --record "$T/rec.bin"
expect 3 "no debug key" -- "$MVB" crash get --device "$(DEV)" --key "$T/debug.pem" -o "$T/never.bin"
sim_done
has err "crash get: the device trusts no debug key: provision one with --trust-debug$" "no debug key said"
notlogged "^auth" "no AUTH to a device without a key"

# an AUTH for another device: signed for SN-7, sent to SN-8
start_sim --debug-key "$T/debug.pub.pem" --serial SN-8 --record "$T/rec.bin"
expect 3 "another device" -- "$MVB" crash get --device "$(DEV)" --auth-file "$T/auth1.bin" -o "$T/never.bin"
sim_done
has err "refused the authorization: it was signed for another device" "another device said"
logged "auth refused 2" "the device saw another serial"

# no crash since power-on: said, and the session ended
start_sim --debug-key "$T/debug.pub.pem" --serial SN-7
expect 3 "no crash" -- "$MVB" crash get --device "$(DEV)" --key "$T/debug.pem" -o "$T/never.bin"
sim_done
has err "crash get: no crash recorded on this device since power-on$" "no crash said"
logged "crash refused 1" "the device had none"
logged "end" "END after no crash"
if [ ! -e "$T/never.bin" ]; then ok; else bad "a record written without one"; fi

# a new crash while it was read: read again, the new record written
start_sim --debug-key "$T/debug.pub.pem" --serial SN-7 --record "$T/rec.bin" --quirk replace
expect 0 "record replaced" -- "$MVB" crash get --device "$(DEV)" --key "$T/debug.pem" -o "$T/new.bin"
sim_done
has err "changed while it was read" "the reread said"
if python3 -c 'import sys; a=open(sys.argv[1],"rb").read(); b=bytearray(open(sys.argv[2],"rb").read()); b[8]+=1; assert a==bytes(b)' "$T/new.bin" "$T/rec.bin"; then ok; else bad "not the new record (crash 4)"; fi
has err "crash 4 of app" "crash 4 written"

# a CRASH answer lost: asked again; an AUTH put off (no app runs): again
start_sim --debug-key "$T/debug.pub.pem" --serial SN-7 --record "$T/rec.bin" --quirk drop-crash --quirk too-soon
expect 0 "lost answer, too soon" -- "$MVB" crash get --device "$(DEV)" --key "$T/debug.pem" -o "$T/retry.bin"
sim_done
same "$T/rec.bin" "$T/retry.bin" "after the retries"
logged "auth too-soon" "the first AUTH put off"
logged "challenge 2" "a new challenge after it"
logged "crash 0 dropped" "the first CRASH lost"
has err "runs no app now" "too soon said"

# a link lost after the AUTH; a malformed part; a mute device
start_sim --debug-key "$T/debug.pub.pem" --serial SN-7 --record "$T/rec.bin" --quirk close-after-auth
expect 3 "link lost" -- "$MVB" crash get --device "$(DEV)" --key "$T/debug.pem" -o "$T/never.bin"
sim_done
has err "crash get: the link closed before the device sent the record$" "lost link said"
start_sim --debug-key "$T/debug.pub.pem" --serial SN-7 --record "$T/rec.bin" --quirk short-part
expect 3 "short part" -- "$MVB" crash get --device "$(DEV)" --key "$T/debug.pem" -o "$T/never.bin"
sim_done
has err "the device sent a malformed crash record: the record's first part is 7 bytes" "short part said"
logged "end" "END after a malformed part"
start_sim --quirk mute
t0=$SECONDS
expect 3 "mute device" -- "$MVB" crash get --device "$(DEV)" --key "$T/debug.pem" -o "$T/never.bin" --timeout 2
sim_done
has err "the time was up (--timeout 2 s) before the device answered CHALLENGE" "mute said"
if [ $((SECONDS - t0)) -le 4 ]; then ok; else bad "--timeout 2 took $((SECONDS - t0)) s"; fi
if [ "$(grep -c '^challenge' "$T/sim.log")" = 0 ]; then ok; else bad "mute device logged"; fi
if [ ! -e "$T/never.bin" ]; then ok; else bad "a failed fetch wrote a record"; fi

# a malformed record from the device: nothing written
printf 'MVCR\001\000\070\001' | cat - <(head -c 304 /dev/zero) >"$T/bad.bin" # cr_format 1, cr_size 312, no magic problem
python3 -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); b[0x38]=0x80; open(sys.argv[1],"wb").write(b)' "$T/bad.bin" # an unknown flag
start_sim --debug-key "$T/debug.pub.pem" --serial SN-7 --record "$T/bad.bin"
expect 3 "malformed record" -- "$MVB" crash get --device "$(DEV)" --key "$T/debug.pem" -o "$T/never.bin"
sim_done
has err "crash get: the record the device sent is malformed: .*; nothing written" "malformed said"
if [ ! -e "$T/never.bin" ]; then ok; else bad "a malformed record written"; fi

# usage
expect 2 "no key" -- "$MVB" crash get --device tcp:127.0.0.1:9 -o "$T/x.bin"
has err "one of --key DEBUG.pem or --auth-file FILE is required" "no key said"
expect 2 "key and auth-file" -- "$MVB" crash get --device tcp:127.0.0.1:9 --key "$T/debug.pem" --auth-file "$T/auth1.bin" -o "$T/x.bin"
expect 2 "no -o" -- "$MVB" crash get --device tcp:127.0.0.1:9 --key "$T/debug.pem"
expect 2 "--seconds 0" -- "$MVB" crash get --device tcp:127.0.0.1:9 --key "$T/debug.pem" -o "$T/x.bin" --seconds 0
expect 2 "--seconds 3601" -- "$MVB" crash get --device tcp:127.0.0.1:9 --key "$T/debug.pem" -o "$T/x.bin" --seconds 3601
expect 2 "--seconds with --auth-file" -- "$MVB" crash get --device tcp:127.0.0.1:9 --auth-file "$T/auth1.bin" -o "$T/x.bin" --seconds 5
expect 2 "-o is --core" -- "$MVB" crash get --device tcp:127.0.0.1:9 --key "$T/debug.pem" -o "$T/x.bin" --core "$T/x.bin"
expect 3 "-o is the key" -- "$MVB" crash get --device tcp:127.0.0.1:9 --key "$T/debug.pem" -o "$T/debug.pem"
has err "refusing to overwrite input file" "-o is the key said"
expect 3 "--save-auth is the saved AUTH" -- "$MVB" crash get --device tcp:127.0.0.1:9 --auth-file "$T/auth1.bin" -o "$T/x.bin" --save-auth "$T/auth1.bin"
if [ "$(head -c 4 "$T/debug.pem")" = "----" ] && [ "$(stat -c %s "$T/auth1.bin")" = 128 ]; then ok; else bad "an input overwritten"; fi
expect 2 "no link" -- "$MVB" crash get --key "$T/debug.pem" -o "$T/x.bin"
expect 2 "a bad saved AUTH" -- "$MVB" crash get --device tcp:127.0.0.1:9 --auth-file "$T/rec.bin" -o "$T/x.bin"
has err "is no saved AUTH (568 bytes" "bad saved AUTH said"
chmod 644 "$T/debug.pem"
expect 3 "a readable key" -- "$MVB" crash get --device tcp:127.0.0.1:9 --key "$T/debug.pem" -o "$T/x.bin"
chmod 600 "$T/debug.pem"
expect 3 "nobody listening" -- "$MVB" crash get --device tcp:127.0.0.1:9 --key "$T/debug.pem" -o "$T/x.bin"
expect 0 "help" -- "$MVB" crash get --help
has out "usage: mvbuild crash get " "help"
if [ ! -e "$T/x.bin" ]; then ok; else bad "a usage error wrote a file"; fi

echo "auth: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
