#!/bin/sh
# Stores that cannot be used: missing, an empty folder, a data.mdb that is
# not an LMDB file, a newer or unreadable format version (unreadable
# folders and files: t0005-permissions.sh). Each gives a clear "kvctl: "
# message and exit 4 (docs: a missing store is an error, not an absent
# key), and nothing is created or changed by the attempt.
suite=corruption
. "$(dirname "$0")/../crash/lib.sh"

test_expect_success 'setup: a good store to compare with' '
	kvctl init good >/dev/null &&
	kvctl -C good set k v >/dev/null
'

test_expect_success 'a missing store (--store): exit 4, nothing created' '
	test_expect_code 4 kvctl --store "$TEST_DIR/nope" get k >out 2>err &&
	cat err && test ! -s out && grep "^kvctl: " err &&
	test ! -e nope &&
	test_expect_code 4 kvctl --store "lmdb:$TEST_DIR/nope" get k 2>err &&
	grep "^kvctl: " err && test ! -e nope &&
	test_expect_code 4 kvctl --store "$TEST_DIR/nope" set k v 2>err &&
	grep "^kvctl: " err && test ! -e nope
'

test_expect_success 'a missing store ($KV_STORE): exit 4' '
	KV_STORE=$TEST_DIR/nope && export KV_STORE &&
	test_expect_code 4 kvctl ls 2>err &&
	grep "^kvctl: " err && test ! -e nope
'

test_expect_success 'no .kv in the folder or its parents: exit 4, says how to fix' '
	mkdir -p lost/deeper && cd lost/deeper &&
	test_expect_code 4 kvctl get k 2>err &&
	cat err && grep "^kvctl: " err && grep -i "init\|--store" err
'

test_expect_success 'an empty folder as the store: exit 4, left empty' '
	mkdir empty &&
	test_expect_code 4 kvctl --store "$TEST_DIR/empty" get k >out 2>err &&
	cat err && test ! -s out && grep "^kvctl: " err &&
	test -z "$(ls -A empty)"
'

test_expect_success 'a data.mdb that is not an LMDB file: exit 4, not touched' '
	mkdir -p junk/.kv &&
	head -c 65536 /dev/urandom >junk/.kv/data.mdb &&
	cp junk/.kv/data.mdb junk.copy &&
	test_expect_code 4 kvctl -C junk get k >out 2>err &&
	cat err && test ! -s out && grep "^kvctl: " err &&
	test_expect_code 4 kvctl -C junk set k v 2>err &&
	test_expect_code 4 kvctl -C junk fsck >/dev/null 2>err &&
	cmp junk.copy junk/.kv/data.mdb
'

test_expect_success 'a data.mdb of zero bytes: exit 4, twice (not made a store)' '
	mkdir -p zero/.kv && : >zero/.kv/data.mdb &&
	test_expect_code 4 kvctl -C zero get k 2>err &&
	cat err && grep "^kvctl: " err &&
	test_expect_code 4 kvctl -C zero get k 2>err
'

# set_meta_format STORE HEX: overwrite meta "format" (CBOR) with bytes HEX,
# through lmdb-utils (mdb_dump's format, read back by mdb_load).
set_meta_format() {
	mdb_dump -s meta "$1" >meta.dump &&
	grep -qx " 666f726d6174" meta.dump &&
	awk -v v="$2" '
		prev == " 666f726d6174" { print " " v; prev = ""; next }
		{ print; prev = $0 }' meta.dump >meta.new &&
	mdb_load -s meta "$1" <meta.new 2>/dev/null
}

if command -v mdb_dump >/dev/null && command -v mdb_load >/dev/null; then
	test_expect_success 'a store of a newer format version: exit 4, says so, untouched' '
		cp -r good newer &&
		set_meta_format newer/.kv 1863 && # CBOR 99
		cp newer/.kv/data.mdb newer.copy &&
		test_expect_code 4 kvctl -C newer get k >out 2>err &&
		cat err && test ! -s out && grep "^kvctl: " err &&
		grep -i "version" err && grep "99" err &&
		test_expect_code 4 kvctl -C newer set k2 v 2>err &&
		test_expect_code 4 kvctl -C newer fsck >/dev/null 2>err &&
		cmp newer.copy newer/.kv/data.mdb
	'
	test_expect_success 'a format version that is not a CBOR integer: exit 4' '
		cp -r good badmeta &&
		set_meta_format badmeta/.kv 6161 && # CBOR text, truncated
		test_expect_code 4 kvctl -C badmeta get k >out 2>err &&
		cat err && test ! -s out && grep "^kvctl: " err
	'
else
	echo "# skipped: format version tests (no mdb_dump/mdb_load; apt-get install lmdb-utils)"
fi

test_expect_success 'the good store is untouched by all this' '
	test "$(kvctl -C good get k)" = v && kvctl -C good fsck
'

test_done
