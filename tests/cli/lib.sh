# lib.sh: the helpers of the kvctl tests, sourced by tests/cli/tNNNN-*.sh.
#
# As git's t/test-lib.sh, much smaller. A script sources this file, runs
# test_expect_success 'what it checks' 'shell commands' as often as it
# likes, and ends with test_done, which prints "cli-NAME: N passed, N
# failed" (NAME from the script's file name: t0001-basic.sh -> basic) and
# exits non-zero if a test failed.
#
# Each script runs in its own temporary folder (removed at exit), with
# HOME there too, no $KV_STORE, and a fixed $KV_AUTHOR and $KV_DATE so
# that commit ids are reproducible. $KVCTL names the binary (tests/run.sh
# exports it; default: build/kvctl from where the script was started).
# Set KV_TEST_VERBOSE=1 to see each test's output.

KVCTL=${KVCTL:-build/kvctl}
case "$KVCTL" in
/*) ;;
*) KVCTL=$(pwd)/$KVCTL ;;
esac
if [ ! -x "$KVCTL" ]; then
	echo "lib.sh: $KVCTL is not built" >&2
	exit 1
fi
export KVCTL

test_name=$(basename "$0" .sh)
test_name=cli-${test_name#t[0-9][0-9][0-9][0-9]-}
test_passed=0
test_failed=0
test_count=0

TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kvctl-test.XXXXXX") || exit 1
trap 'cd / && rm -rf "$TEST_DIR"' EXIT
trap 'exit 130' INT TERM
cd "$TEST_DIR" || exit 1
mkdir home
HOME=$TEST_DIR/home
export HOME
unset KV_STORE
KV_AUTHOR='Ada Lovelace <ada@example.org>'
KV_DATE='2024-01-01T12:00:00Z'
export KV_AUTHOR KV_DATE
LC_ALL=C
export LC_ALL

# kvctl ARGS...: run the kvctl under test.
kvctl() {
	"$KVCTL" "$@"
}

# test_expect_success DESCRIPTION BODY: run BODY (shell commands, joined
# by &&) in this shell; it passes if BODY's status is 0.
test_expect_success() {
	test_count=$((test_count + 1))
	if [ -n "$KV_TEST_VERBOSE" ]; then
		(eval "$2")
	else
		(eval "$2") >"$TEST_DIR/.out" 2>&1
	fi
	if [ $? -eq 0 ]; then
		test_passed=$((test_passed + 1))
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		if [ -z "$KV_TEST_VERBOSE" ]; then
			sed -e 's/^/#   /' "$TEST_DIR/.out" | head -n 40
		fi
	fi
}

# test_expect_code CODE COMMAND...: run COMMAND; succeed if it exits CODE.
test_expect_code() {
	want=$1
	shift
	"$@"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "expected exit $want, got $got: $*" >&2
		return 1
	fi
	return 0
}

# json_ok EXPR: read JSON on stdin (it must parse) and succeed if the
# Python expression EXPR is true of it, as `d`.
json_ok() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
if not eval(sys.argv[1]):
    sys.stderr.write("json_ok: false: %s\nof: %r\n" % (sys.argv[1], d))
    sys.exit(1)
' "$1"
}

# json_get EXPR: print the Python expression EXPR of the JSON on stdin.
json_get() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
print(eval(sys.argv[1]))
' "$1"
}

# test_cmp EXPECTED ACTUAL: files equal, else show the difference.
test_cmp() {
	diff -u "$1" "$2"
}

# test_done: print the summary line and exit with its verdict.
test_done() {
	echo "$test_name: $test_passed passed, $test_failed failed"
	[ "$test_failed" -eq 0 ]
	exit $?
}
