/*
 * copy.c: copying a store into another store, of any backend
 * (kv_store_copy).
 *
 * A copy walks from every ref of the source and writes each object the
 * destination lacks, children before parents: a commit's parents before
 * it, a tree's entries before the tree. An object the destination already
 * has is not read, and neither is anything below it, since a store always
 * holds everything its objects reach (objects are written before what
 * refers to them, in every backend). Everything goes into one write batch
 * of the destination, refs last, so a copy that fails writes nothing.
 * Objects are read through the store's verified reads: a corrupt or
 * hostile source object stops the copy instead of spreading.
 */
#include <stdio.h>

#include "oidset.h"
#include "store.h"

#define REPORT_EVERY 4096 /* objects between two progress calls */

struct copy {
	kv_store *dst, *src;
	kv_copy_cb cb;
	void *payload;
	kv_copy_progress p;
	kv_oidset seen;       /* objects copied or found in dst */
	kv_buf buf;           /* the object being read */
	uint64_t next_report; /* p.objects + p.present for the next call */
	const char *ref;      /* the ref being copied, for messages */
};

static int report(struct copy *c, int done)
{
	if (!c->cb || (!done && c->p.objects + c->p.present < c->next_report))
		return 0;
	c->next_report = c->p.objects + c->p.present + REPORT_EVERY;
	c->p.done = done;
	if (c->cb(&c->p, c->payload))
		return kv__error(KV_EUSER, "copy stopped by the callback");
	return 0;
}

/* 1 if `id` must be copied; 0 if already handled or in the destination. */
static int needs_copy(struct copy *c, const kv_oid *id)
{
	int r = kv_oidset_add(&c->seen, id);
	if (r <= 0)
		return r;
	if ((r = c->dst->be->exists(c->dst->be, id)) < 0)
		return r;
	if (r) {
		c->p.present++;
		return report(c, 0);
	}
	return 1;
}

/* Read `id` from the source, checked, into c->buf. */
static int get(struct copy *c, const kv_oid *id, kv_otype want)
{
	int error = kv__odb_read(&c->buf, NULL, c->src, id, want);
	char msg[512];

	if (error == KV_ENOTFOUND)
		return kv__error(KV_ECORRUPT,
		                 "source store: %s %s is missing (reached from "
		                 "%s)",
		                 kv_otype_name(want) ? kv_otype_name(want)
		                                     : "object",
		                 kv__oid_hex(id), c->ref);
	if (error == KV_EINVALID) { /* the wrong type */
		snprintf(msg, sizeof(msg), "%s", kv_error_last()->message);
		return kv__error(KV_ECORRUPT,
		                 "source store: %s (reached from %s)", msg,
		                 c->ref);
	}
	return error;
}

static int put(struct copy *c, const kv_oid *id, kv_otype type,
               const void *data, size_t len)
{
	int error = c->dst->be->write(c->dst->be, id, type, data, len);
	if (error < 0)
		return error;
	c->p.objects++;
	c->p.bytes += len;
	return report(c, 0);
}

/* Copy tree `root` and what it holds, entries first (depth first, with
 * an explicit stack: trees nest as deep as keys allow). */
