/*
 * git.c: the git backend: objects and refs in a git repository, through
 * libgit2, so that git reads and writes the same repository.
 *
 * | kv                 | git                                               |
 * |--------------------|---------------------------------------------------|
 * | read, exists       | the repository's object database (libgit2): loose  |
 * |                    | objects, packs, alternates                         |
 * | write              | a loose object (git_pack.c), or inside a batch the |
 * |                    | batch's objects: loose below 100, else one pack    |
 * | ref_read           | the refdb (loose and packed refs); symbolic refs   |
 * |                    | resolved                                           |
 * | ref_update         | a libgit2 ref transaction: lock (refs/X.lock),     |
 * |                    | compare, then write at commit                      |
 * | begin/commit       | objects first (pack or loose, fsynced), then refs  |
 * | gc                 | libgit2's packbuilder, then remove what it made    |
 * |                    | redundant, then pack refs, then write a commit-    |
 * |                    | graph file                                         |
 * | commit_info        | git's commit-graph file, when there is one         |
 * |                    | (git_graph.c)                                      |
 *
 * Compare-and-swap. A ref_update takes the ref's lock file, as git does,
 * and compares under the lock; inside a batch the lock is held until the
 * batch commits, so a batch that has moved a ref cannot lose it afterwards
 * (the same promise as lmdb's writer lock). A lock held by someone else is
 * waited for up to two seconds, then KV_ELOCKED. A non-bare repository
 * whose index.lock exists (git is committing in it) refuses batches the
 * same way.
 *
 * Reads: libgit2 re-hashes each object it reads (its default strict hash
 * verification) and the store re-hashes again (store/odb.c); both checks
 * are kept (docs/ARCHITECTURE.md, "Storage: git", has the figures). A ref
 * whose target is not in the repository is reported as KV_ECORRUPT.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>
#include <git2/sys/commit_graph.h>

#include "git_graph.h"
#include "git_pack.h"
#include "oidset.h"

#define DEFAULT_PACK_OBJECTS 100
#define LOCK_WAIT_MS         2000

/* A ref the open batch has locked, and what it will become. */
struct staged_ref {
	char *name;
	int changed; /* a ref_update succeeded on it */
	int deleted; /* ... deleting it */
	kv_oid id;   /* ... else setting it to this */
};

typedef struct {
	kv_backend parent;
	git_repository *repo;
	git_odb *odb;
	char *gitdir;            /* the repository folder, no trailing '/' */
	char *objdir;            /* its objects folder */
	unsigned int flags;      /* KV_OPEN_* */
	unsigned int pack_min;   /* batches of more objects become packs */
	gp_batch batch;          /* objects of the open batch */
	int in_batch;            /* a batch is open */
	git_transaction *tx;     /* ref locks held, or NULL */
	struct staged_ref *refs; /* refs locked by the batch */
	size_t nrefs, refcap;
	kv_oid checked; /* the last ref target found present */
	int has_checked;
	struct ref_cache { /* loose refs read, by name */
		char name[128];
		struct stat st; /* of the file when it was read */
		kv_oid id;
	} rcache[4];
	unsigned int rnext; /* the slot to replace next */
	gg_graph *graph;    /* git's commit-graph file as of open or gc */
} git_backend;

