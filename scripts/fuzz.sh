#!/bin/bash
# fuzz.sh - build the libFuzzer harnesses (clang, ASan+UBSan) and run each
# for SECONDS (default 60).  Seeds: tests/fuzz/seeds/<harness>/ (committed);
# the growing corpus lives in build-fuzz/corpus/.  Any crash fails the run.
#   scripts/fuzz.sh [SECONDS] [HARNESS...]
set -eu
cd "$(dirname "$0")/.."
SECS=${1:-60}
shift || true
HARNESSES=${*:-fuzz_board fuzz_app fuzz_elf fuzz_bundle}
CC=${CC_FUZZ:-clang-14}
command -v "$CC" >/dev/null || { echo "fuzz: $CC not found (apt-get install clang-14)"; exit 3; }
B=build-fuzz
mkdir -p "$B"
SRC="src/core/diag.c src/core/buf.c src/core/yaml.c src/core/board.c src/core/app.c src/core/api.c src/core/elf.c src/core/check.c src/core/gen.c src/core/hash.c src/core/image.c src/core/bundle.c src/core/sign.c src/core/deflate.c src/core/map.c"
FLAGS="-g -O1 -std=c11 -D_DEFAULT_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iinclude -Isrc/core"
LIBS="$(pkg-config --libs yaml-0.1 libelf zlib) -lmbedx509 -lmbedcrypto -lpthread"
status=0
for h in $HARNESSES; do
	$CC $FLAGS tests/fuzz/$h.c $SRC $LIBS -o "$B/$h"
	mkdir -p "$B/corpus/$h"
	seeds=tests/fuzz/seeds/$h
	echo "fuzz: $h for ${SECS}s"
	if ! MVB_FUZZ_BOARD=$PWD/boards/mps2-an505.yaml "$B/$h" -max_total_time="$SECS" -max_len=65536 \
		-artifact_prefix="$B/$h-" -print_final_stats=1 "$B/corpus/$h" ${seeds:+$( [ -d "$seeds" ] && echo "$seeds")} \
		2>"$B/$h.log"; then
		echo "fuzz: $h FAILED; see $B/$h.log and $B/$h-crash-*"
		status=1
	fi
	grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$B/$h.log" | sed "s/^/  $h /"
done
exit $status
