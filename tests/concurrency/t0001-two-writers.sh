#!/bin/sh
# Two processes commit to one branch of one store (lmdb, or
# $KV_TEST_BACKEND) at the same time, each with its own keys, through plain
# `kvctl set` (durable by default). A transaction whose branch moved under
# it is merged into the new head, and writes to different keys never
# conflict, so every write succeeds and survives: at the end all keys are
# there with the right values, the branch is one first-parent line with a
# commit per write, the two writers' commits interleave, and fsck is clean.
#
# Bounded: $CONC_WRITES writes per writer (500); each kvctl call is
# killed after 120 s (a hang is a failure, not a stuck test).
suite=concurrency
. "$(dirname "$0")/../crash/lib.sh"

WRITES=${CONC_WRITES:-500}

# writer NAME: WRITES calls of `kvctl set NAME/kI NAME-vI`; a call that
# fails leaves its number in NAME.failed and its message in NAME.err.
writer() {
	i=0
	while [ $i -lt $WRITES ]; do
		kvctl set "$1/k$i" "$1-v$i" >/dev/null 2>>"$1.err" ||
			echo "$i" >>"$1.failed"
		i=$((i + 1))
	done
}

test_expect_success 'setup: a store' '
	kvctl init --backend "$BACKEND" >/dev/null &&
	kvctl set seed seed >/dev/null
'

test_expect_success "two processes, $WRITES kvctl set each, distinct keys" '
	writer p1 & w1=$! &&
	writer p2 & w2=$! &&
	wait $w1 && wait $w2 &&
	if [ -s p1.err ] || [ -s p2.err ]; then
		cat p1.err p2.err 2>/dev/null | sort | uniq -c | head -n 20
		exit 1
	fi &&
	test ! -e p1.failed && test ! -e p2.failed
'

test_expect_success "all $((2 * WRITES)) keys are there with their values" '
	echo "seed seed" >expect &&
	for p in p1 p2; do
		awk -v p=$p -v n=$WRITES "BEGIN { for (i = 0; i < n; i++)
			printf \"%s/k%d %s-v%d\\n\", p, i, p, i }" >>expect || exit 1
	done &&
	test $(wc -l <expect) -eq $((2 * WRITES + 1)) &&
	check_values expect &&
	test "$(kvctl get p1/k0)" = p1-v0 &&
	test "$(kvctl get p2/k$((WRITES - 1)))" = p2-v$((WRITES - 1)) &&
	test $(kvctl ls p1 | wc -l) -eq $WRITES &&
	test $(kvctl ls p2 | wc -l) -eq $WRITES
'

test_expect_success "one commit per write, on a first-parent line" '
	kvctl log --first-parent --oneline >fp &&
	kvctl log --oneline >all &&
	test $(wc -l <fp) -eq $((2 * WRITES + 1)) &&
	test_cmp fp all
'

test_expect_success 'the writers overlapped: their commits interleave' '
	sed -n "s/^[0-9a-f]* set \(p[12]\)\/k[0-9]*\$/\1/p" fp >who &&
	test $(wc -l <who) -eq $((2 * WRITES)) &&
	switches=$(uniq who | wc -l) &&
	echo "$switches runs of one writer" &&
	test "$switches" -ge 10
'

test_expect_success 'fsck is clean' '
	kvctl fsck
'

test_done