static int copy_tree(struct copy *c, const kv_oid *root)
{
	kv_tree **stack = NULL;
	size_t *next = NULL, n = 0, cap = 0;
	int error = needs_copy(c, root), open = 1;
	kv_oid id = *root;

	if (error <= 0)
		return error;
	for (;;) {
		if (open) { /* push tree `id` */
			kv_tree *t;
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 16;
				kv_tree **s =
				        kv__realloc(stack, nc * sizeof(*s));
				size_t *x =
				        s ? kv__realloc(next, nc * sizeof(*x))
				          : NULL;
				if (s)
					stack = s;
				if (!x) {
					error = KV_ENOMEM;
					break;
				}
				next = x;
				cap = nc;
			}
			if ((error = get(c, &id, KV_OBJ_TREE)) < 0 ||
			    (error = kv_tree__parse(&t, &id, c->buf.ptr,
			                            c->buf.size)) < 0)
				break;
			stack[n] = t;
			next[n++] = 0;
			open = 0;
		}
		if (!n)
			break;
		{
			kv_tree *t = stack[n - 1];
			const kv_tree_entry *e;
			if (next[n - 1] == t->nentries) {
				error = put(c, &t->id, KV_OBJ_TREE, t->raw,
				            t->rawlen);
				kv_tree__free(t);
				n--;
				if (error < 0 || !n)
					break;
				continue;
			}
			e = &t->entries[next[n - 1]++];
			if (e->mode == KV_MODE_GITLINK)
				continue; /* another repository's commit */
			if ((error = needs_copy(c, e->id)) < 0)
				break;
			if (!error)
				continue;
			if (kv__mode_is_dir(e->mode)) {
				if (n > KV_KEY_MAX / 2) {
					error = kv__error(
					        KV_ECORRUPT,
					        "tree %s: nested too deep",
					        kv__oid_hex(&t->id));
					break;
				}
				id = *e->id;
				open = 1;
				continue;
			}
			if ((error = get(c, e->id, KV_OBJ_BLOB)) < 0 ||
			    (error = put(c, e->id, KV_OBJ_BLOB, c->buf.ptr,
			                 c->buf.size)) < 0)
				break;
		}
	}
	while (n)
		kv_tree__free(stack[--n]);
	free(stack);
	free(next);
	return error < 0 ? error : 0;
}

/* One commit waiting for its parents. */
struct cframe {
	kv_commit *commit;
	char *raw;
	size_t len, next; /* next parent to look at */
};

static int push_commit(struct cframe **stack, size_t *n, size_t *cap,
                       struct copy *c, const kv_oid *id)
{
	struct cframe *f;
	int error;

	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct cframe *s = kv__realloc(*stack, nc * sizeof(*s));
		if (!s)
			return KV_ENOMEM;
		*stack = s;
		*cap = nc;
	}
	f = &(*stack)[*n];
	memset(f, 0, sizeof(*f));
	if ((error = get(c, id, KV_OBJ_COMMIT)) < 0 ||
	    (error = kv_commit__parse(&f->commit, id, c->buf.ptr,
	                              c->buf.size)) < 0)
		return error;
	f->len = c->buf.size;
	if (!(f->raw = kv__malloc(f->len ? f->len : 1))) {
		kv_commit_free(f->commit);
		return KV_ENOMEM;
	}
	memcpy(f->raw, c->buf.ptr, f->len);
	(*n)++;
	return 0;
}

/* Copy commit `tip` and its history, oldest first. */
static int copy_commits(struct copy *c, const kv_oid *tip)
{
	struct cframe *stack = NULL;
	size_t n = 0, cap = 0;
	int error = needs_copy(c, tip);

	if (error > 0)
		error = push_commit(&stack, &n, &cap, c, tip);
	while (error >= 0 && n) {
		struct cframe *f = &stack[n - 1];
		if (f->next < f->commit->nparents) {
			const kv_oid *p = &f->commit->parents[f->next++];
			if ((error = needs_copy(c, p)) > 0)
				error = push_commit(&stack, &n, &cap, c, p);
			continue;
		}
		if ((error = copy_tree(c, &f->commit->tree)) == 0)
			error = put(c, &f->commit->id, KV_OBJ_COMMIT, f->raw,
			            f->len);
		kv_commit_free(f->commit);
		free(f->raw);
		n--;
	}
	while (n) {
		kv_commit_free(stack[--n].commit);
		free(stack[n].raw);
	}
	free(stack);
	return error < 0 ? error : 0;
}

static int copy_object(struct copy *c, const kv_oid *id, int depth);

/* An annotated tag: its target first ("object <hex>\ntype <t>\n"). */
static int copy_tag(struct copy *c, const kv_oid *id, int depth)
{
	kv_buf raw = KV_BUF_INIT;
	kv_oid target;
	int error;

	if ((error = needs_copy(c, id)) <= 0)
		return error;
	if ((error = get(c, id, KV_OBJ_TAG)) < 0 ||
	    (error = kv_buf_set(&raw, c->buf.ptr, c->buf.size)) < 0)
		goto done;
	if (raw.size < 48 || memcmp(raw.ptr, "object ", 7) ||
	    raw.ptr[47] != '\n' ||
	    kv__oid_fromhexn(&target, raw.ptr + 7, KV_OID_HEXSZ) < 0) {
		error = kv__error(KV_ECORRUPT, "tag %s: no object line",
		                  kv__oid_hex(id));
		goto done;
	}
	if ((error = copy_object(c, &target, depth + 1)) == 0)
		error = put(c, id, KV_OBJ_TAG, raw.ptr, raw.size);
done:
	kv_buf_dispose(&raw);
	return error;
}

