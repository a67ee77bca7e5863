#!/bin/sh
# Replays each fuzz target's corpus through the standalone driver: every
# input that once crashed a target stays a test.
BUILD=${BUILD:-build}
passed=0
failed=0
for t in tree commit key cbor graph; do
	if "$BUILD/fuzz/replay_$t" tests/fuzz/corpus/$t >/dev/null; then
		passed=$((passed + 1))
		echo "ok - fuzz corpus $t"
	else
		failed=$((failed + 1))
		echo "FAIL - fuzz corpus $t"
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
