#!/bin/sh
# Crash loop: a writer of single-key commits (`kvctl set`, durable by
# default) is killed with SIGKILL at a random moment, over and over. After
# every kill the store must reopen, `kvctl fsck` must be clean, and every
# write whose kvctl call returned 0 must still be there with its value
# (DESIGN.md, Reliability: "no acknowledged commit lost"). The store must
# also take a new write at once: no stale lock or reader slot is left.
#
# Bounded: each writer does at most 400 writes and is killed after 3 to
# 100 ms; the loop runs $CRASH_ITERATIONS times (60) and stops early after
# $CRASH_MAX_SECONDS (120 s), which fails it if fewer than 50 ran.
suite=crash
. "$(dirname "$0")/lib.sh"

ITERATIONS=${CRASH_ITERATIONS:-60}
MAX_SECONDS=${CRASH_MAX_SECONDS:-120}

# crash_once ITER: start a writer at key k(ITER*1000), kill it at a random
# moment, then check the store. The writer appends n to `acked` only after
# `kvctl set kN vN` has returned 0, and keeps the n it is on in `cur`.
crash_once() {
	start=$(($1 * 1000))
	start_group writer.pg sh -c '
		n=$1
		while [ "$n" -lt "$2" ]; do
			echo "$n" >cur
			if "$KVCTL" set "k$n" "v$n" >/dev/null 2>>writer.err; then
				echo "$n" >>acked
			fi
			n=$((n + 1))
		done' writer "$start" $((start + 400)) ||
		{ echo "iteration $1: the writer did not start"; return 1; }
	pg=$(cat writer.pg)
	ms=$(($(rand 98) + 3))
	sleep_ms $ms
	kill_group "$pg" # the shell and its kvctl at once
	wait "$sg_pid" 2>/dev/null
	wait_group "$pg" ||
		{ echo "iteration $1: group $pg still runs after SIGKILL"; return 1; }
	echo "iteration $1: killed after $ms ms at k$(cat cur 2>/dev/null)" >>iterations.log
	# Was a kvctl call in flight (started, not acknowledged)?
	if [ -s cur ] && ! grep -qx "$(cat cur)" acked 2>/dev/null; then
		echo "$1" >>inflight
	fi

	# A killed kvctl prints nothing: any message is the failure of a
	# write that was not killed (a stale lock, a corrupt store, ...).
	if [ -s writer.err ]; then
		echo "iteration $1: a kvctl set of the writer failed:"
		cat writer.err
		return 1
	fi
	# The store reopens and reads.
	kvctl ls >/dev/null || { echo "iteration $1: ls failed"; return 1; }
	test "$(kvctl get seed)" = seed ||
		{ echo "iteration $1: get seed failed"; return 1; }
	kvctl fsck >fsck.out 2>&1 ||
		{ echo "iteration $1: fsck not clean:"; cat fsck.out; return 1; }
	# Every acknowledged write is there with its value, from all iterations.
	cp post expect
	if [ -s acked ]; then
		sed 's/.*/k& v&/' acked >>expect
	fi
	check_values expect ||
		{ echo "iteration $1: an acknowledged write is lost"; return 1; }
	if [ -s acked ]; then
		last=$(tail -n 1 acked)
		test "$(kvctl get "k$last")" = "v$last" ||
			{ echo "iteration $1: get k$last is wrong"; return 1; }
	fi
	# The store takes a write straight away.
	kvctl set "post/$1" "p$1" >/dev/null ||
		{ echo "iteration $1: a write after the crash failed"; return 1; }
	echo "post/$1 p$1" >>post
}

test_expect_success 'setup: a store with one key' '
	kvctl init --backend "$BACKEND" >/dev/null &&
	kvctl set seed seed >/dev/null &&
	echo "seed seed" >post
'

test_expect_success "kill -9 a writer of kvctl set at random moments, $ITERATIONS times" '
	t0=$(date +%s) &&
	iter=0 &&
	while [ $iter -lt $ITERATIONS ]; do
		iter=$((iter + 1))
		crash_once $iter || exit 1
		if [ $(($(date +%s) - t0)) -gt $MAX_SECONDS ]; then
			echo "time limit reached after $iter iterations"
			break
		fi
	done &&
	echo $iter >iterations &&
	test $iter -ge $((ITERATIONS < 50 ? ITERATIONS : 50)) && test -s acked
'

test_expect_success 'afterwards: fsck clean, one first-parent line of commits' '
	kvctl fsck &&
	n=$(kvctl log --first-parent --oneline | wc -l) &&
	test "$n" -ge $(($(wc -l <acked) + $(wc -l <post)))
'
echo "# $(cat iterations 2>/dev/null) kills, $(cat acked 2>/dev/null | wc -l)" \
	"acknowledged writes, $(cat inflight 2>/dev/null | wc -l) kills with a" \
	"kvctl call in flight"

test_done
