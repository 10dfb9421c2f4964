#!/bin/sh
# build-firmware.sh - build the microvisor for every board that has a port
# (firmware/ports/<board>/ and boards/<board>.yaml), with the example apps.
#
#   scripts/build-firmware.sh [--update]
#
# --update copies the artefacts (microvisor.elf, mv_implib.o, mv_api.yaml)
# into firmware/prebuilt/<board>/ for committing.  Needs the host tool for
# 'mvbuild gen': $MVBUILD, else build/mvbuild.  Build trees go to
# $MV_FW_BUILD_ROOT/<board> (default build/fw/<board>).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
update=0
case "${1:-}" in
--update) update=1 ;;
'') ;;
-h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
*) echo "build-firmware.sh: unknown option '$1'" >&2; exit 2 ;;
esac

mvbuild=${MVBUILD:-$top/build/mvbuild}
[ -x "$mvbuild" ] || { echo "build-firmware.sh: no mvbuild at '$mvbuild' (build it, or set MVBUILD)" >&2; exit 3; }
root=${MV_FW_BUILD_ROOT:-$top/build/fw}

found=0
for port in "$top"/firmware/ports/*/port.cmake; do
	[ -f "$port" ] || continue
	board=$(basename "$(dirname "$port")")
	if [ ! -f "$top/boards/$board.yaml" ]; then
		echo "build-firmware.sh: port '$board' has no boards/$board.yaml" >&2
		exit 1
	fi
	found=1
	dir="$root/$board"
	echo "== $board -> $dir"
	cmake -S "$top/firmware" -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$top/firmware/cmake/arm-none-eabi.cmake" \
		-DMV_BOARD="$board" -DMVBUILD="$mvbuild" >/dev/null
	cmake --build "$dir" -j "$(nproc 2>/dev/null || echo 2)"
	if [ "$update" = 1 ]; then
		mkdir -p "$top/firmware/prebuilt/$board"
		for f in microvisor.elf mv_implib.o mv_api.yaml $(cd "$dir/out" 2>/dev/null && ls microvisor-ota.elf 2>/dev/null); do
			cp "$dir/out/$f" "$top/firmware/prebuilt/$board/$f"
		done
		echo "updated firmware/prebuilt/$board/"
	fi
done
[ "$found" = 1 ] || { echo "build-firmware.sh: no ports under firmware/ports" >&2; exit 1; }