static int gb_fail(int gerr, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Translate libgit2's error `gerr` into a kv code, keeping its message:
 * "git: <what>: <libgit2's message>". */
static int gb_fail(int gerr, const char *fmt, ...)
{
	const git_error *e = git_error_last();
	char what[512];
	va_list ap;
	int code;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	switch (gerr) {
	case GIT_ENOTFOUND:
		code = KV_ENOTFOUND;
		break;
	case GIT_EEXISTS:
		code = KV_EEXISTS;
		break;
	case GIT_EAMBIGUOUS:
		code = KV_EAMBIGUOUS;
		break;
	case GIT_ELOCKED:
		code = KV_ELOCKED;
		break;
	case GIT_EMODIFIED:
		code = KV_EMODIFIED;
		break;
	case GIT_EINVALIDSPEC:
	case GIT_EDIRECTORY:
		code = KV_EINVALID;
		break;
	case GIT_EMISMATCH:
		code = KV_ECORRUPT;
		break;
	default:
		code = !e                               ? KV_ERROR
		       : e->klass == GIT_ERROR_NOMEMORY ? KV_ENOMEM
		       : e->klass == GIT_ERROR_OS       ? KV_EIO
		                                        : KV_ERROR;
	}
	return kv__error(code, "git: %s: %s", what,
	                 e && e->message ? e->message : "failed");
}

static void to_git(git_oid *out, const kv_oid *id)
{
	memcpy(out->id, id->id, 20);
}

static int rdonly_error(const git_backend *g)
{
	return kv__error(KV_EINVALID, "git: repository %s is opened read-only",
	                 g->gitdir);
}

/* Sleep `ms` milliseconds. */
static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* ---- objects ---- */

/* 1 if `id` is in the repository as of its last refresh (no rescan of
 * the pack folder on a miss: the cheap check before a write). */
static int stored(git_backend *g, const kv_oid *id)
{
	git_oid o;
	to_git(&o, id);
	return git_odb_exists_ext(g->odb, &o, GIT_ODB_LOOKUP_NO_REFRESH) == 1;
}

static int gb_read(kv_buf *out, kv_otype *type_out, kv_backend *be,
                   const kv_oid *id)
{
	git_backend *g = (git_backend *)be;
	const struct gp_obj *o;
	git_odb_object *obj;
	git_object_t type;
	git_oid oid;
	int error;

	if (g->in_batch && (o = gp_batch_find(&g->batch, id))) {
		*type_out = (kv_otype)o->type;
		return gp_batch_read(out, &g->batch, o);
	}
	to_git(&oid, id);
	if ((error = git_odb_read(&obj, g->odb, &oid)) < 0) {
		const git_error *e = git_error_last();
		if (error == GIT_ENOTFOUND)
			return kv__error(KV_ENOTFOUND, "object %s not found",
			                 kv__oid_hex(id));
		if (e && e->klass == GIT_ERROR_NOMEMORY)
			return kv__error(KV_ENOMEM,
			                 "git: reading object %s: %s",
			                 kv__oid_hex(id), e->message);
		return kv__error(KV_ECORRUPT, "object %s is corrupt: git: %s",
		                 kv__oid_hex(id),
		                 e ? e->message : "unreadable");
	}
	type = git_odb_object_type(obj);
	if (type < GIT_OBJECT_COMMIT || type > GIT_OBJECT_TAG) {
		git_odb_object_free(obj);
		return kv__error(KV_ECORRUPT,
		                 "object %s is corrupt: git: unknown type %d",
		                 kv__oid_hex(id), (int)type);
	}
	*type_out = (kv_otype)type;
	error = kv_buf_set(out, git_odb_object_data(obj),
	                   git_odb_object_size(obj));
	git_odb_object_free(obj);
	return error;
}

static int gb_exists(kv_backend *be, const kv_oid *id)
{
	git_backend *g = (git_backend *)be;
	git_oid o;

	if (g->in_batch && gp_batch_find(&g->batch, id))
		return 1;
	if (stored(g, id))
		return 1;
	if (g->in_batch) /* the batch refreshed the pack list at begin */
		return 0;
	to_git(&o, id);
	return git_odb_exists(g->odb, &o) == 1;
}

static int gb_write(kv_backend *be, const kv_oid *id, kv_otype type,
                    const void *data, size_t len)
{
	git_backend *g = (git_backend *)be;

	if (g->flags & KV_OPEN_RDONLY)
		return rdonly_error(g);
	if (!kv_otype_name(type))
		return kv__error(KV_EINVALID, "git: bad object type %d",
		                 (int)type);
	if (g->in_batch && gp_batch_find(&g->batch, id))
		return 0;
	if (stored(g, id))
		return 0;
	if (g->in_batch)
		return gp_batch_add(&g->batch, id, type, data, len);
	return gp_write_loose(g->objdir, id, type, data, len,
	                      !(g->flags & KV_OPEN_NOSYNC));
}

/* ---- refs ---- */

static struct staged_ref *find_staged(git_backend *g, const char *name)
{
	for (size_t i = 0; i < g->nrefs; i++)
		if (!strcmp(g->refs[i].name, name))
			return &g->refs[i];
	return NULL;
}

/*
 * Read ref `name` from the repository into *out, resolving a symbolic
 * ref. With `check`, a target that is not stored is KV_ECORRUPT.
 */
static int read_disk_ref(kv_oid *out, git_backend *g, const char *name,
                         int check)
{
	git_reference *ref = NULL, *resolved = NULL;
	const git_oid *target;
	int error = git_reference_lookup(&ref, g->repo, name);

	if (error == GIT_ENOTFOUND)
		return kv__error(KV_ENOTFOUND, "ref %s not found", name);
	if (error == GIT_EINVALIDSPEC)
		return gb_fail(error, "ref name '%s'", name);
	if (error < 0) {
		const git_error *e = git_error_last();
		if (e && e->klass == GIT_ERROR_OS)
			return gb_fail(error, "reading ref %s", name);
		return kv__error(KV_ECORRUPT, "git: ref %s is unreadable: %s",
		                 name, e ? e->message : "?");
	}
	if (git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC) {
		const char *to = git_reference_symbolic_target(ref);
		if ((error = git_reference_resolve(&resolved, ref)) < 0) {
			error = kv__error(
			        KV_ECORRUPT,
			        "git: ref %s is a symbolic ref to %s, "
			        "which does not resolve",
			        name, to ? to : "?");
			git_reference_free(ref);
			return error;
		}
		target = git_reference_target(resolved);
	} else {
		target = git_reference_target(ref);
	}
	if (!target)
		error = kv__error(KV_ECORRUPT, "git: ref %s has no target",
		                  name);
	else
		memcpy(out->id, target->id, 20);
	git_reference_free(resolved);
	git_reference_free(ref);
	if (error == 0 && check &&
	    !(g->has_checked && kv__oid_eq(out, &g->checked))) {
		git_oid o;
		to_git(&o, out);
		if (git_odb_exists(g->odb, &o) != 1)
			return kv__error(KV_ECORRUPT,
			                 "git: ref %s points to %s, which is "
			                 "not in the repository",
			                 name, kv__oid_hex(out));
		g->checked = *out;
		g->has_checked = 1;
	}
	return error;
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/*
 * Read a ref, answering from the cache when its loose file is the one we
 * read last time. Git replaces a ref file by renaming a new one over it,
 * so a changed ref is a changed inode; one stat() replaces libgit2's
 * stat, open, read and close (measured: 100k gets 2.1 s -> see
 * docs/ARCHITECTURE.md). Packed refs always go through libgit2.
 */
static int cached_ref_read(kv_oid *out, git_backend *g, const char *name)
{
	char path[4096];
	struct stat st;
	struct ref_cache *c;
	int error;

	if (strlen(name) >= sizeof(g->rcache[0].name) ||
	    snprintf(path, sizeof(path), "%s/%s", g->gitdir, name) >=
	            (int)sizeof(path) ||
	    stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return read_disk_ref(out, g, name, 1);
	for (size_t i = 0; i < KV_ARRAY_SIZE(g->rcache); i++) {
		c = &g->rcache[i];
		if (!strcmp(c->name, name) && same_file(&c->st, &st)) {
			*out = c->id;
			return 0;
		}
	}
	if ((error = read_disk_ref(out, g, name, 1)) < 0)
		return error;
	c = &g->rcache[g->rnext++ % KV_ARRAY_SIZE(g->rcache)];
	strcpy(c->name, name);
	c->st = st;
	c->id = *out;
	return 0;
}

static int gb_ref_read(kv_oid *out, kv_backend *be, const char *name)
{
	git_backend *g = (git_backend *)be;
	struct staged_ref *s = g->in_batch ? find_staged(g, name) : NULL;

	if (s && s->changed) {
		if (s->deleted)
			return kv__error(KV_ENOTFOUND, "ref %s not found",
			                 name);
		*out = s->id;
		return 0;
	}
	return cached_ref_read(out, g, name);
}

/* Take the lock of ref `name` for the open transaction, waiting a while
 * for another writer to release it. */
static int lock_ref(git_backend *g, const char *name)
{
	long waited = 0, step = 1;
	int error;

	for (;;) {
		error = git_transaction_lock_ref(g->tx, name);
		if (error != GIT_ELOCKED || waited >= LOCK_WAIT_MS)
			break;
		sleep_ms(step);
		waited += step;
		step = step < 32 ? step * 2 : 50;
	}
	if (error == GIT_ELOCKED)
		return kv__error(KV_ELOCKED,
		                 "git: ref %s is locked: %s/%s.lock exists (a "
		                 "git process is updating it; if none is "
		                 "running, remove the file)",
		                 name, g->gitdir, name);
	if (error < 0)
		return gb_fail(error, "locking ref %s", name);
	return 0;
}

/* KV_EINVALID if a ref named `name` could not be created next to the
 * refs there are: git keeps refs as files, so "a" and "a/b" exclude
 * each other. */
static int check_ref_path(git_backend *g, const char *name)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	kv_buf glob = KV_BUF_INIT;
	int error;

	for (const char *p = strchr(name + 5, '/'); p; p = strchr(p + 1, '/')) {
		char prefix[1024];
		if ((size_t)(p - name) >= sizeof(prefix))
			break;
		memcpy(prefix, name, (size_t)(p - name));
		prefix[p - name] = '\0';
		if (git_reference_lookup(&ref, g->repo, prefix) == 0) {
			git_reference_free(ref);
			return kv__error(KV_EINVALID,
			                 "git: cannot create ref %s: ref %s "
			                 "exists (git cannot hold both)",
			                 name, prefix);
		}
	}
	git_error_clear();
	if ((error = kv_buf_printf(&glob, "%s/*", name)) < 0)
		return error;
	if ((error = git_reference_iterator_glob_new(&it, g->repo, glob.ptr)) ==
	            0 &&
	    (error = git_reference_next(&ref, it)) == 0) {
		error = kv__error(KV_EINVALID,
		                  "git: cannot create ref %s: ref %s exists "
		                  "(git cannot hold both)",
		                  name, git_reference_name(ref));
		git_reference_free(ref);
	} else if (error == GIT_ITEROVER) {
		error = 0;
	} else if (error < 0) {
		error = gb_fail(error, "listing refs under %s", name);
	}
	git_reference_iterator_free(it);
	kv_buf_dispose(&glob);
	return error;
}

/* Lock `name` (once per batch), compare, and record the change. */
static int stage_ref(git_backend *g, const char *name, const kv_oid *new_id,
                     const kv_oid *expected, unsigned int flags)
{
	struct staged_ref *s = find_staged(g, name);
	kv_oid cur;
	int exists, error;

	if (!s) {
		if (!g->tx &&
		    (error = git_transaction_new(&g->tx, g->repo)) < 0)
			return gb_fail(error, "starting a ref transaction");
		if (g->nrefs == g->refcap) {
			size_t cap = g->refcap ? g->refcap * 2 : 4;
			struct staged_ref *p =
			        kv__realloc(g->refs, cap * sizeof(*p));
			if (!p)
				return KV_ENOMEM;
			g->refs = p;
			g->refcap = cap;
		}
		if ((error = lock_ref(g, name)) < 0)
			return error;
		s = &g->refs[g->nrefs];
		memset(s, 0, sizeof(*s));
		if (!(s->name = kv__strdup(name)))
			return KV_ENOMEM; /* the lock goes with the tx */
		g->nrefs++;
	}
	if (s->changed) {
		exists = !s->deleted;
		cur = s->id;
	} else {
		error = read_disk_ref(&cur, g, name, 0);
		if (error < 0 && error != KV_ENOTFOUND)
			return error;
		exists = error == 0;
		kv_error_clear();
	}
	if (!(flags & KV_REF_FORCE) &&
	    (expected ? !exists || !kv__oid_eq(&cur, expected) : exists))
		return kv__error(KV_EMODIFIED,
		                 "ref %s moved: expected %s, found %s", name,
		                 expected ? kv__oid_hex(expected) : "no ref",
		                 exists ? kv__oid_hex(&cur) : "no ref");
	if (!new_id && !exists)
		return kv__error(KV_ENOTFOUND, "ref %s not found", name);
	if (new_id && !exists && !s->changed &&
	    (error = check_ref_path(g, name)) < 0)
		return error;
	s->changed = 1;
	s->deleted = !new_id;
	if (new_id)
		s->id = *new_id;
	return 0;
}

/* Drop the locks and the staged changes. */
static void release_refs(git_backend *g)
{
	git_transaction_free(g->tx);
	g->tx = NULL;
	for (size_t i = 0; i < g->nrefs; i++)
		free(g->refs[i].name);
	g->nrefs = 0;
}

/* fsync what a ref change wrote: the loose ref (or, for a deletion,
 * packed-refs) and its folder. */
static int sync_ref(git_backend *g, const struct staged_ref *s)
{
	kv_buf path = KV_BUF_INIT;
	int error;

	if ((error = kv_buf_printf(&path, "%s/%s", g->gitdir,
	                           s->deleted ? "packed-refs" : s->name)) < 0)
		return error;
	if (access(path.ptr, F_OK) == 0)
		error = gp_fsync_file(path.ptr);
	if (error == 0 && !s->deleted) {
		*strrchr(path.ptr, '/') = '\0';
		error = gp_fsync_dir(path.ptr);
	}
	kv_buf_dispose(&path);
	return error;
}

/* Write the staged ref changes (their objects are stored). */
static int apply_refs(git_backend *g)
{
	git_signature *sig = NULL;
	int error = 0;

	if (!g->tx)
		return 0;
	if (git_signature_default(&sig, g->repo) < 0 &&
	    git_signature_now(&sig, "kv", "kv@localhost") < 0)
		return gb_fail(-1, "making the reflog signature");
	for (size_t i = 0; i < g->nrefs && !error; i++) {
		struct staged_ref *s = &g->refs[i];
		git_oid o;
		if (!s->changed)
			continue;
		to_git(&o, &s->id);
		error = s->deleted ? git_transaction_remove(g->tx, s->name)
		                   : git_transaction_set_target(g->tx, s->name,
		                                                &o, sig, "kv");
		if (error < 0)
			error = gb_fail(error, "updating ref %s", s->name);
	}
	if (error == 0 && (error = git_transaction_commit(g->tx)) < 0)
		error = gb_fail(error, "writing refs");
	git_signature_free(sig);
	for (size_t i = 0; i < g->nrefs && !error; i++)
		if (g->refs[i].changed && !(g->flags & KV_OPEN_NOSYNC))
			error = sync_ref(g, &g->refs[i]);
	return error;
}

static int gb_ref_update(kv_backend *be, const char *name, const kv_oid *new_id,
                         const kv_oid *expected_old, unsigned int flags)
{
	git_backend *g = (git_backend *)be;
	int valid = 0, error;

	if (g->flags & KV_OPEN_RDONLY)
		return rdonly_error(g);
	if (strncmp(name, "refs/", 5) ||
	    git_reference_name_is_valid(&valid, name) < 0 || !valid)
		return kv__error(KV_EINVALID, "git: invalid ref name '%s'",
		                 name);
	error = stage_ref(g, name, new_id, expected_old, flags);
	if (g->in_batch)
		return error;
	/* Outside a batch: a batch of this one ref. */
	if (error == 0)
		error = apply_refs(g);
	release_refs(g);
	return error;
}

struct ref_item {
	char *name;
	kv_oid id;
};

static int ref_item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ref_item *)a)->name,
	              ((const struct ref_item *)b)->name);
}

