#!/bin/sh
# An object altered inside LMDB is reported, never returned as data.
#
# A value (a 100-byte unique marker: values under 256 bytes are stored
# uncompressed, so its bytes are in data.mdb as they are) is found in
# data.mdb and one byte of it is flipped. `kvctl get` must then exit 4
# with a message saying the object is corrupt and print nothing on stdout,
# `kvctl fsck` must exit non-zero and name the object, and the other keys
# still read. The same for a tree (a directory whose one entry has a
# unique name) and a commit (a unique message; commits under 256 bytes
# are stored uncompressed too). Every copy of the bytes is
# flipped: LMDB's copy-on-write leaves stale copies in free pages.
suite=corruption
. "$(dirname "$0")/../crash/lib.sh"

# flip_bytes STORE MARKER: flip one bit in the middle of every copy of the
# bytes MARKER in STORE's data.mdb; prints the number of copies.
flip_bytes() {
	mdb=$(find "$1" -name data.mdb | head -n 1)
	test -n "$mdb" || { echo "no data.mdb in $1" >&2; return 1; }
	python3 - "$mdb" "$2" <<'PY'
import sys
path, marker = sys.argv[1], sys.argv[2].encode()
with open(path, 'r+b') as f:
    data = bytearray(f.read())
    n, at = 0, data.find(marker)
    while at >= 0:
        data[at + len(marker) // 2] ^= 0x01
        n += 1
        at = data.find(marker, at + 1)
    if n:
        f.seek(0)
        f.write(data)
print(n)
PY
}

# blob_id VALUE: the git blob id of VALUE.
blob_id() {
	printf %s "$1" | git hash-object --stdin
}

MARKER=$(python3 -c '
import hashlib
s = "kv-corruption-test-value:"
while len(s) < 100:
    s += hashlib.sha1(s.encode()).hexdigest()
print(s[:100])')

test_expect_success 'setup: a store with a distinctive 100-byte value' '
	test ${#MARKER} -eq 100 &&
	kvctl init v >/dev/null &&
	kvctl -C v set a/before hello >/dev/null &&
	kvctl -C v set victim "$MARKER" >/dev/null &&
	kvctl -C v set a/after world >/dev/null &&
	test "$(kvctl -C v get victim)" = "$MARKER" &&
	kvctl -C v fsck
'

test_expect_success 'flip one byte of the value inside data.mdb' '
	n=$(flip_bytes v/.kv "$MARKER") &&
	echo "flipped $n copies" &&
	test "$n" -ge 1
'

test_expect_success 'get: exit 4, "corrupt" on stderr, nothing on stdout' '
	test_expect_code 4 kvctl -C v get victim >out 2>err &&
	cat err &&
	test ! -s out &&
	grep "^kvctl: " err &&
	grep -i corrupt err
'

test_expect_success 'get --json: exit 4, nothing on stdout' '
	test_expect_code 4 kvctl -C v --json get victim >out 2>err &&
	test ! -s out && grep -i corrupt err
'

test_expect_success 'fsck: non-zero, names the corrupt object' '
	id=$(blob_id "$MARKER") &&
	test_expect_code 4 kvctl -C v fsck >out 2>err &&
	cat out err &&
	grep "$id" out &&
	kvctl -C v --json fsck >out; test $? -ne 0 &&
	json_ok "d[\"problems\"] >= 1 and any(e[\"id\"] == \"$id\" for e in d[\"errors\"])" <out
'

test_expect_success 'the other keys still read' '
	test "$(kvctl -C v get a/before)" = hello &&
	test "$(kvctl -C v get a/after)" = world &&
	kvctl -C v ls >/dev/null
'

TREE_KEY=$(printf 'kv-corrupt-tree-entry-%s' "$(echo "$MARKER" | cut -c30-60)")
test_expect_success 'a corrupt tree: get and ls exit 4, fsck reports it' '
	kvctl init t >/dev/null &&
	kvctl -C t set x 1 >/dev/null &&
	kvctl -C t set "dir/$TREE_KEY" v >/dev/null &&
	kvctl -C t fsck &&
	dir=$(kvctl -C t --json ls | json_get "[e[\"id\"] for e in d if e[\"name\"] == \"dir\"][0]") &&
	n=$(flip_bytes t/.kv "$TREE_KEY") && test "$n" -ge 1 &&
	test_expect_code 4 kvctl -C t get "dir/$TREE_KEY" >out 2>err &&
	test ! -s out && grep -i corrupt err &&
	test_expect_code 4 kvctl -C t ls dir >out 2>err &&
	grep -i corrupt err &&
	test_expect_code 4 kvctl -C t fsck >out 2>err &&
	cat out && grep "$dir" out &&
	test "$(kvctl -C t get x)" = 1
'

COMMIT_MSG=kv-corrupt-commit-$(echo "$MARKER" | cut -c40-55)
test_expect_success 'a corrupt commit: log exits 4, fsck reports it' '
	kvctl init c >/dev/null &&
	kvctl -C c set x 1 >/dev/null &&
	kvctl -C c set -m "$COMMIT_MSG" --author "A <a@x>" y 2 >/dev/null &&
	kvctl -C c set z 3 >/dev/null &&
	kvctl -C c fsck &&
	id=$(kvctl -C c rev-parse main~1) &&
	n=$(flip_bytes c/.kv "$COMMIT_MSG") && test "$n" -ge 1 &&
	test_expect_code 4 kvctl -C c log >out 2>err &&
	grep -i corrupt err &&
	test_expect_code 4 kvctl -C c show main~1 >out 2>err &&
	test ! -s out && grep -i corrupt err &&
	test_expect_code 4 kvctl -C c fsck >out 2>err &&
	cat out && grep "$id" out
'

test_done
