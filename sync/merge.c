/*
 * merge.c: three-way merges of trees, and of branches.
 *
 * The tree merge recurses only where the three sides differ: a directory
 * whose ours and theirs ids are equal, or where one side equals the base,
 * is decided without being read, so the cost follows the changed paths,
 * not the size of the store. Where both sides changed a value, its
 * strategy decides (see strategy.c); every key that cannot be merged is
 * recorded as a kv_conflict, and the walk goes on so that the caller gets
 * all of them. A merge with conflicts writes no ref.
 *
 * kv_merge() adds the history: merge bases (several are first merged
 * into a virtual base, recursively, to a bounded depth), fast-forwards,
 * and the merge commit, with the branch merged into as first parent.
 */
#include <stdio.h>

#include "merge.h"

struct kv_merge_result {
	kv_conflict *conflicts;
	size_t n, cap;
	kv_oid tree, commit;
	int fastforward;
};

struct merge_ctx {
	kv_store *s;
	int forced; /* strategy for every key, or -1 */
	kv_merge_resolver resolver;
	void *payload;
	kv_attributes *attrs; /* from the merged .kvattributes, or NULL */
	int ours_later;       /* for lww: 1 ours, 0 theirs, -1 by id */
	int take_ours;        /* virtual bases: conflicts take ours */
	int counters;         /* some key may use "counter": equal changes on
	                         both sides add up, so they are merged, not
	                         taken as agreement */
	kv_merge_result *res;
	kv_buf path;
};

/* One side of a name: absent (mode 0), a value, or a directory. */
struct side {
	unsigned int mode;
	kv_oid id;
};

/* ---- results ---- */

size_t kv_merge_result_conflictcount(const kv_merge_result *r)
{
	return r ? r->n : 0;
}

const kv_conflict *kv_merge_result_conflict(const kv_merge_result *r, size_t i)
{
	return r && i < r->n ? &r->conflicts[i] : NULL;
}

const kv_oid *kv_merge_result_tree(const kv_merge_result *r)
{
	return &r->tree;
}

const kv_oid *kv_merge_result_commit(const kv_merge_result *r)
{
	return &r->commit;
}

int kv_merge_result_fastforward(const kv_merge_result *r)
{
	return r->fastforward;
}

void kv_merge_result_free(kv_merge_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free((char *)r->conflicts[i].key);
	free(r->conflicts);
	free(r);
}

kv_merge_result *kv__merge_result_new(void)
{
	return kv__calloc(1, sizeof(kv_merge_result));
}

void kv__merge_result_set(kv_merge_result *res, const kv_oid *tree,
                          const kv_oid *commit, int fastforward)
{
	if (tree)
		res->tree = *tree;
	if (commit)
		res->commit = *commit;
	res->fastforward = fastforward;
}

int kv_merge_options_init(kv_merge_options *opts, unsigned int version)
{
	if (version != KV_MERGE_OPTIONS_VERSION)
		return kv__error(KV_EINVALID, "unknown options version %u",
		                 version);
	memset(opts, 0, sizeof(*opts));
	opts->version = version;
	return 0;
}

static int add_conflict(struct merge_ctx *m, kv_conflict_kind kind,
                        const char *strategy, const char *reason,
                        const struct side *b, const struct side *o,
                        const struct side *t)
{
	kv_merge_result *r = m->res;
	kv_conflict *c;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		kv_conflict *nc = kv__realloc(r->conflicts, cap * sizeof(*nc));
		if (!nc)
			return KV_ENOMEM;
		r->conflicts = nc;
		r->cap = cap;
	}
	c = &r->conflicts[r->n];
	memset(c, 0, sizeof(*c));
	if (!(c->key = kv__strdup(m->path.ptr ? m->path.ptr : "")))
		return KV_ENOMEM;
	c->kind = kind;
	c->strategy = strategy;
	c->reason = reason;
	c->base = b->id, c->base_mode = b->mode;
	c->ours = o->id, c->ours_mode = o->mode;
	c->theirs = t->id, c->theirs_mode = t->mode;
	r->n++;
	return 0;
}

/* ---- values ---- */

static int same_side(const struct side *a, const struct side *b)
{
	return a->mode == b->mode && (!a->mode || kv__oid_eq(&a->id, &b->id));
}

static int is_dir(const struct side *x)
{
	return x->mode == KV_MODE_TREE;
}

static int read_side(kv_buf *out, const kv_buf **ptr, struct merge_ctx *m,
                     const struct side *x)
{
	*ptr = NULL;
	if (!x->mode)
		return 0;
	*ptr = out;
	return kv__odb_read(out, NULL, m->s, &x->id, KV_OBJ_BLOB);
}

