#!/bin/sh
# kvctl branch and tag, and writing on a branch with -b.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: a store with two commits' '
	kvctl init >/dev/null && kvctl set a 1 >/dev/null &&
	kvctl set b 2 >/dev/null
'

test_expect_success 'branch lists main, marked current' '
	kvctl branch >got && printf "* main\n" >want && test_cmp want got
'

test_expect_success 'branch NAME starts at the head; says so' '
	kvctl branch feature >out &&
	grep "^Created branch feature at [0-9a-f]\{12\}$" out &&
	test "$(kvctl rev-parse feature)" = "$(kvctl rev-parse main)" &&
	kvctl branch >got && printf "  feature\n* main\n" >want &&
	test_cmp want got
'

test_expect_success 'branch NAME REV; -b marks the current branch' '
	kvctl branch old main~1 >/dev/null &&
	test "$(kvctl rev-parse old)" = "$(kvctl rev-parse main~1)" &&
	kvctl -b feature branch >got &&
	printf "* feature\n  main\n  old\n" >want && test_cmp want got
'

test_expect_success 'branch -v shows id and subject' '
	kvctl branch -v >got &&
	grep "^\* main [0-9a-f]\{12\} set b$" got &&
	grep "^  old [0-9a-f]\{12\} set a$" got
'

test_expect_success 'writes with -b go to that branch only' '
	kvctl -b feature set a changed >out &&
	grep "^\[feature [0-9a-f]*\] set a$" out &&
	test "$(kvctl get a)" = 1 && test "$(kvctl -b feature get a)" = changed &&
	kvctl diff main feature >got && printf "M\ta\n" >want &&
	test_cmp want got
'

test_expect_success 'an existing branch: exit 4 unless -f' '
	test_expect_code 4 kvctl branch old 2>err && grep "^kvctl: " err &&
	kvctl branch -f old main >/dev/null &&
	test "$(kvctl rev-parse old)" = "$(kvctl rev-parse main)"
'

test_expect_success 'bad names and revisions' '
	test_expect_code 4 kvctl branch "bad..name" 2>err &&
	test_expect_code 2 kvctl branch -x 2>err &&
	test_expect_code 4 kvctl branch -- -x 2>err &&
	test_expect_code 1 kvctl branch new nosuchrev 2>err
'

test_expect_success 'branch -d deletes; absent: exit 1' '
	kvctl branch -d old >out &&
	grep "^Deleted branch old (was [0-9a-f]\{12\})$" out &&
	test_expect_code 1 kvctl rev-parse old 2>err &&
	test_expect_code 1 kvctl branch -d old 2>err &&
	test_expect_code 2 kvctl branch -d 2>err
'

test_expect_success 'branch --json: list, create, delete' '
	kvctl --json branch >out &&
	json_ok "[(b[\"name\"], b[\"current\"]) for b in d] == [(\"feature\", False), (\"main\", True)]" <out &&
	json_ok "d[1][\"id\"] == \"$(kvctl rev-parse main)\"" <out &&
	kvctl --json branch tmp >out &&
	json_ok "d == {\"name\": \"tmp\", \"id\": \"$(kvctl rev-parse main)\"}" <out &&
	kvctl --json branch -d tmp >out && json_ok "d[\"name\"] == \"tmp\"" <out
'

test_expect_success 'branch names with a slash' '
	kvctl branch topic/one >/dev/null &&
	kvctl branch >got && grep "^  topic/one$" got &&
	kvctl -b topic/one set t 1 >/dev/null &&
	test "$(kvctl -b topic/one get t)" = 1
'

test_expect_success 'tag NAME [REV], tag lists, tag -d' '
	kvctl tag >got && test ! -s got &&
	kvctl tag v1 >out && grep "^Created tag v1 at " out &&
	kvctl tag v0 main~1 >/dev/null &&
	kvctl tag >got && printf "v0\nv1\n" >want && test_cmp want got &&
	test "$(kvctl rev-parse v0)" = "$(kvctl rev-parse main~1)" &&
	test "$(kvctl -b v1 get b)" = 2 &&
	test_expect_code 4 kvctl tag v1 2>err &&
	kvctl tag -f v1 feature >/dev/null &&
	test "$(kvctl rev-parse v1)" = "$(kvctl rev-parse feature)" &&
	kvctl tag -d v0 >out && grep "^Deleted tag v0" out &&
	test_expect_code 1 kvctl tag -d v0 2>err
'

test_expect_success 'tag --json' '
	kvctl --json tag >out &&
	json_ok "d == [{\"name\": \"v1\", \"id\": \"$(kvctl rev-parse feature)\"}]" <out &&
	kvctl --json tag v2 >out &&
	json_ok "d[\"name\"] == \"v2\" and len(d[\"id\"]) == 40" <out
'

test_expect_success 'tags and branches are refs for every reading command' '
	kvctl log --oneline -b v2 >got && test "$(wc -l <got)" -eq 2 &&
	kvctl diff v2 feature >got && printf "M\ta\n" >want && test_cmp want got
'

test_done
