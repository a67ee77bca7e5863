/*
 * merge.h: internal interfaces of the merge engine (sync/).
 */
#ifndef KV_MERGE_H
#define KV_MERGE_H

#include "store.h"

/* ---- the commit graph (commit_graph.c) ---- */

typedef struct kv_graph kv_graph;

typedef struct {
	kv_oid id;
	uint64_t generation; /* 1 for a root commit */
	int64_t time;        /* committer time */
	kv_oid tree;
	size_t nparents;
	kv_oid *parents;
	unsigned int flags; /* for walks */
} kv_graph_node;

int kv__graph_new(kv_graph **out, kv_store *s);
void kv__graph_free(kv_graph *g);
/** The node of commit `id`, loaded on first use; owned by the graph. */
int kv__graph_node(kv_graph_node **out, kv_graph *g, const kv_oid *id);

/** Merge bases of a and b (see kv_merge_bases). */
int kv__merge_bases(kv_oid **out, size_t *count, kv_graph *g, const kv_oid *a,
                    const kv_oid *b);

/* ---- value strategies (strategy.c, cbor_merge.c) ---- */

typedef enum {
	KV_STRATEGY_DEFAULT,
	KV_STRATEGY_OURS,
	KV_STRATEGY_THEIRS,
	KV_STRATEGY_COUNTER,
	KV_STRATEGY_LINES,
	KV_STRATEGY_CBOR,
	KV_STRATEGY_LWW
} kv_strategy;

/** The strategy named `name`, or -1. */
int kv__strategy_from_name(const char *name);
const char *kv__strategy_name(kv_strategy st);

/**
 * Merge one value by strategy `st` when both sides changed it differently.
 * `base`, `ours`, `theirs` are NULL when absent. `ours_later` says which
 * side lww picks. On success *removed or `out` holds the result. Returns
 * 0, KV_ECONFLICT with `*reason` set (static text), or an error.
 */
int kv__strategy_merge(kv_buf *out, int *removed, const char **reason,
                       kv_strategy st, const kv_buf *base, const kv_buf *ours,
                       const kv_buf *theirs, int ours_later);

/** Three-way merge of CBOR values; see kv.h. KV_ECONFLICT with reason. */
int kv__cbor_merge(kv_buf *out, const char **reason, const kv_buf *base,
                   const kv_buf *ours, const kv_buf *theirs);

/* ---- tree merges (merge.c) ---- */

/** Merge trees into an allocated, empty `res`; `ours_later` for lww: 1,
 * 0, or -1 to compare value ids. Conflicts accumulate in res, unless
 * `take_ours` (for virtual bases), which resolves each to ours. */
int kv__merge_trees(kv_merge_result *res, kv_store *s, const kv_oid *base,
                    const kv_oid *ours, const kv_oid *theirs,
                    const kv_merge_options *opts, int ours_later,
                    int take_ours);

/** A new, empty result. */
kv_merge_result *kv__merge_result_new(void);
void kv__merge_result_set(kv_merge_result *res, const kv_oid *tree,
                          const kv_oid *commit, int fastforward);

/* ---- .kvattributes (attributes.c) ---- */

typedef struct kv_attributes kv_attributes;

/** Parse a .kvattributes file. Lines that do not parse are ignored, as
 * git ignores them. */
int kv__attributes_parse(kv_attributes **out, const char *text, size_t len);
void kv__attributes_free(kv_attributes *a);
/** The merge strategy name for `key`, or NULL. Later lines win. */
const char *kv__attributes_merge(const kv_attributes *a, const char *key);
/** 1 if some line sets merge=`strategy`. */
int kv__attributes_uses(const kv_attributes *a, const char *strategy);
/** gitattributes-style pattern match of `path` (exposed for tests). */
int kv__attr_match(const char *pattern, const char *path);

#endif
