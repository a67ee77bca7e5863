#!/bin/sh
# kvctl log, show, rev-parse and diff.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: three commits' '
	kvctl init >/dev/null &&
	kvctl set -m "first" a 1 >/dev/null &&
	kvctl set -m "second
with a body" b 2 >/dev/null &&
	kvctl set -m "third" a 3 >/dev/null &&
	kvctl set -m "fourth" dir/x 4 >/dev/null
'

test_expect_success 'log: newest first, git medium format' '
	kvctl log >out &&
	test "$(grep -c "^commit [0-9a-f]\{40\}$" out)" -eq 4 &&
	grep "^Author: Ada Lovelace <ada@example.org>$" out &&
	grep "^Date:   Mon Jan 1 12:00:00 2024 +0000$" out &&
	grep "^    with a body$" out &&
	test "$(sed -n 5p out)" = "    fourth" &&
	test "$(sed -n 1p out)" = "commit $(kvctl rev-parse main)"
'

test_expect_success 'log --oneline and -n' '
	kvctl log --oneline >got &&
	test "$(wc -l <got)" -eq 4 &&
	grep "^[0-9a-f]\{12\} second$" got &&
	kvctl log -n 2 --oneline >got && test "$(wc -l <got)" -eq 2 &&
	kvctl log -n2 --oneline >got2 && test_cmp got got2 &&
	kvctl log --max-count=1 --oneline >got && test "$(wc -l <got)" -eq 1 &&
	kvctl log -n 0 >got && test ! -s got
'

test_expect_success 'log KEY: only the commits that changed it' '
	kvctl log --oneline a >got &&
	test "$(wc -l <got)" -eq 2 && grep " third$" got && grep " first$" got &&
	kvctl log --oneline dir >got && grep " fourth$" got &&
	test "$(wc -l <got)" -eq 1
'

test_expect_success 'log --json: the commit objects' '
	kvctl --json log >out &&
	json_ok "len(d) == 4 and [c[\"message\"] for c in d][0] == \"fourth\\n\"" <out &&
	json_ok "all(set(c) == {\"id\", \"tree\", \"parents\", \"author\", \"committer\", \"message\"} for c in d)" <out &&
	json_ok "d[0][\"parents\"] == [d[1][\"id\"]] and d[3][\"parents\"] == []" <out &&
	json_ok "d[0][\"author\"] == {\"name\": \"Ada Lovelace\", \"email\": \"ada@example.org\", \"time\": 1704110400, \"offset\": 0}" <out &&
	json_ok "d[0][\"tree\"] == \"$(kvctl rev-parse "main^{tree}")\"" <out &&
	kvctl --json log -n 0 | json_ok "d == []"
'

test_expect_success 'log --first-parent, log -b REV' '
	kvctl log --first-parent --oneline >got && test "$(wc -l <got)" -eq 4 &&
	kvctl -b main~2 log --oneline >got && test "$(wc -l <got)" -eq 2 &&
	grep " second$" got
'

test_expect_success 'log of an absent revision: exit 1' '
	test_expect_code 1 kvctl -b nosuch log 2>err && grep "^kvctl: " err
'

test_expect_success 'rev-parse: branch, ~N, ^, id prefix, ^{tree}' '
	head=$(kvctl rev-parse main) && echo "$head" | grep "^[0-9a-f]\{40\}$" &&
	first=$(kvctl rev-parse main~3) &&
	test "$(kvctl rev-parse main^^^)" = "$first" &&
	test "$(kvctl rev-parse $(echo $head | cut -c1-8))" = "$head" &&
	test "$(kvctl rev-parse $head)" = "$head" &&
	test "$(kvctl rev-parse --short main)" = "$(echo $head | cut -c1-12)" &&
	tree=$(kvctl rev-parse "main^{tree}") && test "$tree" != "$head" &&
	kvctl --json log -n 1 | json_ok "d[0][\"tree\"] == \"$tree\""
'

test_expect_success 'rev-parse --json; bad revisions exit 1' '
	kvctl --json rev-parse main~1 >out &&
	json_ok "d == {\"rev\": \"main~1\", \"id\": \"$(kvctl rev-parse main~1)\"}" <out &&
	test_expect_code 1 kvctl rev-parse nosuch 2>err &&
	test_expect_code 1 kvctl rev-parse main~9 2>err
'

test_expect_success 'show: the header and the changes against the parent' '
	kvctl show >out &&
	test "$(sed -n 1p out)" = "commit $(kvctl rev-parse main)" &&
	grep "^    fourth$" out && grep "^A	dir/x$" out &&
	kvctl show main~1 >out && grep "^M	a$" out &&
	kvctl show main~3 >out && grep "^A	a$" out &&
	test "$(grep -c "^[ADM]	" out)" -eq 1
'

test_expect_success 'show --json: commit and changes' '
	kvctl --json show main~1 >out &&
	json_ok "d[\"id\"] == \"$(kvctl rev-parse main~1)\" and d[\"message\"] == \"third\\n\"" <out &&
	json_ok "len(d[\"changes\"]) == 1 and d[\"changes\"][0][\"status\"] == \"M\" and d[\"changes\"][0][\"key\"] == \"a\"" <out &&
	json_ok "d[\"changes\"][0][\"old\"] != d[\"changes\"][0][\"new\"]" <out
'

test_expect_success 'show of an absent revision: exit 1' '
	test_expect_code 1 kvctl show nosuch 2>err
'

test_expect_success 'diff OLD NEW: A, D and M lines' '
	kvctl set c 5 >/dev/null && kvctl rm b >/dev/null &&
	kvctl diff main~4 main >got &&
	printf "M\ta\nD\tb\nA\tc\nA\tdir/x\n" >want && test_cmp want got &&
	kvctl diff main main~4 >got &&
	printf "M\ta\nA\tb\nD\tc\nD\tdir/x\n" >want && test_cmp want got
'

test_expect_success 'diff OLD..NEW, diff OLD (against the head), no change' '
	kvctl diff main~4..main >got &&
	printf "M\ta\nD\tb\nA\tc\nA\tdir/x\n" >want && test_cmp want got &&
	kvctl diff main~4 >got && test_cmp want got &&
	kvctl diff main~4.. >got && test_cmp want got &&
	kvctl diff main main >got && test ! -s got
'

test_expect_success 'diff of trees (REV^{tree})' '
	kvctl diff "main~1^{tree}" "main^{tree}" >got &&
	printf "D\tb\n" >want && test_cmp want got
'

test_expect_success 'diff --json: status, key, old, new' '
	kvctl --json diff main~4 main >out &&
	json_ok "[(c[\"status\"], c[\"key\"]) for c in d] == [(\"M\", \"a\"), (\"D\", \"b\"), (\"A\", \"c\"), (\"A\", \"dir/x\")]" <out &&
	json_ok "d[1][\"new\"] is None and d[2][\"old\"] is None and len(d[0][\"old\"]) == 40" <out &&
	test "$(json_get "d[2][\"new\"]" <out)" = "$(printf 5 | git hash-object --stdin)" &&
	kvctl --json diff main main | json_ok "d == []"
'

test_expect_success 'diff with a bad revision: exit 1, nothing on stdout' '
	test_expect_code 1 kvctl --json diff nosuch main >out 2>err &&
	test ! -s out &&
	test_expect_code 1 kvctl diff main nosuch >out 2>err && test ! -s out &&
	test_expect_code 2 kvctl diff 2>err
'

test_done
