# lib.sh - what the CLI test scripts share: a fresh scratch directory $T,
# pass/fail counting, and assertions on exit statuses and outputs.
# Sourced after setting MVB, SRC and T.
rm -rf "$T" && mkdir -p "$T"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
# expect STATUS DESCRIPTION -- command...: runs it, stdout and stderr to $T/out, $T/err
expect() {
	local want=$1 what=$2; shift 3
	"$@" >"$T/out" 2>"$T/err"
	local got=$?
	if [ "$got" = "$want" ]; then ok; else bad "$what: exit $got, want $want"; sed 's/^/  | /' "$T/out" "$T/err" | head -20; fi
}
# has out|err PATTERN DESCRIPTION
has() { if grep -q -- "$2" "$T/$1"; then ok; else bad "$3: '$2' not in $1"; sed 's/^/  | /' "$T/$1" | head -20; fi; }
# same FILE1 FILE2 DESCRIPTION: identical bytes
same() { if cmp -s "$1" "$2"; then ok; else bad "$3: $1 and $2 differ"; fi; }
# the arm-none-eabi-gcc command line and linker options of the fixture app
# (tests/data/elf/app.c) for mps2-an505's app partitions
FIXTURE_CC="arm-none-eabi-gcc -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16 -Os -ffreestanding -nostdlib -Wl,--no-warn-rwx-segments"
FIXTURE_LD="-T $SRC/tests/data/elf/app.ld -Wl,--defsym=FLASH_ORIGIN=0x00200000,--defsym=FLASH_LENGTH=0x200000,--defsym=RAM_ORIGIN=0x28000000,--defsym=RAM_LENGTH=0x200000,--defsym=STACK_SIZE=0x1000"
