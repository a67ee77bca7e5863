/* oidset.c: a set of object ids; see oidset.h. */
#include "oidset.h"

static size_t slot(const kv_oidset *s, const kv_oid *id)
{
	size_t h, i;
	memcpy(&h, id->id + 4, sizeof(h));
	for (i = h & (s->cap - 1); s->used[i] && !kv__oid_eq(&s->ids[i], id);
	     i = (i + 1) & (s->cap - 1))
		;
	return i;
}

static int grow(kv_oidset *s)
{
	kv_oidset n = {NULL, NULL, s->cap ? s->cap * 2 : 1024, 0};
	if (!(n.ids = kv__calloc(n.cap, sizeof(kv_oid))) ||
	    !(n.used = kv__calloc(n.cap, 1))) {
		free(n.ids);
		return KV_ENOMEM;
	}
	for (size_t i = 0; i < s->cap; i++) {
		if (s->used[i]) {
			size_t j = slot(&n, &s->ids[i]);
			n.ids[j] = s->ids[i];
			n.used[j] = 1;
			n.count++;
		}
	}
	kv_oidset_dispose(s);
	*s = n;
	return 0;
}

int kv_oidset_add(kv_oidset *s, const kv_oid *id)
{
	size_t i;
	if ((s->count + 1) * 2 > s->cap && grow(s) < 0)
		return KV_ENOMEM;
	i = slot(s, id);
	if (s->used[i])
		return 0;
	s->used[i] = 1;
	s->ids[i] = *id;
	s->count++;
	return 1;
}

int kv_oidset_contains(const kv_oidset *s, const kv_oid *id)
{
	return s->cap && s->used[slot(s, id)];
}

void kv_oidset_dispose(kv_oidset *s)
{
	free(s->ids);
	free(s->used);
	s->ids = NULL;
	s->used = NULL;
	s->cap = s->count = 0;
}
