#!/bin/sh
# Crash loop on big transactions: `kvctl batch` of 10000 set lines (one
# commit) is killed with SIGKILL, and afterwards the store reopens, `kvctl
# fsck` is clean, and that batch's keys are all there or none are. A batch
# whose kvctl call returned 0 is all there, and so are all earlier complete
# batches, with their values.
#
# The kills are aimed at each phase of the batch in turn, by watching the
# process through /proc (no change to the code under test):
#   staging   at a random moment before it has read all its input
#   commit    at a random moment after it has read all its input (hashing,
#             encoding, LMDB puts), up to its calibrated end
#   write     as soon as it has begun writing (its wchar grows: LMDB is
#             writing the transaction's pages)
#   sync      while it sits in fdatasync/fsync/msync (x86_64 only: read
#             from /proc/PID/syscall; elsewhere the write phase again)
#
# Bounded: $CRASH_BATCH_ITERATIONS kills (40, cycling through the four
# phases); every wait on the process gives up when it exits.
suite=crash
. "$(dirname "$0")/lib.sh"

ITERATIONS=${CRASH_BATCH_ITERATIONS:-40}
LINES=10000

# make_batch PREFIX: LINES set lines under PREFIX/, 100-byte values.
make_batch() {
	awk -v p="$1" -v n=$LINES 'BEGIN {
		pad = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789"
		for (j = 0; j < n; j++)
			printf "set %s/d%02d/k%d %s\n", p, j % 64, j, substr(j "-" pad, 1, 100)
	}'
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# count_under PREFIX: the number of keys under PREFIX/ (0 if none).
count_under() {
	kvctl ls "$1" >/dev/null 2>&1 || { echo 0; return 0; }
	kvctl --json tree "$1" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'
}

# The polls below use only shell builtins on /proc files, so that they see
# the process at a fine grain; each ends when the process is gone (its
# /proc files are then unreadable) or after 10^6 rounds.

# spin PID N: N polls of PID (a fork-free delay of about 0.1 ms each);
# fails as soon as PID is gone. Sets $spun to the polls done.
spin() {
	spun=0
	while [ $spun -lt "$2" ]; do
		{ read -r _ _; } 2>/dev/null <"/proc/$1/syscall" || return 1
		spun=$((spun + 1))
	done
}

# wait_eof PID SIZE: until PID's stdin offset reaches SIZE.
wait_eof() {
	we_i=0
	while [ $we_i -lt 1000000 ]; do
		we_pos=
		{ read -r _ we_pos; } 2>/dev/null <"/proc/$1/fdinfo/0" || return 1
		[ "${we_pos:-0}" -ge "$2" ] && return 0
		we_i=$((we_i + 1))
	done
	return 1
}

# read_wchar PID: set $wchar to PID's count of bytes written.
read_wchar() {
	wchar=
	while read -r rw_k rw_v; do
		if [ "$rw_k" = wchar: ]; then
			wchar=$rw_v
			break
		fi
	done 2>/dev/null <"/proc/$1/io"
	[ -n "$wchar" ]
}

# wait_write PID: until PID writes a byte more than it had so far.
wait_write() {
	read_wchar "$1" || return 1
	ww_from=$wchar
	ww_i=0
	while [ $ww_i -lt 1000000 ]; do
		read_wchar "$1" || return 1
		[ "$wchar" -gt "$ww_from" ] && return 0
		ww_i=$((ww_i + 1))
	done
	return 1
}

# wait_sync PID: until PID is inside fsync (74), fdatasync (75) or msync
# (26), the x86_64 numbers.
wait_sync() {
	ws_i=0
	while [ $ws_i -lt 1000000 ]; do
		ws_nr=
		{ read -r ws_nr _; } 2>/dev/null <"/proc/$1/syscall" || return 1
		case "$ws_nr" in
		74 | 75 | 26) return 0 ;;
		esac
		ws_i=$((ws_i + 1))
	done
	return 1
}

can_see_syscall=
if [ "$(uname -m)" = x86_64 ] && { read -r _ _; } 2>/dev/null </proc/self/syscall; then
	can_see_syscall=1
fi

# start_batch: start `kvctl batch <batch.in` as its own process group;
# $pid is kvctl's pid. Its exit status (0: acknowledged) is collected with
# `wait $pid`.
start_batch() {
	size=$(wc -c <batch.in)
	start_group batch.pg sh -c 'exec "$KVCTL" batch <batch.in >/dev/null 2>>batch.err' ||
		return 1
	pid=$sg_pid
}

