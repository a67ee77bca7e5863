#!/bin/sh
# Two processes commit `kvctl batch` transactions to one branch at the
# same time. Each batch sets 10 keys of its writer; every 5th batch also
# sets `shared`, which both writers change. Half of each batch's input
# comes 0-20 ms after the rest, while kvctl holds its transaction open, so
# the other writer often commits in between and the batch is merged
# three-way into the new head.
#
# A batch is one commit, all or nothing: batches of own keys only never
# conflict and all commit; a batch that also sets `shared` commits, or
# fails whole with exit 3 when the other writer changed `shared` since it
# began. No key of a committed batch is lost and none of a failed batch is
# written.
#
# Bounded: $CONC_BATCHES batches per writer (50); each kvctl call is
# killed after 120 s.
suite=concurrency
. "$(dirname "$0")/../crash/lib.sh"

BATCHES=${CONC_BATCHES:-50}
PER_BATCH=10

# lines NAME B FROM TO: the set lines FROM..TO-1 of batch B of NAME; the
# last part (TO = PER_BATCH) of every 5th batch also sets shared.
lines() {
	awk -v p="$1" -v b="$2" -v from="$3" -v to="$4" -v n=$PER_BATCH 'BEGIN {
		for (i = from; i < to; i++)
			printf "set %s/b%d/k%d %s-%d-%d\n", p, b, i, p, b, i
		if (to == n && b % 5 == 0)
			printf "set shared %s-%d\n", p, b
	}'
}

# writer NAME: BATCHES batches; batch B sets NAME/bB/k0..k9 (and shared).
# Outcomes: B goes to NAME.acked (exit 0), NAME.conflicts (exit 3, only
# for a batch that sets shared) or NAME.failed.
writer() {
	b=0
	while [ $b -lt $BATCHES ]; do
		{
			lines "$1" $b 0 $((PER_BATCH / 2))
			sleep_ms "$(rand 20)"
			lines "$1" $b $((PER_BATCH / 2)) $PER_BATCH
		} | kvctl batch -m "$1 batch $b" >/dev/null 2>"$1.last"
		rc=$?
		if [ $rc -eq 0 ]; then
			echo $b >>"$1.acked"
		elif [ $rc -eq 3 ] && [ $((b % 5)) -eq 0 ]; then
			echo $b >>"$1.conflicts"
		else
			echo "$b: exit $rc" >>"$1.failed"
			cat "$1.last" >>"$1.err"
		fi
		b=$((b + 1))
	done
}

test_expect_success 'setup: a store' '
	kvctl init --backend "$BACKEND" >/dev/null &&
	kvctl set shared start >/dev/null
'

test_expect_success "two processes, $BATCHES batches of $PER_BATCH or $((PER_BATCH + 1)) lines each" '
	writer p1 & w1=$! &&
	writer p2 & w2=$! &&
	wait $w1 && wait $w2 &&
	if [ -s p1.err ] || [ -s p2.err ]; then
		cat p1.failed p2.failed p1.err p2.err 2>/dev/null | head -n 20
		exit 1
	fi &&
	test ! -e p1.failed && test ! -e p2.failed &&
	echo "committed: $(cat p1.acked p2.acked | wc -l)," \
		"conflicts: $(cat p1.conflicts p2.conflicts 2>/dev/null | wc -l)"
'

test_expect_success 'every key of every committed batch is there, none of a failed one' '
	: >expect && : >absent &&
	for p in p1 p2; do
		b=0
		while [ $b -lt $BATCHES ]; do
			if grep -qx $b $p.acked; then
				awk -v p=$p -v b=$b -v n=$PER_BATCH "BEGIN {
					for (i = 0; i < n; i++)
						printf \"%s/b%d/k%d %s-%d-%d\\n\", p, b, i, p, b, i }" >>expect
			else
				echo "$p/b$b" >>absent
			fi
			b=$((b + 1))
		done
	done &&
	check_values expect &&
	while read -r dir; do
		test_expect_code 1 kvctl ls "$dir" 2>/dev/null || exit 1
	done <absent
'

test_expect_success 'one commit per committed batch, on a first-parent line' '
	kvctl log --first-parent --oneline >fp &&
	kvctl log --oneline >all &&
	test_cmp fp all &&
	test $(wc -l <fp) -eq $((1 + $(cat p1.acked p2.acked | wc -l))) &&
	for p in p1 p2; do
		while read -r b; do
			test $(grep -c " $p batch $b\$" fp) -eq 1 || exit 1
		done <$p.acked
	done &&
	sed -n "s/^[0-9a-f]* \\(p[12]\\) batch [0-9]*\$/\\1/p" fp | uniq | wc -l >runs &&
	echo "$(cat runs) runs of one writer" &&
	test "$(cat runs)" -ge 5
'

test_expect_success 'shared holds the value of the newest committed batch that set it' '
	last=$(sed -n "s/^[0-9a-f]* \\(p[12]\\) batch \\([0-9]*[05]\\)\$/\\1-\\2/p" fp | head -n 1) &&
	echo "newest: $last" &&
	test "$(kvctl get shared)" = "$last"
'

test_expect_success 'a batch commit changes exactly its own keys' '
	b=$(grep -vx "[0-9]*[05]" p1.acked | head -n 1) &&
	id=$(grep " p1 batch $b\$" fp | cut -d" " -f1) &&
	kvctl diff "$id~1" "$id" >d &&
	awk -v n=$PER_BATCH -v b=$b "BEGIN { for (i = 0; i < n; i++)
		printf \"A\\tp1/b%d/k%d\\n\", b, i }" >want &&
	test_cmp want d &&
	kvctl fsck
'

test_done