static int strategy_for(struct merge_ctx *m)
{
	const char *name;
	int st;
	if (m->forced >= 0)
		return m->forced;
	name = kv__attributes_merge(m->attrs, m->path.ptr);
	st = name ? kv__strategy_from_name(name) : -1;
	return st < 0 ? KV_STRATEGY_DEFAULT : st;
}

/* Both sides changed the value at m->path: resolver, then strategy. */
static int merge_value(struct side *out, struct merge_ctx *m,
                       const struct side *b, const struct side *o,
                       const struct side *t)
{
	kv_buf bb = KV_BUF_INIT, ob = KV_BUF_INIT, tb = KV_BUF_INIT;
	kv_buf res = KV_BUF_INIT;
	const kv_buf *pb, *po, *pt;
	const char *reason = NULL;
	int st = strategy_for(m), removed = 0, error;
	kv_conflict_kind kind =
	        !b->mode && o->mode && t->mode ? KV_CONFLICT_ADD_ADD
	        : !o->mode || !t->mode         ? KV_CONFLICT_MODIFY_DELETE
	                                       : KV_CONFLICT_CONTENT;

	memset(out, 0, sizeof(*out)); /* absent, also after a conflict */
	if ((o->mode && o->mode != KV_MODE_BLOB) ||
	    (t->mode && t->mode != KV_MODE_BLOB) ||
	    (b->mode && b->mode != KV_MODE_BLOB)) {
		/* Executables, links, submodules: only the default rule. */
		if (m->take_ours)
			return *out = *o, 0;
		return add_conflict(m, kind, "default",
		                    "not a plain value (mode differs)", b, o,
		                    t);
	}
	if ((error = read_side(&bb, &pb, m, b)) < 0 ||
	    (error = read_side(&ob, &po, m, o)) < 0 ||
	    (error = read_side(&tb, &pt, m, t)) < 0)
		goto done;
	error = KV_ENOTFOUND;
	if (m->resolver) {
		error = m->resolver(&res, &removed, m->path.ptr, pb, po, pt,
		                    m->payload);
		if (error == KV_ECONFLICT)
			reason = "the resolver reported a conflict";
		else if (error != 0 && error != KV_ENOTFOUND)
			goto done;
	}
	if (error == KV_ENOTFOUND)
		error = kv__strategy_merge(
		        &res, &removed, &reason, st, pb, po, pt,
		        m->ours_later >= 0 ? m->ours_later
		                           : kv__oid_cmp(&o->id, &t->id) > 0);
	if (error == KV_ECONFLICT) {
		if (m->take_ours)
			*out = *o, error = 0;
		else
			error = add_conflict(m, kind, kv__strategy_name(st),
			                     reason, b, o, t);
		goto done;
	}
	if (error < 0)
		goto done;
	if (removed) {
		out->mode = 0;
	} else {
		out->mode = KV_MODE_BLOB;
		error = kv__odb_write(&out->id, m->s, KV_OBJ_BLOB,
		                      res.ptr ? res.ptr : "", res.size);
	}
done:
	kv_buf_dispose(&bb);
	kv_buf_dispose(&ob);
	kv_buf_dispose(&tb);
	kv_buf_dispose(&res);
	return error;
}

/* ---- trees ---- */

static int merge_dir(kv_oid *out, int *empty, struct merge_ctx *m,
                     const kv_oid *b, const kv_oid *o, const kv_oid *t,
                     int depth);

struct named {
	const kv_tree_entry *e;
	int side; /* 0 base, 1 ours, 2 theirs */
};

/* Entries in plain byte order of their names (shorter first on a tie). */
static int name_cmp(const kv_tree_entry *a, const kv_tree_entry *b)
{
	size_t n = a->namelen < b->namelen ? a->namelen : b->namelen;
	int c = kv__name_memcmp(a->name, b->name, n);
	if (c)
		return c;
	return a->namelen == b->namelen ? 0 : a->namelen < b->namelen ? -1 : 1;
}

static int named_cmp(const void *x, const void *y)
{
	const struct named *a = x, *b = y;
	int c = name_cmp(a->e, b->e);
	return c ? c : a->side - b->side;
}

static void to_side(struct side *s, const kv_tree_entry *e)
{
	s->mode = e ? e->mode : 0;
	if (e)
		s->id = *e->id;
	else
		memset(&s->id, 0, sizeof(s->id));
}

/* The side a name takes without looking inside it, or NULL. Equal changes
 * agree, except for counters, where they add up: a directory that may
 * hold a counter is walked. */
