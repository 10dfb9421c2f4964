#!/bin/bash
# bench/fleet/run.sh - the fleet load test: N simulated devices fetch from
# a real nginx (WebDAV, on loopback) while a release is published every
# second, for SECONDS seconds.  Each device is the device's update client
# as mvbuild runs it on the host ('mvbuild fetch': index signature,
# expiry, rollback record, the delta decoded over the installed release,
# every hash and the bundle signature), one process per fetch, polling
# every INTERVAL seconds (+-50%); half take deltas (--base), half full
# bundles (--have).  At the end every device fetches once more, and its
# last download is checked with 'mvbuild verify'.  Prints fetches per
# second, p50/p99 latency, bytes served per device with and without
# deltas, and the publisher's time per release (bench/README.md, "fleet").
#   usage: bench/fleet/run.sh [--quick] [--devices N] [--seconds S]
#          [--interval S] [--deltas K] [--mvbuild PATH] [--work DIR]
#   --quick: 40 devices, 10 releases, polling every 2 s (CTest bench.fleet)
# Exit status: 0 when every fetch was accepted and every device ends on
# the latest release or the one before; 1 otherwise; 3 a tool is missing.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MVB=$ROOT/build/mvbuild
DEVICES=500 SECONDS_=60 INTERVAL=10 DELTAS=8
W=${TMPDIR:-/tmp}/mvb-bench-fleet
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) DEVICES=40 SECONDS_=10 INTERVAL=2 DELTAS=4 ;;
	--devices) DEVICES=$2; shift ;;
	--seconds) SECONDS_=$2; shift ;;
	--interval) INTERVAL=$2; shift ;;
	--deltas) DELTAS=$2; shift ;;
	--mvbuild) MVB=$(realpath "$2"); shift ;;
	--work) W=$2; shift ;;
	-h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/fleet: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
for t in arm-none-eabi-gcc nginx python3; do
	command -v $t >/dev/null || { echo "bench/fleet: needs $t (scripts/setup.sh installs it)" >&2; exit 3; }
done
[ -x "$MVB" ] || { echo "bench/fleet: no $MVB (run scripts/build.sh)" >&2; exit 3; }
N=$((SECONDS_ + 1)) # release 1 is out before the devices start
rm -rf "$W" && mkdir -p "$W/rel"
NGINX_DIR=$W/nginx
trap '"$ROOT/tests/tools/nginx-dav.sh" stop "$NGINX_DIR"' EXIT

# N releases of the fixture app, each with a table of its own (a few
# words change from one to the next, as a small fix would), signed
FIX=$ROOT/tests/data/elf
CC=(arm-none-eabi-gcc -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16 -Os -ffreestanding -nostdlib
	-Wl,--no-warn-rwx-segments)
LD=(-T "$FIX/app.ld" "-Wl,--defsym=FLASH_ORIGIN=0x00200000,--defsym=FLASH_LENGTH=0x200000,--defsym=RAM_ORIGIN=0x28000000,--defsym=RAM_LENGTH=0x200000,--defsym=STACK_SIZE=0x1000")
"$MVB" keygen -o "$W/k.pem" >/dev/null
t0=$(date +%s.%N)
for k in $(seq "$N"); do
	python3 -c 'import sys; k=int(sys.argv[1]); print("const unsigned fleet_table[256] = {%s};" % ",".join(str((i * 2654435761 + (k if i % 37 == 0 else 0)) & 0xffffffff) + "u" for i in range(256)))' "$k" >"$W/rel/t$k.c"
	"${CC[@]}" "${LD[@]}" -DCALL_MV -Wl,--defsym=mv_log=0x1001f009 "$FIX/app.c" "$W/rel/t$k.c" -lgcc -o "$W/rel/r$k.elf"
	"$MVB" bundle "$W/rel/r$k.elf" --app "$FIX/app.yaml" --api "$FIX/mv_api.yaml" --sign "$W/k.pem" \
		--version "1.$k.0" --security-counter "$k" -o "$W/rel/r$k.mvb" 2>/dev/null
done
echo "bench/fleet: $N releases built and signed in $(python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(date +%s.%N)") s ($(stat -c %s "$W/rel/r1.mvb") B each)"

# nginx: the publisher writes /fleet, the two halves of the fleet read it
# as /fleet-d (deltas) and /fleet-f (full bundles), so its access log
# tells their bytes apart
PORT=$(NGINX_CONNECTIONS=2048 "$ROOT/tests/tools/nginx-dav.sh" start "$NGINX_DIR")
mkdir -p "$NGINX_DIR/root/fleet"
ln -s fleet "$NGINX_DIR/root/fleet-d"
ln -s fleet "$NGINX_DIR/root/fleet-f"
URL=http://127.0.0.1:$PORT
"$MVB" publish "$W/rel/r1.mvb" --repo "$URL/fleet" --sign "$W/k.pem" >/dev/null
ulimit -n 4096 2>/dev/null || true

python3 "$HERE/fleet.py" --mvbuild "$MVB" --url "$URL" --log "$NGINX_DIR/logs/access.log" --releases "$W/rel" \
	--releases-n "$N" --key "$W/k.pub.pem" --sign "$W/k.pem" --work "$W/devices" --devices "$DEVICES" \
	--interval "$INTERVAL" --deltas "$DELTAS"
