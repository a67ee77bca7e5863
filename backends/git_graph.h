/*
 * git_graph.h: git's commit-graph file, the git backend's commit-graph
 * cache (private to backends/).
 *
 * Git keeps parents, root tree, commit time and generation of the commits
 * it has seen in objects/info/commit-graph, the format of git's
 * Documentation/technical/commit-graph-format.txt; `git gc` and
 * `git commit-graph write` write it, and so does `kv_store_gc` here
 * (through libgit2's writer). Reading it lets merge bases and logs walk a
 * deep history without parsing every commit, as the lmdb backend's
 * `commits` database does. libgit2 1.5 can write the file but offers no
 * way to read an entry, so the reader is here.
 */
#ifndef KV_GIT_GRAPH_H
#define KV_GIT_GRAPH_H

#include "common.h"
#include "kv_backend.h"

typedef struct gg_graph gg_graph;

/**
 * Read `objdir`/info/commit-graph into *out. The file is only an
 * accelerator: if there is none, or it is unusable (bad checksum, bad
 * bounds, another hash, part of a split chain), *out is NULL and 0 is
 * returned. Errors are for memory only.
 */
int gg_open(gg_graph **out, const char *objdir);

/** The same for the file's bytes `raw` (malloc'd; the graph owns them,
 * or frees them if it is unusable). */
int gg_parse(gg_graph **out, unsigned char *raw, size_t len);

/** Facts about commit `id`; KV_ENOTFOUND (no error message set) if the
 * graph does not hold it, or holds it with more than two parents. */
int gg_commit_info(kv_commit_info *out, const gg_graph *g, const kv_oid *id);

/** How many commits the graph holds. */
size_t gg_count(const gg_graph *g);

void gg_free(gg_graph *g);

#endif
