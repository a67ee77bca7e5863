#!/bin/sh
# kvctl get and set: exact bytes, exit codes, no-op sets, commit options,
# and their JSON.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: a store' '
	kvctl init >/dev/null
'

test_expect_success 'set then get returns the exact bytes, no newline' '
	kvctl set users/42/name Ada >out && grep "^\[main [0-9a-f]\{12\}\] " out &&
	kvctl get users/42/name >got && printf Ada >want && cmp want got
'

test_expect_success 'get of an absent key: exit 1, message on stderr' '
	test_expect_code 1 kvctl get users/42/nope >out 2>err &&
	test ! -s out && grep "^kvctl: " err
'

test_expect_success 'get of a directory: exit 1' '
	test_expect_code 1 kvctl get users/42 2>err
'

test_expect_success 'get at an absent revision: exit 1' '
	test_expect_code 1 kvctl -b nosuch get users/42/name 2>err
'

test_expect_success 'a bad key: exit 4 with a message naming it' '
	test_expect_code 4 kvctl set "a/../b" v 2>err && grep "\.\." err &&
	test_expect_code 4 kvctl set "a//b" v 2>err &&
	test_expect_code 4 kvctl set ".git/x" v 2>err &&
	test_expect_code 4 kvctl get "/abs" 2>err
'

test_expect_success 'setting the same value: exit 0, no output, no commit' '
	before=$(kvctl rev-parse main) &&
	kvctl set users/42/name Ada >out && test ! -s out &&
	test "$(kvctl rev-parse main)" = "$before" &&
	kvctl --json set users/42/name Ada >out &&
	json_ok "d == {\"commit\": \"$before\", \"changed\": False}" <out
'

test_expect_success 'set --json reports the new commit' '
	kvctl --json set users/42/name Grace >out &&
	json_ok "d[\"changed\"] is True and len(d[\"commit\"]) == 40" <out &&
	test "$(json_get "d[\"commit\"]" <out)" = "$(kvctl rev-parse main)"
'

test_expect_success 'an empty value' '
	kvctl set empty "" >/dev/null &&
	kvctl get empty >got && test -f got && test ! -s got &&
	kvctl --json get empty |
		json_ok "d == {\"key\": \"empty\", \"size\": 0, \"encoding\": \"utf-8\", \"value\": \"\"}"
'

test_expect_success 'binary with NUL bytes from --file and from stdin' '
	printf "a\000b\377\000\n\001z" >bin &&
	kvctl set bin/file --file bin >/dev/null &&
	kvctl get bin/file >got && cmp bin got &&
	kvctl set bin/stdin - <bin >/dev/null &&
	kvctl get bin/stdin >got && cmp bin got
'

test_expect_success 'get --json: UTF-8 as a string, binary as base64' '
	kvctl set text "héllo \"world\"
tab	end" >/dev/null &&
	kvctl --json get text >out &&
	json_ok "d[\"encoding\"] == \"utf-8\" and d[\"value\"] == \"h\\u00e9llo \\\"world\\\"\\ntab\\tend\"" <out &&
	kvctl --json get bin/file >out &&
	json_ok "d[\"encoding\"] == \"base64\" and d[\"size\"] == 8" <out &&
	json_get "d[\"value\"]" <out | base64 -d >got && cmp bin got
'

test_expect_success 'a value starting with - needs --; a lone - is stdin' '
	test_expect_code 2 kvctl set neg -5 2>err &&
	kvctl set -- neg -5 >/dev/null && test "$(kvctl get neg)" = -5 &&
	echo piped | kvctl set fromstdin - >/dev/null &&
	test "$(kvctl get fromstdin)" = piped
'

test_expect_success 'set: VALUE and --file together, or neither: exit 2' '
	test_expect_code 2 kvctl set k v --file bin 2>err &&
	test_expect_code 2 kvctl set k 2>err
'

test_expect_success 'set --file of a missing file: exit 4, nothing written' '
	before=$(kvctl rev-parse main) &&
	test_expect_code 4 kvctl set k --file nosuchfile 2>err &&
	grep "nosuchfile" err && test "$(kvctl rev-parse main)" = "$before"
'

test_expect_success 'setting a key replaces a directory on its path' '
	kvctl set tree/a 1 >/dev/null && kvctl set tree/b 2 >/dev/null &&
	kvctl set tree flat >/dev/null && test "$(kvctl get tree)" = flat &&
	test_expect_code 1 kvctl get tree/a 2>err
'

test_expect_success '-m, --author and --date make the commit' '
	kvctl set -m "my message" --author "Bob <bob@example.org>" \
		--date "2020-02-03T04:05:06+01:00" k1 v1 >out &&
	grep "\] my message$" out &&
	kvctl --json log -n 1 >out &&
	json_ok "d[0][\"message\"] == \"my message\\n\"" <out &&
	json_ok "d[0][\"author\"] == {\"name\": \"Bob\", \"email\": \"bob@example.org\", \"time\": 1580699106, \"offset\": 60}" <out
'

test_expect_success '$KV_AUTHOR and $KV_DATE are the defaults' '
	kvctl set k2 v2 >/dev/null && kvctl --json log -n 1 >out &&
	json_ok "d[0][\"author\"][\"name\"] == \"Ada Lovelace\" and d[0][\"author\"][\"time\"] == 1704110400" <out &&
	json_ok "d[0][\"committer\"] == d[0][\"author\"]" <out
'

test_expect_success '--date alone keeps the default author' '
	kvctl set --date "@1000000000 +0000" k3 v3 >/dev/null &&
	kvctl --json log -n 1 >out &&
	json_ok "d[0][\"author\"][\"time\"] == 1000000000" <out &&
	( unset KV_AUTHOR && kvctl set --date "@1000000001 +0000" k4 v4 ) &&
	kvctl --json log -n 1 >out &&
	json_ok "d[0][\"author\"][\"time\"] == 1000000001" <out
'

test_expect_success 'a bad --author or --date: exit 2, nothing written' '
	before=$(kvctl rev-parse main) &&
	test_expect_code 2 kvctl set --author "no email" k5 v 2>err &&
	test_expect_code 2 kvctl set --date "yesterday-ish" k5 v 2>err &&
	test "$(kvctl rev-parse main)" = "$before"
'

test_expect_success 'the same writes give the same commit ids' '
	for s in r1 r2; do
		kvctl init $s >/dev/null &&
		kvctl -C $s set a 1 >/dev/null &&
		kvctl -C $s set b/c 2 -m two >/dev/null || exit 1
	done &&
	test "$(kvctl -C r1 rev-parse main)" = "$(kvctl -C r2 rev-parse main)"
'

test_expect_success 'a write error on stdout: exit 4, reported once' '
	test -w /dev/full || exit 0
	test_expect_code 4 kvctl get bin/file >/dev/full 2>err &&
	test "$(grep -c "write error" err)" -eq 1 &&
	test_expect_code 4 kvctl log >/dev/full 2>err
'

test_expect_success 'writing to a branch that does not exist: exit 1' '
	before=$(kvctl rev-parse main) &&
	test_expect_code 1 kvctl -b nosuch set k v 2>err &&
	grep "kvctl branch nosuch" err &&
	test_expect_code 1 kvctl rev-parse nosuch 2>err
'

test_done
