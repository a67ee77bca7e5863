# perm.sh: shared set-up of the permission tests (t0005, t0006), sourced
# after ../crash/lib.sh. Permissions do not bind root, so as root the
# commands run as user nobody through setpriv (util-linux); without setpriv
# the script is skipped. Gives as_user CMD..., user_kvctl ARGS..., and a
# first test that makes s/good, a store readable by all and writable by
# its owner.

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

