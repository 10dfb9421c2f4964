#!/bin/sh
# sdk-case.sh - one app SDK case as a user meets it: 'mvbuild init' a fresh
# project, add the case's sources (no other edit: a source list in
# CMakeLists.txt, CXX enabled for C++ ones), run the "build it with"
# command exactly as printed (extra cmake arguments go right after its
# first 'cmake'), with no mvbuild on PATH unless --path-mvbuild; then the
# build must show no warning, the compile commands the expected flags,
# 'mvbuild check' no finding, and the app must boot in QEMU.
#
#   sdk-case.sh --name N --mvbuild BIN --fw FW_BUILD_DIR --work DIR
#               [--mkapphdr BIN] [--install-from BUILD_DIR] [--path-mvbuild]
#               [--cmake-arg ARG]... [--main FILE] [--add FILE]...
#               [--flag FLAG]... [--cxx-flag FLAG]... [--printed TEXT]...
#               [--expect LINE]...
#
# --main replaces src/main.c and --add adds a source (files relative to
# tests/sdk/src).  --flag: every C and C++ compile command has FLAG;
# --cxx-flag: every C++ one.
# --printed: the printed command contains TEXT ('-' : no -Dmvbuild_DIR).
# --install-from: 'cmake --install' that build into a prefix, move the
# prefix elsewhere and use its mvbuild (not on PATH, unless
# --path-mvbuild).  The app boots from 'mvbuild bundle --factory', or with
# --mkapphdr from a header made by the test tool.
set -u

name='' mvbuild='' fw='' work='' mkapphdr='' install_from='' path_mvbuild=0
main='' adds='' cmake_args='' flags='' cxx_flags='' printed='' expects=''
nl='
'
while [ $# -gt 0 ]; do
	case "$1" in
	--name) name=$2; shift 2 ;;
	--mvbuild) mvbuild=$2; shift 2 ;;
	--fw) fw=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	--mkapphdr) mkapphdr=$2; shift 2 ;;
	--install-from) install_from=$2; shift 2 ;;
	--path-mvbuild) path_mvbuild=1; shift ;;
	--cmake-arg) cmake_args="$cmake_args $2"; shift 2 ;;
	--main) main=$2; shift 2 ;;
	--add) adds="$adds $2"; shift 2 ;;
	--flag) flags="$flags$2$nl"; shift 2 ;;
	--cxx-flag) cxx_flags="$cxx_flags$2$nl"; shift 2 ;;
	--printed) printed="$printed$2$nl"; shift 2 ;;
	--expect) expects="$expects$2$nl"; shift 2 ;;
	*) echo "sdk-case.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
done
if [ -z "$name" ] || [ -z "$mvbuild" ] || [ -z "$fw" ] || [ -z "$work" ]; then
	echo "sdk-case.sh: --name, --mvbuild, --fw and --work are required" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
base="$work/$name"
rm -rf "$base" && mkdir -p "$base" || exit 2
log="$base/log"

fail() {
	echo "FAIL $name: $*"
	[ -f "$log" ] && { echo "---- $log"; tail -n 40 "$log"; }
	exit 1
}

# PATH without any directory that holds an mvbuild
clean_path=''
old_ifs=$IFS
IFS=:
for d in $PATH; do
	[ -n "$d" ] && [ ! -x "$d/mvbuild" ] && clean_path="$clean_path${clean_path:+:}$d"
done
IFS=$old_ifs
# cmake and make stay reachable even if they shared a directory with one
mkdir -p "$base/bin" || exit 2
for t in cmake make gmake; do
	p=$(command -v "$t") && ln -s "$p" "$base/bin/$t"
done
clean_path="$base/bin:$clean_path"
run_path=$clean_path

if [ -n "$install_from" ]; then
	cmake --install "$install_from" --prefix "$base/staged" >"$log" 2>&1 || fail "cmake --install"
	# the package must not depend on where it was installed
	mv "$base/staged" "$base/prefix" || exit 2
	mvbuild="$base/prefix/bin/mvbuild"
	[ "$path_mvbuild" = 1 ] && run_path="$base/prefix/bin:$clean_path"
