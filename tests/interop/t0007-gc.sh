#!/bin/sh
# kvctl gc packs a git store as git gc would: one pack, no loose copies,
# packed refs; git fsck is clean, ids and values unchanged, nothing a ref
# reaches is lost, and nothing else is removed either.
. "$(dirname "$0")/lib.sh"

R=s/.kv

test_expect_success 'setup: loose objects from small commits, a batch pack' '
	kvctl init --backend git s >/dev/null &&
	i=0 && while [ $i -lt 20 ]; do
		kvctl -C s set "k/$i" "value $i" >/dev/null || return 1
		i=$((i + 1))
	done &&
	i=0 && while [ $i -lt 300 ]; do echo "set bulk/$((i % 5))/$i v$i"; i=$((i+1)); done |
		kvctl -C s batch >/dev/null &&
	kvctl -C s branch side main~3 >/dev/null && kvctl -C s tag v1 >/dev/null &&
	orphan=$(printf "no ref reaches me" | git -C $R hash-object -w --stdin) &&
	echo $orphan >orphan &&
	kvctl -C s log >log-before &&
	test "$(git -C $R count-objects -v | sed -n "s/^count: //p")" -gt 50
'

test_expect_success 'gc prints the size before and after' '
	kvctl -C s gc >out &&
	grep "^size before: [0-9]* bytes" out && grep "^size after: *[0-9]* bytes" out
'

test_expect_success 'git sees one pack, no loose objects but the orphan, packed refs' '
	git -C $R count-objects -v >counts &&
	grep "^count: 1$" counts && grep "^packs: 1$" counts &&
	test -e $R/objects/$(cut -c1-2 orphan)/$(cut -c3- orphan) &&
	grep -q "refs/heads/main" $R/packed-refs &&
	grep -q "refs/tags/v1" $R/packed-refs &&
	test ! -e $R/refs/heads/main
'

test_expect_success 'after gc: same history and values, fsck clean everywhere' '
	kvctl -C s log >log-after && test_cmp log-before log-after &&
	kvctl -C s get k/7 >out && printf "value 7" >expect && test_cmp expect out &&
	git -C $R show main:bulk/3/298 >out && printf v298 >expect &&
	test_cmp expect out &&
	git_fsck_clean $R && kvctl -C s fsck >/dev/null &&
	git -C $R cat-file -p $(cat orphan) >out && grep "no ref" out
'

test_expect_success 'writes after gc, and git gc after kvctl gc' '
	kvctl -C s set after gc >/dev/null &&
	kvctl -C s -b side set side/x 1 >/dev/null &&
	git -C $R gc -q && git_fsck_clean $R &&
	kvctl -C s get after >out && printf gc >expect && test_cmp expect out &&
	kvctl -C s gc >/dev/null && git_fsck_clean $R &&
	test "$(git -C $R count-objects -v | sed -n "s/^packs: //p")" -le 2
'

test_expect_success 'gc --json' '
	kvctl -C s --json gc >out &&
	python3 -c "
import json; d = json.load(open(\"out\"))
assert d[\"backend\"] == \"git\" and d[\"before\"] > 0 and d[\"after\"] > 0, d"
'

test_expect_success 'gc while another process writes loses no write' '
	(i=0; while [ $i -lt 30 ]; do
		kvctl -C s set "race/$i" "$i" >/dev/null || exit 1; i=$((i + 1))
	done) &
	pid=$! &&
	kvctl -C s gc >/dev/null && kvctl -C s gc >/dev/null &&
	wait $pid && kvctl -C s gc >/dev/null &&
	i=0 && while [ $i -lt 30 ]; do
		test "$(kvctl -C s get "race/$i")" = "$i" || return 1
		i=$((i + 1))
	done &&
	git_fsck_clean $R && kvctl -C s fsck >/dev/null
'

test_expect_success 'gc of an lmdb store compacts it and keeps everything' '
	kvctl init l >/dev/null && kvctl -C l set a 1 >/dev/null &&
	i=0 && while [ $i -lt 2000 ]; do
		echo "set big/$((i % 20))/$i $(printf "%0500d" $i)"; i=$((i + 1))
	done | kvctl -C l batch >/dev/null &&
	i=0 && while [ $i -lt 2000 ]; do
		echo "set big/$((i % 20))/$i v$i"; i=$((i + 1))
	done | kvctl -C l batch >/dev/null &&
	kvctl -C l rm -r big/3 >/dev/null &&
	kvctl -C l log >log-before &&
	kvctl -C l gc >out &&
	before=$(sed -n "s/^size before: \([0-9]*\) bytes.*/\1/p" out) &&
	after=$(sed -n "s/^size after: *\([0-9]*\) bytes.*/\1/p" out) &&
	test -n "$before" && test -n "$after" && test "$after" -lt "$before" &&
	test "$after" -eq "$(wc -c <l/.kv/data.mdb)" &&
	test ! -e l/.kv/data.mdb.gc &&
	kvctl -C l log >log-after && test_cmp log-before log-after &&
	kvctl -C l get a >out && printf 1 >expect && test_cmp expect out &&
	kvctl -C l get big/7/1987 >out && printf v1987 >expect &&
	test_cmp expect out &&
	test_expect_code 1 kvctl -C l get big/3/3 2>/dev/null &&
	kvctl -C l fsck >/dev/null &&
	kvctl -C l set after gc >/dev/null && kvctl -C l gc >/dev/null &&
	kvctl -C l get after >out && printf gc >expect && test_cmp expect out &&
	kvctl -C l fsck >/dev/null
'

test_done
