#!/bin/bash
# debug.sh - `mvbuild debug`: --help and usage errors, then a whole gdb
# session against a simulated device agent (tests/cli/debugsim.py: the
# link's framing and the agent's requests, no CPU): gdb-multiarch --batch
# connects, breaks, continues (stops at the breakpoint), prints and sets a
# variable, reads secure memory (an error), steps (gdb's own software
# step), detaches; the simulated device must end with no breakpoint, the
# app running, the variable written and an END.  Then a replayed AUTH is
# refused with status 3.  The real agent: tests/qemu/debug.py.
# usage: debug.sh MVBUILD SRCDIR TMPDIR
set -u
MVB=$1 SRC=$2 T=$3
. "$(dirname "$0")/lib.sh"

# --- usage
expect 0 "--help" -- "$MVB" debug --help
has out "^usage: mvbuild debug" "--help prints the usage line"
expect 2 "no link" -- "$MVB" debug --key k.pem --listen 127.0.0.1:0
expect 2 "both links" -- "$MVB" debug --device tcp:127.0.0.1:1 --qemu x.elf --key k.pem --listen 127.0.0.1:0
expect 2 "no key" -- "$MVB" debug --device tcp:127.0.0.1:1 --listen 127.0.0.1:0
expect 2 "no --listen" -- "$MVB" debug --device tcp:127.0.0.1:1 --key k.pem
expect 2 "not loopback" -- "$MVB" debug --device tcp:127.0.0.1:1 --key k.pem --listen 0.0.0.0:3333
has err "not a loopback address" "a public --listen is refused"
expect 2 "bad --listen" -- "$MVB" debug --device tcp:127.0.0.1:1 --key k.pem --listen 127.0.0.1:x
expect 2 "bad --seconds" -- "$MVB" debug --device tcp:127.0.0.1:1 --key k.pem --listen 127.0.0.1:0 --seconds 0
expect 2 "unknown option" -- "$MVB" debug --bogus
expect 2 "--baud with --qemu" -- "$MVB" debug --qemu x.elf --baud 9600 --key k.pem --listen 127.0.0.1:0

GDB=$(command -v gdb-multiarch) || { echo "debug: gdb-multiarch is not installed (scripts/setup.sh installs it)"; exit 1; }

# --- the app and the simulated device
cat >"$T/app.c" <<'C'
volatile int dbg_mode;
volatile int dbg_count = 3;
void dbg_tick(void) { dbg_count++; }
int main(void)
{
	for (;;) {
		dbg_tick();
		if (dbg_mode == 42)
			dbg_count = 0;
	}
}
C
arm-none-eabi-gcc -mcpu=cortex-m33 -mthumb -O1 -g -ffreestanding -nostdlib -Wl,-Ttext=0x00200000 \
	-Wl,-Tdata=0x28000000 -Wl,-e,main -Wl,--no-warn-rwx-segments -o "$T/app.elf" "$T/app.c" ||
	{ echo "debug: cannot build the app"; exit 1; }
arm-none-eabi-objcopy -O binary --only-section=.text "$T/app.elf" "$T/flash.bin"
arm-none-eabi-objcopy -O binary --only-section=.data "$T/app.elf" "$T/ram.bin"
(cd "$T" && "$MVB" keygen -o dk.pem >keygen.out 2>&1) || { echo "debug: keygen failed"; exit 1; }
KEYID=$(sed -n 's/.*key id \([0-9a-f]\{16\}\).*/\1/p' "$T/keygen.out")
python3 "$SRC/tests/cli/debugsim.py" "$T/port" "$KEYID" 0x00200000 "$T/flash.bin" 0x28000000 "$T/ram.bin" \
	"$T/sim.json" >"$T/sim.log" 2>&1 &
SIM=$!
trap 'kill $SIM 2>/dev/null' EXIT
for _ in $(seq 50); do [ -f "$T/port" ] && break; sleep 0.1; done
PORT=$(cat "$T/port")

# --- a gdb session
"$MVB" debug --device "tcp:127.0.0.1:$PORT" --key "$T/dk.pem" --listen 127.0.0.1:0 --save-auth "$T/auth.bin" \
	--format json >"$T/dbg.json" 2>"$T/dbg.err" &
DBG=$!
for _ in $(seq 100); do grep -q "listening on" "$T/dbg.err" && break; sleep 0.1; done
GPORT=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\) .*/\1/p' "$T/dbg.err")
if [ -z "$GPORT" ]; then
	bad "mvbuild debug did not listen"
	sed 's/^/  | /' "$T/dbg.err"
else
	ok
	timeout 60 "$GDB" -nx --batch -ex "set confirm off" -ex "target remote 127.0.0.1:$GPORT" \
		-ex "break dbg_tick" -ex "continue" -ex "print dbg_count" -ex "set var dbg_mode = 42" \
		-ex "print dbg_mode" -ex "x/4x 0x10000000" -ex "info registers pc" -ex "stepi" -ex "delete" \
		-ex "detach" "$T/app.elf" >"$T/gdb.out" 2>&1
	has gdb.out "Breakpoint 1, .*dbg_tick" "gdb stops at the breakpoint"
	has gdb.out '\$1 = 3' "gdb reads dbg_count"
	has gdb.out '\$2 = 42' "gdb wrote dbg_mode"
	has gdb.out "Cannot access memory at address 0x10000000" "secure memory is an error"
	has gdb.out "tick" "the device's log reaches gdb"
fi
wait $DBG
st=$?
[ "$st" = 0 ] && ok || { bad "mvbuild debug exit $st, want 0"; sed 's/^/  | /' "$T/dbg.err" | head -30; }
cp "$T/dbg.json" "$T/out"
has out '"gdb": *"detached"' "json: gdb detached"
has out '"ended": *true' "json: END answered"
sleep 0.3
python3 - "$T/sim.json" <<'PY' && ok || bad "the simulated device's end state"
import json, sys
s = json.load(open(sys.argv[1]))
f = s['final']
assert f['breaks'] == 0, f
assert f['state'] == 0, f          # running
assert s['ends'] == 1, s
assert s['max_breaks'] >= 1, s
PY

# --- a replayed AUTH: refused, status 3
expect 3 "replayed AUTH" -- "$MVB" debug --device "tcp:127.0.0.1:$PORT" --auth-file "$T/auth.bin" \
	--listen 127.0.0.1:0 --timeout 5
has err "refused the authorization" "the refusal is said"
echo "debug: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
