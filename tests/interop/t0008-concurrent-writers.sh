#!/bin/sh
# Several processes commit to one branch of a git store at once, and git
# commits beside them: no write is lost, history stays linear, and git
# fsck is clean.
. "$(dirname "$0")/lib.sh"

R=s/.kv

# writer NAME N: N one-key commits of keys NAME/0 .. NAME/N-1.
writer() {
	i=0
	while [ $i -lt "$2" ]; do
		kvctl -C s set "$1/$i" "$1 $i" >/dev/null || exit 1
		i=$((i + 1))
	done
}

test_expect_success 'setup' '
	kvctl init --backend git s >/dev/null && kvctl -C s set start 0 >/dev/null
'

test_expect_success 'three kvctl writers on main: every write survives' '
	writer a 40 & p1=$! &&
	writer b 40 & p2=$! &&
	printf "set c/%s c\n" $(seq 0 149) | kvctl -C s batch >/dev/null &&
	wait $p1 && wait $p2 &&
	for w in a b; do
		i=0 && while [ $i -lt 40 ]; do
			test "$(kvctl -C s get $w/$i)" = "$w $i" || return 1
			i=$((i + 1))
		done
	done &&
	test "$(kvctl -C s get c/149)" = c &&
	test "$(git -C $R rev-list --count main)" = 82 &&
	test "$(git -C $R rev-list --merges --count main)" = 0 &&
	git_fsck_clean $R
'

test_expect_success 'git update-ref and kvctl interleaved: both land' '
	writer d 20 & p=$! &&
	n=0 && while [ $n -lt 20 ]; do
		head=$(git -C $R rev-parse main) &&
		t=$(git -C $R rev-parse "main^{tree}") &&
		c=$(git -C $R commit-tree $t -p $head -m "git $n") &&
		{ git -C $R update-ref refs/heads/main $c $head 2>/dev/null ||
		  true; } && n=$((n + 1))
	done &&
	wait $p &&
	i=0 && while [ $i -lt 20 ]; do
		test "$(kvctl -C s get d/$i)" = "d $i" || return 1
		i=$((i + 1))
	done &&
	git_fsck_clean $R && kvctl -C s fsck >/dev/null
'

test_done
