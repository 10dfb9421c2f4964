#!/bin/sh
# check-prebuilt.sh - rebuild the microvisor of every board with a port
# from source, in a fresh temporary directory, and compare the artefacts
# byte for byte with firmware/prebuilt/<board>/.  Exit 0 if all match,
# 1 naming each file that differs or is missing, 3 if the build cannot run.
# Needs $MVBUILD or build/mvbuild (for 'mvbuild gen').
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
mvbuild=${MVBUILD:-$top/build/mvbuild}
[ -x "$mvbuild" ] || { echo "check-prebuilt.sh: no mvbuild at '$mvbuild' (build it, or set MVBUILD)" >&2; exit 3; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mv-check-prebuilt.XXXXXX") || exit 3
trap 'rm -rf "$tmp"' EXIT INT TERM

bad=0
for port in "$top"/firmware/ports/*/port.cmake; do
	[ -f "$port" ] || continue
	board=$(basename "$(dirname "$port")")
	pre="$top/firmware/prebuilt/$board"
	dir="$tmp/$board"
	if ! cmake -S "$top/firmware" -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$top/firmware/cmake/arm-none-eabi.cmake" \
		-DMV_BOARD="$board" -DMVBUILD="$mvbuild" >"$tmp/$board.log" 2>&1 ||
		! cmake --build "$dir" --target mv_artefacts >>"$tmp/$board.log" 2>&1; then
		cat "$tmp/$board.log" >&2
		echo "check-prebuilt.sh: building $board failed" >&2
		exit 3
	fi
	for f in microvisor.elf mv_implib.o mv_api.yaml $(cd "$dir/out" 2>/dev/null && ls microvisor-ota.elf 2>/dev/null); do
		if [ ! -f "$pre/$f" ]; then
			echo "check-prebuilt.sh: firmware/prebuilt/$board/$f is missing" >&2
			bad=1
		elif ! cmp -s "$pre/$f" "$dir/out/$f"; then
			echo "check-prebuilt.sh: firmware/prebuilt/$board/$f differs from a rebuild from source" >&2
			bad=1
		fi
	done
	[ "$bad" = 0 ] && echo "check-prebuilt.sh: $board ok"
done
exit "$bad"
