/*
 * mem.c: the in-memory backend, for tests and as the shortest example of
 * the vtable (include/kv_backend.h).
 *
 * Objects live in an open-addressing hash table keyed by id, refs in a
 * sorted array. A batch (begin/commit) keeps an undo log so that rollback
 * can take back what the batch wrote. Nothing is shared between two mem
 * backends: "mem:" always opens a new, empty store.
 */
#include "common.h"

struct mem_object {
	kv_oid id;
	kv_otype type;
	size_t len;
	char *data; /* NULL marks an empty slot */
};

struct mem_ref {
	char *name;
	kv_oid id;
};

/* One undo record: an object inserted, or a ref's previous state. */
struct mem_undo {
	int is_ref;      /* a ref change, else an object inserted */
	kv_oid object;   /* the object inserted */
	char *ref_name;  /* ref changed (owned) */
	int ref_existed; /* did it exist before? */
	kv_oid ref_old;  /* and where did it point */
};

struct mem_backend {
	kv_backend parent;
	struct mem_object *objects; /* hash table */
	size_t cap, count;
	struct mem_ref *refs; /* sorted by name */
	size_t nrefs;
	struct mem_undo *undo; /* non-NULL-able log while in a batch */
	size_t nundo, undo_cap;
	int in_batch;
};

static size_t slot_of(const struct mem_backend *m, const kv_oid *id)
{
	size_t h;
	memcpy(&h, id->id, sizeof(h));
	return h & (m->cap - 1);
}

static struct mem_object *find_object(struct mem_backend *m, const kv_oid *id)
{
	for (size_t i = slot_of(m, id);; i = (i + 1) & (m->cap - 1)) {
		if (!m->objects[i].data || kv_oid_equal(&m->objects[i].id, id))
			return &m->objects[i];
	}
}

static int grow_table(struct mem_backend *m)
{
	struct mem_object *old = m->objects;
	size_t oldcap = m->cap;

	m->objects = kv__calloc(oldcap * 2, sizeof(*old));
	if (!m->objects) {
		m->objects = old;
		return KV_ENOMEM;
	}
	m->cap = oldcap * 2;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].data)
			*find_object(m, &old[i].id) = old[i];
	free(old);
	return 0;
}

static int push_undo(struct mem_backend *m, const struct mem_undo *u)
{
	if (!m->in_batch)
		return 0;
	if (m->nundo == m->undo_cap) {
		size_t cap = m->undo_cap ? m->undo_cap * 2 : 64;
		struct mem_undo *p = kv__realloc(m->undo, cap * sizeof(*p));
		if (!p)
			return KV_ENOMEM;
		m->undo = p;
		m->undo_cap = cap;
	}
	m->undo[m->nundo++] = *u;
	return 0;
}

static int mem_read(kv_buf *out, kv_otype *type_out, kv_backend *be,
                    const kv_oid *id)
{
	struct mem_object *o = find_object((struct mem_backend *)be, id);
	if (!o->data)
		return kv_backend_error(KV_ENOTFOUND, "object %s not found",
		                        kv__oid_hex(id));
	*type_out = o->type;
	return kv_buf_set(out, o->data, o->len);
}

static int mem_exists(kv_backend *be, const kv_oid *id)
{
	return find_object((struct mem_backend *)be, id)->data != NULL;
}

static int mem_write(kv_backend *be, const kv_oid *id, kv_otype type,
                     const void *data, size_t len)
{
	struct mem_backend *m = (struct mem_backend *)be;
	struct mem_object *o;
	struct mem_undo u = {0};

	if ((m->count + 1) * 2 > m->cap && grow_table(m) < 0)
		return KV_ENOMEM;
	o = find_object(m, id);
	if (o->data)
		return 0;
	if (!(o->data = kv__malloc(len)))
		return KV_ENOMEM;
	if (len)
		memcpy(o->data, data, len);
	o->id = *id;
	o->type = type;
	o->len = len;
	m->count++;
	u.object = *id;
	return push_undo(m, &u);
}

