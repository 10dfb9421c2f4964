#!/bin/bash
# bench/check/hostile.sh - what inputs built to be expensive cost `mvbuild
# check`: wall time, peak RSS, lines printed, for an app manifest of 45,000
# unknown keys (as a file and embedded in the ELF, 600 KB), 45,000 repeated
# keys, and ELFs with 65,534 program headers (disjoint segments, and every
# segment over the same four bytes).  Each case runs under a 600 s limit.
# NO_OVERLAP=1 leaves the last case out: before commit 'check: linear', it
# took 23 GB of memory.
#   usage: bench/check/hostile.sh [MVBUILD]
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MVB=$(realpath "${1:-$ROOT/build/mvbuild}")
W=${WORK:-${TMPDIR:-/tmp}/mvb-bench-hostile}
mkdir -p "$W"
gcc -O2 -Wall -Wextra -o "$W/measure" "$HERE/measure.c"
APP=$ROOT/tests/data/elf/app.yaml

# the fixture app, and the inputs
arm-none-eabi-gcc -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16 -Os -ffreestanding -nostdlib \
	-Wl,--no-warn-rwx-segments -T "$ROOT/tests/data/elf/app.ld" \
	-Wl,--defsym=FLASH_ORIGIN=0x00200000,--defsym=FLASH_LENGTH=0x200000,--defsym=RAM_ORIGIN=0x28000000,--defsym=RAM_LENGTH=0x200000,--defsym=STACK_SIZE=0x1000 \
	"$ROOT/tests/data/elf/app.c" -lgcc -o "$W/app.elf"
python3 - "$W" <<'EOF'
import struct, sys
w = sys.argv[1]
head = "schema: 1\nname: big\nversion: 1.0.0\n"
open(w + "/keys.yaml", "w").write(head + "".join("key%d: 1\n" % i for i in range(45000)))
open(w + "/dups.yaml", "w").write(head + "".join("key: 1\n" for i in range(45000)))
def elf(n, overlap):
    phoff, data = 52, 52 + 32 * n
    h = b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)
    h += struct.pack("<HHIIIIIHHHHHH", 2, 40, 1, 0x00200001, phoff, 0, 0x05000400, 52, 32, n, 40, 0, 0)
    for i in range(n):
        a = 0x00200000 if overlap else 0x00200000 + 4 * i
        h += struct.pack("<IIIIIIII", 1, data, a, a, 4, 4, 5, 4)
    return h + bytes(16)
open(w + "/phdrs.elf", "wb").write(elf(65534, False))
open(w + "/overlap.elf", "wb").write(elf(65534, True))
EOF
arm-none-eabi-objcopy --add-section .mvb.app="$W/keys.yaml" --set-section-flags .mvb.app=contents,readonly \
	"$W/app.elf" "$W/embedded.elf"

echo "| input | size | wall s | peak RSS KiB | status | lines printed |"
echo "|---|---|---|---|---|---|"
run() { # name file -- command...
	local name=$1 file=$2
	shift 3
	set +e
	timeout 600 "$W/measure" 1 "$@" >"$W/m.out" 2>/dev/null
	local st=$?
	read -r _ t _ _ _ rss _ <"$W/m.out"
	local lines
	lines=$(timeout 600 "$@" 2>&1 | wc -l)
	set -e
	printf '| %s | %s B | %.2f | %s | %s | %s |\n' "$name" "$(stat -c %s "$file")" "$(echo "$t / 1000" | bc -l)" "$rss" \
		"$([ "$st" = 124 ] && echo timeout || echo done)" "$lines"
}
run "manifest, 45,000 unknown keys" "$W/keys.yaml" -- "$MVB" check "$W/app.elf" --app "$W/keys.yaml"
run "the same, embedded in the ELF" "$W/embedded.elf" -- "$MVB" check "$W/embedded.elf"
run "manifest, one key 45,000 times" "$W/dups.yaml" -- "$MVB" check "$W/app.elf" --app "$W/dups.yaml"
run "ELF, 65,534 disjoint segments" "$W/phdrs.elf" -- "$MVB" check "$W/phdrs.elf" --app "$APP"
[ "${NO_OVERLAP:-0}" = 1 ] ||
	run "ELF, 65,534 segments on one word" "$W/overlap.elf" -- "$MVB" check "$W/overlap.elf" --app "$APP"
