#!/bin/bash
# man.sh - the man pages against what they document: the binary's --help
# (usage lines, option lists, command list), include/mvb/checks.h (every
# diagnostic id and its severity), include/mvb/status.h (exit statuses) and
# the freestanding format headers (offset tables), plus a roff sanity pass
# and a validation of the board(5) example.
# usage: man.sh MVBUILD SRCDIR     exit 0 all good, 1 on any mismatch
set -u
if [ $# -ne 2 ]; then
	echo "usage: man.sh MVBUILD SRCDIR" >&2
	exit 2
fi
MVB=$1 SRC=$2
MAN=$SRC/man
fail=0
bad() {
	echo "man: $*"
	fail=1
}

T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT

# Roff text to plain text: option dashes, font changes, the few named
# characters the pages use, escaped backslashes last.
unroff() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' -e 's/\\(dq/"/g' -e 's/\\(bu/*/g' \
		-e 's/\\(mu/x/g' -e 's/\\(ha/^/g' -e 's/\\ / /g' -e 's/\\e/\\/g'
}

# Lines of section NAME of a page (between '.SH NAME' and the next .SH).
section() {
	awk -v want="$2" '
		/^\.SH / { s = substr($0, 5); gsub(/"/, "", s); on = (s == want); next }
		on { print }' "$1"
}

# The SYNOPSIS as one line of plain text.
synopsis() {
	section "$1" SYNOPSIS | awk -v page="$1" '
		/^\.\\"/ || /^\.(nf|fi|PP|br|sp|RS|RE|ad|na|hy|nh|in)( |$)/ { next }
		/^\.(B|I|SM) / { sub(/^\.[A-Z]+ /, ""); gsub(/"/, ""); print; next }
		/^\./ { print "man: " page ": SYNOPSIS uses " $1 ", which this test cannot read" > "/dev/stderr"; next }
		{ print }' | unroff | tr '\n' ' ' | tr -s ' \t' '  ' | sed -e 's/^ *//' -e 's/ *$//'
}

# Tag lines (the line after each .TP) of a section, as plain text.
tags() {
	section "$1" "$2" | awk 'tp { print; tp = 0; next } /^\.TP/ { tp = 1 }' | unroff
}

# Sets page to the page of command $1 (mvbuild: the tool); fails, saying
# so, when there is none.
page_of() {
	page=$MAN/mvbuild-$1.1
	[ "$1" = mvbuild ] && page=$MAN/mvbuild.1
	[ -f "$page" ] && return 0
	bad "no man page for '$1' (want ${page#"$SRC"/})"
	return 1
}

# ---- (a), (b): each command's usage line and options against its page --
if ! "$MVB" --help >"$T/help" 2>"$T/err"; then
	bad "'mvbuild --help' failed"
	cat "$T/err"
fi
# The commands: the five documented from the start, plus whatever the
# binary lists, so a new command cannot ship without a page.
cmds=$( (printf '%s\n' check boards gen init bundle; awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }' "$T/help") | awk '!seen[$0]++')

check_usage() { # page, usage text after "usage: "
	local page=$1 want=$2 got
	got=$(synopsis "$page")
	if [ "$got" != "$want" ]; then
		bad "${page#"$SRC"/}: SYNOPSIS differs from --help"
		echo "    --help:   $want"
		echo "    SYNOPSIS: $got"
	fi
}

check_options() { # page, help file
	local page=$1 help=$2 rel=${1#"$SRC"/}
	tags "$page" OPTIONS >"$T/tags"
	# options from the help: "  -b, --board ARG  text" or "   --api ARG  text"
	sed -n '/^options:/,$p' "$help" | sed -n 's/^ *\(-\([A-Za-z0-9]\), \)\{0,1\}--\([a-z0-9][a-z0-9-]*\).*/\2 \3/p' >"$T/opts"
	while read -r short long; do
		if [ -z "$long" ]; then long=$short short=; fi
		[ "$long" = help ] && continue # documented once, in mvbuild(1)
		local line
		line=$(grep -E -- "(^|[^a-z0-9-])--$long([^a-z0-9-]|\$)" "$T/tags" | head -n 1)
		if [ -z "$line" ]; then
			bad "$rel: option --$long (in --help) has no .TP entry in OPTIONS"
		elif [ -n "$short" ] && ! grep -qE -- "(^|[^a-z0-9-])-$short([^a-zA-Z0-9-]|\$)" <<<"$line"; then
			bad "$rel: OPTIONS entry for --$long does not show its short form -$short"
		fi
	done <"$T/opts"
	# and the other way: nothing documented that the binary does not take
	grep -oE -- "(^|[^a-z0-9-])--[a-z0-9][a-z0-9-]*" "$T/tags" | sed 's/^[^-]*--//' | sort -u | while read -r long; do
		[ "$long" = help ] && continue
		awk '{ print ($2 == "" ? $1 : $2) }' "$T/opts" | grep -qx -- "$long" ||
			echo "man: $rel: OPTIONS documents --$long, which 'mvbuild --help' of the command does not list"
	done >"$T/stale"
	if [ -s "$T/stale" ]; then
		cat "$T/stale"
		fail=1
	fi
}

if page_of mvbuild; then
	check_usage "$page" "$(sed -n '1s/^usage: //p' "$T/help")"
	tags "$page" COMMANDS | sed -n 's/^\.B \([a-z0-9-]*\)$/\1/p' >"$T/listed"
	for c in $cmds; do
		grep -qx -- "$c" "$T/listed" || bad "man/mvbuild.1: COMMANDS has no '.B $c' entry"
	done
	while read -r c; do
		grep -qx -- "$c" <<<"$cmds" || bad "man/mvbuild.1: COMMANDS lists '$c', which 'mvbuild --help' does not"
	done <"$T/listed"
fi

for c in $cmds; do
	if ! "$MVB" "$c" --help >"$T/help.$c" 2>"$T/err"; then
		bad "'mvbuild $c --help' failed"
		cat "$T/err"
		continue
	fi
	page_of "$c" || continue
	usage=$(sed -n '1s/^usage: //p' "$T/help.$c")
	[ -n "$usage" ] || bad "'mvbuild $c --help' has no usage line"
	check_usage "$page" "$usage"
	check_options "$page" "$T/help.$c"
done

# ---- (c): every diagnostic id, with its severity, in mvbuild-check(1) --
checks=$SRC/include/mvb/checks.h
cpage=$MAN/mvbuild-check.1
if [ ! -f "$checks" ] || [ ! -f "$cpage" ]; then
	bad "need $checks and $cpage"
else
	sed -n 's/.*X([A-Z0-9_]*, *"\([a-z0-9-]*\)", *\([A-Z]*\),.*/\1 \2/p' "$checks" >"$T/ids"
	[ -s "$T/ids" ] || bad "no X(...) rows found in include/mvb/checks.h"
	# '.B id' lines that follow .TP in DIAGNOSTICS, each with the first
	# word of the text after it
	section "$cpage" DIAGNOSTICS | unroff | awk '
		tp && /^\.B / { id = substr($0, 4); want = 1; tp = 0; next }
		/^\.TP/ { tp = 1; next }
		want && !/^\./ { w = tolower($1); sub(/[^a-z]+$/, "", w); print id, w; want = 0; next }
		{ tp = 0 }' >"$T/doc"
	while read -r id sev; do
		sev=$(tr '[:upper:]' '[:lower:]' <<<"$sev")
		n=$(awk -v id="$id" '$1 == id' "$T/doc" | wc -l)
		if [ "$n" -eq 0 ]; then
			bad "man/mvbuild-check.1: id '$id' has no '.B $id' entry in DIAGNOSTICS"
		elif [ "$n" -gt 1 ]; then
			bad "man/mvbuild-check.1: id '$id' is listed $n times"
		else
			got=$(awk -v id="$id" '$1 == id { print $2 }' "$T/doc")
			[ "$got" = "$sev" ] || bad "man/mvbuild-check.1: '$id' is said to be '$got', checks.h says $sev"
		fi
	done <"$T/ids"
	while read -r id _; do
		awk -v id="$id" '$1 == id { f = 1 } END { exit !f }' "$T/ids" ||
			bad "man/mvbuild-check.1: DIAGNOSTICS lists '$id', which checks.h does not define"
	done <"$T/doc"
fi

# ---- (d): offset tables of section-5 pages against the format headers --
# One row per field in header order: "name offset type", where type is the
# C type with any array bound resolved (uint32_t[2]).  Offsets are computed
# from the types (natural alignment) and must agree with the header's own
# "/* 0xNN" comments.
header_rows() {
	awk -v hdr="$1" '
		function num(s) { sub(/[uU]+$/, "", s); return (s ~ /^0[xX]/) ? hex(substr(s, 3)) : s + 0 }
		function hex(s,   i, v) { v = 0; s = tolower(s); for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
		BEGIN { sz["uint8_t"] = 1; sz["int8_t"] = 1; sz["char"] = 1; sz["uint16_t"] = 2; sz["int16_t"] = 2
			sz["uint32_t"] = 4; sz["int32_t"] = 4; sz["uint64_t"] = 8; sz["int64_t"] = 8 }
		/^#define [A-Za-z_][A-Za-z0-9_]* +(0[xX][0-9a-fA-F]+|[0-9]+)[uU]*( |\/|$)/ { def[$2] = num($3) }
		/^struct [a-z_0-9]+ *\{/ { inside = 1; off = 0; next }
		inside && /^\};/ { inside = 0; next }
		inside && /^[ \t]*[a-z0-9_]+[ \t]+[a-z_][a-z0-9_]*(\[[^]]*\])?;/ {
			line = $0; sub(/^[ \t]+/, "", line)
			type = line; sub(/[ \t].*/, "", type)
			decl = line; sub(/^[a-z0-9_]+[ \t]+/, "", decl); sub(/;.*/, "", decl)
			name = decl; sub(/\[.*/, "", name)
			n = 1; shown = type
			if (decl ~ /\[/) {
				b = decl; sub(/^[^[]*\[/, "", b); sub(/\].*/, "", b)
				if (b ~ /^[0-9]+[uU]*$|^0[xX]/) n = num(b); else if (b in def) n = def[b]
				else { printf "man: %s: cannot resolve array bound %s of %s\n", hdr, b, name > "/dev/stderr"; n = 1 }
				shown = type "[" n "]"
			}
			if (!(type in sz)) { printf "man: %s: unknown type %s of %s\n", hdr, type, name > "/dev/stderr"; next }
			a = sz[type]; if (off % a) off += a - off % a
			if (match(line, /\/\* *0[xX][0-9a-fA-F]+/)) {
				c = substr(line, RSTART, RLENGTH); sub(/^\/\* */, "", c)
				if (hex(substr(c, 3)) != off)
					printf "man: %s: %s is commented %s but its type puts it at 0x%02x\n", hdr, name, c, off > "/dev/stderr"
			}
			printf "%s 0x%02x %s\n", name, off, shown
			off += a * n
		}' "$1"
}
page_rows() {
	unroff <"$1" | awk '
		row { t = $0; sub(/:.*/, "", t); gsub(/[ \t]/, "", t); printf "%s 0x%02x %s\n", name, off, t; row = 0; next }
		/^\.B 0[xX][0-9a-fA-F]+ [a-z_][a-z0-9_]*$/ {
			o = tolower(substr($2, 3)); off = 0
			for (i = 1; i <= length(o); i++) off = off * 16 + index("0123456789abcdef", substr(o, i, 1)) - 1
			name = $3; row = 1 }'
}
check_layout() { # page, header, format macro
	local page=$MAN/$1 hdr=$SRC/include/mvb/$2 macro=$3
	if [ ! -f "$page" ] || [ ! -f "$hdr" ]; then
		bad "need man/$1 and include/mvb/$2"
		return
	fi
	header_rows "$hdr" >"$T/want" 2>"$T/err"
	if [ -s "$T/err" ]; then
		cat "$T/err"
		fail=1
	fi
	page_rows "$page" >"$T/got"
	[ -s "$T/want" ] || bad "include/mvb/$2: no struct fields found"
	[ -s "$T/got" ] || bad "man/$1: no '.B 0xNN field' rows found"
	if ! diff -u "$T/want" "$T/got" >"$T/diff"; then
		bad "man/$1: offset table differs from include/mvb/$2 (- header, + page; name offset type):"
		sed -n '3,$p' "$T/diff" | grep '^[-+]' | sed 's/^/    /'
	fi
	local fmt vers
	fmt=$(sed -n "s/^#define $macro \([0-9]*\)[uU]*.*/\1/p" "$hdr")
	vers=$(section "$page" VERSION | sed -n 's/^Format \([0-9]*\)\.$/\1/p' | head -n 1)
	[ -n "$fmt" ] || bad "include/mvb/$2: no #define $macro"
	[ "$vers" = "$fmt" ] || bad "man/$1: VERSION says format '${vers:-?}', $macro is $fmt"
	section "$page" CHANGES | unroff | grep -qx "\.B format $fmt" ||
		bad "man/$1: CHANGES has no '.B format $fmt' entry"
}
check_layout mvbuild-app-header.5 app_header.h MVB_APPHDR_FORMAT
if [ -f "$SRC/include/mvb/bundle_format.h" ] || [ -f "$MAN/mvbuild-bundle.5" ]; then
	check_layout mvbuild-bundle.5 bundle_format.h MVB_BUNDLE_FORMAT
fi
check_layout mvbuild-repo.5 repo_format.h MVB_REPO_FORMAT
check_layout mvbuild-link.5 link.h MVL_FORMAT
check_layout mvbuild-provision.5 provision.h MVB_PROV_FORMAT
check_layout mvbuild-devstate.5 devstate.h MVB_UREC_FORMAT
check_layout mvbuild-crash.5 crash.h MVB_CRASH_FORMAT
if [ -f "$SRC/include/mvb/delta_format.h" ] || [ -f "$MAN/mvbuild-delta.5" ]; then
	check_layout mvbuild-delta.5 delta_format.h MVD_FORMAT
fi

# ---- exit statuses: mvbuild(1) against status.h ------------------------
sed -n 's/^[ \t]*MVB_EXIT_[A-Z_]* *= *\([0-9]*\),.*/\1/p' "$SRC/include/mvb/status.h" | sort -n >"$T/st.want"
[ -s "$T/st.want" ] || bad "include/mvb/status.h: no MVB_EXIT_* values found"
: >"$T/st.got"
[ -f "$MAN/mvbuild.1" ] && tags "$MAN/mvbuild.1" "EXIT STATUS" | sed -n 's/^\.B \([0-9]*\)$/\1/p' | sort -n >"$T/st.got"
if ! diff -q "$T/st.want" "$T/st.got" >/dev/null; then
	bad "man/mvbuild.1: EXIT STATUS lists $(tr '\n' ' ' <"$T/st.got")but status.h has $(tr '\n' ' ' <"$T/st.want")"
fi

# ---- every page: roff sanity, names, cross references ------------------
known='TH SH SS TP IP PP LP P RS RE B I BR RB BI IB IR RI SM SB nf fi br sp in ad na hy nh ti'
for p in "$MAN"/*.[1-9]; do
	[ -f "$p" ] || continue
	rel=man/${p##*/} base=${p##*/} sec=${p##*.}
	name=${base%.*}
	th=$(grep -m 1 -v '^\.\\"' "$p")
	want_title=$(tr '[:lower:]' '[:upper:]' <<<"$name")
	read -r _ title tsec _ <<<"$(unroff <<<"$th")"
	[ "${th%% *}" = .TH ] || bad "$rel: does not start with .TH"
	if [ "$title" != "$want_title" ] || [ "$tsec" != "$sec" ]; then
		bad "$rel: .TH says '$title $tsec', want '$want_title $sec'"
	fi
	section "$p" NAME | unroff | grep -q "^$name - ." || bad "$rel: NAME is not '$name \\- summary'"
	awk -v rel="$rel" -v known=" $known " '
		/^\.\\"/ || /^\.$/ { next }
		/^[.'\''][^ ]/ { m = substr($1, 2); if (index(known, " " m " ") == 0) { printf "man: %s:%d: unknown macro .%s\n", rel, NR, m; bad = 1 } }
		END { exit bad }' "$p" || fail=1
	# .BR name (N) references must name pages that exist
	unroff <"$p" | sed -n 's/^\.BR \(mvbuild[a-z-]*\) (\([1-9]\)).*/\1.\2/p' | sort -u | while read -r ref; do
		[ -f "$MAN/$ref" ] || echo "man: $rel: refers to ${ref%.*}(${ref##*.}), which has no page"
	done >"$T/refs"
	if [ -s "$T/refs" ]; then
		cat "$T/refs"
		fail=1
	fi
done
if command -v groff >/dev/null 2>&1; then
	for p in "$MAN"/*.[1-9]; do
		groff -man -ww -z "$p" >"$T/groff" 2>&1
		if [ -s "$T/groff" ]; then
			bad "man/${p##*/}: groff warnings:"
			sed 's/^/    /' "$T/groff"
		fi
	done
else
	echo "man: note: groff is not installed; roff warnings not checked (the other checks ran)"
fi

# ---- the board(5) example is a valid board -----------------------------
awk '/^\.SH EXAMPLE$/ { f = 1; next } f && /^\.SH/ { exit } f && /^\.nf/ { g = 1; next }
	g && /^\.(RS|RE)/ { next } g && /^\.fi/ { exit } g { print }' "$MAN/mvbuild-board.5" | unroff >"$T/example.yaml"
if [ ! -s "$T/example.yaml" ]; then
	bad "man/mvbuild-board.5: no example in EXAMPLE"
elif ! "$MVB" boards check "$T/example.yaml" >"$T/out" 2>&1; then
	bad "man/mvbuild-board.5: the example is not a valid board:"
	sed 's/^/    /' "$T/out"
fi

[ "$fail" -eq 0 ] && echo "man: all pages agree with mvbuild and its headers"
exit "$fail"