static int push_item(struct ref_item **items, size_t *n, size_t *cap,
                     const char *name, const kv_oid *id)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct ref_item *p = kv__realloc(*items, c * sizeof(*p));
		if (!p)
			return KV_ENOMEM;
		*items = p;
		*cap = c;
	}
	if (!((*items)[*n].name = kv__strdup(name)))
		return KV_ENOMEM;
	(*items)[(*n)++].id = *id;
	return 0;
}

/* Every ref under `prefix` as the batch sees it, sorted by name. */
static int collect_refs(struct ref_item **out, size_t *count, git_backend *g,
                        const char *prefix)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	struct ref_item *items = NULL;
	size_t n = 0, cap = 0, plen = prefix ? strlen(prefix) : 0;
	int error = 0, gerr;

	if ((gerr = git_reference_iterator_new(&it, g->repo)) < 0)
		return gb_fail(gerr, "listing refs");
	while (error == 0 && (gerr = git_reference_next(&ref, it)) == 0) {
		const char *name = git_reference_name(ref);
		const struct staged_ref *s = find_staged(g, name);
		git_reference *resolved = NULL;
		kv_oid id;

		/* a symbolic ref that resolves nowhere is left out */
		if ((!plen || !strncmp(name, prefix, plen)) &&
		    !(s && s->changed) &&
		    git_reference_resolve(&resolved, ref) == 0) {
			memcpy(id.id, git_reference_target(resolved)->id, 20);
			error = push_item(&items, &n, &cap, name, &id);
		}
		git_reference_free(resolved);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	if (error == 0 && gerr < 0 && gerr != GIT_ITEROVER)
		error = gb_fail(gerr, "listing refs");
	git_error_clear();
	for (size_t i = 0; i < g->nrefs && error == 0; i++) {
		const struct staged_ref *s = &g->refs[i];
		if (s->changed && !s->deleted &&
		    (!plen || !strncmp(s->name, prefix, plen)))
			error = push_item(&items, &n, &cap, s->name, &s->id);
	}
	if (error < 0) {
		for (size_t i = 0; i < n; i++)
			free(items[i].name);
		free(items);
		return error;
	}
	if (n)
		qsort(items, n, sizeof(*items), ref_item_cmp);
	*out = items;
	*count = n;
	return 0;
}

