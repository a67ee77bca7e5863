/*
 * gc.c: compacting a store on disk (kv_store_gc), through the backend's
 * optional gc method, with its size before and after.
 */
#include "store.h"

int kv_store_gc(kv_gc_result *out, kv_store *s)
{
	kv_gc_result r = {0, 0};
	int error;

	if (!s)
		return kv__error(KV_EINVALID, "kv_store_gc: no store");
	if (s->be->version < 2 || !s->be->gc)
		return kv__error(
		        KV_ENOTSUPPORTED,
		        "the %s backend cannot compact its store (no gc)",
		        s->be->name ? s->be->name : "?");
	if (s->be->disk_size &&
	    (error = s->be->disk_size(&r.bytes_before, s->be)) < 0)
		return error;
	if ((error = s->be->gc(s->be)) < 0)
		return error;
	if (s->be->disk_size &&
	    (error = s->be->disk_size(&r.bytes_after, s->be)) < 0)
		return error;
	if (out)
		*out = r;
	return 0;
}
