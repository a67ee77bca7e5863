# lib.sh: helpers of the git interop tests, sourced by tests/interop/tNNNN-*.sh.
#
# Each script checks kv's git backend against the real git CLI. It sources
# this file, which builds on tests/cli/lib.sh (test_expect_success,
# test_expect_code, test_cmp, json_ok, test_done), and its summary line is
# "interop-NAME: N passed, N failed" (NAME from the file name:
# t0001-git-reads-kv.sh -> git-reads-kv).
#
# Each script runs in its own temporary folder (removed at exit) with HOME
# there, no system or global git config, a fixed $KV_AUTHOR and $KV_DATE
# and fixed git identities and dates, so that commit ids are reproducible.
# `git` runs with -c user.name=... -c user.email=...; `kvctl` runs $KVCTL
# (exported by tests/run.sh; default build/kvctl). KV_TEST_VERBOSE=1 shows
# each test's output.

. "$(dirname "$0")/../cli/lib.sh"
test_name=$(basename "$0" .sh)
test_name=interop-${test_name#t[0-9][0-9][0-9][0-9]-}
# git writes its objects read-only: make them removable before cleaning.
trap 'cd / && chmod -R u+w "$TEST_DIR" 2>/dev/null; rm -rf "$TEST_DIR"' EXIT
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY
GIT_CONFIG_NOSYSTEM=1
GIT_AUTHOR_DATE='1704110400 +0000'
GIT_COMMITTER_DATE='1704110400 +0000'
export GIT_CONFIG_NOSYSTEM GIT_AUTHOR_DATE GIT_COMMITTER_DATE

git() {
	command git -c user.name='Grace Hopper' -c user.email=grace@example.org \
		-c init.defaultBranch=main -c protocol.file.allow=always "$@"
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
