#!/bin/sh
# kvctl batch: the line format, one commit for all lines, all or nothing.
. "$(dirname "$0")/lib.sh"

commits() {
	kvctl --json log | json_get "len(d)"
}

test_expect_success 'setup: a store' '
	kvctl init >/dev/null && kvctl set old/key 1 >/dev/null &&
	kvctl set old/dir/a 1 >/dev/null && kvctl set old/dir/b 2 >/dev/null
'

test_expect_success 'batch applies every line in one commit' '
	n=$(commits) &&
	kvctl batch -m "load" >out <<-\EOT &&
	# a comment, then an empty line

	set users/1/name Ada Lovelace
	set users/2/name  two  spaces  
	set empty 
	rm old/key
	EOT
	grep "^\[main [0-9a-f]*\] load$" out &&
	test "$(commits)" = $((n + 1)) &&
	test "$(kvctl get users/1/name)" = "Ada Lovelace" &&
	printf " two  spaces  " >want && kvctl get users/2/name >got &&
	cmp want got &&
	kvctl get empty >got && test ! -s got &&
	test_expect_code 1 kvctl get old/key 2>err
'

test_expect_success 'quoted fields: JSON strings for keys and values' '
	kvctl batch >/dev/null <<-\EOT &&
	set "with space/k" "line1\nline2\t\"q\" \u00e9 \ud83d\ude00"
	set plain "quoted"
	set lead "\"quoted\""
	EOT
	printf "line1\nline2\t\"q\" \303\251 \360\237\230\200" >want &&
	kvctl get "with space/k" >got && cmp want got &&
	test "$(kvctl get plain)" = quoted &&
	test "$(kvctl get lead)" = "\"quoted\""
'

test_expect_success 'set-base64 and set-file: any bytes' '
	printf "a\000b\377\000\n" >bin &&
	b64=$(base64 <bin) &&
	printf "set-base64 bin/b64 %s\nset-file bin/file %s\n" "$b64" bin |
		kvctl batch >/dev/null &&
	kvctl get bin/b64 >got && cmp bin got &&
	kvctl get bin/file >got && cmp bin got &&
	echo "set-file \"bin/quoted\" \"$TEST_DIR/bin\"" | kvctl batch >/dev/null &&
	kvctl get bin/quoted >got && cmp bin got
'

test_expect_success 'a CR before the newline is part of the value' '
	printf "set crlf v\r\n" | kvctl batch >/dev/null &&
	printf "v\r" >want && kvctl get crlf >got && cmp want got
'

test_expect_success 'a last line without a newline is applied' '
	printf "set nonl yes" | kvctl batch >/dev/null &&
	test "$(kvctl get nonl)" = yes
'

test_expect_success 'rm of a directory needs rm -r' '
	before=$(kvctl rev-parse main) &&
	echo "rm old/dir" | test_expect_code 4 kvctl batch 2>err &&
	grep "line 1" err && grep "rm -r" err &&
	test "$(kvctl rev-parse main)" = "$before" &&
	echo "rm -r old/dir" | kvctl batch >/dev/null &&
	test_expect_code 1 kvctl ls old/dir 2>err
'

test_expect_success 'a bad line commits nothing and names the line' '
	before=$(kvctl rev-parse main) &&
	printf "set ok1 v\nfrobnicate x\nset ok2 v\n" |
		test_expect_code 2 kvctl batch 2>err &&
	grep "^kvctl: batch: line 2: " err &&
	test "$(kvctl rev-parse main)" = "$before" &&
	test_expect_code 1 kvctl get ok1 2>err
'

test_expect_success 'syntax errors exit 2' '
	for line in "set" "set k" "set \"k v" "set \"k\"x v" "set k \"v\" x" \
		"set-base64 k !!!" "rm" "set \"a\\q\" v" "set \"a\\u0000b\" v" \
		"set-file k \"p\\u0000q\""; do
		printf "%s\n" "$line" | kvctl batch 2>err
		test $? -eq 2 || { echo "not 2: $line"; exit 1; }
	done
'

test_expect_success 'errors from the store keep their exit codes' '
	echo "rm nosuch" | test_expect_code 1 kvctl batch 2>err &&
	grep "line 1" err &&
	echo "set a/../b v" | test_expect_code 4 kvctl batch 2>err &&
	echo "set-file k nosuchfile" | test_expect_code 4 kvctl batch 2>err
'

test_expect_success 'an empty batch or equal values: no commit, exit 0' '
	before=$(kvctl rev-parse main) &&
	kvctl batch </dev/null >out && test ! -s out &&
	echo "set nonl yes" | kvctl --json batch >out &&
	json_ok "d[\"changed\"] is False" <out &&
	test "$(kvctl rev-parse main)" = "$before"
'

test_expect_success 'later lines see earlier ones (set then rm)' '
	printf "set tmp/x 1\nrm tmp/x\nset tmp/y 2\n" | kvctl batch >/dev/null &&
	test_expect_code 1 kvctl get tmp/x 2>err &&
	test "$(kvctl get tmp/y)" = 2
'

test_expect_success 'batch -b BRANCH and --json' '
	kvctl branch side >/dev/null &&
	echo "set side/only yes" | kvctl -b side --json batch >out &&
	json_ok "d[\"changed\"] and d[\"commit\"] == \"$(kvctl rev-parse side)\"" <out &&
	test_expect_code 1 kvctl get side/only 2>err
'

test_expect_success 'a long line (1 MiB value) and many lines' '
	head -c 1048576 /dev/zero | tr "\0" x >big &&
	{ printf "set big "; cat big; echo; i=0;
	  while [ $i -lt 500 ]; do echo "set many/$i $i"; i=$((i + 1)); done
	} | kvctl batch >/dev/null &&
	kvctl get big >got && cmp big got &&
	test "$(kvctl ls many | wc -l)" -eq 500
'

test_done
