#!/bin/sh
# A store folder the user may not enter: reading it exits 4 with a message
# that says why: permission denied, not "no kv store", which would send
# the user looking for a store that is there (t0005-permissions.sh has the
# other permission cases).
#
# Permissions do not bind root, so as root the commands run as user nobody
# through setpriv (util-linux); without setpriv the tests are skipped.
suite=corruption
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../crash/lib.sh"

. "$here/perm.sh"
test_expect_success 'a store folder without permissions: exit 4, "permission denied"' '
	cp -rp s/good s/locked && chmod 000 s/locked/.kv &&
	test_expect_code 4 user_kvctl -C s/locked get k >out 2>err;
	rc=$?; cat err; chmod 755 s/locked/.kv;
	test $rc -eq 0 && test ! -s out && grep "^kvctl: " err &&
	grep -i "permission denied" err
'

test_done
