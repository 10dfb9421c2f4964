# mvbuild-completion.bash - bash completion for mvbuild.
# Installed as share/bash-completion/completions/mvbuild (loaded on demand
# by bash-completion); or source it from ~/.bashrc.
#
# Commands and options are read from the binary's own --help, so this file
# never falls behind mvbuild; option values that have a fixed set (board
# names, --format, --probe, boards and gen subcommands) are completed from
# it too, everything else as file names.

# The option lines of MVBUILD COMMAND --help (those after "options:").
_mvbuild_opt_lines() {
	"$1" "$2" --help 2>/dev/null | sed -n '/^options:/,$p' | sed 1d
}

_mvbuild_help_opts() { # MVBUILD COMMAND: its long and short options, one per line
	_mvbuild_opt_lines "$1" "$2" |
		sed -n 's/^ *\(-[a-zA-Z]\), \(--[a-z][a-z0-9-]*\).*/\1\n\2/p; s/^ *\(--[a-z][a-z0-9-]*\).*/\1/p'
}

# Options of COMMAND that take a value (their --help line names one).
_mvbuild_valued() {
	_mvbuild_opt_lines "$1" "$2" |
		sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z0-9-]*\) [A-Za-z.|:[\/]\{1,\}.*/\2/p'
}

_mvbuild() {
	local cur prev mvb=${COMP_WORDS[0]}
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_CWORD:+${COMP_WORDS[COMP_CWORD - 1]}}
	COMPREPLY=()
	if [ "$COMP_CWORD" -eq 1 ]; then
		local cmds
		cmds=$("$mvb" --help 2>/dev/null | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
		mapfile -t COMPREPLY < <(compgen -W "$cmds --help --version" -- "$cur")
		return 0
	fi
	local cmd=${COMP_WORDS[1]}
	case "$prev" in
	--board | -b)
		mapfile -t COMPREPLY < <(compgen -W "$("$mvb" boards list 2>/dev/null | awk '{ print $1 }')" -- "$cur")
		# a manifest path is allowed too
		mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -X '!*.y*ml' -- "$cur"; compgen -d -- "$cur")
		return 0
		;;
	--format)
		mapfile -t COMPREPLY < <(compgen -W "text json" -- "$cur")
		return 0
		;;
	--probe | -p)
		mapfile -t COMPREPLY < <(compgen -W "qemu stlink openocd gdb://localhost:3333" -- "$cur")
		return 0
		;;
	esac
	if [[ "$prev" == -* ]] && _mvbuild_valued "$mvb" "$cmd" | grep -qx -- "$prev"; then
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
	fi
	if [[ "$cur" == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_mvbuild_help_opts "$mvb" "$cmd")" -- "$cur")
		return 0
	fi
	if [ "$COMP_CWORD" -eq 2 ]; then
		case "$cmd" in
		boards)
			mapfile -t COMPREPLY < <(compgen -W "list show check" -- "$cur")
			return 0
			;;
		gen)
			mapfile -t COMPREPLY < <(compgen -W "header ld" -- "$cur")
			return 0
			;;
		esac
	fi
	if [ "$cmd" = boards ] && [ "$prev" = show ]; then
		mapfile -t COMPREPLY < <(compgen -W "$("$mvb" boards list 2>/dev/null | awk '{ print $1 }')" -- "$cur")
		return 0
	fi
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	return 0
}
complete -o filenames -o bashdefault -F _mvbuild mvbuild