# Calibration: how many polls (spin) each phase of an uninterrupted batch
# lasts, from start_batch's return to the end of its input, and from there
# to its exit.
test_expect_success 'setup: a store; an uninterrupted batch, timed by phase' '
	kvctl init --backend "$BACKEND" >/dev/null &&
	kvctl set seed seed >/dev/null &&
	echo "seed seed" >expect &&
	make_batch probe >batch.in &&
	t0=$(now_ms) &&
	start_batch &&
	wait_eof $pid $size &&
	stage=$we_i &&
	t1=$(now_ms) &&
	{ spin $pid 1000000; commit=$spun; } &&
	wait $pid &&
	t2=$(now_ms) &&
	wait_group $pid &&
	echo "$stage $commit $((t1 - t0)) $((t2 - t1))" >phases &&
	cat phases &&
	sed "s/^set //" batch.in >>expect &&
	check_values expect &&
	test "$(count_under probe)" -eq $LINES
'
read -r stage_polls commit_polls stage_ms commit_ms <phases 2>/dev/null
: "${stage_polls:=100}" "${commit_polls:=100}"

# crash_once ITER: run batch bITER, kill it in phase ITER mod 4, check.
crash_once() {
	case $(($1 % 4)) in
	1) phase=staging ;;
	2) phase=commit ;;
	3) phase=write ;;
	0) phase=sync ;;
	esac
	[ $phase = sync ] && [ -z "$can_see_syscall" ] && phase=write
	rm -f batch.err
	# Draw the random delay first: forks cost time.
	case $phase in
	staging) polls=$(rand $((stage_polls + 1))) ;;
	commit) polls=$(rand $((commit_polls + 1))) ;;
	*) polls= ;;
	esac
	make_batch "b$1" >batch.in
	start_batch || { echo "iteration $1: the batch did not start"; return 1; }
	case $phase in
	staging) spin $pid $polls ;;
	commit) wait_eof $pid $size && spin $pid $polls ;;
	write) wait_eof $pid $size && wait_write $pid ;;
	sync) wait_eof $pid $size && wait_sync $pid ;;
	esac
	# kvctl is alone in its group: the shell's own kill is the quickest.
	kill -s KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	rc=$?
	wait_group $pid ||
		{ echo "iteration $1: kvctl $pid still runs after SIGKILL"; return 1; }
	if [ $rc -ne 0 ] && [ $rc -ne 137 ]; then
		echo "iteration $1: the batch failed (exit $rc):"
		cat batch.err
		return 1
	fi
	kvctl fsck >fsck.out 2>&1 ||
		{ echo "iteration $1: fsck not clean:"; cat fsck.out; return 1; }
	n=$(count_under "b$1") || { echo "iteration $1: tree failed"; return 1; }
	if [ $rc -eq 0 ]; then
		outcome=acked
	elif [ "$n" -eq $LINES ]; then
		outcome=all
	else
		outcome=none
	fi
	echo "iteration $1: $phase${polls:++$polls polls}: $n keys ($outcome)" | tee -a iterations.log
	if [ "$n" -ne 0 ] && [ "$n" -ne $LINES ]; then
		echo "iteration $1: a torn batch: $n of $LINES keys"
		return 1
	fi
	if [ $outcome = acked ] && [ "$n" -ne $LINES ]; then
		echo "iteration $1: an acknowledged batch is lost"
		return 1
	fi
	echo "$phase $outcome" >>outcomes
	if [ "$n" -eq $LINES ]; then
		sed "s/^set //" batch.in >batch.expect
		check_values batch.expect "b$1" ||
			{ echo "iteration $1: wrong values"; return 1; }
		cat batch.expect >>expect
	fi
	kvctl set "post/$1" x >/dev/null ||
		{ echo "iteration $1: a write after the crash failed"; return 1; }
	echo "post/$1 x" >>expect
}

test_expect_success "kill -9 a kvctl batch of $LINES lines in each phase, $ITERATIONS times: all or nothing" '
	iter=0 &&
	while [ $iter -lt $ITERATIONS ]; do
		iter=$((iter + 1))
		crash_once $iter || exit 1
	done
'

test_expect_success 'afterwards: fsck clean, every complete batch intact, a batch works' '
	kvctl fsck &&
	check_values expect &&
	make_batch after >after.in &&
	kvctl batch <after.in >/dev/null &&
	test "$(count_under after)" -eq $LINES
'
echo "# batch of $LINES lines: staging ~${stage_ms} ms ($stage_polls polls), commit ~${commit_ms} ms ($commit_polls polls);" \
	"kills by phase and outcome: $(sort outcomes 2>/dev/null | uniq -c |
		awk '{printf "%s%s/%s %d", (NR > 1 ? ", " : ""), $2, $3, $1}')"

test_done
