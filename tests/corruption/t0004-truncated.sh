#!/bin/sh
# A truncated data.mdb (a copy cut short, a file system that lost the
# tail of the file). LMDB maps the file and would fault (SIGBUS) on a page
# past its end, so the store must notice at open that the file is shorter
# than its last used page, and refuse: exit 4 with a message, never a
# crash and never wrong data, and nothing written.
suite=corruption
. "$(dirname "$0")/../crash/lib.sh"

test_expect_success 'setup: a store of 200 keys' '
	kvctl init orig >/dev/null &&
	awk "BEGIN { for (i = 0; i < 200; i++) {
		printf \"set k%d \", i
		for (j = 0; j < 20; j++) printf \"%d-%d.\", i, j
		printf \"\\n\" } }" | kvctl -C orig batch >/dev/null &&
	kvctl -C orig fsck &&
	stat -c %s orig/.kv/data.mdb >size &&
	test "$(cat size)" -ge 32768
'
size=$(cat size 2>/dev/null || echo 32768)

# truncated_store LEN: a copy of orig in folder tLEN with data.mdb cut to
# LEN bytes.
truncated_store() {
	rm -rf "t$1" && cp -r orig "t$1" && truncate -s "$1" "t$1/.kv/data.mdb"
}

for len in 8192 $((size / 2)) $((size - 4096)) $((size - 1)); do
	test_expect_success "data.mdb cut to $len of $size bytes: get, ls, fsck, set exit 4" '
		truncated_store '"$len"' &&
		for cmd in "get k5" "ls" "fsck" "log" "set x y"; do
			kvctl -C t'"$len"' $cmd >out 2>err
			rc=$?
			echo "kvctl $cmd: exit $rc: $(cat err)"
			test $rc -eq 4 && grep -q "^kvctl: " err || exit 1
		done &&
		test "$(stat -c %s t'"$len"'/.kv/data.mdb)" -eq '"$len"'
	'
done

test_done
