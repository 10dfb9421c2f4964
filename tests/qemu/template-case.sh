#!/bin/sh
# template-case.sh - make an app project from templates/app the way
# 'mvbuild init' will (copy, substitute @MVB_BOARD@, @MVB_APP_NAME@,
# @MVB_SDK_DIR@), build it with its own CMake against the SDK (firmware/,
# prebuilt import library), then boot it with run-case.sh.
#
#   template-case.sh --fw FW_BUILD_DIR --mkapphdr BIN --work DIR --mvbuild BIN
set -u

fw='' mkapphdr='' work='' mvbuild=''
while [ $# -gt 0 ]; do
	case "$1" in
	--fw) fw=$2; shift 2 ;;
	--mkapphdr) mkapphdr=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	--mvbuild) mvbuild=$2; shift 2 ;;
	*) echo "template-case.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
done
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
board=mps2-an505
name=tmplapp
dir="$work/template"
rm -rf "$dir" && mkdir -p "$dir" || exit 2

cp -R "$top/templates/app" "$dir/src" || exit 2
find "$dir/src" -type f | while IFS= read -r f; do
	sed -e "s|@MVB_BOARD@|$board|g" -e "s|@MVB_APP_NAME@|$name|g" -e "s|@MVB_SDK_DIR@|$top/firmware|g" \
		"$f" >"$f.tmp" && mv "$f.tmp" "$f"
done
if grep -rn '@MVB_' "$dir/src"; then
	echo "FAIL template: placeholders left after substitution"
	exit 1
fi
if ! cmake -S "$dir/src" -B "$dir/build" -DMVBUILD="$mvbuild" >"$dir/build.log" 2>&1 ||
	! cmake --build "$dir/build" >>"$dir/build.log" 2>&1; then
	cat "$dir/build.log"
	echo "FAIL template: the project made from templates/app does not build"
	exit 1
fi
if grep -n 'warning' "$dir/build.log"; then
	echo "FAIL template: warnings building the template"
	exit 1
fi
exec "$here/run-case.sh" --name template.boot --fw "$fw" --mkapphdr "$mkapphdr" --work "$work" \
	--app "$dir/build/$name.elf" --exit 0 \
	--expect "mv: app '$name' 0.1.0 verified" --expect "app: hello from $name" \
	--expect "app: microvisor abi 0x00010000" --expect "mv: app exit 0" --reject "mv: app fault"
