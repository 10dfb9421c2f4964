#!/bin/bash
# bench/flash/run.sh - throughput of `mvbuild flash` into QEMU mps2-an505
# (the qemu probe: QEMU's gdbstub, hex M packets, read-back verify) for the
# large generated app of bench/check (about 1.6 MiB of code), over N runs;
# and, for scale, gdb-multiarch's own `load` of the same bytes once.
# Prints figures; the goal from the flash issue: >= 10 MB/s for 1 MiB.
# usage: bench/flash/run.sh [MVBUILD]
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MVB=$(realpath "${1:-$ROOT/build/mvbuild}")
N=${N:-20}
WORK=${WORK:-${TMPDIR:-/tmp}/mvb-bench-check}
ELF=$WORK/big.elf
if [ ! -f "$ELF" ]; then
	echo "building the large app first (bench/check/run.sh)..."
	N=1 "$ROOT/bench/check/run.sh" "$MVB" >/dev/null
fi
B=$WORK/flash
mkdir -p "$B"
APP=$ROOT/tests/data/elf/app.yaml API=$ROOT/tests/data/elf/mv_api.yaml
"$MVB" bundle "$ELF" --app "$APP" --api "$API" --unsigned -o "$B/big.mvb" 2>/dev/null
"$MVB" bundle "$ELF" --app "$APP" --api "$API" --factory -o "$B/big-factory.elf" 2>/dev/null
for i in $(seq "$N"); do
	"$MVB" flash "$B/big.mvb" --allow-unsigned --no-run --format json 2>/dev/null
done | python3 -c '
import json, sys, statistics
runs = []
dec = json.JSONDecoder()
text = sys.stdin.read()
pos = 0
while pos < len(text):
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos >= len(text):
        break
    d, pos = dec.raw_decode(text, pos)
    runs.append(d)
b = runs[0]["bytes"]
w = sorted(r["bytes_per_second"] for r in runs)
v = sorted(r["verify_seconds"] for r in runs)
s = sorted(r["seconds"] for r in runs)
print("mvbuild flash, qemu probe, %d runs: %d bytes (%.2f MiB) in %s packets, verified by %s" % (len(runs), b, b / 1048576, runs[0]["method"], runs[0]["verified"]))
print("  write  %.1f ms median (min %.1f): %.1f MB/s median, %.1f MB/s best" % (statistics.median(s) * 1e3, s[0] * 1e3, statistics.median(w) / 1e6, w[-1] / 1e6))
print("  verify %.1f ms median (min %.1f): %.1f MB/s median" % (statistics.median(v) * 1e3, v[0] * 1e3, b / statistics.median(v) / 1e6))
print("goal: >= 10 MB/s writing 1 MiB: %s" % ("met" if statistics.median(w) >= 10e6 else "not met"))
'
# gdb's own loader over the same stub, for scale (one run)
if command -v gdb-multiarch >/dev/null; then
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	qemu-system-arm -M mps2-an505 -display none -monitor none -S -gdb "tcp:127.0.0.1:$PORT" >/dev/null 2>&1 &
	Q=$!
	sleep 0.3
	out=$(timeout 120 gdb-multiarch -q -batch -ex "target remote 127.0.0.1:$PORT" -ex "load $ELF" 2>&1 | grep -i 'transfer rate' || true)
	kill $Q 2>/dev/null || true
	wait $Q 2>/dev/null || true
	echo "gdb-multiarch load of the app ELF (same stub, no verify): ${out:-no figure}"
fi
