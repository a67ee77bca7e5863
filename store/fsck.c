/*
 * fsck.c: checking a whole store, and counting what is in it.
 *
 * Pass 1 reads every object as stored, re-hashes it with collision
 * detection (SHA1DC) and parses trees and commits strictly. Pass 2 walks
 * from every ref and checks that each commit's history and trees are
 * complete, and that the backend's commit-graph cache agrees with each
 * commit. Problems go to the callback; the walk goes on after each.
 */
#include <stdio.h>

#include "oidset.h"
#include "store.h"

struct fsck {
	kv_store *s;
	kv_fsck_cb cb;
	void *payload;
	size_t problems;
	kv_oid *ids; /* every stored object, from pass 1 */
	size_t nids, cap;
	kv_oidset reached;
	kv_buf buf;
};

static int report(struct fsck *f, const kv_oid *id, const char *ref,
                  const char *message)
{
	kv_fsck_problem p;
	memset(&p, 0, sizeof(p));
	if (id)
		p.id = *id;
	p.ref = ref;
	p.message = message;
	f->problems++;
	if (f->cb && f->cb(&p, f->payload))
		return kv__error(KV_EUSER, "stopped by callback");
	return 0;
}

static int collect(const kv_oid *id, kv_otype type, size_t size, size_t stored,
                   void *payload)
{
	struct fsck *f = payload;
	KV_UNUSED(type), KV_UNUSED(size), KV_UNUSED(stored);
	if (f->nids == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 1024;
		kv_oid *p = realloc(f->ids, cap * sizeof(*p));
		if (!p)
			return 1;
		f->ids = p;
		f->cap = cap;
	}
	f->ids[f->nids++] = *id;
	return 0;
}

/* Pass 1 for one object. */
static int check_object(struct fsck *f, const kv_oid *id)
{
	kv_otype type;
	kv_oid check;
	int error = f->s->be->read(&f->buf, &type, f->s->be, id);

	if (error == 0 && !kv_otype_name(type))
		error = kv__error(KV_ECORRUPT, "object %s: unknown type %d",
		                  kv__oid_hex(id), (int)type);
	if (error == 0 &&
	    (error = kv__object_hash_checked(&check, type,
	                                     f->buf.ptr ? f->buf.ptr : "",
	                                     f->buf.size)) == 0 &&
	    !kv_oid_equal(&check, id))
		error = kv__error(KV_ECORRUPT,
		                  "object %s is corrupt: its content hashes "
		                  "to %s",
		                  kv__oid_hex(id), kv__oid_hex(&check));
	if (error == 0 && type == KV_OBJ_TREE) {
		kv_tree *t;
		if ((error = kv_tree__parse(&t, id, f->buf.ptr, f->buf.size)) ==
		    0)
			kv_tree__free(t);
	} else if (error == 0 && type == KV_OBJ_COMMIT) {
		kv_commit *c;
		if ((error = kv_commit__parse(&c, id, f->buf.ptr,
		                              f->buf.size)) == 0)
			kv_commit_free(c);
	}
	if (error == KV_ENOMEM || error == KV_EIO)
		return error;
	if (error < 0)
		return report(f, id, NULL, kv_error_last()->message);
	return 0;
}

static int check_tree_reach(struct fsck *f, const kv_oid *id, const char *ref,
                            int depth);

/* Check that tree `id` and everything below it is present and sound. */
static int check_tree_reach(struct fsck *f, const kv_oid *id, const char *ref,
                            int depth)
{
	kv_tree *t;
	int error = kv_oidset_add(&f->reached, id);
	if (error <= 0)
		return error;
	if (depth > KV_KEY_MAX / 2)
		return report(f, id, ref, "trees nested too deep");
	if ((error = kv__tree_get(&t, f->s, id)) < 0) {
		if (error == KV_ENOMEM)
			return error;
		return report(f, id, ref, kv_error_last()->message);
	}
	for (size_t i = 0; i < t->nentries && error >= 0; i++) {
		const kv_tree_entry *e = &t->entries[i];
		char msg[200];
		if (kv__mode_is_dir(e->mode)) {
			error = check_tree_reach(f, e->id, ref, depth + 1);
		} else if (e->mode != KV_MODE_GITLINK &&
		           kv_oidset_add(&f->reached, e->id) == 1 &&
		           f->s->be->exists(f->s->be, e->id) <= 0) {
			snprintf(msg, sizeof(msg),
			         "tree %s: entry '%.*s': blob %s is missing",
			         kv__oid_hex(id), (int)e->namelen, e->name,
			         kv__oid_hex(e->id));
			error = report(f, e->id, ref, msg);
		}
	}
	kv__tree_release(f->s, t);
	return error;
}

/* The backend's commit-graph cache must agree with commit `c` itself:
 * merge bases trust it (lmdb's `commits` database, git's commit-graph
 * file). A commit the cache lacks is fine. */
static int check_graph_entry(struct fsck *f, const kv_commit *c,
                             const char *ref)
{
	kv_backend *be = f->s->be;
	kv_commit_info ci, pi;
	const char *what = NULL;
	char msg[200];
	int error;

	if (!be->commit_info)
		return 0;
	if ((error = be->commit_info(&ci, be, &c->id)) == KV_ENOTFOUND) {
		kv_error_clear();
		return 0;
	}
	if (error == KV_ECORRUPT)
		return report(f, &c->id, ref, kv_error_last()->message);
	if (error < 0)
		return error;
	if (!kv_oid_equal(&ci.tree, &c->tree))
		what = "tree";
	else if (ci.nparents != c->nparents)
		what = "number of parents";
	else if (ci.time != c->committer.time)
		what = "time";
	else if (!c->nparents && ci.generation > 1)
		what = "generation"; /* a root's is 1 (0: unknown) */
	for (size_t i = 0; !what && i < c->nparents && i < 2; i++) {
		if (!kv_oid_equal(&ci.parents[i], &c->parents[i]))
			what = "parents";
		else if (ci.generation &&
		         be->commit_info(&pi, be, &c->parents[i]) == 0 &&
		         pi.generation >= ci.generation)
			what = "generation";
	}
	kv_error_clear();
	if (!what)
		return 0;
	snprintf(msg, sizeof(msg),
	         "commit %s: the commit-graph cache has a wrong %s",
	         kv__oid_hex(&c->id), what);
	return report(f, &c->id, ref, msg);
}