static const struct side *taken_side(const struct merge_ctx *m,
                                     const struct side *b, const struct side *o,
                                     const struct side *t)
{
	int counted = m->counters && same_side(o, t) && !same_side(b, o);
	if ((same_side(o, t) && !(counted && is_dir(o))) || same_side(b, t))
		return o;
	if (same_side(b, o))
		return t;
	return NULL;
}

static int dir_or_absent(const struct side *x)
{
	return is_dir(x) || !x->mode;
}

/* Decide one name; *out gets the result (mode 0: absent). */
static int merge_name(struct side *out, struct merge_ctx *m,
                      const struct side *b, const struct side *o,
                      const struct side *t, int depth)
{
	static const kv_oid zero;
	const struct side *taken;
	int empty, error;

	/* Equal changes to a counter add up. */
	if (m->counters && same_side(o, t) && !same_side(b, o) &&
	    o->mode == KV_MODE_BLOB && strategy_for(m) == KV_STRATEGY_COUNTER)
		return merge_value(out, m, b, o, t);
	if ((taken = taken_side(m, b, o, t)))
		return *out = *taken, 0;
	if (dir_or_absent(o) && dir_or_absent(t) && dir_or_absent(b)) {
		error = merge_dir(&out->id, &empty, m,
		                  is_dir(b) ? &b->id : &zero,
		                  is_dir(o) ? &o->id : &zero,
		                  is_dir(t) ? &t->id : &zero, depth + 1);
		out->mode = error || empty ? 0 : KV_MODE_TREE;
		return error;
	}
	if (!is_dir(o) && !is_dir(t) && !is_dir(b))
		return merge_value(out, m, b, o, t);
	/* A value on one side, a directory on the other. */
	if (m->take_ours)
		return *out = *o, 0;
	out->mode = 0;
	return add_conflict(m, KV_CONFLICT_VALUE_DIR, "default",
	                    "a value on one side, a directory on the other", b,
	                    o, t);
}

/* Git's order is byte order except where a directory name is a prefix of
 * a name that continues below '/' ("a-b" < "a/"). */
static int in_byte_order(const kv_tree *t)
{
	for (size_t i = 1; i < t->nentries; i++)
		if (name_cmp(&t->entries[i - 1], &t->entries[i]) >= 0)
			return 0;
	return 1;
}

/* Group the entries of the three trees by name, in byte order: a linear
 * three-way merge when every tree is in byte order already (nearly
 * always), else a sort (qsort was a tenth of a large merge). */
static int gather(struct named **out, size_t *n, kv_tree *const trees[3])
{
	size_t total = 0, k = 0, at[3] = {0, 0, 0};
	struct named *v;
	for (int i = 0; i < 3; i++)
		total += trees[i]->nentries;
	if (!(v = kv__calloc(total ? total : 1, sizeof(*v))))
		return KV_ENOMEM;
	*out = v;
	*n = total;
	if (!in_byte_order(trees[0]) || !in_byte_order(trees[1]) ||
	    !in_byte_order(trees[2])) {
		for (int i = 0; i < 3; i++)
			for (size_t j = 0; j < trees[i]->nentries; j++)
				v[k].e = &trees[i]->entries[j], v[k++].side = i;
		qsort(v, total, sizeof(*v), named_cmp);
		return 0;
	}
	for (; k < total; k++) {
		int pick = -1; /* the least name; the lower side on a tie */
		for (int i = 0; i < 3; i++)
			if (at[i] < trees[i]->nentries &&
			    (pick < 0 ||
			     name_cmp(&trees[i]->entries[at[i]],
			              &trees[pick]->entries[at[pick]]) < 0))
				pick = i;
		v[k].e = &trees[pick]->entries[at[pick]++];
		v[k].side = pick;
	}
	return 0;
}

struct out_entry {
	const char *name;
	size_t namelen;
	struct side x;
};

static int out_cmp(const void *a, const void *b)
{
	const struct out_entry *x = a, *y = b;
	return kv__entry_cmp(x->name, x->namelen, is_dir(&x->x), y->name,
	                     y->namelen, is_dir(&y->x));
}

