#!/bin/sh
# kvctl with a 100 MiB value: set from standard input and from a file,
# get back byte for byte, and as base64 JSON.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: a store and 100 MiB of random bytes' '
	kvctl init >/dev/null &&
	head -c 104857600 /dev/urandom >big &&
	test "$(wc -c <big)" -eq 104857600
'

test_expect_success 'set KEY - reads 100 MiB from stdin; get returns it' '
	kvctl set big/stdin - <big >out && grep "^\[main " out &&
	kvctl get big/stdin >got && cmp big got
'

test_expect_success 'set --file with 100 MiB; same value: no commit' '
	kvctl set big/file --file big >/dev/null &&
	kvctl get big/file >got && cmp big got &&
	before=$(kvctl rev-parse main) &&
	kvctl set big/file - <big >out && test ! -s out &&
	test "$(kvctl rev-parse main)" = "$before"
'

test_expect_success 'get --json of 100 MiB of binary is base64' '
	kvctl --json get big/stdin >out &&
	python3 -c "
import base64, json, sys
d = json.load(open(\"out\"))
assert d[\"encoding\"] == \"base64\" and d[\"size\"] == 104857600
assert base64.b64decode(d[\"value\"]) == open(\"big\", \"rb\").read()
"
'

test_expect_success 'the value id is git'"'"'s blob id' '
	kvctl --json ls big >out &&
	test "$(json_get "d[0][\"id\"]" <out)" = "$(git hash-object big)"
'

test_expect_success 'fsck is clean after large values' '
	kvctl fsck >/dev/null
'

test_done