static int gb_ref_foreach(kv_backend *be, const char *prefix, kv_ref_cb cb,
                          void *payload)
{
	struct ref_item *items = NULL;
	size_t n = 0, i;
	int error = collect_refs(&items, &n, (git_backend *)be, prefix);

	for (i = 0; i < n && error == 0; i++)
		if (cb(items[i].name, &items[i].id, payload))
			error = kv__error(KV_EUSER, "stopped by callback");
	for (i = 0; i < n; i++)
		free(items[i].name);
	free(items);
	return error;
}

/* ---- iteration over objects ---- */

struct foreach_state {
	git_backend *g;
	kv_object_cb cb;
	void *payload;
	kv_oidset seen;
	int stopped;
};

/* Report one object (once), reading its header for type and size. */
static int visit(struct foreach_state *st, const kv_oid *id, uint64_t stored)
{
	size_t size = 0;
	git_object_t type = GIT_OBJECT_INVALID;
	git_oid o;
	int error = kv_oidset_add(&st->seen, id);

	if (error <= 0)
		return error;
	to_git(&o, id);
	if (git_odb_read_header(&size, &type, st->g->odb, &o) < 0) {
		/* unreadable: report it anyway, so that fsck looks at it */
		git_error_clear();
		type = GIT_OBJECT_INVALID;
		size = 0;
	}
	if (st->cb(id,
	           type >= GIT_OBJECT_COMMIT && type <= GIT_OBJECT_TAG
	                   ? (kv_otype)type
	                   : KV_OBJ_ANY,
	           size, (size_t)stored ? (size_t)stored : 1, st->payload)) {
		st->stopped = 1;
		return 1;
	}
	return 0;
}

static int visit_packed(const kv_oid *id, uint64_t stored, void *payload)
{
	return visit(payload, id, stored);
}

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", s[i]) || !s[i])
			return 0;
	return 1;
}

/* 1 and *out if `name` in folder objects/`fan` is a loose object's file
 * (38 hex digits, the id without its first byte), else 0. */
static int loose_id(kv_oid *out, int fan, const char *name)
{
	char hex[KV_OID_HEXSZ + 1];
	if (strlen(name) != 38 || !is_hex(name, 38))
		return 0;
	hex[0] = "0123456789abcdef"[(fan >> 4) & 15];
	hex[1] = "0123456789abcdef"[fan & 15];
	memcpy(hex + 2, name, 39); /* with its NUL */
	return kv__oid_fromhexn(out, hex, KV_OID_HEXSZ) == 0;
}

