/*
 * tree_cache.c: a bounded cache of parsed trees, keyed by id.
 *
 * Trees are immutable, so a parsed tree can be shared by every reader
 * until it is evicted. The cache is bounded by bytes (raw payload plus
 * parsed entries) and evicts the least recently used trees that nobody
 * holds; a tree held by a reader (refcount > 1) stays until released.
 */
#include "store.h"

struct kv_tree_cache {
	kv_tree **buckets;
	size_t nbuckets; /* a power of two */
	size_t count;
	size_t bytes, max_bytes;
	kv_tree lru; /* sentinel: lru.lru_next is the most recent */
};

static size_t tree_bytes(const kv_tree *t)
{
	return sizeof(*t) + t->rawlen + t->nentries * sizeof(kv_tree_entry);
}

static size_t bucket_of(const struct kv_tree_cache *c, const kv_oid *id)
{
	size_t h;
	memcpy(&h, id->id, sizeof(h));
	return h & (c->nbuckets - 1);
}

int kv__tree_cache_new(struct kv_tree_cache **out, size_t max_bytes)
{
	struct kv_tree_cache *c = kv__calloc(1, sizeof(*c));
	if (!c)
		return KV_ENOMEM;
	c->nbuckets = 4096;
	if (!(c->buckets = kv__calloc(c->nbuckets, sizeof(*c->buckets)))) {
		free(c);
		return KV_ENOMEM;
	}
	c->max_bytes = max_bytes;
	c->lru.lru_next = c->lru.lru_prev = &c->lru;
	*out = c;
	return 0;
}

static void lru_unlink(kv_tree *t)
{
	t->lru_prev->lru_next = t->lru_next;
	t->lru_next->lru_prev = t->lru_prev;
}

static void lru_push_front(struct kv_tree_cache *c, kv_tree *t)
{
	t->lru_next = c->lru.lru_next;
	t->lru_prev = &c->lru;
	c->lru.lru_next->lru_prev = t;
	c->lru.lru_next = t;
}

static void hash_remove(struct kv_tree_cache *c, kv_tree *t)
{
	kv_tree **pp = &c->buckets[bucket_of(c, &t->id)];
	while (*pp != t)
		pp = &(*pp)->hnext;
	*pp = t->hnext;
}

/* Drop one reference; a tree that has left the cache is freed when its
 * last holder lets go. */
static void unref(kv_tree *t)
{
	if (--t->refcount == 0)
		kv_tree__free(t);
}

static void evict(struct kv_tree_cache *c)
{
	kv_tree *t = c->lru.lru_prev;
	while (c->bytes > c->max_bytes && t != &c->lru) {
		kv_tree *prev = t->lru_prev;
		lru_unlink(t);
		hash_remove(c, t);
		c->bytes -= tree_bytes(t);
		c->count--;
		unref(t); /* the cache's own reference */
		t = prev;
	}
}

static void grow(struct kv_tree_cache *c)
{
	size_t n = c->nbuckets * 2;
	kv_tree **b = calloc(n, sizeof(*b));
	if (!b)
		return; /* a fuller table is slower, not wrong */
	for (size_t i = 0; i < c->nbuckets; i++) {
		kv_tree *t = c->buckets[i], *next;
		for (; t; t = next) {
			size_t h;
			next = t->hnext;
			memcpy(&h, t->id.id, sizeof(h));
			t->hnext = b[h & (n - 1)];
			b[h & (n - 1)] = t;
		}
	}
	free(c->buckets);
	c->buckets = b;
	c->nbuckets = n;
}

void kv__tree_cache_free(struct kv_tree_cache *c)
{
	if (!c)
		return;
	c->max_bytes = 0;
	evict(c);
	free(c->buckets);
	free(c);
}

static int load(kv_tree **out, kv_store *s, const kv_oid *id)
{
	int error;
	if (kv_oid_is_zero(id) || kv__oid_eq(id, &kv__empty_tree_id))
		return kv_tree__parse(out, &kv__empty_tree_id, "", 0);
	error = kv__odb_read(&s->scratch, NULL, s, id, KV_OBJ_TREE);
	if (error == KV_ENOTFOUND) /* a commit or tree names it */
		return kv__error(KV_ECORRUPT,
		                 "tree %s is missing from the store",
		                 kv__oid_hex(id));
	if (error < 0)
		return error;
	return kv_tree__parse(out, id, s->scratch.ptr, s->scratch.size);
}

static kv_tree *cache_find(struct kv_tree_cache *c, const kv_oid *id)
{
	kv_tree *t = c->buckets[bucket_of(c, id)];
	while (t && !kv__oid_eq(&t->id, id))
		t = t->hnext;
	return t;
}

/* Add a parsed tree (its refcount counts the cache's reference). */
static void cache_insert(struct kv_tree_cache *c, kv_tree *t)
{
	t->hnext = c->buckets[bucket_of(c, &t->id)];
	c->buckets[bucket_of(c, &t->id)] = t;
	lru_push_front(c, t);
	c->bytes += tree_bytes(t);
	if (++c->count > c->nbuckets)
		grow(c);
}

int kv__tree_get(kv_tree **out, kv_store *s, const kv_oid *id)
{
	struct kv_tree_cache *c = s->trees;
	kv_tree *t = cache_find(c, id);
	int error;

	if (t) {
		lru_unlink(t);
		lru_push_front(c, t);
		t->refcount++;
		*out = t;
		return 0;
	}
	if ((error = load(&t, s, id)) < 0)
		return error;
	/* t->refcount is 1 for the cache; the caller gets a second one. */
	t->refcount = 2;
	cache_insert(c, t);
	evict(c);
	*out = t;
	return 0;
}

int kv__tree_get_once(kv_tree **out, kv_store *s, const kv_oid *id)
{
	kv_tree *t = cache_find(s->trees, id);
	if (t) {
		t->refcount++; /* no LRU move: a single use says nothing */
		*out = t;
		return 0;
	}
	return load(out, s, id); /* refcount 1: freed on release */
}

int kv__tree_put(kv_store *s, const kv_oid *id, const char *data, size_t len,
                 size_t nentries)
{
	kv_tree *t;
	int error;

	if (cache_find(s->trees, id))
		return 0;
	if ((error = kv_tree__index_own(&t, id, data, len, nentries)) < 0)
		return error;
	cache_insert(s->trees, t);
	evict(s->trees);
	return 0;
}

void kv__tree_release(kv_store *s, kv_tree *t)
{
	KV_UNUSED(s);
	if (t)
		unref(t);
}
