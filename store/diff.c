/*
 * diff.c: the keys that differ between two trees.
 *
 * A merge-join of the two sorted entry lists, recursing only into
 * directories whose ids differ: the cost follows the number of changed
 * paths, not the size of the store. A value on one side and a directory
 * of the same name on the other sort apart in git order, so they come out
 * as a removal and additions, as the header promises.
 */
#include "store.h"

struct diff_ctx {
	kv_store *s;
	kv_delta_cb cb;
	void *payload;
	kv_buf path;
};

static int emit(struct diff_ctx *d, kv_delta_status st, const kv_tree_entry *o,
                const kv_tree_entry *n)
{
	kv_delta delta;
	memset(&delta, 0, sizeof(delta));
	delta.status = st;
	delta.key = d->path.ptr;
	if (o) {
		delta.old_id = *o->id;
		delta.old_mode = o->mode;
	}
	if (n) {
		delta.new_id = *n->id;
		delta.new_mode = n->mode;
	}
	if (d->cb(&delta, d->payload))
		return kv__error(KV_EUSER, "stopped by callback");
	return 0;
}

static int diff_ids(struct diff_ctx *d, const kv_oid *a, const kv_oid *b,
                    int depth);

/* Report one side's entry (old: removed, new: added), recursively. */
static int one_side(struct diff_ctx *d, const kv_tree_entry *e, int old,
                    int depth)
{
	static const kv_oid zero;
	if (!kv__mode_is_dir(e->mode))
		return emit(d, old ? KV_DELTA_REMOVED : KV_DELTA_ADDED,
		            old ? e : NULL, old ? NULL : e);
	return old ? diff_ids(d, e->id, &zero, depth + 1)
	           : diff_ids(d, &zero, e->id, depth + 1);
}

static int push_name(kv_buf *path, const kv_tree_entry *e)
{
	int error = 0;
	if (path->size)
		error = kv_buf_put(path, "/", 1);
	return error ? error : kv_buf_put(path, e->name, e->namelen);
}

static int pair(struct diff_ctx *d, const kv_tree_entry *o,
                const kv_tree_entry *n, int depth)
{
	if (!o)
		return one_side(d, n, 0, depth);
	if (!n)
		return one_side(d, o, 1, depth);
	if (kv_oid_equal(o->id, n->id) && o->mode == n->mode)
		return 0;
	if (kv__mode_is_dir(o->mode))
		return diff_ids(d, o->id, n->id, depth + 1);
	return emit(d, KV_DELTA_MODIFIED, o, n);
}

static int diff_trees(struct diff_ctx *d, const kv_tree *a, const kv_tree *b,
                      int depth)
{
	size_t i = 0, j = 0;
	int error = 0;

	while (!error && (i < a->nentries || j < b->nentries)) {
		const kv_tree_entry *o =
		        i < a->nentries ? &a->entries[i] : NULL;
		const kv_tree_entry *n =
		        j < b->nentries ? &b->entries[j] : NULL;
		size_t keep = d->path.size;
		int c = !o   ? 1
		        : !n ? -1
		             : kv__entry_cmp(o->name, o->namelen,
		                             kv__mode_is_dir(o->mode), n->name,
		                             n->namelen,
		                             kv__mode_is_dir(n->mode));
		if (c == 0 && o->mode == n->mode && kv__oid_eq(o->id, n->id)) {
			i++, j++; /* unchanged: no need to name it */
			continue;
		}
		if ((error = push_name(&d->path, c <= 0 ? o : n)) < 0)
			break;
		error = pair(d, c <= 0 ? o : NULL, c >= 0 ? n : NULL, depth);
		i += c <= 0;
		j += c >= 0;
		d->path.size = keep;
		d->path.ptr[keep] = '\0';
	}
	return error;
}

static int diff_ids(struct diff_ctx *d, const kv_oid *a, const kv_oid *b,
                    int depth)
{
	kv_tree *ta = NULL, *tb = NULL;
	int error;

	if (kv_oid_equal(a, b))
		return 0;
	if (depth > KV_KEY_MAX / 2)
		return kv__error(KV_ECORRUPT, "trees nested too deep");
	if ((error = kv__tree_get(&ta, d->s, a)) == 0 &&
	    (error = kv__tree_get(&tb, d->s, b)) == 0)
		error = diff_trees(d, ta, tb, depth);
	kv__tree_release(d->s, ta);
	kv__tree_release(d->s, tb);
	return error;
}

int kv_diff_trees(kv_store *s, const kv_oid *old_tree, const kv_oid *new_tree,
                  kv_delta_cb cb, void *payload)
{
	struct diff_ctx d = {s, cb, payload, KV_BUF_INIT};
	int error;
	if ((error = kv_buf_grow(&d.path, 256)) < 0)
		return error;
	d.path.ptr[0] = '\0';
	error = diff_ids(&d, old_tree, new_tree, 0);
	kv_buf_dispose(&d.path);
	return error;
}

int kv_diff(kv_store *s, const char *old_rev, const char *new_rev,
            kv_delta_cb cb, void *payload)
{
	kv_oid a, b;
	int error;
	if ((error = kv_revparse(&a, s, old_rev)) < 0 ||
	    (error = kv_revparse(&b, s, new_rev)) < 0)
		return error;
	/* A commit diffs by its tree; "^{tree}" already gave a tree. */
	if ((error = kv__commit_tree(&a, s, &a)) == KV_EINVALID)
		kv_error_clear();
	else if (error < 0)
		return error;
	if ((error = kv__commit_tree(&b, s, &b)) == KV_EINVALID)
		kv_error_clear();
	else if (error < 0)
		return error;
	return kv_diff_trees(s, &a, &b, cb, payload);
}
