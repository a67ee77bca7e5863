#!/bin/sh
# Trees crafted with `git hash-object -t tree --literally` that git itself
# would refuse (names "..", ".git", ".GIT", "", "a/b"; unsorted or
# duplicate entries; a bad mode) are refused by kvctl with an error that
# names the tree and the entry (exit 4), and nothing is written.
. "$(dirname "$0")/lib.sh"

R=s/.kv

# tree ENTRY...: write a tree of entries "MODE NAME OID" (NAME may be
# empty: "MODE  OID") with git hash-object --literally; print its id.
tree() {
	python3 -c '
import sys
out = b""
for e in sys.argv[1:]:
    mode, name, oid = e.split(" ")
    out += mode.encode() + b" " + name.encode() + b"\0" + bytes.fromhex(oid)
sys.stdout.buffer.write(out)
' "$@" | git -C $R hash-object -t tree --literally -w --stdin
}

# evil BRANCH TREE: a commit of TREE on top of main, on branch BRANCH.
evil() {
	c=$(git -C $R commit-tree "$2" -p main -m "evil $1") &&
	git -C $R update-ref "refs/heads/$1" "$c"
}

test_expect_success 'setup: a git store and hostile trees on branches' '
	kvctl init --backend git s >/dev/null &&
	kvctl -C s set a value >/dev/null && kvctl -C s set d/x 1 >/dev/null &&
	blob=$(printf v | git -C $R hash-object -w --stdin) &&
	sub=$(tree "100644 x $blob") &&
	evil dotdot "$(tree "100644 a $blob" "40000 .. $sub")" &&
	evil dotgit "$(tree "100644 .git $blob" "100644 a $blob")" &&
	evil dotGIT "$(tree "100644 .GIT $blob" "100644 a $blob")" &&
	evil empty "$(tree "100644  $blob" "100644 a $blob")" &&
	evil slash "$(tree "100644 a $blob" "100644 b/c $blob")" &&
	evil unsorted "$(tree "100644 b $blob" "100644 a $blob")" &&
	evil duplicate "$(tree "100644 a $blob" "100644 a $blob")" &&
	evil badmode "$(tree "100644 a $blob" "100664 b $blob")" &&
	evil deep "$(tree "100644 a $blob" "40000 d $(tree "100644 ../x $blob")")" &&
	echo "dotdot dotgit dotGIT empty slash unsorted duplicate badmode" >branches
'

test_expect_success 'git fsck itself objects to those trees' '
	test_expect_code 1 git -C $R fsck --strict >out 2>&1 &&
	grep -i "tree" out
'

test_expect_success 'get, ls, tree and log KEY refuse them: exit 4, tree and entry named' '
	for b in $(cat branches); do
		t=$(git -C $R rev-parse "$b^{tree}") &&
		for cmd in "get a" "ls" "tree" "log a"; do
			test_expect_code 4 kvctl -C s -b $b $cmd >out 2>err &&
			grep "tree $t" err && grep "entry" err || {
				echo "branch $b, $cmd:"; cat err; return 1; }
		done
	done
'

test_expect_success 'a hostile tree below a sound root is refused where it is read' '
	t=$(git -C $R rev-parse "deep:d") &&
	kvctl -C s -b deep get a >out && printf v >expect && test_cmp expect out &&
	test_expect_code 4 kvctl -C s -b deep get d/x 2>err &&
	grep "tree $t" err && grep "\.\." err &&
	test_expect_code 4 kvctl -C s -b deep tree 2>err && grep "tree $t" err
'

test_expect_success 'the messages say what is wrong with each entry' '
	kvctl -C s -b unsorted ls 2>err; grep "entry 1 .a.: entries not sorted" err &&
	kvctl -C s -b duplicate ls 2>err; grep "entry 1 .a.: duplicate" err &&
	kvctl -C s -b badmode ls 2>err; grep -i "mode" err &&
	kvctl -C s -b dotgit ls 2>err; grep "entry 0 .\.git.: step is .\.git." err &&
	kvctl -C s -b dotGIT ls 2>err; grep "entry 0 .\.GIT." err &&
	kvctl -C s -b dotdot ls 2>err; grep "entry 1 .\.\.." err &&
	kvctl -C s -b empty ls 2>err; grep "entry 0 ..: empty" err &&
	kvctl -C s -b slash ls 2>err; grep "entry 1 .b/c.: step contains ./." err
'

test_expect_success 'writing on a hostile branch writes nothing' '
	snapshot $R >before &&
	for b in $(cat branches); do
		test_expect_code 4 kvctl -C s -b $b set d/new v 2>err &&
		test_expect_code 4 kvctl -C s -b $b rm a 2>err || return 1
	done &&
	test_expect_code 4 kvctl -C s -b deep set d/new v 2>err &&
	snapshot $R >after && test_cmp before after
'

test_expect_success 'a write beside a hostile subtree carries it by id, unread' '
	t=$(git -C $R rev-parse deep:d) &&
	kvctl -C s -b deep set b other >/dev/null &&
	test "$(git -C $R rev-parse deep:d)" = "$t" &&
	test_expect_code 4 kvctl -C s -b deep get d/x 2>err && grep "tree $t" err
'

test_expect_success 'kvctl fsck reports each hostile tree' '
	test_expect_code 4 kvctl -C s fsck >out &&
	for b in $(cat branches); do
		grep "$(git -C $R rev-parse "$b^{tree}")" out || return 1
	done
'

test_expect_success 'merging a hostile branch, even as a fast-forward, writes nothing' '
	for b in $(cat branches) deep; do
		before=$(git -C $R rev-parse main) &&
		test_expect_code 4 kvctl -C s merge $b >out 2>err &&
		grep "^kvctl: " err &&
		test "$(git -C $R rev-parse main)" = "$before" || {
			echo "branch $b:"; cat err; return 1; }
	done
'

test_expect_success 'main is untouched and still reads' '
	kvctl -C s get a >out && printf value >expect && test_cmp expect out
'

test_done
