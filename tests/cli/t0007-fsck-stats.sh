#!/bin/sh
# kvctl fsck and stats.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: a store with a few commits' '
	kvctl init >/dev/null && kvctl set a 1 >/dev/null &&
	kvctl set d/b 2 >/dev/null && kvctl branch side >/dev/null &&
	kvctl tag v1 >/dev/null
'

test_expect_success 'fsck of a sound store: exit 0' '
	kvctl fsck >out && grep "^no problems found$" out
'

test_expect_success 'fsck --json' '
	kvctl --json fsck >out &&
	json_ok "d == {\"errors\": [], \"problems\": 0}" <out
'

test_expect_success 'fsck of a new, empty store' '
	kvctl init empty >/dev/null && kvctl -C empty fsck >/dev/null
'

test_expect_success 'stats: every figure' '
	kvctl stats >out &&
	grep "^backend: *lmdb$" out &&
	grep "^objects: *[0-9]* ([0-9]* blobs, [0-9]* trees, 2 commits)$" out &&
	grep "^refs: *3$" out
'

test_expect_success 'stats --json' '
	kvctl --json stats >out &&
	json_ok "set(d) == {\"backend\", \"objects\", \"blobs\", \"trees\", \"commits\", \"object_bytes\", \"stored_bytes\", \"refs\", \"disk_bytes\"}" <out &&
	json_ok "d[\"commits\"] == 2 and d[\"blobs\"] == 2 and d[\"refs\"] == 3" <out &&
	json_ok "d[\"objects\"] == d[\"blobs\"] + d[\"trees\"] + d[\"commits\"]" <out &&
	json_ok "d[\"object_bytes\"] > 0 and d[\"backend\"] == \"lmdb\"" <out
'

test_done
