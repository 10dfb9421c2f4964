#!/bin/bash
# test.sh - the whole test suite from a fresh clone (what CI runs): install
# what is missing, build mvbuild (warnings are errors), build the firmware
# from source and compare it with the committed prebuilt images, run every
# test (unit, CLI, man pages, firmware host tests, fuzz seed replay, QEMU
# boot tests); then the same suite again under ASan+UBSan in build-asan/
# (QEMU tests included: they drive the sanitized mvbuild and mv_mkapphdr);
# then a short libFuzzer run of every harness (scripts/fuzz.sh).
#   scripts/test.sh                  everything (CI)
#   scripts/test.sh --no-sanitize    skip the ASan+UBSan suite
#   scripts/test.sh --no-fuzz        skip the fuzz smoke run
#   scripts/test.sh --fuzz-seconds N seconds per harness (default 12)
#   scripts/test.sh --sanitize       only the build and the ASan+UBSan suite
#   scripts/test.sh --full           the whole power-cut sweep of the
#                                    over-the-air tests (200 cuts, about
#                                    20 min more) instead of CI's 12, and
#                                    qemu.ota.big (a full install of more
#                                    than 512 chunks, about 2 min more),
#                                    and 120 power cuts of trial boots
#                                    (qemu.trial.powercut) instead of 16
set -eu
cd "$(dirname "$0")/.."

normal=1 sanitize=1 fuzz=1 fuzz_secs=12
while [ $# -gt 0 ]; do
	case "$1" in
	--no-sanitize) sanitize=0 ;;
	--no-fuzz) fuzz=0 ;;
	--sanitize) normal=0 fuzz=0 ;;
	--full) export MVB_OTA_CUTS=200 MVB_OTA_BIG=1 MVB_TRIAL_CUTS=60 ;;
	--fuzz-seconds) fuzz_secs=${2:?--fuzz-seconds needs a number}; shift ;;
	-h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "test.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done

scripts/setup.sh

# The normal build also provides the firmware tree the QEMU tests boot.
scripts/build.sh
fw_dir=
if [ -x scripts/build-firmware.sh ]; then
	MVBUILD=$PWD/build/mvbuild scripts/build-firmware.sh
	if [ "$normal" = 1 ]; then MVBUILD=$PWD/build/mvbuild scripts/check-prebuilt.sh; fi
	fw_dir=$PWD/build/fw/mps2-an505
fi
MVB_CMAKE_ARGS="-DMVB_FW_BUILD_DIR=$fw_dir" scripts/build.sh
if [ "$normal" = 1 ]; then
	echo "== test suite"
	(cd build && ctest --output-on-failure -j2)
fi

if [ "$sanitize" = 1 ]; then
	echo "== test suite under ASan+UBSan (build-asan/)"
	cmake -S . -B build-asan -DMVB_WERROR=ON -DMVB_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
		-DMVB_FW_BUILD_DIR="$fw_dir" >/dev/null
	cmake --build build-asan -j"$(nproc)" >/dev/null
	# Sanitizer reports exit 86 (ASan, LSan) or 87 (UBSan), never 1: the
	# CLI tests must not take a sanitizer report for "findings".  Not
	# again here: s3.server (it runs no code of ours, only checks the S3
	# server the s3 tests use) and bench.fleet (a timing run).
	(cd build-asan && ASAN_OPTIONS=detect_leaks=1:exitcode=86 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87 \
		ctest --output-on-failure -j2 -E '^(s3\.server|bench\.fleet)$')
fi

if [ "$fuzz" = 1 ]; then
	echo "== fuzz smoke: every harness for ${fuzz_secs}s, two at a time"
	FUZZ_JOBS=${FUZZ_JOBS:-2} scripts/fuzz.sh "$fuzz_secs"
fi
