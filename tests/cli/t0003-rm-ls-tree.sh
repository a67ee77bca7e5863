#!/bin/sh
# kvctl rm, ls and tree: directories, exit codes and JSON.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: a store with a few keys' '
	kvctl init >/dev/null &&
	kvctl set users/42/name Ada >/dev/null &&
	kvctl set users/42/email ada@example.org >/dev/null &&
	kvctl set users/7/name Grace >/dev/null &&
	kvctl set config 1 >/dev/null &&
	kvctl set a.b x >/dev/null
'

test_expect_success 'ls: the root, directories with a trailing /' '
	kvctl ls >got &&
	printf "a.b\nconfig\nusers/\n" >want && test_cmp want got
'

test_expect_success 'ls PREFIX' '
	kvctl ls users >got && printf "42/\n7/\n" >want && test_cmp want got &&
	kvctl ls users/42 >got && printf "email\nname\n" >want &&
	test_cmp want got
'

test_expect_success 'ls and tree take a directory as ls prints it (users/)' '
	kvctl ls users/ >got && printf "42/\n7/\n" >want && test_cmp want got &&
	kvctl tree users/42/ >got && printf "email\nname\n" >want &&
	test_cmp want got && kvctl ls / >got && grep "^users/$" got
'

test_expect_success 'ls -l: mode, kind, id and name' '
	kvctl ls -l >got &&
	grep "^100644 value  *[0-9a-f]\{40\}	config$" got &&
	grep "^040000 dir  *[0-9a-f]\{40\}	users/$" got
'

test_expect_success 'ls --json: name, kind and id' '
	kvctl --json ls >out &&
	json_ok "[e[\"name\"] for e in d] == [\"a.b\", \"config\", \"users\"]" <out &&
	json_ok "[e[\"kind\"] for e in d] == [\"value\", \"value\", \"dir\"]" <out &&
	json_ok "all(len(e[\"id\"]) == 40 for e in d)" <out &&
	test "$(json_get "d[1][\"id\"]" <out)" = \
		"$(printf 1 | git hash-object --stdin)"
'

test_expect_success 'ls of an absent prefix, or of a value: exit 1' '
	test_expect_code 1 kvctl ls nosuch 2>err &&
	test_expect_code 1 kvctl ls config 2>err
'

test_expect_success 'tree: the whole store, indented' '
	kvctl tree >got &&
	cat >want <<-\EOT &&
	a.b
	config
	users/
	  42/
	    email
	    name
	  7/
	    name
	EOT
	test_cmp want got
'

test_expect_success 'tree PREFIX: relative to PREFIX' '
	kvctl tree users >got &&
	printf "42/\n  email\n  name\n7/\n  name\n" >want && test_cmp want got
'

test_expect_success 'tree --json: full keys in key order' '
	kvctl --json tree users >out &&
	json_ok "[e[\"key\"] for e in d] == [\"users/42/email\", \"users/42/name\", \"users/7/name\"]" <out &&
	json_ok "all(e[\"kind\"] == \"value\" for e in d)" <out
'

test_expect_success 'rm a value' '
	kvctl rm config >out && grep "^\[main [0-9a-f]*\] " out &&
	test_expect_code 1 kvctl get config 2>err
'

test_expect_success 'rm of an absent key: exit 1, no commit' '
	before=$(kvctl rev-parse main) &&
	test_expect_code 1 kvctl rm config 2>err && grep "^kvctl: " err &&
	test "$(kvctl rev-parse main)" = "$before"
'

test_expect_success 'rm of a directory without -r: exit 4, nothing removed' '
	before=$(kvctl rev-parse main) &&
	test_expect_code 4 kvctl rm users/42 2>err && grep "rm -r" err &&
	test "$(kvctl rev-parse main)" = "$before" &&
	test "$(kvctl get users/42/name)" = Ada
'

test_expect_success 'rm -r removes a directory; rm -r also removes a value' '
	kvctl rm -r users/42 --json >out && json_ok "d[\"changed\"]" <out &&
	test_expect_code 1 kvctl ls users/42 2>err &&
	kvctl ls users >got && printf "7/\n" >want && test_cmp want got &&
	kvctl rm -r a.b >/dev/null && test_expect_code 1 kvctl get a.b
'

test_expect_success 'removing the last key of a directory removes it' '
	kvctl rm users/7/name >/dev/null &&
	test_expect_code 1 kvctl ls users 2>err
'

test_expect_success 'ls and tree of an empty root print nothing; JSON []' '
	kvctl ls >got && test ! -s got &&
	kvctl tree >got && test ! -s got &&
	kvctl --json ls | json_ok "d == []" &&
	kvctl --json tree | json_ok "d == []"
'

test_expect_success 'rm -m and --author' '
	kvctl set x 1 >/dev/null &&
	kvctl rm -m "drop x" --author "Eve <eve@example.org>" x >/dev/null &&
	kvctl --json log -n 1 |
		json_ok "d[0][\"message\"] == \"drop x\\n\" and d[0][\"author\"][\"name\"] == \"Eve\""
'

test_done
