#!/bin/sh
# The same operations with the same author and date give the same commit
# ids on the lmdb and git backends, and git agrees with both.
. "$(dirname "$0")/lib.sh"

# ops DIR: a fixed sequence of writes on the store in DIR.
ops() {
	kvctl -C "$1" set a/b 1 >/dev/null &&
	kvctl -C "$1" set a/c 2 -m "second value" >/dev/null &&
	printf "set x/1 one\nset x/2 two\nset y three\n" |
		kvctl -C "$1" batch --date "@1700000000 +0530" >/dev/null &&
	kvctl -C "$1" rm a/b >/dev/null &&
	kvctl -C "$1" branch side main~1 >/dev/null &&
	kvctl -C "$1" -b side set s/only side \
		--author "Bob <bob@example.org>" >/dev/null &&
	kvctl -C "$1" set z last >/dev/null &&
	kvctl -C "$1" merge side -m "merge side" >/dev/null &&
	kvctl -C "$1" tag v1 main~1 >/dev/null
}

test_expect_success 'setup: the same writes on an lmdb and a git store' '
	kvctl init --backend lmdb l >/dev/null && ops l &&
	kvctl init --backend git g >/dev/null && ops g
'

test_expect_success 'branches and tags name the same commits' '
	for r in main side v1 main~2 "main^2"; do
		test "$(kvctl -C l rev-parse "$r")" = \
			"$(kvctl -C g rev-parse "$r")" || return 1
	done
'

test_expect_success 'the whole history is the same, id for id' '
	kvctl -C l log >log-l && kvctl -C g log >log-g &&
	test_cmp log-l log-g &&
	test $(grep -c "^commit " log-g) -ge 7
'

test_expect_success 'git sees those ids in the git store' '
	git -C g/.kv rev-list --all | sort >git-ids &&
	kvctl -C l --json log | python3 -c "
import json, sys
for c in json.load(sys.stdin): print(c[\"id\"])" | sort >kv-ids &&
	test_cmp kv-ids git-ids &&
	test "$(git -C g/.kv rev-parse main^{tree})" = \
		"$(kvctl -C l rev-parse "main^{tree}")" &&
	git_fsck_clean g/.kv
'

test_expect_success 'a commit made by git has the same id as kv makes' '
	git clone -q g/.kv co &&
	(cd co && printf pushed >new && git add new &&
	 GIT_AUTHOR_NAME="Ada Lovelace" GIT_AUTHOR_EMAIL=ada@example.org \
	 GIT_COMMITTER_NAME="Ada Lovelace" \
	 GIT_COMMITTER_EMAIL=ada@example.org \
	 command git -c user.name=x -c user.email=x commit -q -m "set new" \
		--date "1704110400 +0000" &&
	 git rev-parse HEAD) >git-id &&
	printf pushed | kvctl -C l set new - >/dev/null &&
	kvctl -C l rev-parse main >kv-id &&
	test_cmp git-id kv-id
'

test_done
