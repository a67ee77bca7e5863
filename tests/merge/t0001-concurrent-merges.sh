#!/bin/sh
# Several processes merge their own branches into main at once.
#
# Each of $MERGE_WORKERS processes (4) owns a branch wN and keys wN/...:
# in each of $MERGE_ROUNDS rounds (3) it writes $MERGE_KEYS keys (10) to
# its branch, one `kvctl set` each plus one batch, while the others do
# the same; then all wait at a barrier and run `kvctl merge wN --into
# main` at the same moment, once, with no retry: the keys are disjoint,
# so every merge must succeed (exit 0) whoever wins the race for main.
# Then each merges main back into its branch. At the end main holds
# every key of every round of every worker, each branch head is an
# ancestor of main, and fsck is clean.
#
# Bounded: every loop has a fixed count, every barrier wait gives up
# after $MERGE_TIMEOUT seconds (60), and every kvctl call is killed after
# that long (a hang fails the test instead of stalling it).
# Self-contained (POSIX sh): its own temporary folder, removed by a trap
# with any worker still running; HOME there; fixed KV_AUTHOR and KV_DATE.
# KV_TEST_VERBOSE=1 shows the output of the tests that pass too.

WORKERS=${MERGE_WORKERS:-4}
ROUNDS=${MERGE_ROUNDS:-3}
KEYS=${MERGE_KEYS:-10}
TIMEOUT=${MERGE_TIMEOUT:-60}

