#!/bin/bash
# completion.sh - scripts/mvbuild-completion.bash against the binary: what
# TAB offers for commands, options, board names and fixed option values.
# usage: completion.sh MVBUILD SRCDIR     exit 0 all good, 1 on a mismatch
set -u
MVB=$(realpath "$1") SRC=$(realpath "$2")
# shellcheck source=/dev/null
source "$SRC/scripts/mvbuild-completion.bash"
PATH=$(dirname "$MVB"):$PATH
D=$(mktemp -d) && cd "$D" || exit 1
trap 'rm -rf "$D"' EXIT
pass=0 fail=0
# want "EXPECTED WORDS" WORD...: completing the last word offers exactly these
want() {
	local exp=$1
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	_mvbuild
	local got
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
	exp=$(printf '%s\n' $exp | sort | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$exp" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: [$*]: got '$got', want '$exp'"; fi
}
want "check" mvbuild ch
want "fetch flash" mvbuild f
want "--board" mvbuild check --bo
want "mps2-an505 stm32u585" mvbuild check --board ""
want "mps2-an505" mvbuild flash x.mvb -b mp
want "text json" mvbuild verify x.mvb --format ""
want "qemu stlink openocd gdb://localhost:3333" mvbuild flash x.mvb --probe ""
want "list show check" mvbuild boards ""
want "mps2-an505 stm32u585" mvbuild boards show ""
want "header ld" mvbuild gen ""
want "--deltas --dry-run" mvbuild publish --d
touch key.pem notes.txt
want "key.pem" mvbuild bundle app.elf --sign k
want "key.pem notes.txt" mvbuild verify ""
# every option of every command is offered: compared with --help itself
for c in $("$MVB" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }'); do
	opts=$("$MVB" "$c" --help | awk '/^options:/ { on = 1; next } on && /^ +-/' | grep -o -- ' --[a-z][a-z0-9-]*' | sort -u | tr '\n' ' ')
	want "$opts" mvbuild "$c" --
done
echo "completion: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