/* The loose objects of folder objects/xx. */
static int foreach_loose_dir(struct foreach_state *st, int fan)
{
	char dir[4096], path[4200];
	struct dirent *d;
	DIR *dp;
	int error = 0;

	snprintf(dir, sizeof(dir), "%s/%02x", st->g->objdir, fan);
	if (!(dp = opendir(dir)))
		return 0;
	while (!error && (d = readdir(dp))) {
		struct stat sb;
		kv_oid id;
		if (!loose_id(&id, fan, d->d_name))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, d->d_name) >=
		            (int)sizeof(path) ||
		    stat(path, &sb) < 0)
			continue; /* removed meanwhile (gc) */
		error = visit(st, &id, (uint64_t)sb.st_size);
	}
	closedir(dp);
	return error;
}

/* Call `cb` with the name (without ".idx") of each pack with an index. */
static int foreach_pack(const char *objdir,
                        int (*cb)(const char *base, void *payload),
                        void *payload)
{
	char dir[4096], base[4200];
	struct dirent *d;
	DIR *dp;
	int error = 0;

	snprintf(dir, sizeof(dir), "%s/pack", objdir);
	if (!(dp = opendir(dir)))
		return 0;
	while (!error && (d = readdir(dp))) {
		size_t len = strlen(d->d_name);
		if (len < 10 || strncmp(d->d_name, "pack-", 5) ||
		    strcmp(d->d_name + len - 4, ".idx"))
			continue;
		snprintf(base, sizeof(base), "%s/%.*s", dir, (int)(len - 4),
		         d->d_name);
		error = cb(base, payload);
	}
	closedir(dp);
	return error;
}

static int foreach_one_pack(const char *base, void *payload)
{
	struct foreach_state *st = payload;
	char path[4300];
	struct stat sb;
	gp_idx idx;
	int error;

	snprintf(path, sizeof(path), "%s.pack", base);
	if (stat(path, &sb) < 0)
		return 0; /* an index without its pack: not a pack */
	snprintf(path, sizeof(path), "%s.idx", base);
	if ((error = gp_idx_open(&idx, path)) < 0)
		return error == KV_EIO ? 0 : error; /* removed meanwhile */
	error = gp_idx_foreach(&idx, (uint64_t)sb.st_size, visit_packed, st);
	gp_idx_close(&idx);
	return error;
}

static int gb_object_foreach(kv_backend *be, kv_object_cb cb, void *payload)
{
	git_backend *g = (git_backend *)be;
	struct foreach_state st = {g, cb, payload, KV_OIDSET_INIT, 0};
	int error = 0;

	git_odb_refresh(g->odb);
	for (size_t k = 0; g->in_batch && k < g->batch.n && !error; k++) {
		const struct gp_obj *o = &g->batch.objs[k];
		if ((error = kv_oidset_add(&st.seen, &o->id)) == 1) {
			error = 0;
			if (cb(&o->id, (kv_otype)o->type, (size_t)o->size,
			       o->size ? (size_t)o->size : 1, payload))
				st.stopped = 1, error = 1;
		}
	}
	for (int fan = 0; fan < 256 && !error; fan++)
		error = foreach_loose_dir(&st, fan);
	if (!error)
		error = foreach_pack(g->objdir, foreach_one_pack, &st);
	kv_oidset_dispose(&st.seen);
	if (st.stopped)
		return kv__error(KV_EUSER, "stopped by callback");
	return error < 0 ? error : 0;
}

/* ---- abbreviated ids ---- */

struct prefix_scan {
	kv_oid prefix, found;
	size_t hexlen, matches;
};

static int scan_cb(const kv_oid *id, kv_otype type, size_t size,
                   size_t stored_size, void *payload)
{
	struct prefix_scan *p = payload;
	KV_UNUSED(type), KV_UNUSED(size), KV_UNUSED(stored_size);
	if (kv__oid_has_prefix(id, &p->prefix, p->hexlen)) {
		p->found = *id;
		p->matches++;
	}
	return 0;
}

static int gb_lookup_prefix(kv_oid *out, kv_backend *be, const kv_oid *prefix,
                            size_t hexlen)
{
	git_backend *g = (git_backend *)be;
	struct prefix_scan p = {*prefix, {{0}}, hexlen, 0};
	git_oid shortid, full;
	int error;

	if (hexlen < GIT_OID_MINPREFIXLEN) {
		/* too short for libgit2: look at every object */
		if ((error = gb_object_foreach(be, scan_cb, &p)) < 0)
			return error;
	} else {
		to_git(&shortid, prefix);
		error = git_odb_exists_prefix(&full, g->odb, &shortid, hexlen);
		if (error == GIT_EAMBIGUOUS)
			return kv__error(KV_EAMBIGUOUS,
			                 "object id prefix is ambiguous");
		if (error == 0) {
			memcpy(p.found.id, full.id, 20);
			p.matches = 1;
		} else if (error != GIT_ENOTFOUND) {
			return gb_fail(error, "looking up an id prefix");
		}
		git_error_clear();
		for (size_t k = 0; g->in_batch && k < g->batch.n; k++) {
			const kv_oid *id = &g->batch.objs[k].id;
			if (kv__oid_has_prefix(id, prefix, hexlen) &&
			    !(p.matches && kv__oid_eq(id, &p.found))) {
				p.found = *id;
				p.matches++;
			}
		}
	}
	if (p.matches > 1)
		return kv__error(KV_EAMBIGUOUS,
		                 "object id prefix is ambiguous");
	if (!p.matches)
		return kv__error(KV_ENOTFOUND, "no object has this id prefix");
	*out = p.found;
	return 0;
}

/* ---- batches ---- */

/* KV_ELOCKED if git holds the index lock of the repository past a short
 * wait: a git process is committing in it. */
