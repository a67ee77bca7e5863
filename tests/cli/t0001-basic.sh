#!/bin/sh
# kvctl basics: help, version, usage errors, init and store discovery.
. "$(dirname "$0")/lib.sh"

test_expect_success '--help and --version exit 0 on stdout' '
	kvctl --help >out && grep "^usage: kvctl" out &&
	grep "^    rev-parse" out &&
	kvctl --version >out && grep "^kvctl 0\." out &&
	kvctl help >out && grep "^usage: kvctl" out
'

test_expect_success 'every command has --help (exit 0, usage on stdout)' '
	for c in init get set rm ls tree batch log show diff rev-parse \
		branch tag fsck stats; do
		kvctl $c --help >out 2>err || exit 1
		grep "^usage: kvctl $c" out || exit 1
		test ! -s err || exit 1
		kvctl help $c >out || exit 1
		grep "^usage: kvctl $c" out || exit 1
	done
'

test_expect_success 'no command, unknown command, unknown option: exit 2' '
	test_expect_code 2 kvctl 2>err && grep "^usage:" err &&
	test_expect_code 2 kvctl frobnicate 2>err &&
	grep "^kvctl: .frobnicate. is not a command" err &&
	test_expect_code 2 kvctl --frob 2>err &&
	test_expect_code 2 kvctl --store 2>err &&
	test_expect_code 2 kvctl help frob
'

test_expect_success 'bad options and operands: exit 2, usage on stderr' '
	kvctl init s >/dev/null && cd s &&
	test_expect_code 2 kvctl get 2>err && grep "usage: kvctl get" err &&
	test_expect_code 2 kvctl get a b 2>err &&
	grep "unexpected operand" err &&
	test_expect_code 2 kvctl set k 2>err &&
	test_expect_code 2 kvctl set k v --bogus 2>err &&
	grep "unknown option" err && grep "usage: kvctl set" err &&
	test_expect_code 2 kvctl set -m 2>err &&
	grep "needs a value" err &&
	test_expect_code 2 kvctl log -n x 2>err &&
	test_expect_code 2 kvctl ls --json=yes 2>err &&
	test_expect_code 2 kvctl fsck extra 2>err
'

test_expect_success 'init creates DIR/.kv and says so' '
	kvctl init a >out && test -d a/.kv &&
	grep "^Initialized empty kv store in /.*/a/.kv$" out
'

test_expect_success 'init in the current folder, creating DIR parents' '
	mkdir here && (cd here && kvctl init >/dev/null) && test -d here/.kv &&
	kvctl init deep/er/dir >/dev/null && test -d deep/er/dir/.kv
'

test_expect_success 'init on an existing store fails with 4, data kept' '
	kvctl init b >/dev/null && kvctl -C b set k v >/dev/null &&
	test_expect_code 4 kvctl init b 2>err && grep "^kvctl: " err &&
	test "$(kvctl -C b get k)" = v
'

test_expect_success 'init --backend: lmdb ok, mem 2, git 4, other 2' '
	kvctl init --backend lmdb c >/dev/null &&
	test "$(kvctl -C c --json stats | json_get "d[\"backend\"]")" = lmdb &&
	test_expect_code 2 kvctl init --backend mem m 2>err &&
	test_expect_code 2 kvctl --store mem: init 2>err &&
	test_expect_code 2 kvctl init --backend nosuch n 2>err &&
	grep "unknown backend" err &&
	{ kvctl init --backend git g >/dev/null 2>err; rc=$?; } &&
	{ test $rc -eq 0 || { test $rc -eq 4 && grep "^kvctl: " err; }; }
'

test_expect_success 'init --json' '
	kvctl --json init j >out &&
	json_ok "d[\"backend\"] == \"lmdb\" and d[\"store\"].endswith(\"/j/.kv\")" <out
'

test_expect_success 'init --store URI creates exactly there' '
	kvctl --store lmdb:$TEST_DIR/exact init >/dev/null &&
	test -d exact && kvctl --store exact set k v >/dev/null &&
	test "$(kvctl --store lmdb:exact get k)" = v
'

test_expect_success 'the store is found in a parent folder' '
	kvctl init p >/dev/null && mkdir -p p/x/y &&
	(cd p/x/y && kvctl set k fromchild >/dev/null) &&
	test "$(kvctl -C p get k)" = fromchild
'

test_expect_success '--store, then $KV_STORE, then .kv (in that order)' '
	kvctl init q1 >/dev/null && kvctl init q2 >/dev/null &&
	kvctl init q3 >/dev/null &&
	kvctl -C q1 set who q1 >/dev/null && kvctl -C q2 set who q2 >/dev/null &&
	kvctl -C q3 set who q3 >/dev/null &&
	test "$(cd q3 && kvctl get who)" = q3 &&
	test "$(cd q3 && KV_STORE=$TEST_DIR/q2/.kv kvctl get who)" = q2 &&
	test "$(cd q3 && KV_STORE=$TEST_DIR/q2/.kv \
		kvctl --store ../q1/.kv get who)" = q1
'

test_expect_success '-C DIR runs as if started in DIR; --store relative to it' '
	test "$(kvctl -C q1 get who)" = q1 &&
	test "$(kvctl -C q1 --store ../q2/.kv get who)" = q2 &&
	test_expect_code 4 kvctl -C /nonexistent/dir get who 2>err &&
	grep "^kvctl: cannot change" err
'

test_expect_success 'no store anywhere: exit 4 with a hint' '
	mkdir nostore && cd nostore &&
	if test -d "$TEST_DIR/.kv" || test -d "$(dirname "$TEST_DIR")/.kv" ||
		test -d /.kv; then
		exit 0 # a store above us: nothing to check here
	fi &&
	test_expect_code 4 kvctl get k 2>err && grep "kvctl init" err
'

test_expect_success 'a missing --store is an error (4), not "not found" (1)' '
	test_expect_code 4 kvctl --store $TEST_DIR/missing get k 2>err &&
	grep "^kvctl: " err
'

test_expect_success 'global -b and --json may also follow the command' '
	kvctl -C q1 branch other >/dev/null &&
	kvctl -C q1 set -b other who other >/dev/null &&
	test "$(kvctl -C q1 get who -b other)" = other &&
	test "$(kvctl -C q1 -b other get who)" = other &&
	kvctl -C q1 get who --json | json_ok "d[\"value\"] == \"q1\""
'

test_done