/* Pass 2 for one ref: walk its whole history. */
static int check_ref(struct fsck *f, const char *ref, const kv_oid *head)
{
	kv_oid *stack = NULL;
	size_t n = 0, cap = 0;
	int error = 0;

	if (kv_oidset_add(&f->reached, head) == 0)
		return 0;
	if (!(stack = kv__malloc(16 * sizeof(*stack))))
		return KV_ENOMEM;
	cap = 16;
	stack[n++] = *head;
	while (n && error >= 0) {
		kv_oid id = stack[--n];
		kv_commit *c;
		if ((error = kv_commit_lookup(&c, f->s, &id)) < 0) {
			error = error == KV_ENOMEM
			                ? error
			                : report(f, &id, ref,
			                         kv_error_last()->message);
			continue;
		}
		if ((error = check_graph_entry(f, c, ref)) >= 0)
			error = check_tree_reach(f, &c->tree, ref, 0);
		for (size_t i = 0; i < c->nparents && error >= 0; i++) {
			if (kv_oidset_add(&f->reached, &c->parents[i]) != 1)
				continue;
			if (n == cap) {
				kv_oid *p = kv__realloc(stack,
				                        2 * cap * sizeof(*p));
				if (!p) {
					error = KV_ENOMEM;
					break;
				}
				stack = p;
				cap *= 2;
			}
			stack[n++] = c->parents[i];
		}
		kv_commit_free(c);
	}
	free(stack);
	return error;
}

/* Follow annotated tags (as git writes them) to the object they name;
 * a tag without a well-formed "object" line is a problem (1). */
static int peel_tags(struct fsck *f, const char *ref, kv_oid *id)
{
	const char *problem = "tags nested too deep";
	int error;

	for (int depth = 0; depth < 16; depth++) {
		kv_otype type;
		if (kv__odb_read(&f->buf, &type, f->s, id, KV_OBJ_ANY) < 0 ||
		    type != KV_OBJ_TAG) {
			kv_error_clear(); /* check_ref reports it */
			return 0;
		}
		kv_oidset_add(&f->reached, id);
		if (f->buf.size < 48 || memcmp(f->buf.ptr, "object ", 7) ||
		    f->buf.ptr[47] != '\n' ||
		    kv__oid_fromhexn(id, f->buf.ptr + 7, KV_OID_HEXSZ) < 0) {
			problem = "tag without an object line";
			break;
		}
	}
	error = report(f, id, ref, problem);
	return error < 0 ? error : 1;
}

static int ref_cb(const char *name, const kv_oid *id, void *payload)
{
	struct fsck *f = payload;
	kv_oid target = *id;
	int error = peel_tags(f, name, &target);
	if (error)
		return error < 0;
	return check_ref(f, name, &target) < 0;
}

int kv_fsck(size_t *problems, kv_store *s, kv_fsck_cb cb, void *payload)
{
	struct fsck f;
	int error = 0;

	memset(&f, 0, sizeof(f));
	f.s = s;
	f.cb = cb;
	f.payload = payload;
	if (s->be->object_foreach &&
	    (error = s->be->object_foreach(s->be, collect, &f)) < 0)
		goto done;
	for (size_t i = 0; i < f.nids && error >= 0; i++)
		error = check_object(&f, &f.ids[i]);
	if (error >= 0 &&
	    (error = s->be->ref_foreach(s->be, NULL, ref_cb, &f)) == KV_EUSER &&
	    kv_error_last() && kv_error_last()->code == KV_EUSER)
		error = kv__error(KV_ERROR, "fsck: walking refs failed");
done:
	if (problems)
		*problems = f.problems;
	free(f.ids);
	kv_oidset_dispose(&f.reached);
	kv_buf_dispose(&f.buf);
	return error < 0 ? error : 0;
}

static int count_object(const kv_oid *id, kv_otype type, size_t size,
                        size_t stored, void *payload)
{
	kv_stats *st = payload;
	KV_UNUSED(id);
	st->objects++;
	st->blobs += type == KV_OBJ_BLOB;
	st->trees += type == KV_OBJ_TREE;
	st->commits += type == KV_OBJ_COMMIT;
	st->object_bytes += size;
	st->stored_bytes += stored;
	return 0;
}

static int count_ref(const char *name, const kv_oid *id, void *payload)
{
	KV_UNUSED(name), KV_UNUSED(id);
	((kv_stats *)payload)->refs++;
	return 0;
}

int kv_store_stats(kv_stats *out, kv_store *s)
{
	int error;
	memset(out, 0, sizeof(*out));
	if (s->be->object_foreach &&
	    (error = s->be->object_foreach(s->be, count_object, out)) < 0)
		return error;
	if ((error = s->be->ref_foreach(s->be, NULL, count_ref, out)) < 0)
		return error;
	if (s->be->disk_size)
		return s->be->disk_size(&out->disk_bytes, s->be);
	return 0;
}