static int check_index_lock(git_backend *g)
{
	kv_buf path = KV_BUF_INIT;
	long waited = 0;
	int error;

	if ((error = kv_buf_printf(&path, "%s/index.lock", g->gitdir)) < 0)
		return error;
	while (access(path.ptr, F_OK) == 0 && waited < LOCK_WAIT_MS) {
		sleep_ms(20);
		waited += 20;
	}
	if (access(path.ptr, F_OK) == 0)
		error = kv__error(KV_ELOCKED,
		                  "git: repository %s is locked: %s exists (a "
		                  "git process is changing it; if none is "
		                  "running, remove the file)",
		                  g->gitdir, path.ptr);
	kv_buf_dispose(&path);
	return error;
}

static int gb_begin(kv_backend *be)
{
	git_backend *g = (git_backend *)be;
	int error;

	if (g->flags & KV_OPEN_RDONLY)
		return rdonly_error(g);
	if (g->in_batch)
		return kv__error(KV_EINVALID, "git: a batch is already open");
	if ((error = check_index_lock(g)) < 0)
		return error;
	git_odb_refresh(g->odb);
	gp_batch_init(&g->batch, g->objdir, !(g->flags & KV_OPEN_NOSYNC),
	              g->pack_min);
	g->in_batch = 1;
	return 0;
}

static void gb_rollback(kv_backend *be)
{
	git_backend *g = (git_backend *)be;
	gp_batch_drop(&g->batch);
	release_refs(g);
	g->in_batch = 0;
}

static int gb_commit(kv_backend *be)
{
	git_backend *g = (git_backend *)be;
	int packed = 0, error;

	if (!g->in_batch)
		return kv__error(KV_EINVALID, "git: no batch is open");
	error = gp_batch_commit(&g->batch, &packed);
	if (error == 0 && packed)
		git_odb_refresh(g->odb);
	if (error == 0)
		error = apply_refs(g);
	release_refs(g);
	g->in_batch = 0;
	return error;
}

/* ---- size on disk ---- */

static uint64_t tree_size(const char *dir, int depth)
{
	char path[4096];
	struct dirent *d;
	uint64_t total = 0;
	DIR *dp;

	if (depth > 32 || !(dp = opendir(dir)))
		return 0;
	while ((d = readdir(dp))) {
		struct stat sb;
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (lstat(path, &sb) < 0)
			continue;
		if (S_ISDIR(sb.st_mode))
			total += tree_size(path, depth + 1);
		else
			total += (uint64_t)sb.st_size;
	}
	closedir(dp);
	return total;
}

static int gb_disk_size(uint64_t *out, kv_backend *be)
{
	*out = tree_size(((git_backend *)be)->gitdir, 0);
	return 0;
}

/* ---- gc ---- */

struct gc_state {
	git_backend *g;
	gp_idx fresh;          /* the index of the pack just written */
	char fresh_base[4200]; /* its path without extension */
	uint64_t removed;      /* files removed */
};

/* Put everything a ref reaches into the packbuilder. */
static int gc_insert_reachable(git_packbuilder *pb, git_backend *g)
{
	git_revwalk *walk = NULL;
	struct ref_item *items = NULL;
	size_t n = 0;
	int error;

	if ((error = collect_refs(&items, &n, g, NULL)) < 0)
		return error;
	if ((error = git_revwalk_new(&walk, g->repo)) < 0)
		error = gb_fail(error, "gc: starting a walk");
	for (size_t i = 0; i < n && error == 0; i++) {
		git_object *obj = NULL, *peeled = NULL;
		git_oid o;
		to_git(&o, &items[i].id);
		if ((error = git_object_lookup(&obj, g->repo, &o,
		                               GIT_OBJECT_ANY)) < 0) {
			error = gb_fail(error, "gc: ref %s", items[i].name);
			break;
		}
		if (git_object_type(obj) == GIT_OBJECT_COMMIT) {
			error = git_revwalk_push(walk, &o);
		} else {
			error = git_packbuilder_insert_recur(pb, &o, NULL);
			if (error == 0 &&
			    git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) ==
			            0)
				error = git_revwalk_push(walk,
				                         git_object_id(peeled));
			git_error_clear();
		}
		if (error < 0)
			error = gb_fail(error, "gc: packing ref %s",
			                items[i].name);
		git_object_free(peeled);
		git_object_free(obj);
	}
	if (error == 0 && git_repository_head_detached(g->repo) == 1) {
		git_oid head;
		if (git_reference_name_to_id(&head, g->repo, "HEAD") == 0)
			error = git_revwalk_push(walk, &head);
	}
	if (error == 0 && (error = git_packbuilder_insert_walk(pb, walk)) < 0)
		error = gb_fail(error, "gc: packing history");
	git_revwalk_free(walk);
	for (size_t i = 0; i < n; i++)
		free(items[i].name);
	free(items);
	return error;
}

/* Remove an old pack whose objects are all in the new one. */
static int gc_old_pack(const char *base, void *payload)
{
	static const char *const exts[] = {".idx", ".pack", ".rev", ".bitmap"};
	struct gc_state *st = payload;
	char path[4300];
	gp_idx idx;
	kv_oid id;
	size_t i;

	if (!strcmp(base, st->fresh_base))
		return 0;
	snprintf(path, sizeof(path), "%s.keep", base);
	if (access(path, F_OK) == 0)
		return 0;
	snprintf(path, sizeof(path), "%s.idx", base);
	if (gp_idx_open(&idx, path) < 0) {
		kv_error_clear();
		return 0;
	}
	for (i = 0; i < idx.n; i++) {
		gp_idx_oid(&id, &idx, i);
		if (!gp_idx_contains(&st->fresh, &id))
			break;
	}
	gp_idx_close(&idx);
	if (i < idx.n)
		return 0; /* it holds objects no ref reaches: keep it */
	for (i = 0; i < KV_ARRAY_SIZE(exts); i++) {
		snprintf(path, sizeof(path), "%s%s", base, exts[i]);
		if (unlink(path) == 0)
			st->removed++;
	}
	return 0;
}

