#!/bin/sh
# Runs every test suite and prints the total as the last line:
#   "N passed, N failed"
# Suites: the unit/conformance runner, then each tests/*/t*.sh script
# (CLI, interop, crash, concurrency). A script prints its own
# "NAME: N passed, N failed" line; a script that dies without one counts
# as one failure.
BUILD=${BUILD:-build}
export BUILD
KVCTL=$(cd "$BUILD" && pwd)/kvctl
export KVCTL
TOP=$(pwd)
export TOP
passed=0
failed=0
log=$(mktemp)

tally() { # $1: output file of one suite, $2: its exit status
	line=$(grep -E '^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
	if [ -z "$line" ]; then
		failed=$((failed + 1))
		echo "FAIL - $2 (no summary line)"
		return
	fi
	p=$(echo "$line" | sed 's/.*: \([0-9]*\) passed.*/\1/')
	f=$(echo "$line" | sed 's/.* \([0-9]*\) failed.*/\1/')
	passed=$((passed + p))
	failed=$((failed + f))
}

"$BUILD/tests/runner" "$@" | tee "$log"
tally "$log" runner

for t in tests/*/t[0-9]*.sh; do
	[ -f "$t" ] || continue
	[ -n "$KV_TEST_ONLY" ] && case "$t" in *"$KV_TEST_ONLY"*) ;; *) continue ;; esac
	echo "# $t"
	sh "$t" 2>&1 | tee "$log"
	tally "$log" "$t"
done
rm -f "$log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
