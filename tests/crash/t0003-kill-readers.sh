#!/bin/sh
# Readers killed with SIGKILL while another process holds the store open.
# A killed reader leaves its slot in LMDB's reader table (lock.mdb) and the
# table has 126 slots; LMDB resets the table only when no process has the
# store open, so with a long-lived process around, stale slots pile up
# unless each open clears the slots of dead processes (mdb_reader_check),
# and a stale slot inside a read transaction pins old pages. After more
# kills than there are slots, reads and writes must still work, stale
# slots never pile up (at most the last killed reader's, as mdb_stat -r
# shows), and the long-lived process (a `kvctl batch` waiting on its
# input) must still commit.
#
# Bounded: $CRASH_READER_KILLS kills (150), each within 0-30 ms.
suite=crash
. "$(dirname "$0")/lib.sh"

KILLS=${CRASH_READER_KILLS:-150}

test_expect_success 'setup: a store of 20000 keys' '
	kvctl init --backend "$BACKEND" >/dev/null &&
	awk "BEGIN { for (j = 0; j < 20000; j++)
		printf \"set d%02d/k%d v%d\\n\", j % 64, j, j }" |
		kvctl batch >/dev/null
'

# stale_slots: the number of reader slots of processes that are gone
# (nothing if mdb_stat, from lmdb-utils, is not installed).
stale_slots() {
	command -v mdb_stat >/dev/null || return 0
	mdb_stat -r .kv 2>/dev/null | awk '$1 ~ /^[0-9]+$/ { print $1 }' |
		while read -r p; do
			kill -0 "$p" 2>/dev/null || echo "$p"
		done | wc -l
}

test_expect_success "kill -9 $KILLS readers while a batch holds the store open" '
	mkfifo holder.in &&
	start_group holder.pg sh -c "exec \"\$KVCTL\" batch <holder.in >holder.out 2>&1" &&
	holder=$sg_pid &&
	exec 3<>holder.in && # read-write: never blocks (Linux)
	i=0 &&
	while [ $i -lt $KILLS ]; do
		case $((i % 3)) in
		0) "$KVCTL" fsck >/dev/null 2>&1 & ;;
		1) "$KVCTL" --json tree >/dev/null 2>&1 & ;;
		2) "$KVCTL" log >/dev/null 2>&1 & ;;
		esac
		p=$!
		sleep_ms "$(rand 31)"
		kill -s KILL $p 2>/dev/null
		wait $p 2>/dev/null
		n=$(stale_slots)
		[ "${n:-0}" -gt 0 ] && echo "$n" >>stale
		i=$((i + 1))
	done &&
	echo "$(wc -l <stale 2>/dev/null || echo 0) kills left a stale reader slot" &&
	# each open clears the slots of dead readers: they never pile up
	max=$(sort -n stale 2>/dev/null | tail -n 1) &&
	echo "at most ${max:-0} stale slots at once" &&
	test "${max:-0}" -le 2 &&
	test "$(kvctl get d01/k1)" = v1 &&
	kvctl set after readers >/dev/null &&
	kvctl fsck >/dev/null &&
	echo "set holder x" >&3 && exec 3>&- &&
	wait_group $holder &&
	wait $holder &&
	cat holder.out &&
	test "$(kvctl get holder)" = x &&
	test "$(kvctl get after)" = readers
'

test_expect_success 'afterwards: no stale slot survives an open; fsck clean' '
	kvctl get d02/k2 >/dev/null &&
	if command -v mdb_stat >/dev/null; then
		test "$(stale_slots)" -eq 0
	fi &&
	kvctl fsck
'
[ -s stale ] && echo "# $(wc -l <stale) of $KILLS kills left a stale reader slot"

test_done
