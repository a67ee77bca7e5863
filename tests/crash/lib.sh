# lib.sh: helpers of the reliability tests (tests/crash, tests/concurrency,
# tests/corruption), on top of tests/cli/lib.sh.
#
# A script sets `suite` (crash, concurrency or corruption) and sources this
# file; it then has everything tests/cli/lib.sh gives (test_expect_success,
# test_expect_code, json_ok, test_done, a temporary folder as the current
# one and as $HOME, fixed $KV_AUTHOR and $KV_DATE), and its summary line is
# "SUITE: N passed, N failed". On top of that:
#
#   kvctl ARGS       the kvctl under test, bounded by `timeout` so that a
#                    stale lock fails a test instead of hanging it
#   rand N           a random number in [0, N)
#   sleep_ms MS      sleep MS milliseconds
#   kill_group PGID  SIGKILL every process of group PGID
#   group_alive PGID true while a process of the group runs (not a zombie)
#   check_values F [PREFIX]
#                    every "KEY VALUE" line of file F is in the store, with
#                    exactly that value, at the head of main (one `kvctl
#                    --json tree [PREFIX]` for all keys, compared by blob id)
#   at_exit CMD      run shell code CMD at exit, before the folder goes
#   $BACKEND         the backend the crash and concurrency tests create
#                    their stores with: $KV_TEST_BACKEND, default lmdb
#
# Background writers are started with `setsid` in a process group of their
# own, so that one kill reaches the shell loop and its kvctl at once; their
# group ids go into $TEST_DIR/.groups and are killed at exit.

. "$(dirname "$0")/../cli/lib.sh"
test_name=$suite
BACKEND=${KV_TEST_BACKEND:-lmdb}

at_exit_code=
at_exit() {
	at_exit_code="$at_exit_code
$1"
}
rel_cleanup() {
	eval "$at_exit_code"
	if [ -s "$TEST_DIR/.groups" ]; then
		for g in $(cat "$TEST_DIR/.groups"); do
			env kill -s KILL -- "-$g" 2>/dev/null
		done
	fi
	cd / && rm -rf "$TEST_DIR"
}
trap rel_cleanup EXIT

kvctl() {
	timeout -k 5 120 "$KVCTL" "$@"
}

rand() {
	r=$(od -An -N4 -tu4 /dev/urandom | tr -d ' \n')
	echo $((r % $1))
}

sleep_ms() {
	sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"
}

# The shell's own kill cannot signal a group in every sh (dash reads
# "-PGID" as an option); procps kill can.
kill_group() {
	env kill -s KILL -- "-$1" 2>/dev/null
}

group_alive() {
	ps -e -o pgid=,stat= |
		awk -v g="$1" '$1 == g && $2 !~ /^Z/ {f = 1} END {exit !f}'
}

# start_group FILE CMD...: run CMD in the background in a new process
# group; its group id is written to FILE once it runs. Waits (at most 5
# s) for it to start. $sg_pid is the group leader's pid, which is CMD's
# own pid: setsid runs CMD through exec, so `wait $sg_pid` gives its
# exit status.
start_group() {
	sg_file=$1
	shift
	rm -f "$sg_file"
	setsid sh -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' \
		"$sg_file" "$@" &
	sg_pid=$!
	sg_i=0
	while [ ! -s "$sg_file" ] && [ $sg_i -lt 5000 ]; do
		sleep 0.001
		sg_i=$((sg_i + 1))
	done
	[ -s "$sg_file" ] || return 1
	cat "$sg_file" >>"$TEST_DIR/.groups"
	# setsid forks when its caller leads a process group (job control on);
	# then $! would not be CMD and its exit status would be lost.
	if [ "$(cat "$sg_file")" != "$sg_pid" ]; then
		echo "start_group: setsid forked; run the tests with sh, not job control" >&2
		return 1
	fi
}

# wait_group PGID: wait (at most 5 s) until no process of the group
# runs, then forget the group. Fails if it still runs.
wait_group() {
	wg_i=0
	while group_alive "$1" && [ $wg_i -lt 500 ]; do
		sleep 0.01
		wg_i=$((wg_i + 1))
	done
	group_alive "$1" && return 1
	grep -vx "$1" "$TEST_DIR/.groups" >"$TEST_DIR/.groups.tmp"
	mv "$TEST_DIR/.groups.tmp" "$TEST_DIR/.groups"
}

check_values() {
	kvctl --json tree ${2:+"$2"} >"$TEST_DIR/.tree.json" || return 1
	python3 - "$1" "$TEST_DIR/.tree.json" <<'PY'
import hashlib, json, sys
want = {}
with open(sys.argv[1], 'rb') as f:
    for line in f:
        line = line.rstrip(b'\n')
        if line:
            k, v = line.split(b' ', 1)
            want[k.decode()] = v
with open(sys.argv[2]) as f:
    have = {e['key']: e['id'] for e in json.load(f)}
bad = 0
for k, v in sorted(want.items()):
    oid = hashlib.sha1(b'blob %d\0' % len(v) + v).hexdigest()
    if have.get(k) != oid:
        bad += 1
        if bad <= 10:
            sys.stderr.write('%s: want %r (blob %s), have %s\n'
                             % (k, v, oid, have.get(k)))
if bad:
    sys.stderr.write('%d of %d expected keys lost or wrong\n' % (bad, len(want)))
    sys.exit(1)
PY
}
