/*
 * commit_graph.c: commits as graph nodes (parents, time, generation) and
 * merge bases.
 *
 * Nodes come from the backend's commit-graph cache when it has one (lmdb),
 * else from parsing the commit; generations missing from a cache are
 * computed from the parents'. Merge bases use git's "paint down to
 * common" walk, ordered by generation so that the walk can stop as soon as
 * every commit left in the queue is known to be below a common ancestor.
 */
#include "merge.h"
#include "pqueue.h"

#define P1     1u
#define P2     2u
#define STALE  4u
#define RESULT 8u

struct kv_graph {
	kv_store *s;
	kv_graph_node **slots; /* open addressing by id */
	size_t cap, count;
};

int kv__graph_new(kv_graph **out, kv_store *s)
{
	kv_graph *g = kv__calloc(1, sizeof(*g));
	if (!g)
		return KV_ENOMEM;
	g->s = s;
	g->cap = 1024;
	if (!(g->slots = kv__calloc(g->cap, sizeof(*g->slots)))) {
		free(g);
		return KV_ENOMEM;
	}
	*out = g;
	return 0;
}

void kv__graph_free(kv_graph *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->cap; i++) {
		if (g->slots[i]) {
			free(g->slots[i]->parents);
			free(g->slots[i]);
		}
	}
	free(g->slots);
	free(g);
}

static size_t probe(const kv_graph *g, const kv_oid *id)
{
	size_t h, i;
	memcpy(&h, id->id, sizeof(h));
	for (i = h & (g->cap - 1);
	     g->slots[i] && !kv__oid_eq(&g->slots[i]->id, id);
	     i = (i + 1) & (g->cap - 1))
		;
	return i;
}

static int grow(kv_graph *g)
{
	kv_graph_node **old = g->slots;
	size_t oldcap = g->cap;
	if (!(g->slots = kv__calloc(oldcap * 2, sizeof(*old)))) {
		g->slots = old;
		return KV_ENOMEM;
	}
	g->cap = oldcap * 2;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i])
			g->slots[probe(g, &old[i]->id)] = old[i];
	free(old);
	return 0;
}

/* Read parents, time, tree (and a cached generation) of commit `id`. */
static int load(kv_graph_node *n, kv_store *s, const kv_oid *id)
{
	kv_commit_info info;
	kv_commit *c;
	int error;

	n->id = *id;
	if (s->be->commit_info && s->be->commit_info(&info, s->be, id) == 0 &&
	    info.nparents <= 2) {
		n->generation = info.generation;
		n->time = info.time;
		n->tree = info.tree;
		n->nparents = info.nparents;
		if (!(n->parents =
		              kv__calloc(info.nparents + 1, sizeof(kv_oid))))
			return KV_ENOMEM;
		memcpy(n->parents, info.parents,
		       info.nparents * sizeof(kv_oid));
		return 0;
	}
	kv_error_clear();
	if ((error = kv_commit_lookup(&c, s, id)) < 0)
		return error;
	n->time = c->committer.time;
	n->tree = c->tree;
	n->nparents = c->nparents;
	n->parents = c->parents;
	c->parents = NULL;
	kv_commit_free(c);
	return 0;
}

static int lookup(kv_graph_node **out, kv_graph *g, const kv_oid *id)
{
	size_t i;
	kv_graph_node *n;
	int error;

	if ((g->count + 1) * 2 > g->cap && grow(g) < 0)
		return KV_ENOMEM;
	i = probe(g, id);
	if (g->slots[i]) {
		*out = g->slots[i];
		return 0;
	}
	if (!(n = kv__calloc(1, sizeof(*n))))
		return KV_ENOMEM;
	if ((error = load(n, g->s, id)) < 0) {
		free(n->parents);
		free(n);
		return error;
	}
	g->slots[i] = n;
	g->count++;
	*out = n;
	return 0;
}

/* Compute the generation of `n` from its parents', without recursion. */
static int compute_generation(kv_graph *g, kv_graph_node *n)
{
	kv_graph_node **stack = NULL;
	size_t depth = 0, cap = 0;
	int error = 0;

	for (kv_graph_node *cur = n; cur && !error;) {
		uint64_t gen = 1;
		kv_graph_node *missing = NULL;
		for (size_t i = 0; i < cur->nparents && !error; i++) {
			kv_graph_node *p;
			if ((error = lookup(&p, g, &cur->parents[i])) < 0)
				break;
			if (!p->generation) {
				missing = p;
				break;
			}
			if (p->generation + 1 > gen)
				gen = p->generation + 1;
		}
		if (error)
			break;
		if (missing) {
			if (depth == cap) {
				size_t nc = cap ? cap * 2 : 64;
				kv_graph_node **ns =
				        kv__realloc(stack, nc * sizeof(*ns));
				if (!ns) {
					error = KV_ENOMEM;
					break;
				}
				stack = ns;
				cap = nc;
			}
			stack[depth++] = cur;
			cur = missing;
			continue;
		}
		cur->generation = gen;
		cur = depth ? stack[--depth] : NULL;
	}
	free(stack);
	return error;
}

int kv__graph_node(kv_graph_node **out, kv_graph *g, const kv_oid *id)
{
	int error = lookup(out, g, id);
	if (!error && !(*out)->generation)
		error = compute_generation(g, *out);
	return error;
}