fi

# 'mvbuild init' from the work directory, as a user in their own
cd "$base" || exit 2
PATH=$run_path "$mvbuild" init app/project >"$base/init.out" 2>"$log" || fail "mvbuild init"
cmd=$(sed -n 's/^build it with: //p' "$base/init.out")
[ -n "$cmd" ] || fail "init printed no 'build it with' command: $(cat "$base/init.out")"
printf '%s' "$printed" | while IFS= read -r want; do
	case "$want" in
	'') ;;
	-) case "$cmd" in *mvbuild_DIR*) echo "$cmd"; exit 1 ;; esac ;;
	*) case "$cmd" in *"$want"*) ;; *) echo "$cmd"; exit 1 ;; esac ;;
	esac
done >"$base/printed" || fail "printed command '$(cat "$base/printed")' is not as expected"
if grep -rn "$top\|$base/prefix\|@MVB_" app/project >"$base/paths"; then
	fail "the project holds a machine path or a placeholder: $(cat "$base/paths")"
fi

proj=app/project
if [ -n "$main" ]; then
	cp "$here/src/$main" "$proj/src/main.c" || exit 2
fi
for f in $adds; do
	cp "$here/src/$f" "$proj/src/" || exit 2
	case "$f" in
	*.cpp) grep -q '^enable_language(CXX)' "$proj/CMakeLists.txt" ||
		echo 'enable_language(CXX)' >>"$proj/CMakeLists.txt" ;;
	esac
	echo "target_sources(project PRIVATE src/$(basename "$f"))" >>"$proj/CMakeLists.txt"
done

# the printed command, with the case's arguments after its first 'cmake'
full=$(printf '%s\n' "$cmd" | sed "s|^cmake |cmake$cmake_args |")
echo "\$ $full" >"$log"
PATH=$run_path sh -c "$full" >>"$log" 2>&1 || fail "the printed command failed: $full"
if grep -in 'warning' "$log"; then
	fail "warnings in the build"
fi

elf="$proj/build/project.elf"
cc="$proj/build/compile_commands.json"
[ -f "$elf" ] || fail "no $elf"
grep '"command"' "$cc" | grep -E '\.(c|cpp)\.obj' >"$base/commands" || fail "no C compile commands in $cc"
grep -F '.cpp.obj' "$base/commands" >"$base/cxx-commands"
[ -z "$cxx_flags" ] || [ -s "$base/cxx-commands" ] || fail "no C++ compile commands in $cc"
check_flags() { # FLAGS COMMANDS: the first command that lacks one
	printf '%s' "$1" | while IFS= read -r flag; do
		[ -n "$flag" ] && grep -v -F -e " $flag " "$2" | head -n 1
	done
}
check_flags "$flags" "$base/commands" >"$base/noflag"
check_flags "$cxx_flags" "$base/cxx-commands" >>"$base/noflag"
[ -s "$base/noflag" ] && fail "a compile command lacks one of the expected flags: $(cat "$base/noflag")"

"$mvbuild" check "$elf" >"$base/check.log" 2>&1 || { cat "$base/check.log"; fail "mvbuild check"; }
grep -q 'check: 0 errors, 0 warnings' "$base/check.log" || { cat "$base/check.log"; fail "mvbuild check findings"; }

set --
while IFS= read -r line; do
	[ -n "$line" ] && set -- "$@" --expect "$line"
done <<EOF
$expects
EOF
if [ -n "$mkapphdr" ]; then
	set -- "$@" --mkapphdr "$mkapphdr"
else
	set -- "$@" --bundle "$mvbuild" --board-file "$top/boards/mps2-an505.yaml"
fi
exec "$top/tests/qemu/run-case.sh" --name "$name" --fw "$fw" --work "$base" --decode "$mvbuild" --app "$elf" --exit 0 \
	--expect "mv: app 'project' 0.1.0 verified" --expect "mv: app exit 0" --reject "mv: app fault" "$@"
