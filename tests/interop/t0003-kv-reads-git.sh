#!/bin/sh
# A repository written by git (folders, several commits and branches, an
# executable, a symlink, a submodule entry) reads through kvctl, as a work
# tree, a .git folder and a bare repository; kvctl commits on top of it
# keep the entries it does not touch exactly as they were.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: a repository written by git' '
	git init -q repo && (
	cd repo &&
	mkdir -p dir/sub && echo A >dir/a.txt && echo B >dir/sub/b.txt &&
	echo top >top.txt && printf "#!/bin/sh\necho hi\n" >run.sh &&
	chmod +x run.sh && ln -s top.txt link &&
	git add . && git commit -q -m c1 &&
	git update-index --add --cacheinfo 160000,$(git rev-parse HEAD),sub &&
	git commit -q -m "c2: a submodule entry" &&
	git checkout -q -b feature && echo F >dir/f.txt && git add dir &&
	git commit -q -m "f1 on feature" &&
	git checkout -q main && echo A2 >dir/a.txt && git add dir &&
	git commit -q -m "c3: change a" &&
	git tag -a -m "an annotated tag" v1 HEAD~1 && git tag light HEAD )
'

test_expect_success 'the work tree, its .git and a bare clone all open' '
	git clone -q --bare repo bare.git &&
	for s in repo repo/.git bare.git git:bare.git; do
		kvctl --store $s get dir/a.txt >out && echo A2 >expect &&
		test_cmp expect out || return 1
	done
'

test_expect_success 'get reads values at any revision' '
	kvctl --store repo get -b feature dir/f.txt >out &&
	echo F >expect && test_cmp expect out &&
	kvctl --store repo get -b main~1 dir/a.txt >out &&
	echo A >expect && test_cmp expect out &&
	kvctl --store repo get -b light dir/sub/b.txt >out &&
	echo B >expect && test_cmp expect out &&
	kvctl --store repo get -b v1 dir/a.txt >out &&
	echo A >expect && test_cmp expect out
'

test_expect_success 'ls and tree show each entry as what it is' '
	kvctl --store repo --json ls | python3 -c "
import json, sys
print(\" \".join(e[\"name\"] + \"=\" + e[\"kind\"] for e in json.load(sys.stdin)))
" >out &&
	echo "dir=dir link=symlink run.sh=exec sub=submodule top.txt=value" >expect &&
	test_cmp expect out &&
	kvctl --store repo tree >out && grep "^link$" out &&
	grep "^sub$" out && grep "^    b.txt$" out
'

test_expect_success 'a submodule is not read as a value, nor a symlink as a file' '
	test_expect_code 1 kvctl --store repo get sub 2>err &&
	grep "submodule" err &&
	kvctl --store repo get link >out && printf top.txt >expect &&
	test_cmp expect out
'

test_expect_success 'log, log KEY and diff' '
	kvctl --store repo log --oneline >out &&
	test "$(sed "s/^[0-9a-f]* //" out | tr "\n" ,)" = \
		"c3: change a,c2: a submodule entry,c1," &&
	kvctl --store repo log --oneline dir/a.txt >out &&
	test $(grep -c . out) = 2 &&
	kvctl --store repo diff main~2 main >out &&
	printf "M\tdir/a.txt\nA\tsub\n" >expect && test_cmp expect out &&
	kvctl --store repo diff main feature >out &&
	printf "M\tdir/a.txt\nA\tdir/f.txt\n" >expect && test_cmp expect out &&
	test "$(kvctl --store repo rev-parse main)" = \
		"$(git -C repo rev-parse main)"
'

test_expect_success 'kvctl fsck of the repository written by git is clean' '
	kvctl --store bare.git fsck >out && grep "no problems found" out
'

test_expect_success 'a kvctl commit on top keeps exec, symlink, submodule' '
	git -C bare.git ls-tree -r main | grep -v dir/a.txt >before &&
	kvctl --store bare.git set dir/a.txt changed -m "kv on top" >/dev/null &&
	kvctl --store bare.git set dir/sub/new.txt new >/dev/null &&
	git -C bare.git ls-tree -r main | grep -v "dir/a.txt\|new.txt" >after &&
	test_cmp before after &&
	test "$(git -C bare.git show main:dir/a.txt)" = changed &&
	test "$(git -C bare.git rev-parse main~2)" = \
		"$(git -C repo rev-parse main)" &&
	git_fsck_clean bare.git
'

test_expect_success 'git log shows the kvctl commits beside git'"'"'s' '
	git -C bare.git log --format="%s|%an" -3 main >out &&
	printf "set dir/sub/new.txt|Ada Lovelace\nkv on top|Ada Lovelace\nc3: change a|Grace Hopper\n" >expect &&
	test_cmp expect out
'

test_expect_success 'git pulls the kvctl commits into the work tree' '
	(cd repo && git pull -q ../bare.git main 2>&1) &&
	test "$(cat repo/dir/a.txt)" = changed &&
	test "$(cat repo/dir/sub/new.txt)" = new &&
	test -x repo/run.sh && test -h repo/link
'

test_expect_success 'packed refs and packs written by git gc read the same' '
	git -C bare.git gc -q --aggressive --prune=now &&
	test ! -e bare.git/refs/heads/main &&
	grep -q refs/heads/main bare.git/packed-refs &&
	kvctl --store bare.git get dir/a.txt >out && printf changed >expect &&
	test_cmp expect out &&
	kvctl --store bare.git branch >out &&
	printf "  feature\n* main\n" >expect && test_cmp expect out &&
	kvctl --store bare.git tag >out && printf "light\nv1\n" >expect &&
	test_cmp expect out &&
	kvctl --store bare.git set after/gc yes >/dev/null &&
	test "$(git -C bare.git show main:after/gc)" = yes &&
	git_fsck_clean bare.git
'

test_done