/* Queue order: higher generation first, then later time. */
static int above(const void *x, const void *y)
{
	const kv_graph_node *a = x, *b = y;
	if (a->generation != b->generation)
		return a->generation > b->generation;
	return a->time > b->time;
}

static int all_stale(const kv_pqueue *q)
{
	for (size_t i = 0; i < q->n; i++)
		if (!(((kv_graph_node *)q->items[i])->flags & STALE))
			return 0;
	return 1;
}

static void clear_flags(kv_graph *g)
{
	for (size_t i = 0; i < g->cap; i++)
		if (g->slots[i])
			g->slots[i]->flags = 0;
}

/* Paint from a and b down to their common ancestors; append the common
 * ones not below another common one to `res`. */
static int paint(kv_graph *g, kv_graph_node *a, kv_graph_node *b,
                 kv_graph_node ***res, size_t *nres)
{
	kv_pqueue q = KV_PQUEUE_INIT(above);
	int error;

	a->flags |= P1;
	b->flags |= P2;
	if ((error = kv_pqueue_push(&q, a)) < 0 ||
	    (error = kv_pqueue_push(&q, b)) < 0)
		goto done;
	while (q.n && !all_stale(&q)) {
		kv_graph_node *c = kv_pqueue_pop(&q);
		unsigned int flags = c->flags & (P1 | P2 | STALE);
		if (flags == (P1 | P2)) {
			if (!(c->flags & RESULT)) {
				kv_graph_node **r = kv__realloc(
				        *res, (*nres + 1) * sizeof(*r));
				if (!r) {
					error = KV_ENOMEM;
					goto done;
				}
				*res = r;
				r[(*nres)++] = c;
				c->flags |= RESULT;
			}
			flags |= STALE;
		}
		for (size_t i = 0; i < c->nparents; i++) {
			kv_graph_node *p;
			if ((error = kv__graph_node(&p, g, &c->parents[i])) < 0)
				goto done;
			if ((p->flags & flags) == flags)
				continue;
			p->flags |= flags;
			if ((error = kv_pqueue_push(&q, p)) < 0)
				goto done;
		}
	}
done:
	kv_pqueue_dispose(&q);
	return error;
}

/* 1 if `anc` is an ancestor of (or equal to) `desc`. Walks only down to
 * the generation of `anc`. */
static int is_ancestor(kv_graph *g, kv_graph_node *anc, kv_graph_node *desc)
{
	kv_pqueue q = KV_PQUEUE_INIT(above);
	int found = 0, error;

	clear_flags(g);
	if ((error = kv_pqueue_push(&q, desc)) < 0)
		return error;
	desc->flags = P1;
	while (q.n && !found) {
		kv_graph_node *c = kv_pqueue_pop(&q);
		if (c == anc) {
			found = 1;
			break;
		}
		if (c->generation <= anc->generation)
			continue;
		for (size_t i = 0; i < c->nparents; i++) {
			kv_graph_node *p;
			if ((error = kv__graph_node(&p, g, &c->parents[i])) < 0)
				goto done;
			if (p->flags & P1)
				continue;
			p->flags |= P1;
			if ((error = kv_pqueue_push(&q, p)) < 0)
				goto done;
		}
	}
	error = found;
done:
	kv_pqueue_dispose(&q);
	return error;
}

int kv__merge_bases(kv_oid **out, size_t *count, kv_graph *g, const kv_oid *a,
                    const kv_oid *b)
{
	kv_graph_node *na, *nb, **res = NULL;
	size_t nres = 0, kept = 0;
	int error;

	*out = NULL;
	*count = 0;
	if ((error = kv__graph_node(&na, g, a)) < 0 ||
	    (error = kv__graph_node(&nb, g, b)) < 0)
		return error;
	clear_flags(g);
	if (na == nb) {
		if (!(*out = kv__malloc(sizeof(kv_oid))))
			return KV_ENOMEM;
		**out = *a;
		*count = 1;
		return 0;
	}
	if ((error = paint(g, na, nb, &res, &nres)) < 0)
		goto done;
	/* Drop candidates that are ancestors of other candidates. */
	for (size_t i = 0; i < nres; i++) {
		int redundant = 0;
		for (size_t j = 0; j < nres && !redundant && error >= 0; j++) {
			if (i == j || !res[j])
				continue;
			error = redundant = is_ancestor(g, res[i], res[j]);
		}
		if (error < 0)
			goto done;
		if (redundant)
			res[i] = NULL;
	}
	if (!(*out = kv__calloc(nres ? nres : 1, sizeof(kv_oid)))) {
		error = KV_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < nres; i++)
		if (res[i])
			(*out)[kept++] = res[i]->id;
	*count = kept;
	error = 0;
done:
	free(res);
	return error;
}

int kv_merge_bases(kv_oid **out, size_t *count, kv_store *s, const kv_oid *a,
                   const kv_oid *b)
{
	kv_graph *g;
	int error;
	if ((error = kv__graph_new(&g, s)) < 0)
		return error;
	error = kv__merge_bases(out, count, g, a, b);
	kv__graph_free(g);
	return error;
}
