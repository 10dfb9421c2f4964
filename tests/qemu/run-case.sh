#!/bin/sh
# run-case.sh - boot the microvisor with one app in QEMU mps2-an505 and
# check the outcome: the exit status (semihosting) AND console lines.
#
#   run-case.sh --name N --fw FW_BUILD_DIR --mkapphdr BIN --work DIR [--decode MVBUILD]
#               [--app APP.elf | --no-app] [--hdr-opt OPT]... [--corrupt-crc]
#               [--corrupt-image] [--bundle MVBUILD --board-file YAML [--provision SERIAL]]
#               [--quiet-log] [--timeout SECONDS] --exit STATUS [--expect LINE]... [--reject LINE]...
#
# With --bundle the boot image is 'mvbuild bundle APP --factory' (the
# product path, for apps that pass 'mvbuild check'); --provision SERIAL
# adds a provisioning record with a fresh trust anchor and that serial.  Otherwise the app
# header is made by mkapphdr (test tooling, which can also write wrong
# headers on purpose) from the app's image (objcopy -O binary) and its
# embedded manifest (.mvb.app), and loaded at the app_header partition.
# Status 124 (timeout) and 134 (QEMU abort, e.g. a lockup) always fail.
# --quiet-log leaves interrupts out of qemu.log (for apps that take
# tens of thousands of them).  --timeout (default $MV_QEMU_TIMEOUT, else
# 20 s) bounds QEMU's wall time: apps that run for a span of guest time
# need more on a loaded machine, where QEMU delivers fewer ticks per
# second than it should.
# QEMU's console is kept as it came in console.raw; --decode MVBUILD
# writes console.log from it with 'mvbuild decode' (the microvisor prints
# its reasons as tokens, "{#4103}"; the lines expected are texts), without
# it console.log is a copy.  --expect and --reject match console.log.
set -u

name='' fw='' mkapphdr='' decode='' work='' app='' want_exit='' corrupt_crc=0 corrupt_image=0 bundle='' board_file='' provision=''
hdr_opts='' expects='' rejects='' TIMEOUT=${MV_QEMU_TIMEOUT:-20}
nl='
'
dlog=int,guest_errors
while [ $# -gt 0 ]; do
	case "$1" in
	--name) name=$2; shift 2 ;;
	--fw) fw=$2; shift 2 ;;
	--mkapphdr) mkapphdr=$2; shift 2 ;;
	--decode) decode=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	--app) app=$2; shift 2 ;;
	--no-app) app=''; shift ;;
	--quiet-log) dlog=guest_errors; shift ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--hdr-opt) hdr_opts="$hdr_opts $2"; shift 2 ;;
	--corrupt-crc) corrupt_crc=1; shift ;;
	--corrupt-image) corrupt_image=1; shift ;;
	--bundle) bundle=$2; shift 2 ;;
	--board-file) board_file=$2; shift 2 ;;
	--provision) provision=$2; shift 2 ;;
	--exit) want_exit=$2; shift 2 ;;
	--expect) expects="$expects$2$nl"; shift 2 ;;
	--reject) rejects="$rejects$2$nl"; shift 2 ;;
	*) echo "run-case.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
done
if [ -z "$name" ] || [ -z "$fw" ] || [ -z "$work" ] || [ -z "$want_exit" ]; then
	echo "run-case.sh: --name, --fw, --work and --exit are required" >&2
	exit 2
fi

OBJCOPY=${OBJCOPY:-arm-none-eabi-objcopy}
QEMU=${QEMU:-qemu-system-arm}
dir="$work/$name"
rm -rf "$dir" && mkdir -p "$dir" || exit 2

fail() {
	echo "FAIL $name: $*"
	echo "---- console, decoded ($dir/console.log; as it came: console.raw)"
	cat "$dir/console.log" 2>/dev/null
	echo "---- end (QEMU log with -d int,guest_errors: $dir/qemu.log)"
	exit 1
}

header_base=$(sed -n 's/^#define MVB_PART_APP_HEADER_BASE \(0x[0-9a-fA-F]*\)u.*/\1/p' "$fw/gen/mv_board.h")
[ -n "$header_base" ] || fail "no MVB_PART_APP_HEADER_BASE in $fw/gen/mv_board.h"

