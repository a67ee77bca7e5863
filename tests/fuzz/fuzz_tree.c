/*
 * Fuzz target: the strict tree parser. Whatever it accepts must encode
 * back to exactly the same bytes (the parser and encoder agree on git's
 * format), every entry must pass the key-step rules, and the unchecked
 * indexer for a process's own trees must find the very same entries.
 */
#include <stdint.h>
#include <stdlib.h>

#include "object.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kv_tree *t, *own;
	kv_oid id;
	kv_buf out = KV_BUF_INIT;

	kv_object_hash(&id, KV_OBJ_TREE, data, size);
	if (kv_tree__parse(&t, &id, (const char *)data, size) < 0)
		return 0;
	for (size_t i = 0; i < t->nentries; i++) {
		const kv_tree_entry *e = &t->entries[i];
		if (kv__step_problem(e->name, e->namelen))
			abort();
		if (kv_tree__put_entry(&out, e->mode, e->name, e->namelen,
		                       e->id) < 0)
			abort();
	}
	if (out.size != size || (size && memcmp(out.ptr, data, size)))
		abort();
	if (kv_tree__index_own(&own, &id, out.ptr ? out.ptr : "", out.size,
	                       t->nentries) < 0 ||
	    own->nentries != t->nentries)
		abort();
	for (size_t i = 0; i < t->nentries; i++) {
		const kv_tree_entry *a = &t->entries[i], *b = &own->entries[i];
		if (a->mode != b->mode || a->namelen != b->namelen ||
		    memcmp(a->name, b->name, a->namelen) ||
		    !kv_oid_equal(a->id, b->id))
			abort();
	}
	kv_tree__free(own);
	kv_buf_dispose(&out);
	kv_tree__free(t);
	return 0;
}
