#!/bin/sh
# A full disk. The store lives on a small tmpfs (8 MiB) that a write
# cannot fit in: kvctl must exit non-zero with a clear message, and the
# store must be as it was: it reopens, the branch has not moved, every
# earlier key reads, fsck is clean. Once space is freed it takes writes
# again (no lock or half transaction left behind).
#
# Needs root to mount the tmpfs; skipped (with a message) otherwise, or if
# the mount is refused (a container without CAP_SYS_ADMIN).
suite=corruption
. "$(dirname "$0")/../crash/lib.sh"

mounted=
if [ "$(id -u)" != 0 ]; then
	echo "# skipped: a full disk (needs root to mount a small tmpfs)"
	test_done
fi
mkdir mnt
if mount -t tmpfs -o size=8m,mode=755 kvtest-full mnt 2>mount.err; then
	mounted=1
	at_exit 'cd / && umount "$TEST_DIR/mnt"'
else
	echo "# skipped: a full disk (mount -t tmpfs failed: $(cat mount.err))"
	test_done
fi

test_expect_success 'setup: a store on an 8 MiB tmpfs, some keys, 2 MiB of filler' '
	kvctl init mnt >/dev/null &&
	i=0 &&
	while [ $i -lt 50 ]; do
		kvctl -C mnt set "k/$i" "v$i" >/dev/null || exit 1
		echo "k/$i v$i" >>expect
		i=$((i + 1))
	done &&
	kvctl -C mnt rev-parse main >head.before &&
	kvctl -C mnt log --oneline | wc -l >log.before &&
	head -c 2097152 /dev/zero >mnt/filler &&
	head -c 12582912 /dev/urandom >big
'

test_expect_success 'set of a 12 MiB value: exit 4, a clear message' '
	test_expect_code 4 kvctl -C mnt set big --file "$TEST_DIR/big" >out 2>err &&
	cat err &&
	test ! -s out &&
	grep "^kvctl: " err &&
	grep -i "space\|full" err
'

test_expect_success 'after it: the store reopens unchanged, fsck clean' '
	kvctl -C mnt rev-parse main >head.after &&
	test_cmp head.before head.after &&
	kvctl -C mnt log --oneline | wc -l >log.after &&
	test_cmp log.before log.after &&
	test_expect_code 1 kvctl -C mnt get big 2>err &&
	(cd mnt && check_values ../expect) &&
	kvctl -C mnt fsck
'

test_expect_success 'a batch that does not fit: exit 4, nothing of it written' '
	mkdir parts && i=0 &&
	while [ $i -lt 40 ]; do
		head -c 262144 /dev/urandom >parts/$i &&
		echo "set-file b/$i $TEST_DIR/parts/$i" >>batch.in || exit 1
		i=$((i + 1))
	done &&
	test_expect_code 4 kvctl -C mnt batch <batch.in >out 2>err &&
	cat err && grep "^kvctl: " err && grep -i "space\|full" err &&
	kvctl -C mnt rev-parse main >head.after &&
	test_cmp head.before head.after &&
	test_expect_code 1 kvctl -C mnt ls b 2>/dev/null &&
	kvctl -C mnt fsck
'

test_expect_success 'a value that fits in what is left after the filler goes' '
	rm mnt/filler &&
	head -c 1048576 /dev/urandom >mid &&
	kvctl -C mnt set mid --file "$TEST_DIR/mid" >/dev/null &&
	kvctl -C mnt get mid >got && cmp mid got &&
	kvctl -C mnt set small x >/dev/null &&
	echo "small x" >>expect &&
	(cd mnt && check_values ../expect) &&
	kvctl -C mnt fsck
'

test_done
