#!/bin/bash
# demo.sh - the main job, end to end, on the default board mps2-an505:
# install what is missing, build mvbuild, create an app from the template,
# build it with arm-none-eabi-gcc, check it, bundle it with the prebuilt
# microvisor and sign it, verify and inspect the bundle, write a factory
# image, and flash the signed bundle into QEMU over its GDB server, where
# the microvisor boots the app; publish it to an update repository and
# fetch it back; then ship version 0.2.0 as an update: published with a
# delta from 0.1.0, fetched by a device running 0.1.0 (which gets the
# delta), flashed over 0.1.0 and booted; last, over the air: a QEMU device
# running 0.1.0 on the microvisor with the update client pulls 0.2.0
# through 'mvbuild serve', verifies the delta, installs it in place and
# boots it.  Every bundle gets its SBOM (bundle --sbom), stored with it in
# the repository (publish --sbom) and validated, at the end, against the
# CycloneDX 1.5 schema.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
BOARD=${BOARD:-mps2-an505}
MVB=$ROOT/build/mvbuild
W=$ROOT/build/demo

step() { printf '\n== %s\n' "$*"; }
# mvbuild flash, its messages and the device's console in the order they
# come (the microvisor prints tokens, "{@15|0}"; flash shows their texts,
# as 'mvbuild decode' does), kept in $W/console.log too.
flash() (
	set -o pipefail
	"$MVB" flash "$@" 2>&1 | tee -a "$W/console.log"
)

step "install missing packages"
scripts/setup.sh
step "build mvbuild"
scripts/build.sh

step "the board"
"$MVB" boards show "$BOARD" | sed -n '1,20p'

rm -rf "$W" && mkdir -p "$W"
step "create an app: mvbuild init $W/hello --board $BOARD"
"$MVB" init "$W/hello" --board "$BOARD" --name hello | tee "$W/init.out"
step "build it with arm-none-eabi-gcc: the command init printed"
eval "$(sed -n 's/^build it with: //p' "$W/init.out")" >/dev/null
ELF=$(find "$W/hello/build" -maxdepth 1 -name '*.elf' | head -n 1)
echo "built $ELF"

step "mvbuild check $(basename "$ELF")"
"$MVB" check "$ELF" --board "$BOARD"

step "a signing key, a signed bundle, and what a device would check"
"$MVB" keygen -o "$W/release.pem"
"$MVB" bundle "$ELF" --board "$BOARD" --sign "$W/release.pem" -o "$W/hello.mvb" --sbom "$W/hello.cdx.json"
"$MVB" verify "$W/hello.mvb" --key "$W/release.pub.pem" --board "$BOARD"
"$MVB" inspect "$W/hello.mvb" --elf "$ELF" --map "$W/hello-map.svg"
echo "memory map: $W/hello-map.svg"

step "mvbuild bundle --factory: microvisor + app header + app in one image"
"$MVB" bundle "$ELF" --board "$BOARD" --factory -o "$W/hello-factory.elf"

step "mvbuild flash: the signed bundle into QEMU ($BOARD) over its GDB server, verified, booted"
flash "$W/hello.mvb" --key "$W/release.pub.pem" --board "$BOARD"

step "mvbuild publish: the signed bundle into a local update repository, then fetch it back as a device would"
"$MVB" publish "$W/hello.mvb" --repo "$W/repo" --sign "$W/release.pem" --sbom "$W/hello.cdx.json"
"$MVB" releases --repo "$W/repo" --key "$W/release.pub.pem"
"$MVB" fetch --repo "$W/repo" --board "$BOARD" --app hello --key "$W/release.pub.pem" --state "$W/device.state" -o "$W/fetched.mvb"
cmp "$W/hello.mvb" "$W/fetched.mvb" && echo "fetched bundle is byte-identical to the published one"