/* Copy whatever `id` is, and what it reaches. */
static int copy_object(struct copy *c, const kv_oid *id, int depth)
{
	kv_otype type;
	int error;

	if (depth > 16)
		return kv__error(KV_ECORRUPT, "tags nested too deep at %s",
		                 kv__oid_hex(id));
	if (kv_oidset_contains(&c->seen, id))
		return 0;
	error = kv__odb_read(&c->buf, &type, c->src, id, KV_OBJ_ANY);
	if (error == KV_ENOTFOUND)
		return kv__error(KV_ECORRUPT,
		                 "source store: %s points to %s, which is "
		                 "missing",
		                 c->ref, kv__oid_hex(id));
	if (error < 0)
		return error;
	switch (type) {
	case KV_OBJ_COMMIT:
		return copy_commits(c, id);
	case KV_OBJ_TREE:
		return copy_tree(c, id);
	case KV_OBJ_TAG:
		return copy_tag(c, id, depth);
	default:
		if ((error = needs_copy(c, id)) <= 0)
			return error;
		return put(c, id, type, c->buf.ptr, c->buf.size);
	}
}

struct ref_list {
	char **names;
	kv_oid *ids;
	size_t n, cap;
};

static int collect_ref(const char *name, const kv_oid *id, void *payload)
{
	struct ref_list *l = payload;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **names = kv__realloc(l->names, cap * sizeof(*names));
		kv_oid *ids =
		        names ? kv__realloc(l->ids, cap * sizeof(*ids)) : NULL;
		if (names)
			l->names = names;
		if (!ids)
			return 1;
		l->ids = ids;
		l->cap = cap;
	}
	if (!(l->names[l->n] = kv__strdup(name)))
		return 1;
	l->ids[l->n++] = *id;
	return 0;
}

int kv_store_copy(kv_store *dst, kv_store *src, kv_copy_cb cb, void *payload)
{
	struct copy c;
	struct ref_list refs = {NULL, NULL, 0, 0};
	int error, in_batch = 0;

	if (!dst || !src)
		return kv__error(KV_EINVALID, "kv_store_copy: no store");
	memset(&c, 0, sizeof(c));
	c.dst = dst;
	c.src = src;
	c.cb = cb;
	c.payload = payload;
	c.next_report = REPORT_EVERY;
	if ((error = src->be->ref_foreach(src->be, NULL, collect_ref, &refs)) <
	    0) {
		if (error == KV_EUSER)
			error = kv__error(KV_ENOMEM, "out of memory listing "
			                             "refs");
		goto done;
	}
	c.p.refs_total = refs.n;
	if (dst->be->begin) {
		if ((error = dst->be->begin(dst->be)) < 0)
			goto done;
		in_batch = 1;
	}
	for (size_t i = 0; i < refs.n && error == 0; i++) {
		c.ref = refs.names[i];
		error = copy_object(&c, &refs.ids[i], 0);
	}
	for (size_t i = 0; i < refs.n && error == 0; i++) {
		error = dst->be->ref_update(dst->be, refs.names[i],
		                            &refs.ids[i], NULL, KV_REF_FORCE);
		c.p.refs = i + 1;
	}
	if (error == 0 && in_batch) {
		in_batch = 0;
		error = dst->be->commit(dst->be);
	}
	if (error == 0)
		error = report(&c, 1);
done:
	if (in_batch)
		dst->be->rollback(dst->be);
	for (size_t i = 0; i < refs.n; i++)
		free(refs.names[i]);
	free(refs.names);
	free(refs.ids);
	kv_oidset_dispose(&c.seen);
	kv_buf_dispose(&c.buf);
	dst->has_last = 0;
	return error;
}
