# lib.sh: helpers of the git interop tests, sourced by tests/interop/tNNNN-*.sh.
#
# Each script checks kv's git backend against the real git CLI. It sources
# this file, runs test_expect_success 'what' 'commands' as often as it
# likes, and ends with test_done, which prints "interop-NAME: N passed, N
# failed" (NAME from the file name: t0001-git-reads-kv.sh -> git-reads-kv)
# and exits non-zero if a test failed.
#
# Each script runs in its own temporary folder (removed at exit) with HOME
# there, no system or global git config, a fixed $KV_AUTHOR and $KV_DATE
# and fixed git identities and dates, so that commit ids are reproducible.
# `git` runs with -c user.name=... -c user.email=...; `kvctl` runs $KVCTL
# (exported by tests/run.sh; default build/kvctl). KV_TEST_VERBOSE=1 shows
# each test's output.

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
test_name=interop-${test_name#t[0-9][0-9][0-9][0-9]-}
test_passed=0
test_failed=0
test_count=0

TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kv-interop.XXXXXX") || exit 1
trap 'cd / && chmod -R u+w "$TEST_DIR" 2>/dev/null; rm -rf "$TEST_DIR"' EXIT
trap 'exit 130' INT TERM
cd "$TEST_DIR" || exit 1
mkdir home
HOME=$TEST_DIR/home
export HOME
unset KV_STORE GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY
GIT_CONFIG_NOSYSTEM=1
GIT_AUTHOR_DATE='1704110400 +0000'
GIT_COMMITTER_DATE='1704110400 +0000'
export GIT_CONFIG_NOSYSTEM GIT_AUTHOR_DATE GIT_COMMITTER_DATE
KV_AUTHOR='Ada Lovelace <ada@example.org>'
KV_DATE='2024-01-01T12:00:00Z'
export KV_AUTHOR KV_DATE
LC_ALL=C
export LC_ALL

kvctl() {
	"$KVCTL" "$@"
}

git() {
	command git -c user.name='Grace Hopper' -c user.email=grace@example.org \
		-c init.defaultBranch=main -c protocol.file.allow=always "$@"
}

# test_expect_success DESCRIPTION BODY: run BODY in a subshell; it passes
# if BODY's status is 0.
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

# test_cmp EXPECTED ACTUAL: files equal, else show the difference.
test_cmp() {
	diff -u "$1" "$2"
}

# git_fsck_clean REPO: `git fsck --strict` exits 0 and prints nothing
# (dangling objects aside: a store may hold objects no ref reaches).
git_fsck_clean() {
	git -C "$1" fsck --strict --no-dangling --no-progress >"$TEST_DIR/.fsck" 2>&1
	st=$?
	cat "$TEST_DIR/.fsck"
	[ $st -eq 0 ] && [ ! -s "$TEST_DIR/.fsck" ]
}

# snapshot REPO: every file under REPO with its checksum, to compare
# before and after a command that must write nothing.
snapshot() {
	(cd "$1" && find . -type f ! -name '*.lock' | sort | xargs cksum)
}

# test_done: print the summary line and exit with its verdict.
test_done() {
	echo "$test_name: $test_passed passed, $test_failed failed"
	[ "$test_failed" -eq 0 ]
	exit $?
}
