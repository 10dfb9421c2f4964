#!/bin/bash
# test.sh - the whole test suite from a fresh clone: install what is missing,
# build mvbuild (warnings are errors), build the firmware from source and
# compare it with the committed prebuilt images, then run every test (unit,
# CLI, man pages, firmware host tests, QEMU boot tests).
#   scripts/test.sh             everything
#   scripts/test.sh --sanitize  the host suite again under ASan+UBSan (build-asan/)
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh

if [ "${1:-}" = "--sanitize" ]; then
	cmake -S . -B build-asan -DMVB_WERROR=ON -DMVB_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build-asan -j"$(nproc)" >/dev/null
	(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j2)
	exit
fi

scripts/build.sh
fw_dir=
if [ -x scripts/build-firmware.sh ]; then
	MVBUILD=$PWD/build/mvbuild scripts/build-firmware.sh
	MVBUILD=$PWD/build/mvbuild scripts/check-prebuilt.sh
	fw_dir=$PWD/build/fw/mps2-an505
fi
MVB_CMAKE_ARGS="-DMVB_FW_BUILD_DIR=$fw_dir" scripts/build.sh
(cd build && ctest --output-on-failure -j2)
