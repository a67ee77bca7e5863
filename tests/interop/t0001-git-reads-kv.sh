#!/bin/sh
# What kvctl writes to a git store, the real git reads: fsck, log, show,
# clone, branches and tags, and a bulk load written as one pack.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: a git store with values of every shape' '
	kvctl init --backend git s >/dev/null &&
	printf "a\000b\377\001\n\000" >bin &&
	printf "line 1\nline 2\n" >bio &&
	kvctl -C s set users/42/name Ada -m "add Ada" >/dev/null &&
	kvctl -C s set users/42/bio --file ../bio \
		--author "Charles Babbage <cb@example.org>" \
		--date "2024-02-03T04:05:06+01:00" -m "a bio

with a body" >/dev/null &&
	kvctl -C s set bin/blob --file ../bin >/dev/null &&
	kvctl -C s set empty "" >/dev/null &&
	printf x | kvctl -C s set notrail - >/dev/null &&
	kvctl -C s set deep/a/b/c/d/e value >/dev/null &&
	kvctl -C s rm users/42/name >/dev/null &&
	kvctl -C s branch side >/dev/null &&
	kvctl -C s -b side set only/side yes >/dev/null &&
	kvctl -C s tag v1 >/dev/null
'

test_expect_success 'git fsck --strict is clean' '
	git_fsck_clean s/.kv
'

test_expect_success 'HEAD is refs/heads/main' '
	test "$(git -C s/.kv symbolic-ref HEAD)" = refs/heads/main
'

test_expect_success 'git log shows each commit with author, date, message' '
	git -C s/.kv log --format="%an <%ae>|%ad|%cn|%s" --date=raw main \
		>actual &&
	cat >expect <<-\EOF_ &&
	Ada Lovelace <ada@example.org>|1704110400 +0000|Ada Lovelace|remove users/42/name
	Ada Lovelace <ada@example.org>|1704110400 +0000|Ada Lovelace|set deep/a/b/c/d/e
	Ada Lovelace <ada@example.org>|1704110400 +0000|Ada Lovelace|set notrail
	Ada Lovelace <ada@example.org>|1704110400 +0000|Ada Lovelace|set empty
	Ada Lovelace <ada@example.org>|1704110400 +0000|Ada Lovelace|set bin/blob
	Charles Babbage <cb@example.org>|1706929506 +0100|Charles Babbage|a bio
	Ada Lovelace <ada@example.org>|1704110400 +0000|Ada Lovelace|add Ada
	EOF_
	test_cmp expect actual &&
	git -C s/.kv log -1 --format=%B main~5 >body &&
	printf "a bio\n\nwith a body\n\n" >expect &&
	test_cmp expect body
'

test_expect_success 'git log and kvctl log list the same commits' '
	git -C s/.kv log --format=%H main >git-ids &&
	kvctl -C s --json log | python3 -c "
import json, sys
for c in json.load(sys.stdin): print(c[\"id\"])" >kv-ids &&
	test_cmp git-ids kv-ids
'

test_expect_success 'git show main:KEY equals kvctl get KEY byte for byte' '
	kvctl -C s tree >keys &&
	test $(grep -c . keys) -ge 5 &&
	for k in users/42/bio bin/blob empty notrail deep/a/b/c/d/e; do
		git -C s/.kv show "main:$k" >g && kvctl -C s get "$k" >k &&
		cmp g k || return 1
	done &&
	git -C s/.kv show main:bin/blob >g && cmp bin g &&
	git -C s/.kv show main:notrail >g && printf x >expect && cmp expect g
'

test_expect_success 'git clone checks out exactly the keys and values' '
	git clone -q s/.kv co &&
	(cd co && find . -path ./.git -prune -o -type f -print |
		sed "s|^\./||" | sort) >files &&
	printf "%s\n" bin/blob deep/a/b/c/d/e empty notrail users/42/bio >expect &&
	test_cmp expect files &&
	for k in $(cat files); do
		kvctl -C s get "$k" >v && cmp v "co/$k" || return 1
	done
'

test_expect_success 'branches and tags are git branches and tags' '
	git -C s/.kv for-each-ref --format="%(refname)" >refs &&
	printf "%s\n" refs/heads/main refs/heads/side refs/tags/v1 >expect &&
	test_cmp expect refs &&
	test "$(git -C s/.kv show side:only/side)" = yes &&
	test "$(git -C s/.kv rev-parse v1)" = "$(kvctl -C s rev-parse v1)"
'

test_expect_success 'a bulk batch is written as one pack, not loose objects' '
	git -C s/.kv count-objects -v | sed -n "s/^count: //p" >loose-before &&
	i=0 && while [ $i -lt 500 ]; do
		echo "set bulk/$((i % 7))/k$i value number $i"; i=$((i + 1))
	done >lines &&
	kvctl -C s batch -m bulk <lines >/dev/null &&
	git -C s/.kv count-objects -v | sed -n "s/^count: //p" >loose-after &&
	test_cmp loose-before loose-after &&
	test $(ls s/.kv/objects/pack/*.pack | wc -l) = 1 &&
	test "$(git -C s/.kv show main:bulk/3/k10)" = "value number 10" &&
	git_fsck_clean s/.kv
'

test_expect_success 'git reads a store written by a second batch pack too' '
	i=0 && while [ $i -lt 300 ]; do
		echo "set more/k$i v$i"; i=$((i + 1))
	done | kvctl -C s batch >/dev/null &&
	test $(ls s/.kv/objects/pack/*.pack | wc -l) = 2 &&
	git -C s/.kv cat-file -p main:more/k299 >v && echo v299 >expect &&
	printf v299 >expect && cmp expect v &&
	git_fsck_clean s/.kv && git clone -q s/.kv co2 &&
	test "$(cat co2/bulk/6/k496)" = "value number 496"
'

test_expect_success 'kvctl fsck and stats agree with git' '
	kvctl -C s fsck >out && grep "no problems found" out &&
	kvctl -C s --json stats >st &&
	git -C s/.kv rev-list --all --objects | wc -l >n-git &&
	python3 -c "import json,sys; print(json.load(open(\"st\"))[\"objects\"])" >n-kv &&
	test_cmp n-git n-kv
'

test_expect_success 'init --backend git refuses a folder holding something else' '
	kvctl init l >/dev/null && ls l/.kv >before &&
	test_expect_code 4 kvctl init --backend git l 2>err &&
	grep "not a git repository" err && ls l/.kv >after &&
	test_cmp before after &&
	test_expect_code 4 kvctl init --backend git s 2>err
'

test_done
