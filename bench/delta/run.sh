#!/bin/bash
# bench/delta/run.sh - patch sizes on real firmware pairs: mvbuild delta
# against Debian bsdiff 4.3, xdelta3 -9, zstd -19 --patch-from and raw
# deflate (4 KiB window, level 9) of the whole new image; encode wall time
# and peak RSS of mvbuild delta; every patch is applied with mvbuild patch
# and compared with the new image.  Prints a markdown table.
#   usage: bench/delta/run.sh [MVBUILD]
# Pairs: the public images in tests/data/delta-public (detools' test files;
# MVB_DELTA_CORPUS names another directory, and its ESP8266 pair is measured
# too when it has one: the tree leaves that pair out), two
# pairs of this repository's own microvisor (prebuilt images at successive
# commits) and one of an app made with 'mvbuild init' before and after a
# source change.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MVB=$(realpath "${1:-$ROOT/build/mvbuild}")
W=${WORK:-${TMPDIR:-/tmp}/mvb-bench-delta}
mkdir -p "$W"
for t in bsdiff xdelta3 zstd python3 arm-none-eabi-objcopy; do
	command -v $t >/dev/null || { echo "bench/delta: needs $t (apt-get install --no-install-recommends bsdiff xdelta3 zstd)"; exit 3; }
done
gcc -O2 -Wall -Wextra -o "$W/measure" "$ROOT/bench/check/measure.c"
C=${MVB_DELTA_CORPUS:-$ROOT/tests/data/delta-public}

# this project's own pairs
mv_at() { # commit board -> raw image
	git -C "$ROOT" show "$1:firmware/prebuilt/$2/microvisor.elf" >"$W/mv-$1.elf"
	arm-none-eabi-objcopy -O binary "$W/mv-$1.elf" "$W/mv-$1.bin"
}
mv_at e774c3e mps2-an505
mv_at 78e64aa mps2-an505
mv_at afcff0b mps2-an505
mv_at 5954c17 mps2-an505
if [ ! -f "$W/app-2.bin" ]; then
	rm -rf "$W/app"
	"$MVB" init "$W/app" --board mps2-an505 --name benchapp >"$W/init.out"
	eval "$(sed -n 's/^build it with: //p' "$W/init.out")" >/dev/null
	elf=$(ls "$W"/app/build/*.elf | head -n 1)
	arm-none-eabi-objcopy -O binary "$elf" "$W/app-1.bin"
	# version 2: a new function called from main, and a changed message
	main=$(ls "$W"/app/src/*.c | head -n 1)
	sed -i 's/hello/hello again/' "$main"
	printf '\nint bench_extra(int x);\nint bench_extra(int x) { return x * 3 + 1; }\n' >>"$main"
	cmake --build "$W/app/build" >/dev/null
	arm-none-eabi-objcopy -O binary "$elf" "$W/app-2.bin"
fi

pairs="$C/pybv11-v1.10.bin:$C/pybv11-1f5d945af.bin
$C/pybv11-1f5d945af.bin:$C/pybv11-1f5d945af-dirty.bin
$C/pybv11-v1.10.bin:$C/pybv11-1f5d945af-dirty.bin
$C/synthesizer-1.bin:$C/synthesizer-2.bin
$C/synthesizer-1.bin:$C/synthesizer-3.bin
$C/synthesizer-2.bin:$C/synthesizer-3.bin
$W/mv-e774c3e.bin:$W/mv-78e64aa.bin
$W/mv-afcff0b.bin:$W/mv-5954c17.bin
$W/app-1.bin:$W/app-2.bin"
if [ -f "$C/esp8266-v1.10.bin" ]; then
	pairs="$pairs
$C/esp8266-v1.9.4.bin:$C/esp8266-v1.10.bin"
else
	echo "bench/delta: no ESP8266 pair in $C (not in the tree): measuring the others" >&2
fi

deflate() { python3 -c 'import sys,zlib; c=zlib.compressobj(9,zlib.DEFLATED,-12,9); d=open(sys.argv[1],"rb").read(); print(len(c.compress(d)+c.flush()))' "$1"; }

echo "| pair | new | deflate-4K | bsdiff | xdelta3 -9 | zstd -19 | mvbuild | x bsdiff | x deflate | encode ms | encode RSS KiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
logsum=0
n=0
while IFS=: read -r a b; do
	name="$(basename "${a%.bin}") -> $(basename "${b%.bin}")"
	p=$W/p
	bsdiff "$a" "$b" "$p.bsd"
	xdelta3 -9 -e -f -s "$a" "$b" "$p.xd3"
	zstd -q -f -19 --patch-from="$a" "$b" -o "$p.zst" 2>/dev/null
	read -r _ t_min _ _ _ rss _ < <("$W/measure" 5 "$MVB" delta -q "$a" "$b" -o "$p.mvd")
	"$MVB" patch "$a" "$p.mvd" -o "$p.out"
	cmp -s "$p.out" "$b" || { echo "bench/delta: $name: round trip FAILED"; exit 1; }
	nb=$(stat -c %s "$b") m=$(stat -c %s "$p.mvd") s=$(stat -c %s "$p.bsd")
	df=$(deflate "$b")
	printf '| %s | %s | %s | %s | %s | %s | %s | %.3f | %.3f | %.0f | %s |\n' "$name" "$nb" "$df" "$s" \
		"$(stat -c %s "$p.xd3")" "$(stat -c %s "$p.zst")" "$m" "$(echo "$m / $s" | bc -l)" \
		"$(echo "$m / $df" | bc -l)" "$t_min" "$rss"
	logsum=$(echo "$logsum + l($m / $s)" | bc -l)
	n=$((n + 1))
done <<<"$pairs"
printf '\ngeometric mean of mvbuild / bsdiff over %d pairs: %.3f\n' "$n" "$(echo "e($logsum / $n)" | bc -l)"
"$ROOT/bench/delta/m33.sh" "$W/m33" | tail -n 1
