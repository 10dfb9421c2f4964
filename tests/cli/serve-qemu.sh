#!/bin/bash
# serve-qemu.sh - `mvbuild serve --qemu` with the microvisor of a firmware
# build: the factory image of its hello example boots in QEMU, the device
# says HELLO on its link (UART4) and mirrors its console lines as LINE
# frames, and its exit ends QEMU and the run (or --timeout does, for an
# app that runs on); the reason tokens the microvisor prints ("{#4510}")
# are shown as their texts, on the console and on the link.  Registered
# by tests/qemu (qemu.serve.*).
# usage: serve-qemu.sh MVBUILD FWBUILD BOARDFILE WORKDIR
set -u
MVB=$1 FW=$2 BOARD=$3 T=$4
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib.sh"

"$MVB" bundle "$FW/examples/hello.elf" --factory -o "$T/boot.elf" --board "$BOARD" \
	--microvisor "$FW/out/microvisor.elf" --api "$FW/out/mv_api.yaml" >"$T/bundle.log" 2>&1 ||
	{ echo "FAIL: mvbuild bundle: $(cat "$T/bundle.log")"; exit 1; }
"$MVB" bundle "$FW/examples/test_forever.elf" --factory -o "$T/forever.elf" --board "$BOARD" \
	--microvisor "$FW/out/microvisor.elf" --api "$FW/out/mv_api.yaml" >"$T/bundle.log" 2>&1 ||
	{ echo "FAIL: mvbuild bundle: $(cat "$T/bundle.log")"; exit 1; }
"$MVB" bundle "$FW/examples/test_secure_read.elf" --factory -o "$T/fault.elf" --board "$BOARD" \
	--microvisor "$FW/out/microvisor.elf" --api "$FW/out/mv_api.yaml" >"$T/bundle.log" 2>&1 ||
	{ echo "FAIL: mvbuild bundle: $(cat "$T/bundle.log")"; exit 1; }
mkdir -p "$T/repo"

# the device's HELLO and log lines, the console beside them; the app's
# exit ends QEMU, which ends serving (status 0 without --once)
expect 0 "serve --qemu" -- "$MVB" serve --repo "$T/repo" --qemu "$T/boot.elf" --timeout 60 --format json
has err "^console| mv: microvisor " "console lines, prefixed"
has err "^log| mv: app 'hello' 1.0.0 verified" "the console mirrored on the link"
has err "^log| mv: app exit 0" "the last line before the exit"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=d["device"]
assert d["end"]=="qemu-exit" and d["qemu"]=={"status":0} and d["sessions"]>=1, d
assert v["board"]=="mps2-an505" and v["app"]=="hello" and v["app_version"]=="1.0.0" and v["state"]=="running", v
assert v["payload_max"]==512 and v["image_sha256"] and d["before"]=="1.0.0" and d["outcome"] is None, v
s=d["link_stats"]; assert s["dropped"]==0 and s["malformed"]==0 and s["frames_in"]>=3 and s["frames_out"]==d["sessions"], s' "$T/out"; then ok; else bad "serve --qemu json"; sed 's/^/  | /' "$T/out" | head -50; fi

# An app fault: the microvisor's reason for it, a token on the device,
# is its text in what serve shows (console and link alike)
expect 0 "serve --qemu, an app fault" -- "$MVB" serve --repo "$T/repo" --qemu "$T/fault.elf" --timeout 60
has out "^console| mv: app fault: SecureFault SFSR=0x00000008" "the fault's reason decoded on the console"
has out "^log| mv: app fault: SecureFault SFSR=0x00000008" "the fault's reason decoded on the link"
if grep -q "{#" "$T/out"; then bad "a reason token shown as it came"; else ok; fi

# An app that keeps running: the run ends at --timeout (status 0 without
# --once); UPDATE_NOW goes out after the HELLO and the microvisor, which
# has no update client yet, answers it with error 5 (its receive interrupt
# used to stall on some boots: acknowledged before it drains now).
expect 0 "serve --qemu --update-now" -- "$MVB" serve --repo "$T/repo" --qemu "$T/forever.elf" --timeout 4 --update-now
has err "device: board 'mps2-an505', app 'forever' 1.0.0" "the HELLO, in text"
has err "asked the device to look for an update now (UPDATE_NOW)" "UPDATE_NOW sent"
has err "declined UPDATE_NOW: error 5" "the device's answer"
has out "^log| .*tick 2$" "the app's lines on the link"
has err "served for 4 s (--timeout)" "the end said"

# --once: the device never reports (no update client), so QEMU's end is a failure
expect 3 "serve --qemu --once" -- "$MVB" serve --repo "$T/repo" --qemu "$T/boot.elf" --timeout 60 --once
has err "the device exited (QEMU ended) before it reported" "no report said"

echo "serve-qemu: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
