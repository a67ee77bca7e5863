#!/bin/sh
# demo.sh KVCTL: a short, readable kvctl session on a new store in a
# temporary folder, for `make demo`. Each command is shown after "$ ",
# followed by its output. The folder is removed at the end.
#
# Exits non-zero, after saying which command failed, if one fails.

if [ $# -ne 1 ]; then
	echo "usage: sh tools/demo.sh KVCTL" >&2
	exit 2
fi
KVCTL=$1
case "$KVCTL" in
/*) ;;
*) KVCTL=$(pwd)/$KVCTL ;;
esac
if [ ! -x "$KVCTL" ]; then
	echo "demo.sh: $KVCTL is not built (run make first)" >&2
	exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/kv-demo.XXXXXX") || exit 1
trap 'cd / && rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM
cd "$dir" || exit 1
unset KV_STORE KV_DATE
KV_AUTHOR='Ada Lovelace <ada@example.org>'
export KV_AUTHOR

if [ -t 1 ]; then
	bold=$(printf '\033[1m') dim=$(printf '\033[2m') plain=$(printf '\033[0m')
else
	bold='' dim='' plain=''
fi

# kvctl ARGS...: the binary under demonstration, shown as "kvctl".
kvctl() {
	"$KVCTL" "$@"
}

# quote ARG: ARG as one would type it in a shell.
quote() {
	case "$1" in
	*[!A-Za-z0-9_./:=@%^~+,-]* | '') printf "'%s'" "$1" ;;
	*) printf '%s' "$1" ;;
	esac
}

# run COMMAND ARGS...: show the command, then its output.
run() {
	line=''
	for a in "$@"; do
		line="$line${line:+ }$(quote "$a")"
	done
	printf '%s$ %s%s\n' "$bold" "$line" "$plain"
	out=$("$@") || {
		echo "demo.sh: failed: $line" >&2
		exit 1
	}
	[ -n "$out" ] && printf '%s\n' "$out"
	echo
}

# run_input TEXT COMMAND ARGS...: show and run COMMAND with TEXT (lines)
# on its standard input, written as a here-document.
run_input() {
	text=$1
	shift
	line=''
	for a in "$@"; do
		line="$line${line:+ }$(quote "$a")"
	done
	printf '%s$ %s <<EOF\n%sEOF%s\n' "$bold" "$line" "$text" "$plain"
	out=$(printf '%s' "$text" | "$@") || {
		echo "demo.sh: failed: $line" >&2
		exit 1
	}
	[ -n "$out" ] && printf '%s\n' "$out"
	echo
}

# say TEXT: a line of narration.
say() {
	printf '%s# %s%s\n' "$dim" "$1" "$plain"
}

say "kv: a versioned key-value store. Every write is a commit on a branch."
say "Working in a new temporary folder: $dir"
echo
run kvctl init
say "Set a few keys (keys are paths; values are any bytes):"
run kvctl set users/42/name Ada
run kvctl set users/42/email ada@example.org
run kvctl set -m "dark mode for everyone" config/theme dark
say "Read them back:"
run kvctl get users/42/name
run kvctl ls
run kvctl tree
say "Every write made a commit:"
run kvctl log --oneline
say "Setting a value a key already has changes nothing (no commit):"
run kvctl set users/42/name Ada
say "Branches are cheap. Change things on one, main stays as it was:"
run kvctl branch feature
run kvctl -b feature set config/theme light
run kvctl -b feature set users/7/name Grace
say "Several changes, one commit:"
run_input 'set users/7/email grace@example.org
set users/8/name Alan Turing
' kvctl -b feature batch -m "more users"
run kvctl branch
run kvctl get config/theme
run kvctl -b feature get config/theme
say "What differs between main and feature (A added, D removed, M modified):"
run kvctl diff main feature
run kvctl show feature
say "Meanwhile main moves on; merging brings feature in (three-way, per key):"
run kvctl set users/42/lang C
run kvctl merge feature -m "merge feature"
run kvctl log --graph --oneline
say "Counters add up when both sides change them (.kvattributes picks the strategy):"
run kvctl set .kvattributes "visits merge=counter"
run kvctl set visits 10
run kvctl branch other
run kvctl set visits 11
run kvctl -b other set visits 15
run kvctl merge other -m "merge other"
run kvctl get visits
say "Scripts can ask for JSON:"
run kvctl --json get users/42/name
say "Done. See docs/kvctl.md for every command, or kvctl --help."
