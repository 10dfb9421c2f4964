#!/bin/sh
# template-case.sh - the app template as 'mvbuild init' writes it, built
# with the command init prints and booted with a header from mkapphdr:
# the SDK case (tests/sdk/sdk-case.sh) with nothing added.
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
exec "$here/../sdk/sdk-case.sh" --name template.boot --mvbuild "$mvbuild" --fw "$fw" --work "$work" \
	--mkapphdr "$mkapphdr" --expect "app: hello from project" --expect "app: microvisor abi 0x0001"
