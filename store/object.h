/*
 * object.h: git objects in memory: tree entries, parsed trees, commits,
 * and the strict codec between them and git's byte format.
 */
#ifndef KV_OBJECT_H
#define KV_OBJECT_H

#include "common.h"

/* Git modes. */
#define KV_MODE_BLOB    0100644u
#define KV_MODE_EXEC    0100755u
#define KV_MODE_LINK    0120000u
#define KV_MODE_TREE    0040000u
#define KV_MODE_GITLINK 0160000u

/** One entry of a parsed tree; `name` points into the tree's bytes and
 * is not NUL-terminated. */
typedef struct {
	const char *name;
	size_t namelen;
	unsigned int mode;
	const kv_oid *id; /* points into the tree's bytes */
} kv_tree_entry;

/** A parsed tree: immutable, shared through the tree cache. */
typedef struct kv_tree {
	kv_oid id;
	size_t nentries;
	kv_tree_entry *entries; /* in git order */
	char *raw;              /* the git payload the entries point into */
	size_t rawlen;
	/* tree cache bookkeeping (tree_cache.c) */
	size_t refcount;
	struct kv_tree *hnext, *lru_prev, *lru_next;
} kv_tree;

/** The id of the empty tree. */
extern const kv_oid kv__empty_tree_id;

static inline int kv__mode_is_dir(unsigned int mode)
{
	return mode == KV_MODE_TREE;
}

/** memcmp for entry names, which are mostly a few bytes long: there a
 * loop is cheaper than the call (memcmp was 8% of a large merge). */
static inline int kv__name_memcmp(const char *a, const char *b, size_t n)
{
	if (n > 16)
		return memcmp(a, b, n);
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return (int)(unsigned char)a[i] -
			       (int)(unsigned char)b[i];
	return 0;
}

/** Compare two entry names in git's tree order, where a directory sorts
 * as if its name ended in '/'. */
int kv__entry_cmp(const char *a, size_t alen, int adir, const char *b,
                  size_t blen, int bdir);

/** Check one path step (name of a tree entry, or a key component).
 * Returns NULL if valid, else a static text saying why not. */
const char *kv__step_problem(const char *s, size_t len);

/** The kind (KV_ENTRY_*) of a mode. */
kv_entry_kind kv__mode_kind(unsigned int mode);

/**
 * Parse tree `id` from `len` bytes of `data`, strictly: every malformed
 * input gives KV_ECORRUPT naming the tree and the entry. On success *out
 * owns a copy of the bytes (refcount 1, not in any cache).
 */
int kv_tree__parse(kv_tree **out, const kv_oid *id, const char *data,
                   size_t len);

/**
 * Index tree `id` of `nentries` entries that this process has just
 * encoded (kv_tree__put_entry from checked entries), without the strict
 * parse's checks: a small
 * commit caches its new trees, and checking 256-entry trees it wrote
 * itself was a tenth of its time. Never use it on bytes read from a
 * backend or a remote.
 */
int kv_tree__index_own(kv_tree **out, const kv_oid *id, const char *data,
                       size_t len, size_t nentries);

/** Free a tree that is not in a cache. */
void kv_tree__free(kv_tree *tree);

/** Index of the entry named `name` (file or directory), or -1. */
long kv_tree__find(const kv_tree *tree, const char *name, size_t len);

/** Append one entry in git's format to `out`. */
int kv_tree__put_entry(kv_buf *out, unsigned int mode, const char *name,
                       size_t namelen, const kv_oid *id);

/* ---- commits ---- */

struct kv_commit {
	kv_oid id;
	kv_oid tree;
	size_t nparents;
	kv_oid *parents;
	kv_signature author, committer; /* strings point into `strings` */
	char *message;
	char *strings; /* owned storage for names, emails and message */
};

/** Parse commit `id` strictly. KV_ECORRUPT names the commit and what. */
int kv_commit__parse(kv_commit **out, const kv_oid *id, const char *data,
                     size_t len);

/** Encode a commit in git's format. The message gets a final newline if it
 * lacks one (as `git commit-tree -m` does). */
int kv_commit__encode(kv_buf *out, const kv_oid *tree, const kv_oid *parents,
                      size_t nparents, const kv_signature *author,
                      const kv_signature *committer, const char *message);

/** Check the name and email of a signature (no '<', '>', newline). */
int kv_signature__check(const kv_signature *sig, const char *what);

#endif