KVCTL=${KVCTL:-build/kvctl}
case "$KVCTL" in
/*) ;;
*) KVCTL=$(pwd)/$KVCTL ;;
esac
if [ ! -x "$KVCTL" ]; then
	echo "t0001-concurrent-merges: $KVCTL is not built" >&2
	echo "merge: 0 passed, 1 failed"
	exit 1
fi

passed=0
failed=0
count=0
pids=

TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kv-merge-test.XXXXXX") || exit 1
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	cd / && rm -rf "$TEST_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$TEST_DIR" || exit 1
mkdir home
HOME=$TEST_DIR/home
KV_AUTHOR='Merge Test <merge@example.org>'
KV_DATE='2024-03-01T10:00:00Z'
LC_ALL=C
export HOME KV_AUTHOR KV_DATE LC_ALL
unset KV_STORE

kvctl() {
	timeout "$TIMEOUT" "$KVCTL" "$@"
}

test_expect_success() {
	count=$((count + 1))
	if (eval "$2") >"$TEST_DIR/.out" 2>&1; then
		passed=$((passed + 1))
		echo "ok $count - $1"
		[ -z "$KV_TEST_VERBOSE" ] || sed -e 's/^/#   /' "$TEST_DIR/.out"
	else
		failed=$((failed + 1))
		echo "not ok $count - $1"
		sed -e 's/^/#   /' "$TEST_DIR/.out" | head -n 40
	fi
}

# await FILE...: wait until every FILE exists; fail after $TIMEOUT s.
await() {
	tries=$((TIMEOUT * 100))
	for f in "$@"; do
		while [ ! -e "$f" ]; do
			tries=$((tries - 1))
			if [ "$tries" -le 0 ]; then
				echo "await: timed out waiting for $f" >&2
				return 1
			fi
			sleep 0.01
		done
	done
}

# worker N: the life of process N; its failures go to wN.err, the exit
# code of each merge to wN.rR.rc and its output to wN.rR.out.
worker() {
	w=w$1
	r=1
	while [ $r -le "$ROUNDS" ]; do
		i=1
		while [ $i -le "$KEYS" ]; do
			kvctl -b $w set $w/r$r/k$i "$w-$r-$i" >/dev/null ||
				echo "set $w/r$r/k$i failed" >>$w.err
			i=$((i + 1))
		done
		printf 'set %s/r%s/batch/a A\nset %s/r%s/batch/b B\n' \
			$w $r $w $r | kvctl -b $w batch >/dev/null ||
			echo "batch round $r failed" >>$w.err
		touch $w.r$r.ready
		await go.r$r || return 1
		date +%s.%N >$w.r$r.start
		kvctl merge $w --into main >$w.r$r.out 2>&1
		echo $? >$w.r$r.rc
		date +%s.%N >$w.r$r.end
		kvctl merge main --into $w >/dev/null 2>>$w.err ||
			echo "merge main into $w failed in round $r" >>$w.err
		touch $w.r$r.done
		r=$((r + 1))
	done
}

# all SUFFIX: the files wN.SUFFIX of every worker.
all() {
	n=1
	while [ $n -le "$WORKERS" ]; do
		printf 'w%s.%s ' $n "$1"
		n=$((n + 1))
	done
}

test_expect_success 'setup: a store, and a branch per worker' '
	kvctl init >/dev/null &&
	kvctl set seed 0 >/dev/null &&
	n=1 &&
	while [ $n -le $WORKERS ]; do
		kvctl branch w$n >/dev/null || exit 1
		n=$((n + 1))
	done
'

n=1
while [ $n -le "$WORKERS" ]; do
	worker $n &
	pids="$pids $!"
	n=$((n + 1))
done

test_expect_success "$WORKERS workers, $ROUNDS rounds: all merge into main at once" '
	r=1 &&
	while [ $r -le $ROUNDS ]; do
		await $(all r$r.ready) || exit 1
		touch go.r$r &&
		await $(all r$r.done) || exit 1
		r=$((r + 1))
	done
'

# A test runs in a subshell, which cannot wait for these processes.
for p in $pids; do
	wait "$p"
	echo "$?" >>workers.rc
done
pids=

test_expect_success 'the workers ended, without an error' '
	test "$(grep -c "^0$" workers.rc)" -eq $WORKERS &&
	if cat w*.err 2>/dev/null | grep .; then exit 1; fi
'

test_expect_success 'every merge succeeded at its first try (exit 0)' '
	test "$(ls w*.r*.rc | wc -l)" -eq $((WORKERS * ROUNDS)) &&
	for f in w*.r*.rc; do
		if [ "$(cat $f)" != 0 ]; then
			echo "$f: exit $(cat $f): $(cat ${f%.rc}.out)"
			exit 1
		fi
	done &&
	for f in w*.r*.out; do
		grep -q "^Merged w[0-9]* into main: [0-9a-f]\{12\}$\|^Fast-forward to [0-9a-f]\{12\}$" $f ||
			{ echo "$f: $(cat $f)"; exit 1; }
	done
'

test_expect_success 'the merges overlapped in time' '
	python3 -c "
import glob
spans = {}
for f in glob.glob(\"w*.r*.start\"):
    k = f[:-len(\".start\")]
    spans[k] = (float(open(f).read()), float(open(k + \".end\").read()))
pairs = sum(1 for a in spans for b in spans if a < b and
            a.split(\".\")[1] == b.split(\".\")[1] and
            spans[a][0] < spans[b][1] and spans[b][0] < spans[a][1])
print(\"%d pairs of merges ran at the same time\" % pairs)
raise SystemExit(0 if pairs > 0 else 1)
"
'

test_expect_success 'the merges raced: most of them made merge commits' '
	merges=$(grep -l "^Merged" w*.r*.out | wc -l) &&
	echo "$merges merge commits of $((WORKERS * ROUNDS)) merges" &&
	test "$merges" -ge $((WORKERS * ROUNDS - ROUNDS)) &&
	kvctl --json log >log.json &&
	python3 -c "
import json, sys
log = json.load(open(\"log.json\"))
m = sum(1 for c in log if len(c[\"parents\"]) == 2)
sys.exit(0 if m == $merges else \"%d two-parent commits, %d merges\" % (m, $merges))
"
'

test_expect_success 'main holds every key of every worker and round' '
	echo "seed 0" >want &&
	n=1 &&
	while [ $n -le $WORKERS ]; do
		r=1
		while [ $r -le $ROUNDS ]; do
			echo "w$n/r$r/batch/a A" >>want
			echo "w$n/r$r/batch/b B" >>want
			i=1
			while [ $i -le $KEYS ]; do
				echo "w$n/r$r/k$i w$n-$r-$i" >>want
				i=$((i + 1))
			done
			r=$((r + 1))
		done
		n=$((n + 1))
	done &&
	kvctl --json tree >tree.json &&
	python3 -c "
import json, subprocess, sys
keys = [e[\"key\"] for e in json.load(open(\"tree.json\"))]
got = []
for k in keys:
    v = subprocess.run([\"$KVCTL\", \"get\", k], capture_output=True, check=True)
    got.append(k + \" \" + v.stdout.decode())
want = open(\"want\").read().split(\"\\n\")[:-1]
sys.exit(0 if sorted(got) == sorted(want) else
         \"missing %r, extra %r\" % (sorted(set(want) - set(got))[:10],
                                    sorted(set(got) - set(want))[:10]))
"
'

test_expect_success 'each branch head is an ancestor of main' '
	n=1 &&
	while [ $n -le $WORKERS ]; do
		base=$(kvctl merge-base main w$n) || exit 1
		test "$base" = "$(kvctl rev-parse w$n)" || exit 1
		n=$((n + 1))
	done
'

test_expect_success 'fsck is clean' '
	kvctl fsck
'

echo "merge: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
