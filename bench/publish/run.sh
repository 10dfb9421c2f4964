#!/bin/bash
# bench/publish/run.sh - `mvbuild publish` and `mvbuild fetch` on three
# releases of the large generated app of bench/check (1.6 MiB of code;
# each release adds 16 functions, which moves most of the code after
# them), to a directory and to a real nginx (WebDAV) on loopback.
# Prints, per release, the wall time of publish (which verifies the
# bundle, makes and signs the deltas, uploads, writes the index) and the
# bytes it uploaded; the delta sizes against the full bundle; and the wall
# time and bytes of each fetch a device would do.  Min and median of N
# runs, each into a fresh repository.
#   usage: bench/publish/run.sh [MVBUILD]
#   environment: N (runs, default 5), WORK (default /tmp/mvb-bench-publish)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MVB=$(realpath "${1:-$ROOT/build/mvbuild}")
N=${N:-5}
W=${WORK:-${TMPDIR:-/tmp}/mvb-bench-publish}
mkdir -p "$W"
for t in arm-none-eabi-gcc awk nginx python3; do
	command -v $t >/dev/null || { echo "bench/publish: needs $t (scripts/setup.sh installs it)"; exit 3; }
done
FIX=$ROOT/tests/data/elf
APP=$FIX/app.yaml API=$FIX/mv_api.yaml
# built as bench/check builds it (mv_log at its fixture entry)
# shellcheck disable=SC2054 # the commas belong to -Wl, not to the array
CC=(arm-none-eabi-gcc -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16 -O1 -ffreestanding -nostdlib
	-ffunction-sections -fdata-sections -Wl,--no-warn-rwx-segments)
# shellcheck disable=SC2054
LD=(-T "$FIX/app.ld" -Wl,--defsym=FLASH_ORIGIN=0x00200000,--defsym=FLASH_LENGTH=0x200000,--defsym=RAM_ORIGIN=0x28000000
	-Wl,--defsym=RAM_LENGTH=0x200000,--defsym=STACK_SIZE=0x1000,--defsym=mv_log=0x1001f009)

# three releases, built once (the sources are generated deterministically)
[ -f "$W/k.pem" ] || "$MVB" keygen -o "$W/k.pem" >/dev/null
for i in 1 2 3; do
	nf=$((5200 + 16 * (i - 1)))
	if [ ! -f "$W/r$i.elf" ] || [ "$(cat "$W/r$i.stamp" 2>/dev/null)" != "$nf $(cat "$ROOT/bench/check/gen.awk" "$FIX/app.ld" | cksum) ${CC[*]} ${LD[*]}" ]; then
		echo "building release $i ($nf functions)..." >&2
		awk -v nfunc=$nf -v steps=23 -f "$ROOT/bench/check/gen.awk" >"$W/r$i.c"
		"${CC[@]}" "${LD[@]}" "$W/r$i.c" -lgcc -o "$W/r$i.elf"
		echo "$nf $(cat "$ROOT/bench/check/gen.awk" "$FIX/app.ld" | cksum) ${CC[*]} ${LD[*]}" >"$W/r$i.stamp"
	fi
	SOURCE_DATE_EPOCH=0 "$MVB" bundle "$W/r$i.elf" --app "$APP" --api "$API" --sign "$W/k.pem" --version 1.$i.0 \
		--security-counter $i -o "$W/r$i.mvb" 2>/dev/null
done

NG=$W/nginx
PORT=$("$ROOT/tests/tools/nginx-dav.sh" start "$NG")
trap '"$ROOT/tests/tools/nginx-dav.sh" stop "$NG"' EXIT

# seconds of one command (wall, 1 ms resolution), its JSON kept in $W/last.json
timed() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >"$W/last.json" 2>/dev/null || { echo "bench/publish: failed: $*" >&2; exit 1; }
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {"d": d}))' "$W/last.json" "$1"; }

# one run into a fresh repository: lines "what ms bytes"
one_run() { # REPO
	local R=$1 i
	rm -rf "$W/dirrepo" "$NG/root/fleet"
	for i in 1 2 3; do
		ms=$(timed "$MVB" publish "$W/r$i.mvb" --repo "$R" --sign "$W/k.pem" --format json)
		echo "publish-1.$i.0 $ms $(jget 'd["uploaded_bytes"]')"
	done
	timed "$MVB" releases --repo "$R" --board mps2-an505 --app fixture --format json >/dev/null
	jget '"\n".join("delta-%s->%s 0 %d" % (x["from"], x["to"], x["size"]) for x in d["channels"][0]["deltas"])' 
	ms=$(timed "$MVB" fetch --repo "$R" --app fixture --key "$W/k.pub.pem" -o "$W/f0.mvb" --format json)
	echo "fetch-full $ms $(jget 'd["download"]["size"]')"
	for i in 1 2; do
		ms=$(timed "$MVB" fetch --repo "$R" --app fixture --base "$W/r$i.mvb" --key "$W/k.pub.pem" -o "$W/f$i.mvb" --format json)
		echo "fetch-from-1.$i.0 $ms $(jget 'd["download"]["size"]')"
	done
}

echo "bench/publish: 3 releases of the bench/check app, N=$N runs per repository"
printf 'bundles: %s\n' "$(for i in 1 2 3; do printf '1.%s.0 %s B  ' $i "$(stat -c %s "$W/r$i.mvb")"; done)"
for where in directory nginx; do
	if [ $where = directory ]; then R=$W/dirrepo; else R=http://127.0.0.1:$PORT/fleet; fi
	: >"$W/$where.rows"
	for _ in $(seq "$N"); do one_run "$R" >>"$W/$where.rows"; done
	echo
	echo "$where ($R):"
	awk '{ ms[$1] = ms[$1] " " $2; bytes[$1] = $3; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
		END {
			for (k = 1; k <= n; k++) {
				w = order[k]; c = split(substr(ms[w], 2), v, " ")
				for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
				if (w ~ /^delta-/)
					printf "  %-18s %9d B\n", w, bytes[w]
				else
					printf "  %-18s %6d ms min %6d ms median  %9d B\n", w, v[1], v[int((c + 1) / 2)], bytes[w]
			}
		}' "$W/$where.rows"
done
