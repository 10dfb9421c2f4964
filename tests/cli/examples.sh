#!/bin/bash
# examples.sh - the command examples of the README and the man pages, run:
# installs mvbuild from its build tree into a scratch prefix (the examples
# show an installed mvbuild on PATH), makes the files the examples start
# from (a pool: an app ELF and a broken one, an app built from 'mvbuild
# init', keys, bundles, a repository), then runs every marked example
# (examples.py says how they are marked) and compares the documented
# output.
# usage: examples.sh MVBUILD SRCDIR TMPDIR     exit 0 all good, 1 on any mismatch
set -u
if [ $# -ne 3 ]; then
	echo "usage: examples.sh MVBUILD SRCDIR TMPDIR" >&2
	exit 2
fi
MVB=$1 SRC=$2 T=$3
. "$(dirname "$0")/lib.sh"
die() {
	echo "examples: setting up the pool failed: $*"
	exit 1
}
for t in qemu-system-arm openssl python3 git cmake; do
	command -v $t >/dev/null || die "needs $t (scripts/setup.sh installs it)"
done

# the mvbuild of this build tree, installed as a user would install it
cmake --install "$(dirname "$MVB")" --prefix "$T/inst" >"$T/install.log" 2>&1 || die "cmake --install: $(tail -n 3 "$T/install.log")"
M=$T/inst/bin/mvbuild
[ -x "$M" ] || die "no $M after cmake --install"

P=$T/pool
mkdir -p "$P/build" "$T/work"
cd "$P" || exit 1
export LC_ALL=C TZ=UTC
unset SOURCE_DATE_EPOCH MVBUILD_KEY_PASSPHRASE MVBUILD_REPO_AUTH

# The fixture app (tests/data/elf/app.c, app 'fixture' 1.2.3) calling mv_log
# through the prebuilt firmware's veneer, its manifest embedded as the SDK
# does; and one whose data and stack outgrow app RAM and which touches
# uart2, which it does not declare.
api=$SRC/firmware/prebuilt/mps2-an505/mv_api.yaml
mvlog=$(sed -n 's/.*name: mv_log,.*address: \(0x[0-9a-fA-F]*\).*/\1/p' "$api")
[ -n "$mvlog" ] || die "no mv_log in $api"
cp "$SRC/tests/data/elf/app.yaml" app.yaml
$FIXTURE_CC $FIXTURE_LD -DCALL_MV -Wl,--defsym=mv_log=$((mvlog + 1)) "$SRC/tests/data/elf/app.c" -lgcc -o build/plain.elf || die "cc app"
arm-none-eabi-objcopy --add-section .mvb.app=app.yaml --set-section-flags .mvb.app=contents,readonly build/plain.elf build/app.elf || die objcopy
rm build/plain.elf
cp build/app.elf app.elf
$FIXTURE_CC $FIXTURE_LD -DTOUCH_UART2 -DBIG_BSS=0x200000 -Wl,--defsym=RAM_LENGTH=0x300000 "$SRC/tests/data/elf/app.c" -lgcc -o build/bad.elf || die "cc bad"
printf 'meeting notes\n' >notes.txt

# an app made the way mvbuild-init(1) says, built with its printed command
"$M" init "$T/hello" >"$T/init.out" || die "mvbuild init"
(cd "$T" && eval "$(sed -n 's/^build it with: //p' "$T/init.out")") >"$T/hello-build.log" 2>&1 || die "building the init project: $(tail -n 5 "$T/hello-build.log")"
cp "$T/hello/build/hello.elf" build/hello.elf || die "no hello.elf"

# keys
"$M" keygen -o release.pem >/dev/null && "$M" keygen -o second.pem >/dev/null && "$M" keygen -o other.pem >/dev/null || die keygen
rm other.pem
printf 'correct horse battery staple\n' >passphrase.txt
cp passphrase.txt pass.txt
"$M" keygen -o release-enc.pem --passphrase-fd 3 3<passphrase.txt >/dev/null || die "keygen --passphrase-fd"

# bundles: the fixture app signed and unsigned, one with a byte of its
# first chunk changed, the init app at two versions, published
"$M" bundle build/app.elf --sign release.pem -o app.mvb 2>/dev/null || die "bundle app.mvb"
"$M" bundle build/app.elf --unsigned -o app-unsigned.mvb 2>/dev/null || die "bundle --unsigned"
cp app.mvb damaged.mvb
off=$("$M" inspect app.mvb --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["payload_offset"] + 16)')
printf '\xff' | dd of=damaged.mvb bs=1 seek="$off" conv=notrunc status=none
"$M" bundle build/hello.elf --sign release.pem -o hello.mvb 2>/dev/null || die "bundle hello.mvb"
"$M" bundle build/hello.elf --sign release.pem --version 1.0.0 -o hello-1.0.mvb 2>/dev/null || die "bundle 1.0"
"$M" bundle build/hello.elf --sign release.pem --version 1.1.0 --security-counter 1 -o hello-1.1.mvb 2>/dev/null || die "bundle 1.1"
"$M" publish hello-1.0.mvb --repo build/repo --sign release.pem >/dev/null || die "publish 1.0"
"$M" publish hello-1.1.mvb --repo build/repo --sign release.pem >/dev/null 2>&1 || die "publish 1.1"

# a board manifest whose console is a peripheral apps may be given
sed 's/^console: uart0/console: uart1/' "$SRC/boards/mps2-an505.yaml" >myboard.yaml
cmp -s myboard.yaml "$SRC/boards/mps2-an505.yaml" && die "myboard.yaml: no 'console: uart0' line to change"

# two releases of a raw image for delta and patch
cp "$SRC/tests/data/delta-public/synthesizer-1.bin" app-1.0.bin
cp "$SRC/tests/data/delta-public/synthesizer-2.bin" app-1.1.bin

# a git repository, for SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)
git init -q . && git -c user.name=t -c user.email=t@example.com commit -q --allow-empty -m examples || die "git"

cd "$T" || exit 1
python3 "$SRC/tests/cli/examples.py" --src "$SRC" --pool "$P" --work "$T/work" --bin "$T/inst/bin"