/* Index of ref `name`, or where it would be inserted (and *found = 0). */
static size_t ref_index(const struct mem_backend *m, const char *name,
                        int *found)
{
	size_t lo = 0, hi = m->nrefs;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(m->refs[mid].name, name);
		if (!c) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

static int mem_ref_read(kv_oid *out, kv_backend *be, const char *name)
{
	struct mem_backend *m = (struct mem_backend *)be;
	int found;
	size_t i = ref_index(m, name, &found);
	if (!found)
		return kv_backend_error(KV_ENOTFOUND, "ref %s not found", name);
	*out = m->refs[i].id;
	return 0;
}

/* Set or delete ref `name` without any check. */
static int set_ref(struct mem_backend *m, const char *name, const kv_oid *id)
{
	int found;
	size_t i = ref_index(m, name, &found);

	if (!id) {
		if (found) {
			free(m->refs[i].name);
			memmove(&m->refs[i], &m->refs[i + 1],
			        (m->nrefs - i - 1) * sizeof(*m->refs));
			m->nrefs--;
		}
		return 0;
	}
	if (found) {
		m->refs[i].id = *id;
		return 0;
	}
	{
		struct mem_ref *p =
		        kv__realloc(m->refs, (m->nrefs + 1) * sizeof(*p));
		char *copy = kv__strdup(name);
		if (!p || !copy) {
			free(copy);
			if (p)
				m->refs = p;
			return KV_ENOMEM;
		}
		m->refs = p;
		memmove(&m->refs[i + 1], &m->refs[i],
		        (m->nrefs - i) * sizeof(*m->refs));
		m->refs[i].name = copy;
		m->refs[i].id = *id;
		m->nrefs++;
	}
	return 0;
}

static int mem_ref_update(kv_backend *be, const char *name,
                          const kv_oid *new_id, const kv_oid *expected_old,
                          unsigned int flags)
{
	struct mem_backend *m = (struct mem_backend *)be;
	struct mem_undo u = {1, {{0}}, NULL, 0, {{0}}};
	int found;
	size_t i = ref_index(m, name, &found);

	if (!(flags & KV_REF_FORCE)) {
		if (expected_old ? !found || !kv_oid_equal(&m->refs[i].id,
		                                           expected_old)
		                 : found)
			return kv_backend_error(
			        KV_EMODIFIED,
			        "ref %s moved: expected %s, found %s", name,
			        expected_old ? kv__oid_hex(expected_old)
			                     : "no ref",
			        found ? kv__oid_hex(&m->refs[i].id) : "no ref");
	}
	if (!new_id && !found)
		return kv_backend_error(KV_ENOTFOUND, "ref %s not found", name);
	if (m->in_batch) {
		if (!(u.ref_name = kv__strdup(name)))
			return KV_ENOMEM;
		u.ref_existed = found;
		if (found)
			u.ref_old = m->refs[i].id;
		if (push_undo(m, &u) < 0) {
			free(u.ref_name);
			return KV_ENOMEM;
		}
	}
	return set_ref(m, name, new_id);
}

static int mem_ref_foreach(kv_backend *be, const char *prefix, kv_ref_cb cb,
                           void *payload)
{
	struct mem_backend *m = (struct mem_backend *)be;
	size_t plen = prefix ? strlen(prefix) : 0;

	for (size_t i = 0; i < m->nrefs; i++) {
		if (plen && strncmp(m->refs[i].name, prefix, plen))
			continue;
		if (cb(m->refs[i].name, &m->refs[i].id, payload))
			return kv_backend_error(KV_EUSER,
			                        "stopped by callback");
	}
	return 0;
}

static int mem_object_foreach(kv_backend *be, kv_object_cb cb, void *payload)
{
	struct mem_backend *m = (struct mem_backend *)be;
	for (size_t i = 0; i < m->cap; i++) {
		struct mem_object *o = &m->objects[i];
		if (o->data && cb(&o->id, o->type, o->len, o->len, payload))
			return kv_backend_error(KV_EUSER,
			                        "stopped by callback");
	}
	return 0;
}

static void clear_undo(struct mem_backend *m)
{
	for (size_t i = 0; i < m->nundo; i++)
		free(m->undo[i].ref_name);
	m->nundo = 0;
	m->in_batch = 0;
}

static int mem_begin(kv_backend *be)
{
	struct mem_backend *m = (struct mem_backend *)be;
	if (m->in_batch)
		return kv_backend_error(KV_EINVALID, "mem: batch already open");
	m->in_batch = 1;
	return 0;
}

static int mem_commit(kv_backend *be)
{
	clear_undo((struct mem_backend *)be);
	return 0;
}

/* Remove the object in `slot`, re-inserting the rest of its probe run. */
static void remove_slot(struct mem_backend *m, size_t slot)
{
	free(m->objects[slot].data);
	m->objects[slot].data = NULL;
	m->count--;
	for (size_t i = (slot + 1) & (m->cap - 1); m->objects[i].data;
	     i = (i + 1) & (m->cap - 1)) {
		struct mem_object o = m->objects[i];
		m->objects[i].data = NULL;
		*find_object(m, &o.id) = o;
	}
}

static void mem_rollback(kv_backend *be)
{
	struct mem_backend *m = (struct mem_backend *)be;

	for (size_t k = m->nundo; k-- > 0;) {
		struct mem_undo *u = &m->undo[k];
		if (!u->is_ref) {
			struct mem_object *o = find_object(m, &u->object);
			if (o->data)
				remove_slot(m, (size_t)(o - m->objects));
		} else {
			set_ref(m, u->ref_name,
			        u->ref_existed ? &u->ref_old : NULL);
		}
	}
	clear_undo(m);
}

static void mem_free(kv_backend *be)
{
	struct mem_backend *m = (struct mem_backend *)be;
	if (!m)
		return;
	clear_undo(m);
	free(m->undo);
	for (size_t i = 0; i < m->cap; i++)
		free(m->objects[i].data);
	for (size_t i = 0; i < m->nrefs; i++)
		free(m->refs[i].name);
	free(m->objects);
	free(m->refs);
	free(m);
}

int kv_backend_mem_new(kv_backend **out)
{
	struct mem_backend *m = kv__calloc(1, sizeof(*m));
	if (!m)
		return KV_ENOMEM;
	kv_backend_init(&m->parent, KV_BACKEND_VERSION);
	m->cap = 1024;
	if (!(m->objects = kv__calloc(m->cap, sizeof(*m->objects)))) {
		free(m);
		return KV_ENOMEM;
	}
	m->parent.name = "mem";
	m->parent.read = mem_read;
	m->parent.exists = mem_exists;
	m->parent.write = mem_write;
	m->parent.ref_read = mem_ref_read;
	m->parent.ref_update = mem_ref_update;
	m->parent.ref_foreach = mem_ref_foreach;
	m->parent.object_foreach = mem_object_foreach;
	m->parent.begin = mem_begin;
	m->parent.commit = mem_commit;
	m->parent.rollback = mem_rollback;
	m->parent.free = mem_free;
	*out = &m->parent;
	return 0;
}