set -- -M mps2-an505 -display none -monitor none \
	-chardev stdio,id=con,mux=on -serial chardev:con -serial chardev:con \
	-semihosting-config enable=on,target=native -no-reboot \
	-d "$dlog" -D "$dir/qemu.log" \
	-kernel "$fw/microvisor.elf"
if [ -n "$app" ] && [ -n "$bundle" ]; then
	prov_args=
	if [ -n "$provision" ]; then
		"$bundle" keygen -o "$dir/trust.pem" >"$dir/keygen.log" 2>&1 || fail "mvbuild keygen: $(cat "$dir/keygen.log")"
		prov_args="--trust $dir/trust.pub.pem --serial $provision"
	fi
	# shellcheck disable=SC2086 # prov_args are separate words on purpose
	"$bundle" bundle "$app" --factory -o "$dir/boot.elf" --board "$board_file" $prov_args \
		--microvisor "$fw/out/microvisor.elf" --api "$fw/out/mv_api.yaml" >"$dir/bundle.log" 2>&1 ||
		fail "mvbuild bundle: $(cat "$dir/bundle.log")"
	set -- -M mps2-an505 -display none -monitor none \
		-chardev stdio,id=con,mux=on -serial chardev:con -serial chardev:con \
		-semihosting-config enable=on,target=native -no-reboot \
		-d "$dlog" -D "$dir/qemu.log" -kernel "$dir/boot.elf"
elif [ -n "$app" ]; then
	"$OBJCOPY" -O binary "$app" "$dir/image.bin" || fail "objcopy of $app"
	"$OBJCOPY" --dump-section .mvb.app="$dir/app.yaml" "$app" "$dir/scratch.elf" ||
		fail "$app has no .mvb.app manifest"
	hash_input="$dir/image.bin"
	if [ "$corrupt_image" = 1 ]; then
		# Header over different bytes than the ones QEMU loads.
		cp "$dir/image.bin" "$dir/image.hashed"
		printf '\377' | dd of="$dir/image.hashed" bs=1 seek=300 conv=notrunc 2>/dev/null
		hash_input="$dir/image.hashed"
	fi
	# shellcheck disable=SC2086 # hdr_opts are separate words on purpose
	"$mkapphdr" --manifest "$dir/app.yaml" --image "$hash_input" -o "$dir/hdr.bin" $hdr_opts ||
		fail "mkapphdr"
	if [ "$corrupt_crc" = 1 ]; then
		# One bit of the name field: the CRC no longer matches.
		printf '\001' | dd of="$dir/hdr.bin" bs=1 seek=$((0x68)) conv=notrunc 2>/dev/null
	fi
	set -- "$@" -device loader,file="$app" -device loader,file="$dir/hdr.bin",addr="$header_base"
fi

echo "$QEMU $*" >"$dir/cmdline"
timeout "$TIMEOUT" "$QEMU" "$@" </dev/null >"$dir/console.raw" 2>"$dir/stderr.log"
status=$?
if [ -n "$decode" ]; then
	"$decode" decode "$dir/console.raw" >"$dir/console.log" 2>"$dir/decode.log" ||
		fail "mvbuild decode: $(cat "$dir/decode.log")"
else
	cp "$dir/console.raw" "$dir/console.log" || fail "cannot copy the console"
fi
case $status in
124) fail "timeout after ${TIMEOUT}s (status 124)" ;;
134) fail "QEMU aborted (status 134, e.g. CPU lockup)" ;;
esac
[ "$status" = "$want_exit" ] || fail "exit status $status, expected $want_exit"

printf '%s' "$expects" | while IFS= read -r line; do
	[ -z "$line" ] && continue
	grep -qF -- "$line" "$dir/console.log" || { echo "missing: $line"; exit 1; }
done >"$dir/missing" || fail "console lacks: $(cat "$dir/missing")"
printf '%s' "$rejects" | while IFS= read -r line; do
	[ -z "$line" ] && continue
	grep -qF -- "$line" "$dir/console.log" && { echo "present: $line"; exit 1; }
	true
done >"$dir/present" || fail "console has: $(cat "$dir/present")"

echo "PASS $name (exit $status)"
exit 0
