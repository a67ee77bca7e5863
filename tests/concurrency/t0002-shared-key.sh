#!/bin/sh
# Two processes commit to one branch at the same time, alternating a write
# of their own key with a write of one key both change, `shared`.
#
# A transaction whose branch moved under it is merged three-way into the
# new head (docs/ARCHITECTURE.md, "Concurrent writers"): own keys never
# conflict, so every own write succeeds and survives; two writes of
# `shared` from the same base conflict, and under the default strategy the
# later one fails with exit 3 (a conflict) rather than replace a value it
# never saw. So every `set shared` exits 0 or 3, the history of `shared`
# holds exactly the values whose set exited 0, and its value at the head is
# the newest of them.
#
# Bounded: $CONC_SHARED_WRITES rounds per writer (200), two kvctl set per
# round; each kvctl call is killed after 120 s.
suite=concurrency
. "$(dirname "$0")/../crash/lib.sh"

ROUNDS=${CONC_SHARED_WRITES:-200}

# writer NAME: ROUNDS times, set NAME/kI, then shared to NAME-I. Own
# failures go to NAME.failed; shared outcomes to NAME.acked (exit 0),
# NAME.conflicts (exit 3) or NAME.failed (anything else).
writer() {
	i=0
	while [ $i -lt $ROUNDS ]; do
		kvctl set "$1/k$i" "$1-v$i" >/dev/null 2>>"$1.err" ||
			echo "own $i" >>"$1.failed"
		kvctl set shared "$1-$i" >/dev/null 2>"$1.last"
		case $? in
		0) echo "$1-$i" >>"$1.acked" ;;
		3) echo "$1-$i" >>"$1.conflicts" && cat "$1.last" >>"$1.conflict-msgs" ;;
		*) echo "shared $i: exit $?" >>"$1.failed" && cat "$1.last" >>"$1.err" ;;
		esac
		i=$((i + 1))
	done
}

test_expect_success 'setup: a store' '
	kvctl init --backend "$BACKEND" >/dev/null &&
	kvctl set shared start >/dev/null
'

test_expect_success "two processes, $ROUNDS rounds each of own key + shared key" '
	writer p1 & w1=$! &&
	writer p2 & w2=$! &&
	wait $w1 && wait $w2 &&
	if [ -s p1.err ] || [ -s p2.err ]; then
		cat p1.err p2.err 2>/dev/null | sort | uniq -c | head -n 20
		exit 1
	fi &&
	test ! -e p1.failed && test ! -e p2.failed &&
	cat p1.acked p2.acked 2>/dev/null | sort >acked &&
	cat p1.conflicts p2.conflicts 2>/dev/null | sort >conflicts &&
	echo "$(wc -l <acked) shared writes committed, $(wc -l <conflicts) conflicts" &&
	test $(($(wc -l <acked) + $(wc -l <conflicts))) -eq $((2 * ROUNDS)) &&
	test -s acked
'

test_expect_success 'a conflict says so on stderr' '
	if [ -s conflicts ]; then
		cat p1.conflict-msgs p2.conflict-msgs 2>/dev/null >msgs &&
		test $(grep -c "^kvctl: " msgs) -eq $(wc -l <conflicts) &&
		grep -i conflict msgs | head -n 1 &&
		test $(grep -ci conflict msgs) -eq $(wc -l <conflicts)
	fi
'

test_expect_success 'no own key is lost' '
	: >expect &&
	for p in p1 p2; do
		awk -v p=$p -v n=$ROUNDS "BEGIN { for (i = 0; i < n; i++)
			printf \"%s/k%d %s-v%d\\n\", p, i, p, i }" >>expect || exit 1
	done &&
	check_values expect &&
	test $(kvctl ls p1 | wc -l) -eq $ROUNDS &&
	test $(kvctl ls p2 | wc -l) -eq $ROUNDS
'

test_expect_success 'the history of shared is exactly the committed writes, newest at the head' '
	kvctl log --oneline shared | cut -d" " -f1 >ids &&
	: >history &&
	while read -r id; do
		kvctl -b "$id" get shared >>history && echo >>history || exit 1
	done <ids &&
	head -n 1 history >newest &&
	grep -vx start history | sort >history.sorted &&
	test_cmp acked history.sorted &&
	test "$(kvctl get shared)" = "$(cat newest)"
'

test_expect_success 'one first-parent line, a commit per committed write; fsck clean' '
	kvctl log --first-parent --oneline >fp &&
	kvctl log --oneline >all &&
	test_cmp fp all &&
	test $(wc -l <fp) -eq $((1 + 2 * ROUNDS + $(wc -l <acked))) &&
	kvctl fsck
'

test_done
