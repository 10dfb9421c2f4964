#!/bin/bash
# flash-case.sh - `mvbuild flash` against real QEMU mps2-an505: a signed
# bundle through the qemu probe (QEMU started by mvbuild, console on
# stdout, the microvisor's exit status), then through gdb://HOST:PORT to a
# QEMU started here, reset over the monitor, which must boot the app.
# Each console is kept as it came (consoleN.raw) and decoded with
# 'mvbuild decode' into consoleN.log, which the checks read: the
# microvisor prints its reasons as tokens ("{#4103}").
# usage: flash-case.sh --mvbuild BIN --fw FW_BUILD_DIR --board-file YAML --work DIR
set -u
while [ $# -gt 0 ]; do
	case "$1" in
	--mvbuild) MVB=$2; shift 2 ;;
	--fw) FW=$2; shift 2 ;;
	--board-file) BOARD=$2; shift 2 ;;
	--work) WORK=$2; shift 2 ;;
	*) echo "flash-case.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
done
QEMU=${QEMU:-qemu-system-arm}
D=$WORK/flash
rm -rf "$D" && mkdir -p "$D" || exit 2
fail() { echo "FAIL: $*"; for f in "$D"/*.log; do echo "---- $f"; cat "$f"; done; exit 1; }
# decoded NAME: NAME.raw decoded into NAME.log
decoded() { "$MVB" decode "$D/$1.raw" >"$D/$1.log" 2>"$D/$1.decode" || fail "mvbuild decode $1.raw: $(cat "$D/$1.decode")"; }

"$MVB" keygen -o "$D/k.pem" >/dev/null 2>&1 || fail "keygen"
"$MVB" bundle "$FW/examples/hello.elf" --board "$BOARD" --microvisor "$FW/out/microvisor.elf" \
	--api "$FW/out/mv_api.yaml" --sign "$D/k.pem" -o "$D/hello.mvb" 2>"$D/bundle.log" || fail "bundle"

# 1. the qemu probe: write, verify, reset, console until the run ends
timeout 60 "$MVB" flash "$D/hello.mvb" --board "$BOARD" --key "$D/k.pub.pem" >"$D/console.raw" 2>"$D/flash.log"
rc=$?
decoded console
[ "$rc" -eq 0 ] || fail "qemu probe: exit $rc"
grep -q "verified by read-back" "$D/flash.log" || fail "no verify in the summary"
grep -q "mv: app 'hello' 1.0.0 verified" "$D/console.log" || fail "microvisor did not accept the flashed app"
grep -q "app: hello from the non-secure app" "$D/console.log" || fail "no app output"
grep -q "mv: app exit 0" "$D/console.log" || fail "no clean exit"
grep -q "the device ended the run with status 0" "$D/flash.log" || fail "run status not reported"
echo "qemu probe: ok ($(grep -o 'in [0-9.]* s ([^)]*)' "$D/flash.log" | head -1))"

# 2. any GDB server: QEMU started here, halted, gdbstub on a free port
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$QEMU" -M mps2-an505 -display none -monitor none -S -gdb "tcp:127.0.0.1:$PORT" \
	-chardev "file,id=con,path=$D/console2.raw,mux=on" -serial chardev:con -serial chardev:con \
	-semihosting-config enable=on,target=native >"$D/qemu.log" 2>&1 &
QPID=$!
trap 'kill $QPID 2>/dev/null' EXIT
for _ in $(seq 600); do
	python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$PORT)).close()" 2>/dev/null && break
	sleep 0.05
done
timeout 60 "$MVB" flash "$D/hello.mvb" --board "$BOARD" --key "$D/k.pub.pem" --probe "gdb://127.0.0.1:$PORT" \
	--reset system_reset >"$D/out2.log" 2>"$D/flash2.log" || fail "gdb probe: exit $?"
for _ in $(seq 200); do kill -0 $QPID 2>/dev/null || break; sleep 0.05; done
wait $QPID
qrc=$?
decoded console2
[ "$qrc" -eq 0 ] || fail "QEMU after a gdb:// flash: exit $qrc"
grep -q "app: hello from the non-secure app" "$D/console2.log" || fail "gdb probe: no app output"
echo "gdb probe: ok"

# 3. an app that never ends: --timeout stops QEMU, the flash still
# succeeds, and QEMU's own "terminating on signal" line is not shown
"$MVB" bundle "$FW/examples/test_forever.elf" --board "$BOARD" --microvisor "$FW/out/microvisor.elf" \
	--api "$FW/out/mv_api.yaml" --sign "$D/k.pem" -o "$D/forever.mvb" 2>"$D/bundle3.log" || fail "bundle forever"
timeout 60 "$MVB" flash "$D/forever.mvb" --board "$BOARD" --key "$D/k.pub.pem" --timeout 2 \
	>"$D/console3.raw" 2>"$D/flash3.log" || fail "timeout run: exit $?"
decoded console3
grep -q "app: tick 1" "$D/console3.log" || fail "timeout run: the app did not run"
grep -q "the device still runs after 2 s; stopped QEMU (--timeout)" "$D/flash3.log" || fail "timeout not reported"
grep -q "terminating on signal" "$D/flash3.log" && fail "QEMU's stop message shown"
# --no-run: written and verified, QEMU stopped before the app starts
timeout 60 "$MVB" flash "$D/forever.mvb" --board "$BOARD" --key "$D/k.pub.pem" --no-run \
	>"$D/console4.raw" 2>"$D/flash4.log" || fail "--no-run: exit $?"
decoded console4
grep -q "verified by read-back" "$D/flash4.log" || fail "--no-run: not verified"
grep -q "app:" "$D/console4.log" && fail "--no-run: the app ran"
grep -q "terminating on signal" "$D/flash4.log" && fail "--no-run: QEMU's stop message shown"
echo "timeout and --no-run: ok"

# 4. a delta bundle (the forever app as deltas from hello.mvb): refused
# without the bundle it applies to, booted with --base
"$MVB" bundle "$FW/examples/test_forever.elf" --board "$BOARD" --microvisor "$FW/out/microvisor.elf" \
	--api "$FW/out/mv_api.yaml" --sign "$D/k.pem" --base "$D/hello.mvb" -o "$D/delta.mvb" 2>"$D/bundle5.log" ||
	fail "bundle --base"
"$MVB" inspect "$D/delta.mvb" | grep -q "app .* delta " || fail "the app layer is not a delta"
timeout 60 "$MVB" flash "$D/delta.mvb" --board "$BOARD" --key "$D/k.pub.pem" >"$D/console5.raw" 2>"$D/flash5.log"
[ $? -eq 1 ] || fail "a delta bundle without --base: not refused"
decoded console5
grep -q "give it with --base \[bundle-base\]" "$D/flash5.log" || fail "a delta bundle without --base: no bundle-base"
[ -s "$D/console5.log" ] && fail "a delta bundle without --base: the device ran"
timeout 60 "$MVB" flash "$D/delta.mvb" --base "$D/hello.mvb" --board "$BOARD" --key "$D/k.pub.pem" --timeout 2 \
	>"$D/console6.raw" 2>"$D/flash6.log" || fail "delta with --base: exit $?"
decoded console6
grep -q "verified by read-back" "$D/flash6.log" || fail "delta with --base: not verified"
grep -q "app: tick 1" "$D/console6.log" || fail "delta with --base: the new app did not run"
"$MVB" flash "$D/delta.mvb" --base "$D/forever.mvb" --board "$BOARD" --key "$D/k.pub.pem" --no-run \
	>"$D/console7.raw" 2>"$D/flash7.log"
[ $? -eq 1 ] || fail "delta over the wrong base: not refused"
decoded console7
grep -q "bundle-base" "$D/flash7.log" || fail "delta over the wrong base: no bundle-base"
echo "delta bundle with --base: ok"

# 5. an app with a watchdog (test_watchdog, 200 ms in its manifest): the
# header flash writes from the bundle (mvu_app_header, the rule the
# device's installer uses) carries the deadline, and the microvisor keeps it
"$MVB" bundle "$FW/examples/test_watchdog.elf" --board "$BOARD" --microvisor "$FW/out/microvisor.elf" \
	--api "$FW/out/mv_api.yaml" --sign "$D/k.pem" -o "$D/wd.mvb" 2>"$D/bundle8.log" || fail "bundle test_watchdog"
"$MVB" inspect "$D/wd.mvb" | grep -q "^  watchdog: 200 ms$" || fail "the bundle has no watchdog"
timeout 60 "$MVB" flash "$D/wd.mvb" --board "$BOARD" --key "$D/k.pub.pem" >"$D/console8.raw" 2>"$D/flash8.log"
rc=$?
decoded console8
[ "$rc" -eq 0 ] || fail "watchdog: exit $rc"
grep -q "mv: app watchdog 200 ms" "$D/console8.log" || fail "the flashed header has no watchdog"
grep -q "mv: app fault: watchdog deadline missed" "$D/console8.log" || fail "the watchdog did not fire"
grep -q "app: restarted, last crash reason 0x00004519" "$D/console8.log" || fail "the app did not see the watchdog's reason"
echo "watchdog from the bundle: ok"