/* Remove the loose objects of objects/xx that the new pack holds. */
static void gc_loose_dir(struct gc_state *st, int fan)
{
	char dir[4096], path[4200];
	struct dirent *d;
	DIR *dp;
	time_t old = time(NULL) - 3600;

	snprintf(dir, sizeof(dir), "%s/%02x", st->g->objdir, fan);
	if (!(dp = opendir(dir)))
		return;
	while ((d = readdir(dp))) {
		struct stat sb;
		kv_oid id;
		if (snprintf(path, sizeof(path), "%s/%s", dir, d->d_name) >=
		    (int)sizeof(path))
			continue;
		if (!strncmp(d->d_name, "tmp_obj_", 8)) {
			/* left by a crashed writer */
			if (stat(path, &sb) == 0 && sb.st_mtime < old &&
			    unlink(path) == 0)
				st->removed++;
			continue;
		}
		if (!loose_id(&id, fan, d->d_name))
			continue;
		if (st->fresh.raw && gp_idx_contains(&st->fresh, &id) &&
		    unlink(path) == 0)
			st->removed++;
	}
	closedir(dp);
	rmdir(dir); /* only if now empty */
}

/* Write a pack of every reachable object; fsync it. */
static int gc_write_pack(struct gc_state *st)
{
	git_backend *g = st->g;
	git_packbuilder *pb = NULL;
	char dir[4096], path[4300];
	int error;

	snprintf(dir, sizeof(dir), "%s/pack", g->objdir);
	if ((error = git_packbuilder_new(&pb, g->repo)) < 0)
		return gb_fail(error, "gc: starting a pack");
	git_packbuilder_set_threads(pb, 0);
	if ((error = gc_insert_reachable(pb, g)) < 0 ||
	    git_packbuilder_object_count(pb) == 0)
		goto done;
	if ((error = git_packbuilder_write(pb, dir, 0, NULL, NULL)) < 0) {
		error = gb_fail(error, "gc: writing a pack");
		goto done;
	}
	snprintf(st->fresh_base, sizeof(st->fresh_base), "%s/pack-%s", dir,
	         git_packbuilder_name(pb));
	/* The pack must be durable before any other copy goes. */
	snprintf(path, sizeof(path), "%s.pack", st->fresh_base);
	if ((error = gp_fsync_file(path)) < 0)
		goto done;
	snprintf(path, sizeof(path), "%s.idx", st->fresh_base);
	if ((error = gp_fsync_file(path)) < 0 ||
	    (error = gp_fsync_dir(dir)) < 0)
		goto done;
	error = gp_idx_open(&st->fresh, path);
done:
	git_packbuilder_free(pb);
	return error;
}

static int reopen(git_backend *g);

/* Merge bases and logs read parents and generations from git's
 * commit-graph file instead of parsing each commit. A graph written
 * after the store was opened is seen after the next open or gc. */
static int gb_commit_info(kv_commit_info *out, kv_backend *be, const kv_oid *id)
{
	return gg_commit_info(out, ((git_backend *)be)->graph, id);
}

/* Write objects/info/commit-graph for every commit a ref reaches, with
 * libgit2's writer (a single file, as `git commit-graph write` makes). */
static int gc_write_graph(git_backend *g)
{
	git_commit_graph_writer_options opts;
	git_commit_graph_writer *w = NULL;
	git_revwalk *walk = NULL;
	kv_buf info = KV_BUF_INIT;
	int error;

	git_commit_graph_writer_options_init(
	        &opts, GIT_COMMIT_GRAPH_WRITER_OPTIONS_VERSION);
	if ((error = kv_buf_printf(&info, "%s/info", g->objdir)) < 0)
		return error;
	if (mkdir(info.ptr, 0777) < 0 && errno != EEXIST)
		error = kv__error(KV_EIO, "git: gc: cannot create %s: %s",
		                  info.ptr, strerror(errno));
	else if ((error = git_revwalk_new(&walk, g->repo)) < 0 ||
	         (error = git_revwalk_push_glob(walk, "refs/*")) < 0 ||
	         (error = git_commit_graph_writer_new(&w, info.ptr)) < 0 ||
	         (error = git_commit_graph_writer_add_revwalk(w, walk)) < 0 ||
	         (error = git_commit_graph_writer_commit(w, &opts)) < 0)
		error = gb_fail(error, "gc: writing the commit-graph file");
	git_commit_graph_writer_free(w);
	git_revwalk_free(walk);
	kv_buf_dispose(&info);
	return error;
}

/*
 * Pack every object a ref reaches into one new pack (libgit2's
 * packbuilder, with deltas), then remove each loose object and each old
 * pack whose objects are all in the new pack, then pack the refs, then
 * write the commit-graph file. Only copies are removed, never the last
 * one: an object no ref reaches (a concurrent writer's, not yet
 * referenced) stays where it is.
 */
static int gb_gc(kv_backend *be)
{
	git_backend *g = (git_backend *)be;
	struct gc_state st;
	git_refdb *refdb = NULL;
	int error;

	if (g->flags & KV_OPEN_RDONLY)
		return rdonly_error(g);
	if (g->in_batch)
		return kv__error(KV_EINVALID, "git: gc inside a batch");
	memset(&st, 0, sizeof(st));
	st.g = g;
	git_odb_refresh(g->odb);
	if ((error = gc_write_pack(&st)) < 0)
		goto done;
	if (st.fresh.raw &&
	    (error = foreach_pack(g->objdir, gc_old_pack, &st)) < 0)
		goto done;
	for (int fan = 0; fan < 256; fan++)
		gc_loose_dir(&st, fan);
	if ((error = git_repository_refdb(&refdb, g->repo)) < 0) {
		error = gb_fail(error, "gc: opening the refs");
		goto done;
	}
	/* A writer holding a ref's lock makes libgit2 give up packing refs;
	 * try again a few times, then leave the refs loose this time (git's
	 * pack-refs skips such refs too; nothing depends on packing them). */
	for (int tries = 0;
	     (error = git_refdb_compress(refdb)) == GIT_ELOCKED && tries < 10;
	     tries++)
		sleep_ms(50);
	if (error == GIT_ELOCKED) {
		git_error_clear();
		error = 0;
	} else if (error < 0) {
		error = gb_fail(error, "gc: packing refs");
	}
	git_refdb_free(refdb);
	/* Reopen first (forgetting the packs removed), so that the graph's
	 * walk reads the new pack through a fresh object database: writing
	 * it through the old one made libgit2 1.5 leak 88 bytes whenever
	 * the previous graph was behind the refs. */
	if (error == 0)
		error = reopen(g);
	if (error == 0 && (error = gc_write_graph(g)) == 0) {
		gg_free(g->graph);
		error = gg_open(&g->graph, g->objdir);
	}
done:
	gp_idx_close(&st.fresh);
	return error;
}