/* Encode and write the result entries; empty directories vanish. */
static int write_dir(kv_oid *out, int *empty, struct merge_ctx *m,
                     struct out_entry *v, size_t n)
{
	kv_buf enc = KV_BUF_INIT;
	int error = 0;
	size_t i = 1, size;
	while (i < n && out_cmp(&v[i - 1], &v[i]) < 0)
		i++;
	if (i < n) /* byte order is git order unless a dir prefixes a name */
		qsort(v, n, sizeof(*v), out_cmp);
	for (i = 0, size = 0; i < n; i++) /* "<mode> <name>\0<id>" */
		size += 7 + v[i].namelen + 21;
	error = kv_buf_grow(&enc, size);
	for (i = 0; i < n && !error; i++)
		error = kv_tree__put_entry(&enc, v[i].x.mode, v[i].name,
		                           v[i].namelen, &v[i].x.id);
	*empty = enc.size == 0;
	if (!error && !*empty)
		error = kv__odb_write(out, m->s, KV_OBJ_TREE, enc.ptr,
		                      enc.size);
	if (*empty)
		*out = kv__empty_tree_id;
	kv_buf_dispose(&enc);
	return error;
}

/* The entries of the group that starts at v[i] (one per side at most),
 * as sides; returns where the next group starts. */
static size_t next_group(struct side s[3], const struct named *v, size_t n,
                         size_t i)
{
	const kv_tree_entry *e[3] = {NULL, NULL, NULL};
	size_t j = i;
	while (j < n && v[j].e->namelen == v[i].e->namelen &&
	       !kv__name_memcmp(v[j].e->name, v[i].e->name, v[i].e->namelen))
		e[v[j].side] = v[j].e, j++;
	for (int k = 0; k < 3; k++)
		to_side(&s[k], e[k]);
	return j;
}

/* merge_name with the name's path in m->path meanwhile. */
static int merge_at(struct side *out, struct merge_ctx *m,
                    const struct side s[3], const kv_tree_entry *e, int depth)
{
	size_t keep = m->path.size;
	int error;

	if ((!keep || (error = kv_buf_put(&m->path, "/", 1)) == 0) &&
	    (error = kv_buf_put(&m->path, e->name, e->namelen)) == 0)
		error = merge_name(out, m, &s[0], &s[1], &s[2], depth);
	m->path.size = keep;
	if (m->path.ptr) /* NULL only if its first growth failed */
		m->path.ptr[keep] = '\0';
	return error;
}

static int merge_entries(struct merge_ctx *m, struct named *v, size_t n,
                         struct out_entry *outv, size_t *nout, int depth)
{
	int error = 0;
	for (size_t i = 0; i < n && !error;) {
		struct side s[3], r = {0, {{0}}};
		const struct side *taken;
		size_t j = next_group(s, v, n, i);

		/* Most names take one side: decide those without building
		 * their path (counters need it, for their strategy). */
		if (!m->counters &&
		    (taken = taken_side(m, &s[0], &s[1], &s[2])))
			r = *taken;
		else
			error = merge_at(&r, m, s, v[i].e, depth);
		if (!error && r.mode) {
			outv[*nout].name = v[i].e->name;
			outv[*nout].namelen = v[i].e->namelen;
			outv[(*nout)++].x = r;
		}
		i = j;
	}
	return error;
}

static int merge_dir(kv_oid *out, int *empty, struct merge_ctx *m,
                     const kv_oid *b, const kv_oid *o, const kv_oid *t,
                     int depth)
{
	kv_tree *trees[3] = {NULL, NULL, NULL};
	struct named *v = NULL;
	struct out_entry *outv = NULL;
	size_t n = 0, nout = 0;
	int error = 0;

	/* Decided without reading: the cost follows the changed paths. */
	if ((kv__oid_eq(o, t) && !m->counters) || kv__oid_eq(b, t) ||
	    kv__oid_eq(b, o)) {
		const kv_oid *pick = kv__oid_eq(b, o) ? t : o;
		*out = *pick;
		*empty = kv_oid_is_zero(pick) ||
		         kv__oid_eq(pick, &kv__empty_tree_id);
		return 0;
	}
	if (depth > KV_KEY_MAX / 2)
		return kv__error(KV_ECORRUPT, "trees nested too deep");
	if ((error = kv__tree_get_once(&trees[0], m->s, b)) < 0 ||
	    (error = kv__tree_get_once(&trees[1], m->s, o)) < 0 ||
	    (error = kv__tree_get_once(&trees[2], m->s, t)) < 0 ||
	    (error = gather(&v, &n, trees)) < 0)
		goto done;
	if (!(outv = kv__calloc(n ? n : 1, sizeof(*outv)))) {
		error = KV_ENOMEM;
		goto done;
	}
	if ((error = merge_entries(m, v, n, outv, &nout, depth)) == 0)
		error = write_dir(out, empty, m, outv, nout);
done:
	free(v);
	free(outv);
	for (int i = 0; i < 3; i++)
		kv__tree_release(m->s, trees[i]);
	return error;
}

/* ---- .kvattributes ---- */

