/*
 * store.h: the store handle and the internal services its files share:
 * verified object reads, the parsed-tree cache, path lookups.
 */
#ifndef KV_STORE_H
#define KV_STORE_H

#include "object.h"

struct kv_tree_cache;

struct kv_store {
	kv_backend *be; /* owned */
	kv_store_options opts;
	struct kv_tree_cache *trees; /* parsed trees, bounded by bytes */
	kv_buf scratch;              /* reused for object reads */
	kv_oid last_commit;          /* the last commit whose tree was asked */
	kv_oid last_tree;            /* for; commits are immutable */
	int has_last;
};

/* ---- objects (odb.c) ---- */

/** Read object `id` and check that its bytes hash to `id`; with `want` !=
 * KV_OBJ_ANY also that it has that type. KV_ENOTFOUND, KV_ECORRUPT. */
int kv__odb_read(kv_buf *out, kv_otype *type_out, kv_store *s, const kv_oid *id,
                 kv_otype want);

/** Hash and store an object; *out gets its id. */
int kv__odb_write(kv_oid *out, kv_store *s, kv_otype type, const void *data,
                  size_t len);

/* ---- parsed trees (tree_cache.c) ---- */

int kv__tree_cache_new(struct kv_tree_cache **out, size_t max_bytes);
void kv__tree_cache_free(struct kv_tree_cache *c);

/** A parsed tree (the empty tree for a zero id), shared from the cache;
 * release it with kv__tree_release(). */
int kv__tree_get(kv_tree **out, kv_store *s, const kv_oid *id);
void kv__tree_release(kv_store *s, kv_tree *t);

/** Like kv__tree_get for a tree needed once (a merge visits each tree
 * once): taken from the cache if it is there, else read without entering
 * it. A 10k-change merge that filled the cache with the trees it read
 * spent a tenth of its time in page faults of the growing heap; freed
 * trees are reused instead. */
int kv__tree_get_once(kv_tree **out, kv_store *s, const kv_oid *id);

/** Cache tree `id` from bytes the caller just encoded and stored (with
 * `nentries` entries), so the next commit on the same path does not read
 * it back (a one-key commit on a 1M-key store spent a fifth of its time
 * re-reading the trees the previous commit wrote). */
int kv__tree_put(kv_store *s, const kv_oid *id, const char *data, size_t len,
                 size_t nentries);

/* ---- paths and revisions ---- */

/** Find the entry at `path` (NULL or "": the root, reported as a tree)
 * under tree `root`. KV_ENOTFOUND if absent. */
int kv__tree_lookup(unsigned int *mode_out, kv_oid *id_out, kv_store *s,
                    const kv_oid *root, const char *path);

/** Resolve `rev` to a commit and its tree. */
int kv__rev_commit(kv_oid *commit_out, kv_oid *tree_out, kv_store *s,
                   const char *rev);

/** The tree of commit `id` (via the commit-graph cache when present). */
int kv__commit_tree(kv_oid *tree_out, kv_store *s, const kv_oid *id);

/** KV_EEXISTS if ref `name` cannot be created because a ref exists below
 * it ("name/...") or at one of its prefixes (git's file/folder rule). */
int kv__ref_check_new(kv_store *s, const char *name);

/** Full ref name of branch `name`: "refs/heads/<name>", validated. */
int kv__branch_ref(kv_buf *out, const char *name);

/** Default author/committer for a commit, from options and environment;
 * strings live in `buf`. */
int kv__default_signature(kv_signature *out, kv_buf *buf);

/** Author and committer of a commit: `a` and `c` if given (the committer
 * defaults to the author), else the defaults; checked. */
int kv__signatures(kv_signature *author, kv_signature *committer, kv_buf *buf,
                   const kv_signature *a, const kv_signature *c);

#endif
