#!/bin/sh
# Stores the user may not read or write: a store folder without
# permissions, an unreadable data.mdb, a store of another user that we may
# only read. Each attempt that cannot work exits 4 with a message and
# changes nothing. (The message for reading a folder without permissions
# is checked in t0006-permission-message.sh.)
#
# Permissions do not bind root, so as root the commands run as user nobody
# through setpriv (util-linux); without setpriv the tests are skipped.
suite=corruption
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../crash/lib.sh"

. "$here/perm.sh"
test_expect_success 'a store folder without permissions: set exits 4, nothing created' '
	cp -rp s/good s/locked && chmod 000 s/locked/.kv &&
	test_expect_code 4 user_kvctl -C s/locked set k2 v >out 2>err;
	rc=$?; cat err; chmod 755 s/locked/.kv;
	test $rc -eq 0 && grep "^kvctl: " err &&
	test "$(ls -A s/locked/.kv | sort | tr "\n" " ")" = "data.mdb lock.mdb "
'

test_expect_success 'an unreadable data.mdb: exit 4, "permission denied"' '
	cp -rp s/good s/nodata && chmod 000 s/nodata/.kv/data.mdb &&
	test_expect_code 4 user_kvctl -C s/nodata get k >out 2>err &&
	cat err && test ! -s out && grep "^kvctl: " err &&
	grep -i "permission denied" err
'

test_expect_success "a store we may only read: set exits 4 with a message, store unchanged" '
	cp -rp s/good s/ro && chmod -R a+rX,go-w s/ro &&
	before=$(kvctl -C s/ro rev-parse main) &&
	if [ "$(id -u)" != 0 ]; then chmod -R a-w s/ro; fi &&
	test_expect_code 4 user_kvctl -C s/ro set k2 v >out 2>err;
	rc=$?; cat err; chmod -R u+w s/ro;
	test $rc -eq 0 && grep "^kvctl: " err && grep -i "permission\|read-only" err &&
	test "$(kvctl -C s/ro rev-parse main)" = "$before"
'

# Not a requirement (LMDB readers write their slot into lock.mdb), but
# worth knowing: can a user who may only read the store read it?
if user_kvctl -C s/ro get k >out 2>err; then
	echo "# note: a store we may only read can be read"
else
	echo "# note: a store we may only read cannot be read: $(cat err)"
fi

test_done
