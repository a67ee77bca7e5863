/*
 * read.c: reading keys at a revision: get, list, walk, and path lookup in
 * trees through the parsed-tree cache.
 */
#include "store.h"

int kv__tree_lookup(unsigned int *mode_out, kv_oid *id_out, kv_store *s,
                    const kv_oid *root, const char *path)
{
	kv_oid id = *root;
	unsigned int mode = KV_MODE_TREE;
	const char *step = path, *slash;
	kv_tree *t;
	long i;
	int error;

	while (step && *step) {
		size_t len;
		if (mode != KV_MODE_TREE)
			return KV_ENOTFOUND;
		slash = strchr(step, '/');
		len = slash ? (size_t)(slash - step) : strlen(step);
		if ((error = kv__tree_get(&t, s, &id)) < 0)
			return error;
		if ((i = kv_tree__find(t, step, len)) < 0) {
			kv__tree_release(s, t);
			return KV_ENOTFOUND;
		}
		mode = t->entries[i].mode;
		id = *t->entries[i].id;
		kv__tree_release(s, t);
		step = slash ? slash + 1 : NULL;
	}
	*mode_out = mode;
	*id_out = id;
	return 0;
}

int kv_get(kv_buf *out, kv_store *s, const char *rev, const char *key)
{
	kv_oid commit, tree, id;
	unsigned int mode;
	int error;

	if ((error = kv_key_validate(key)) < 0 ||
	    (error = kv__rev_commit(&commit, &tree, s, rev)) < 0)
		return error;
	error = kv__tree_lookup(&mode, &id, s, &tree, key);
	if (error == KV_ENOTFOUND ||
	    (!error && (mode == KV_MODE_TREE || mode == KV_MODE_GITLINK)))
		return kv__error(KV_ENOTFOUND, "key %s not found%s", key,
		                 error ? ""
		                 : mode == KV_MODE_GITLINK
		                         ? " (it is a submodule)"
		                         : " (it is a directory)");
	if (error < 0)
		return error;
	error = kv__odb_read(out, NULL, s, &id, KV_OBJ_BLOB);
	if (error == KV_ENOTFOUND) /* its tree names it */
		return kv__error(KV_ECORRUPT, "key %s: value %s is missing",
		                 key, kv__oid_hex(&id));
	return error;
}

/* The tree at directory `prefix` of `rev`. */
static int prefix_tree(kv_oid *out, kv_store *s, const char *rev,
                       const char *prefix)
{
	kv_oid commit, tree;
	unsigned int mode;
	int error;

	if (prefix && *prefix && (error = kv_key_validate(prefix)) < 0)
		return error;
	if ((error = kv__rev_commit(&commit, &tree, s, rev)) < 0)
		return error;
	error = kv__tree_lookup(&mode, out, s, &tree, prefix);
	if (error == KV_ENOTFOUND || (!error && mode != KV_MODE_TREE))
		return kv__error(KV_ENOTFOUND, "no directory %s",
		                 prefix ? prefix : "");
	return error;
}

int kv_list(kv_store *s, const char *rev, const char *prefix, kv_entry_cb cb,
            void *payload)
{
	kv_oid dir;
	kv_tree *t;
	kv_buf name = KV_BUF_INIT;
	int error;

	if ((error = prefix_tree(&dir, s, rev, prefix)) < 0 ||
	    (error = kv__tree_get(&t, s, &dir)) < 0)
		return error;
	for (size_t i = 0; i < t->nentries && !error; i++) {
		const kv_tree_entry *e = &t->entries[i];
		kv_entry ent;
		if ((error = kv_buf_set(&name, e->name, e->namelen)) < 0)
			break;
		ent.path = name.ptr;
		ent.kind = kv__mode_kind(e->mode);
		ent.mode = e->mode;
		ent.id = *e->id;
		if (cb(&ent, payload))
			error = kv__error(KV_EUSER, "stopped by callback");
	}
	kv__tree_release(s, t);
	kv_buf_dispose(&name);
	return error;
}

/* Visit the non-directory entries under tree `id`, `path` its key. */
static int walk_tree(kv_store *s, const kv_oid *id, kv_buf *path,
                     kv_entry_cb cb, void *payload, int depth)
{
	kv_tree *t;
	int error;

	if (depth > KV_KEY_MAX / 2)
		return kv__error(KV_ECORRUPT, "tree %s: nested too deep",
		                 kv__oid_hex(id));
	if ((error = kv__tree_get(&t, s, id)) < 0)
		return error;
	for (size_t i = 0; i < t->nentries && !error; i++) {
		const kv_tree_entry *e = &t->entries[i];
		size_t keep = path->size;
		if ((path->size && (error = kv_buf_put(path, "/", 1)) < 0) ||
		    (error = kv_buf_put(path, e->name, e->namelen)) < 0)
			break;
		if (kv__mode_is_dir(e->mode)) {
			error = walk_tree(s, e->id, path, cb, payload,
			                  depth + 1);
		} else {
			kv_entry ent = {path->ptr, kv__mode_kind(e->mode),
			                e->mode, *e->id};
			if (cb(&ent, payload))
				error = kv__error(KV_EUSER,
				                  "stopped by callback");
		}
		path->size = keep;
		path->ptr[keep] = '\0';
	}
	kv__tree_release(s, t);
	return error;
}

int kv_walk(kv_store *s, const char *rev, const char *prefix, kv_entry_cb cb,
            void *payload)
{
	kv_buf path = KV_BUF_INIT;
	kv_oid dir;
	int error;

	if ((error = prefix_tree(&dir, s, rev, prefix)) < 0)
		return error;
	if (prefix && *prefix &&
	    (error = kv_buf_set(&path, prefix, strlen(prefix))) < 0)
		return error;
	error = walk_tree(s, &dir, &path, cb, payload, 0);
	kv_buf_dispose(&path);
	return error;
}
