/*
 * Fuzz target: the cbor merge strategy on untrusted values. The input is
 * split in three (base, ours, theirs); whatever merges must be canonical:
 * merging the result with itself gives the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>

#include "merge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kv_buf b = KV_BUF_INIT, o = KV_BUF_INIT, t = KV_BUF_INIT;
	kv_buf out = KV_BUF_INIT, again = KV_BUF_INIT;
	const char *reason;
	size_t third = size / 3;

	if (size > 1 << 16)
		return 0;
	kv_buf_set(&b, data, third);
	kv_buf_set(&o, data + third, third);
	kv_buf_set(&t, data + 2 * third, size - 2 * third);
	if (kv__cbor_merge(&out, &reason, &b, &o, &t) == 0) {
		if (kv__cbor_merge(&again, &reason, &out, &out, &out) != 0 ||
		    again.size != out.size ||
		    memcmp(again.ptr, out.ptr, out.size))
			abort();
	}
	kv_buf_dispose(&b);
	kv_buf_dispose(&o);
	kv_buf_dispose(&t);
	kv_buf_dispose(&out);
	kv_buf_dispose(&again);
	return 0;
}
