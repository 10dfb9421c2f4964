#!/bin/sh
# check-budget.sh FW_BUILD_DIR - the house's budgets for the microvisor on
# mps2-an505 (README.md, "Budgets"), measured on the images just built:
#   microvisor.elf       flash <= 20,480 B, static RAM <= 16,384 B
#   microvisor-ota.elf   flash <= 23,552 B (20 KiB with the update client,
#                        plus 3 KiB for remote operations: crash records,
#                        authorization, the debug agent), static RAM
#                        <= 16,384 B plus one patch page
# Flash is text + data (what the image puts in flash), RAM data + bss, as
# arm-none-eabi-size prints them.
set -eu
fw=$1
SIZE=${SIZE:-arm-none-eabi-size}
page=4096 # the update client's patch page on mps2-an505 (firmware/core/update.c, PATCH_PAGE)
rc=0
check() { # image flash_max ram_max
	set -- "$1" "$2" "$3" $("$SIZE" "$fw/$1" | awk 'NR == 2 { print $1 + $2, $2 + $3 }')
	echo "check-budget: $1: flash $4 B of $2, static RAM $5 B of $3"
	if [ "$4" -gt "$2" ] || [ "$5" -gt "$3" ]; then
		echo "check-budget: $1 is over its budget" >&2
		rc=1
	fi
}
check microvisor.elf 20480 16384
check microvisor-ota.elf 23552 $((16384 + page))
exit $rc