/* Strategies come from the .kvattributes of the merged tree: merge that
 * file first by the default rule; if it conflicts, use ours. */
static int load_attributes(struct merge_ctx *m, const kv_oid *b,
                           const kv_oid *o, const kv_oid *t)
{
	struct side s[3], r;
	const kv_oid *trees[3] = {b, o, t};
	kv_buf text = KV_BUF_INIT;
	int error = 0;

	for (int i = 0; i < 3; i++) {
		unsigned int mode = 0;
		kv_oid id;
		int e = kv__tree_lookup(&mode, &id, m->s, trees[i],
		                        ".kvattributes");
		if (e < 0 && e != KV_ENOTFOUND)
			return e;
		s[i].mode = e == 0 && mode == KV_MODE_BLOB ? mode : 0;
		s[i].id = e == 0 ? id : kv__empty_tree_id;
	}
	kv_error_clear();
	r = s[1];
	if (!same_side(&s[1], &s[2]) && !same_side(&s[0], &s[2]))
		r = same_side(&s[0], &s[1]) ? s[2] : s[1];
	if (!r.mode)
		return 0;
	if ((error = kv__odb_read(&text, NULL, m->s, &r.id, KV_OBJ_BLOB)) == 0)
		error = kv__attributes_parse(
		        &m->attrs, text.ptr ? text.ptr : "", text.size);
	kv_buf_dispose(&text);
	return error;
}

/* ---- entry points ---- */

static int ctx_init(struct merge_ctx *m, kv_store *s, const kv_merge_options *o,
                    kv_merge_result *res)
{
	memset(m, 0, sizeof(*m));
	m->s = s;
	m->res = res;
	m->forced = -1;
	if (!o)
		return 0;
	if (o->version != KV_MERGE_OPTIONS_VERSION)
		return kv__error(KV_EINVALID, "unknown merge options version");
	if (o->strategy &&
	    (m->forced = kv__strategy_from_name(o->strategy)) < 0)
		return kv__error(KV_EINVALID,
		                 "unknown merge strategy '%s' (default, ours, "
		                 "theirs, counter, lines, cbor, lww)",
		                 o->strategy);
	m->resolver = o->resolver;
	m->payload = o->payload;
	return 0;
}

/* Merge three trees into res->tree, collecting conflicts in res. */
static int run_tree_merge(struct merge_ctx *m, const kv_oid *b, const kv_oid *o,
                          const kv_oid *t)
{
	static const kv_oid zero;
	int empty, error;

	if (!b)
		b = &zero;
	if (m->forced < 0 && (error = load_attributes(m, b, o, t)) < 0)
		return error;
	m->counters =
	        m->forced == KV_STRATEGY_COUNTER ||
	        (m->forced < 0 && kv__attributes_uses(m->attrs, "counter"));
	error = merge_dir(&m->res->tree, &empty, m, b, o, t, 0);
	if (!error && empty && kv_oid_is_zero(&m->res->tree))
		m->res->tree = kv__empty_tree_id;
	if (!error && empty)
		error = kv__odb_write(&m->res->tree, m->s, KV_OBJ_TREE, "", 0);
	kv_buf_dispose(&m->path);
	kv__attributes_free(m->attrs);
	m->attrs = NULL;
	if (!error && m->res->n)
		error = kv__error(KV_ECONFLICT,
		                  "merge conflict in %zu key%s, first: %s",
		                  m->res->n, m->res->n == 1 ? "" : "s",
		                  m->res->conflicts[0].key);
	return error;
}

int kv__merge_trees(kv_merge_result *res, kv_store *s, const kv_oid *base,
                    const kv_oid *ours, const kv_oid *theirs,
                    const kv_merge_options *opts, int ours_later, int take_ours)
{
	struct merge_ctx m;
	int error;
	if ((error = ctx_init(&m, s, opts, res)) < 0)
		return error;
	m.ours_later = ours_later;
	m.take_ours = take_ours;
	return run_tree_merge(&m, base, ours, theirs);
}

int kv_merge_trees(kv_merge_result **out, kv_store *s, const kv_oid *base,
                   const kv_oid *ours, const kv_oid *theirs,
                   const kv_merge_options *opts)
{
	kv_merge_result *res = kv__calloc(1, sizeof(*res));
	int error;
	if (!res)
		return KV_ENOMEM;
	error = kv__merge_trees(res, s, base, ours, theirs, opts, -1, 0);
	if (error == KV_ECONFLICT)
		memset(&res->tree, 0, sizeof(res->tree));
	if (out)
		*out = res;
	else
		kv_merge_result_free(res);
	return error;
}