/* ---- opening and closing ---- */

static void gb_free(kv_backend *be)
{
	git_backend *g = (git_backend *)be;
	if (!g)
		return;
	if (g->in_batch)
		gb_rollback(be);
	free(g->refs);
	gg_free(g->graph);
	git_odb_free(g->odb);
	git_repository_free(g->repo);
	free(g->gitdir);
	free(g->objdir);
	free(g);
	git_libgit2_shutdown();
}

/* Open g->repo at `path` and fill the folders and the odb. */
static int open_repo(git_backend *g, const char *path)
{
	const char *gitdir, *common;
	size_t len;
	int error = git_repository_open_ext(
	        &g->repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);

	if (error == GIT_ENOTFOUND)
		return kv__error(KV_ENOTFOUND, "no git repository at %s", path);
	if (error < 0) {
		const git_error *e = git_error_last();
		if (e && e->message && strstr(e->message, "unsupported"))
			return kv__error(KV_ENOTSUPPORTED, "git: %s: %s", path,
			                 e->message);
		return gb_fail(error, "opening %s", path);
	}
	gitdir = git_repository_path(g->repo);
	common = git_repository_commondir(g->repo);
	len = strlen(gitdir);
	free(g->gitdir);
	free(g->objdir);
	g->objdir = NULL;
	if (!(g->gitdir = kv__strndup(
	              gitdir, len && gitdir[len - 1] == '/' ? len - 1 : len)))
		return KV_ENOMEM;
	len = strlen(common);
	if (!(g->objdir = kv__malloc(len + 9)))
		return KV_ENOMEM;
	snprintf(g->objdir, len + 9, "%s%sobjects", common,
	         len && common[len - 1] == '/' ? "" : "/");
	if ((error = git_repository_odb(&g->odb, g->repo)) < 0)
		return gb_fail(error, "opening the objects of %s", path);
	gg_free(g->graph);
	return gg_open(&g->graph, g->objdir);
}

/* Open the repository again (after gc removed packs it had open). */
static int reopen(git_backend *g)
{
	char *path = kv__strdup(g->gitdir);
	int error;

	if (!path)
		return KV_ENOMEM;
	git_odb_free(g->odb);
	git_repository_free(g->repo);
	g->odb = NULL;
	g->repo = NULL;
	g->has_checked = 0;
	error = open_repo(g, path);
	free(path);
	return error;
}

/* 1 if `path` is a folder with something in it. */
static int nonempty_dir(const char *path)
{
	struct dirent *d;
	DIR *dp = opendir(path);
	int found = 0;

	if (!dp)
		return 0;
	while (!found && (d = readdir(dp)))
		found = strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
	closedir(dp);
	return found;
}

/* Create a bare repository at `path`, HEAD on refs/heads/main; a folder
 * that holds something else (an lmdb store, say) is left alone. */
static int create_repo(const char *path)
{
	git_repository_init_options o;
	git_repository *repo = NULL;
	int error;

	if (nonempty_dir(path))
		return kv__error(KV_EEXISTS,
		                 "%s exists and is not a git repository", path);

	git_repository_init_options_init(&o,
	                                 GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	o.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH |
	          GIT_REPOSITORY_INIT_NO_REINIT;
	o.initial_head = KV_DEFAULT_BRANCH;
	error = git_repository_init_ext(&repo, path, &o);
	git_repository_free(repo);
	if (error == GIT_EEXISTS)
		return 0; /* created by someone else meanwhile */
	if (error < 0)
		return gb_fail(error, "creating a repository at %s", path);
	return 0;
}

int kv_backend_git_new(kv_backend **out, const char *path,
                       const kv_git_options *opts)
{
	unsigned int flags = opts ? opts->flags : 0;
	git_backend *g;
	int error;

	if (opts && opts->version != 1)
		return kv__error(KV_EINVALID, "unknown git options version %u",
		                 opts->version);
	if ((flags & KV_OPEN_RDONLY) && (flags & KV_OPEN_CREATE))
		return kv__error(KV_EINVALID,
		                 "cannot create a read-only git store");
	if (!path || !*path)
		return kv__error(KV_EINVALID, "git store without a path");
	if (git_libgit2_init() < 0)
		return gb_fail(-1, "initialising libgit2");
	if (!(g = kv__calloc(1, sizeof(*g)))) {
		git_libgit2_shutdown();
		return KV_ENOMEM;
	}
	kv_backend_init(&g->parent, KV_BACKEND_VERSION);
	g->parent.name = "git";
	g->parent.read = gb_read;
	g->parent.exists = gb_exists;
	g->parent.write = gb_write;
	g->parent.ref_read = gb_ref_read;
	g->parent.ref_update = gb_ref_update;
	g->parent.ref_foreach = gb_ref_foreach;
	g->parent.object_foreach = gb_object_foreach;
	g->parent.begin = gb_begin;
	g->parent.commit = gb_commit;
	g->parent.rollback = gb_rollback;
	g->parent.lookup_prefix = gb_lookup_prefix;
	g->parent.disk_size = gb_disk_size;
	g->parent.free = gb_free;
	g->parent.gc = gb_gc;
	g->parent.commit_info = gb_commit_info;
	g->flags = flags;
	g->pack_min = opts && opts->pack_objects ? opts->pack_objects
	                                         : DEFAULT_PACK_OBJECTS;

	error = open_repo(g, path);
	if (error == KV_ENOTFOUND && (flags & KV_OPEN_CREATE)) {
		kv_error_clear();
		if ((error = create_repo(path)) == 0)
			error = open_repo(g, path);
	} else if (error == 0 && (flags & KV_OPEN_CREATE) &&
	           (flags & KV_OPEN_EXCL)) {
		error = kv__error(KV_EEXISTS,
		                  "a git repository already exists at %s",
		                  path);
	}
	if (error < 0) {
		gb_free(&g->parent);
		return error;
	}
	*out = &g->parent;
	return 0;
}
