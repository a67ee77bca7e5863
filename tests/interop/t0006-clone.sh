#!/bin/sh
# kvctl clone copies a store between backends: lmdb -> git -> lmdb keeps
# every commit id, branch and tag; git fsck is clean; a second copy skips
# what is there; a failed clone leaves nothing behind.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: an lmdb store with history, branches, tags' '
	kvctl init src >/dev/null &&
	kvctl -C src set a/b 1 >/dev/null && kvctl -C src set a/c 2 >/dev/null &&
	i=0 && while [ $i -lt 250 ]; do echo "set many/$((i % 9))/k$i v$i"; i=$((i+1)); done |
		kvctl -C src batch -m many >/dev/null &&
	kvctl -C src branch side main~1 >/dev/null &&
	kvctl -C src -b side set s x >/dev/null &&
	kvctl -C src merge side -m "merge side" >/dev/null &&
	kvctl -C src rm a/b >/dev/null &&
	kvctl -C src tag v1 main~2 >/dev/null &&
	kvctl -C src log >log-src
'

test_expect_success 'clone lmdb -> git keeps every id; git fsck is clean' '
	kvctl clone src g --backend git >out &&
	grep "^Cloned .* (git): [0-9]* objects, 3 refs$" out &&
	test -d g/.kv/objects && kvctl -C g log >log-g &&
	test_cmp log-src log-g &&
	for r in main side v1; do
		test "$(kvctl -C src rev-parse $r)" = \
			"$(git -C g/.kv rev-parse $r)" || return 1
	done &&
	git_fsck_clean g/.kv &&
	test "$(git -C g/.kv symbolic-ref HEAD)" = refs/heads/main
'

test_expect_success 'clone git -> lmdb gives the original ids back' '
	kvctl --json clone g/.kv back >out &&
	python3 -c "
import json; d = json.load(open(\"out\"))
assert d[\"backend\"] == \"lmdb\" and d[\"refs\"] == 3, d" &&
	kvctl -C back log >log-back && test_cmp log-src log-back &&
	kvctl -C back branch -v >b1 && kvctl -C src branch -v >b2 &&
	test_cmp b2 b1 && kvctl -C back tag >t1 && kvctl -C src tag >t2 &&
	test_cmp t2 t1 && kvctl -C back fsck >/dev/null &&
	kvctl -C back get many/3/k12 >out && printf v12 >expect &&
	test_cmp expect out
'

test_expect_success 'clone of a repository written by git, then back to git' '
	git init -q repo && (cd repo && mkdir d && echo 1 >d/f &&
		printf "#!/bin/sh\n" >x && chmod +x x && ln -s d/f l &&
		git add . && git commit -q -m one &&
		git update-index --add --cacheinfo 160000,$(git rev-parse HEAD),sub &&
		git commit -q -m two && git tag -a -m t1 t1) &&
	kvctl clone repo r1 >/dev/null && kvctl clone r1 r2 --backend git >/dev/null &&
	git -C repo rev-parse main t1 >want &&
	git -C r2/.kv rev-parse main t1 >got && test_cmp want got &&
	git -C repo ls-tree -r main >want && git -C r2/.kv ls-tree -r main >got &&
	test_cmp want got && git_fsck_clean r2/.kv
'

test_expect_success 'the default folder is the source name without .git/.kv' '
	git clone -q --bare repo named.git &&
	kvctl clone named.git >/dev/null && test -d named/.kv &&
	mkdir sub && cd sub && kvctl clone ../g >/dev/null && test -d g/.kv &&
	kvctl clone file://$TEST_DIR/src/.kv >/dev/null && test -d src/.kv &&
	test "$(kvctl -C src rev-parse main)" = "$(kvctl -C ../src rev-parse main)"
'

test_expect_success 'a clone into an existing store is refused' '
	test_expect_code 4 kvctl clone src g 2>err && grep "already exists" err
'

test_expect_success 'a store with a hostile tree is not cloned' '
	kvctl init --backend git h >/dev/null && kvctl -C h set a v >/dev/null &&
	blob=$(git -C h/.kv rev-parse main:a) &&
	t=$(python3 -c "
import sys
sys.stdout.buffer.write(b\"100644 ..\\0\" + bytes.fromhex(sys.argv[1]))" $blob |
		git -C h/.kv hash-object -t tree --literally -w --stdin) &&
	git -C h/.kv update-ref refs/heads/evil \
		$(git -C h/.kv commit-tree $t -p main -m evil) &&
	test_expect_code 4 kvctl clone h hc 2>err && grep "tree $t" err &&
	test ! -e hc
'

test_expect_success 'a failed clone removes what it created' '
	git init -q --bare bad.git &&
	blob=$(printf v | git -C bad.git hash-object -w --stdin) &&
	t=$(printf "100644 blob %s\ta\n" $blob | git -C bad.git mktree) &&
	git -C bad.git update-ref refs/heads/main $(git -C bad.git commit-tree $t -m ok) &&
	rm -f bad.git/objects/$(echo $blob | cut -c1-2)/$(echo $blob | cut -c3-) &&
	test_expect_code 4 kvctl clone bad.git failed 2>err && grep "missing" err &&
	test ! -e failed &&
	mkdir keep && test_expect_code 4 kvctl clone bad.git keep 2>err &&
	test -d keep && test ! -e keep/.kv
'

test_done