step "an update: version 0.2.0 published, the delta fetched by a device running 0.1.0, flashed over it, booted"
sed -i 's/hello from hello/hello from hello, version 0.2.0/' "$W/hello/src/main.c"
cmake --build "$W/hello/build" >/dev/null
"$MVB" bundle "$ELF" --board "$BOARD" --sign "$W/release.pem" --version 0.2.0 --security-counter 1 -o "$W/hello-0.2.0.mvb" \
	--sbom "$W/hello-0.2.0.cdx.json"
"$MVB" publish "$W/hello-0.2.0.mvb" --repo "$W/repo" --sign "$W/release.pem" --sbom "$W/hello-0.2.0.cdx.json"
"$MVB" fetch --repo "$W/repo" --board "$BOARD" --app hello --base "$W/hello.mvb" --key "$W/release.pub.pem" \
	--state "$W/device.state" -o "$W/update.mvb"
flash "$W/update.mvb" --base "$W/hello.mvb" --key "$W/release.pub.pem" --board "$BOARD"

step "over the air: a device running 0.1.0 pulls 0.2.0 through mvbuild serve, picks the delta, verifies it, installs it in place and boots it"
# The microvisor image with the update client (firmware/README.md, "The
# update client"); its trust anchor is the release key, provisioned in
# the factory image.  The app runs on (a tick a second) so that the
# device is busy when the update arrives.
OTA_MV=$ROOT/firmware/prebuilt/$BOARD/microvisor-ota.elf
OTA_API=$ROOT/firmware/prebuilt/$BOARD/mv_api.yaml
if [ -f "$OTA_MV" ]; then
	sed -i 's/i < 3; i++/i < 600; i++/; s/mv_wait(10)/mv_wait(1000)/' "$W/hello/src/main.c"
	cmake --build "$W/hello/build" >/dev/null && cp "$ELF" "$W/ota-0.2.0.elf"
	sed -i 's/hello from hello, version 0.2.0/hello from hello/' "$W/hello/src/main.c"
	cmake --build "$W/hello/build" >/dev/null && cp "$ELF" "$W/ota-0.1.0.elf"
	ota() { "$MVB" bundle "$1" --board "$BOARD" --microvisor "$OTA_MV" --api "$OTA_API" "${@:2}"; }
	ota "$W/ota-0.1.0.elf" --factory --trust "$W/release.pub.pem" --serial demo-0001 -o "$W/device-0.1.0.elf"
	ota "$W/ota-0.1.0.elf" --sign "$W/release.pem" -o "$W/ota-0.1.0.mvb" --sbom "$W/ota-0.1.0.cdx.json"
	ota "$W/ota-0.2.0.elf" --sign "$W/release.pem" --version 0.2.0 --security-counter 1 -o "$W/ota-0.2.0.mvb" \
		--sbom "$W/ota-0.2.0.cdx.json"
	"$MVB" publish "$W/ota-0.1.0.mvb" --repo "$W/ota-repo" --sign "$W/release.pem" --sbom "$W/ota-0.1.0.cdx.json"
	"$MVB" publish "$W/ota-0.2.0.mvb" --repo "$W/ota-repo" --sign "$W/release.pem" --sbom "$W/ota-0.2.0.cdx.json"
	(set -o pipefail; "$MVB" serve --repo "$W/ota-repo" --qemu "$W/device-0.1.0.elf" --update-now --once \
		--timeout 120 2>&1 | grep -v "ticks ")
else
	echo "no $OTA_MV: this board's port has no update client yet"
fi

step "the SBOM of every bundle, as the repositories hold them, validated against the CycloneDX 1.5 schema"
# Debian's interpreter, which has python3-jsonschema (scripts/setup.sh)
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
sboms=("$W"/repo/*/*/objects/*.cdx.json)
[ -d "$W/ota-repo" ] && sboms+=("$W"/ota-repo/*/*/objects/*.cdx.json)
(set -o pipefail; "$PY" tests/tools/sbom-validate.py "${sboms[@]}" | sed "s|^$W/||")

step "done: see $W"
