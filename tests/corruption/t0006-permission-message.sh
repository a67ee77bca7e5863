#!/bin/sh
# A store folder the user may not enter: reading it exits 4 with a message
# that says why: permission denied, not "no kv store", which would send
# the user looking for a store that is there (t0005-permissions.sh has the
# other permission cases).
#
# Permissions do not bind root, so as root the commands run as user nobody
# through setpriv (util-linux); without setpriv the tests are skipped.
suite=corruption
. "$(dirname "$0")/../crash/lib.sh"

if [ "$(id -u)" = 0 ]; then
	if ! command -v setpriv >/dev/null; then
		echo "# skipped: running as root without setpriv to drop privileges"
		test_done
	fi
	# the folder must be reachable by nobody
	chmod 711 "$TEST_DIR"
	as_user() {
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	}
else
	as_user() {
		"$@"
	}
fi

# user_kvctl ARGS: kvctl as the unprivileged user, bounded in time.
user_kvctl() {
	as_user timeout -k 5 120 "$KVCTL" "$@"
}

test_expect_success 'setup: a store readable by all, writable by its owner' '
	mkdir -p s && kvctl init s/good >/dev/null &&
	kvctl -C s/good set k v >/dev/null &&
	chmod -R a+rX s &&
	if [ "$(id -u)" = 0 ]; then
		user_kvctl --version >/dev/null || user_kvctl --help >/dev/null
	fi
'

test_expect_success 'a store folder without permissions: exit 4, "permission denied"' '
	cp -rp s/good s/locked && chmod 000 s/locked/.kv &&
	test_expect_code 4 user_kvctl -C s/locked get k >out 2>err;
	rc=$?; cat err; chmod 755 s/locked/.kv;
	test $rc -eq 0 && test ! -s out && grep "^kvctl: " err &&
	grep -i "permission denied" err
'

test_done
