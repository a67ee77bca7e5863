/*
 * Fuzz target: the strict commit parser. What it accepts must have a
 * sane signature, and re-encoding its fields must parse again.
 */
#include <stdint.h>
#include <stdlib.h>

#include "object.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kv_commit *c, *again;
	kv_buf out = KV_BUF_INIT;
	kv_oid id;

	kv_object_hash(&id, KV_OBJ_COMMIT, data, size);
	if (kv_commit__parse(&c, &id, (const char *)data, size) < 0)
		return 0;
	if (strpbrk(c->author.name, "<>\n") ||
	    strpbrk(c->committer.email, "<>\n"))
		abort();
	if (kv_commit__encode(&out, &c->tree, c->parents, c->nparents,
	                      &c->author, &c->committer, c->message) == 0) {
		kv_object_hash(&id, KV_OBJ_COMMIT, out.ptr, out.size);
		/* Offsets git accepts may be outside what we encode back:
		 * only a successful re-encode must parse. */
		if (kv_commit__parse(&again, &id, out.ptr, out.size) < 0)
			abort();
		if (again->nparents != c->nparents)
			abort();
		kv_commit_free(again);
	}
	kv_buf_dispose(&out);
	kv_commit_free(c);
	return 0;
}
