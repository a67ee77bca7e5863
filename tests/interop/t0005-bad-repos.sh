#!/bin/sh
# A repository locked by git, a corrupt loose object or pack, an object
# missing below a tree, a ref that points nowhere: kvctl says what is
# wrong, exits 4, and writes nothing.
. "$(dirname "$0")/lib.sh"

R=s/.kv

# loose ID: the path of the loose object ID in $R.
loose() {
	echo "$R/objects/$(echo "$1" | cut -c1-2)/$(echo "$1" | cut -c3-)"
}

test_expect_success 'setup: a git store, and a work tree repository' '
	kvctl init --backend git s >/dev/null &&
	kvctl -C s set a value >/dev/null && kvctl -C s set d/x 1 >/dev/null &&
	kvctl -C s set d/y 2 >/dev/null && kvctl -C s set e/z 3 >/dev/null &&
	git init -q w && (cd w && echo f >f && git add f && git commit -q -m one)
'

test_expect_success 'index.lock in a work tree: a write fails with exit 4' '
	touch w/.git/index.lock && snapshot w/.git >before &&
	test_expect_code 4 kvctl --store w set k v 2>err &&
	grep "index.lock" err && grep "locked" err &&
	snapshot w/.git >after && test_cmp before after &&
	kvctl --store w get f >out && echo f >expect && test_cmp expect out &&
	rm w/.git/index.lock &&
	kvctl --store w set k v >/dev/null && git -C w show main:k >out &&
	printf v >expect && test_cmp expect out
'

test_expect_success 'refs/heads/main.lock: a write fails with exit 4' '
	touch $R/refs/heads/main.lock && snapshot $R >before &&
	test_expect_code 4 kvctl -C s set k v 2>err &&
	grep "refs/heads/main.lock" err &&
	i=0 && while [ $i -lt 200 ]; do echo "set bulk/$i $i"; i=$((i+1)); done |
		test_expect_code 4 kvctl -C s batch 2>err &&
	snapshot $R >after && test_cmp before after &&
	rm $R/refs/heads/main.lock && kvctl -C s get a >/dev/null
'

test_expect_success 'a corrupt loose object: get, ls, fsck exit 4; writes nothing' '
	cp -R $R good.kv &&
	blob=$(git -C $R rev-parse main:d/x) && f=$(loose $blob) &&
	chmod u+w "$f" && printf "not zlib at all" >"$f" &&
	test_expect_code 4 kvctl -C s get d/x 2>err &&
	grep "$blob" err && grep "corrupt" err &&
	tree=$(git -C $R rev-parse main:e) && f=$(loose $tree) &&
	chmod u+w "$f" && printf "x\001\001\005\000\372\377hello\006\054\002\025" >"$f" &&
	test_expect_code 4 kvctl -C s ls e 2>err && grep "$tree" err &&
	snapshot $R >before &&
	test_expect_code 4 kvctl -C s set e/new v 2>err &&
	snapshot $R >after && test_cmp before after &&
	test_expect_code 4 kvctl -C s fsck >out 2>&1 && grep "$blob" out &&
	grep "$tree" out
'

test_expect_success 'an object missing below a tree: exit 4, nothing written' '
	rm -rf $R && cp -R good.kv $R &&
	blob=$(git -C $R rev-parse main:d/y) && rm -f "$(loose $blob)" &&
	test_expect_code 4 kvctl -C s get d/y 2>err &&
	grep "$blob" err && grep "missing" err &&
	tree=$(git -C $R rev-parse main:e) && rm -f "$(loose $tree)" &&
	test_expect_code 4 kvctl -C s ls e 2>err && grep "$tree" err &&
	test_expect_code 4 kvctl -C s get e/z 2>err && grep "missing" err &&
	snapshot $R >before &&
	test_expect_code 4 kvctl -C s set e/new v 2>err &&
	snapshot $R >after && test_cmp before after &&
	test_expect_code 4 kvctl -C s fsck >out 2>&1 && grep "$blob" out
'

test_expect_success 'a ref pointing nowhere: exit 4, nothing written' '
	rm -rf $R && cp -R good.kv $R &&
	echo 0123456789012345678901234567890123456789 >$R/refs/heads/main &&
	snapshot $R >before &&
	test_expect_code 4 kvctl -C s get a 2>err &&
	grep "refs/heads/main" err && grep "0123456789012345678901234567890123456789" err &&
	test_expect_code 4 kvctl -C s ls 2>err &&
	test_expect_code 4 kvctl -C s log 2>err &&
	test_expect_code 4 kvctl -C s set k v 2>err &&
	snapshot $R >after && test_cmp before after
'

test_expect_success 'a ref file that is not a ref: exit 4, nothing written' '
	echo "this is not an object id" >$R/refs/heads/main &&
	snapshot $R >before &&
	test_expect_code 4 kvctl -C s get a 2>err && grep "refs/heads/main" err &&
	test_expect_code 4 kvctl -C s set k v 2>err &&
	snapshot $R >after && test_cmp before after
'

test_expect_success 'a symbolic ref to nothing: exit 4' '
	rm -rf $R && cp -R good.kv $R &&
	git -C $R symbolic-ref refs/heads/other refs/heads/nothing &&
	test_expect_code 4 kvctl -C s -b other get a 2>err &&
	grep "refs/heads/other" err && grep "refs/heads/nothing" err
'

test_expect_success 'a corrupt pack: exit 4 for what it holds' '
	rm -rf $R && cp -R good.kv $R &&
	for i in $(seq 1 150); do echo "set p/$i value $i"; done |
		kvctl -C s batch >/dev/null &&
	p=$(ls $R/objects/pack/*.pack) && chmod u+w "$p" &&
	size=$(wc -c <"$p") &&
	python3 -c "
import sys
p, n = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, \"rb\").read())
for i in range(40, n - 40, 7): b[i] ^= 0x5a
open(p, \"wb\").write(bytes(b))
" "$p" "$size" &&
	test_expect_code 4 kvctl -C s get p/75 2>err && grep -i "corrupt" err &&
	test_expect_code 4 kvctl -C s fsck >out 2>&1
'

test_done
