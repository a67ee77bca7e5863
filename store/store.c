/*
 * store.c: opening and closing stores, and the option structs.
 *
 * A store is named by URI: "lmdb:PATH", "mem:", or a plain PATH whose
 * backend is detected from what is there (data.mdb: lmdb; HEAD and
 * objects/, or .git: a git repository). The store owns its backend and a
 * cache of parsed trees.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

#define DEFAULT_TREE_CACHE (64u << 20)

int kv_store_options_init(kv_store_options *opts, unsigned int version)
{
	if (version != KV_STORE_OPTIONS_VERSION)
		return kv__error(KV_EINVALID, "unknown options version %u",
		                 version);
	memset(opts, 0, sizeof(*opts));
	opts->version = version;
	return 0;
}

int kv_commit_options_init(kv_commit_options *opts, unsigned int version)
{
	if (version != KV_COMMIT_OPTIONS_VERSION)
		return kv__error(KV_EINVALID, "unknown options version %u",
		                 version);
	memset(opts, 0, sizeof(*opts));
	opts->version = version;
	return 0;
}

int kv_log_options_init(kv_log_options *opts, unsigned int version)
{
	if (version != KV_LOG_OPTIONS_VERSION)
		return kv__error(KV_EINVALID, "unknown options version %u",
		                 version);
	memset(opts, 0, sizeof(*opts));
	opts->version = version;
	return 0;
}

int kv_backend_init(kv_backend *be, unsigned int version)
{
	if (version < 1 || version > KV_BACKEND_VERSION)
		return kv__error(KV_EINVALID, "unknown backend version %u",
		                 version);
	/* A version 1 backend was built with a struct that ends at free. */
	memset(be, 0, version == 1 ? offsetof(kv_backend, gc) : sizeof(*be));
	be->version = version;
	return 0;
}

int kv_store_new(kv_store **out, kv_backend *backend,
                 const kv_store_options *opts)
{
	kv_store *s;
	int error;

	if (!backend || backend->version < 1 ||
	    backend->version > KV_BACKEND_VERSION ||
	    !backend->read || !backend->write || !backend->exists ||
	    !backend->ref_read || !backend->ref_update ||
	    !backend->ref_foreach || !backend->free)
		return kv__error(KV_EINVALID,
		                 "backend lacks a required method or has an "
		                 "unknown version");
	if (opts && opts->version != KV_STORE_OPTIONS_VERSION)
		return kv__error(KV_EINVALID, "unknown store options version");
	if (!(s = kv__calloc(1, sizeof(*s))))
		return KV_ENOMEM;
	if (opts)
		s->opts = *opts;
	else
		kv_store_options_init(&s->opts, KV_STORE_OPTIONS_VERSION);
	if ((error = kv__tree_cache_new(&s->trees,
	                                s->opts.tree_cache_bytes
	                                        ? s->opts.tree_cache_bytes
	                                        : DEFAULT_TREE_CACHE)) < 0) {
		free(s);
		return error;
	}
	s->be = backend;
	*out = s;
	return 0;
}

void kv_store_free(kv_store *s)
{
	if (!s)
		return;
	kv__tree_cache_free(s->trees);
	s->be->free(s->be);
	kv_buf_dispose(&s->scratch);
	free(s);
}

const char *kv_store_backend_name(const kv_store *s)
{
	return s->be->name;
}

static int path_has(const char *dir, const char *name)
{
	char p[4096];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0;
}

/* Which backend a plain path holds: "lmdb", "git", or NULL if nothing. */
static const char *detect_backend(const char *path)
{
	if (path_has(path, "data.mdb"))
		return "lmdb";
	if ((path_has(path, "HEAD") && path_has(path, "objects")) ||
	    path_has(path, ".git"))
		return "git";
	return NULL;
}

static int open_backend(kv_backend **be, const char *kind, const char *path,
                        const kv_store_options *o)
{
	if (!strcmp(kind, "mem"))
		return kv_backend_mem_new(be);
	if (!strcmp(kind, "lmdb")) {
		kv_lmdb_options lo = {1, o->flags, o->map_size};
		return kv_backend_lmdb_new(be, path, &lo);
	}
	if (!strcmp(kind, "git")) {
		kv_git_options go = {1, o->flags, 0};
		return kv_backend_git_new(be, path, &go);
	}
	return kv__error(KV_ENOTSUPPORTED, "unknown backend '%s'", kind);
}

int kv_store_open(kv_store **out, const char *uri, const kv_store_options *opts)
{
	kv_store_options o;
	kv_backend *be = NULL;
	const char *colon, *kind, *path;
	char kindbuf[16];
	struct stat st;
	int error;

	if (opts)
		o = *opts;
	else
		kv_store_options_init(&o, KV_STORE_OPTIONS_VERSION);
	if (!uri || !*uri)
		return kv__error(KV_EINVALID, "empty store URI");
	colon = strchr(uri, ':');
	if (colon && colon - uri < (long)sizeof(kindbuf) && colon > uri &&
	    strspn(uri, "abcdefghijklmnopqrstuvwxyz") ==
	            (size_t)(colon - uri)) {
		memcpy(kindbuf, uri, (size_t)(colon - uri));
		kindbuf[colon - uri] = '\0';
		kind = kindbuf;
		path = colon + 1;
	} else {
		path = uri;
		/* Say "permission denied" rather than "no store" when the
		 * folder is there but closed to us. */
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
		    access(path, R_OK | X_OK) != 0)
			return kv__error(KV_EIO, "cannot open store %s: %s",
					 path, strerror(errno));
		kind = detect_backend(path);
		if (!kind) {
			if (!(o.flags & KV_OPEN_CREATE))
				return kv__error(KV_ENOTFOUND,
				                 "no kv store at %s", path);
			if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
				return kv__error(KV_EINVALID,
				                 "%s is not a folder", path);
			kind = "lmdb";
		}
	}
	if (strcmp(kind, "mem") && !*path)
		return kv__error(KV_EINVALID, "store URI '%s' has no path",
		                 uri);
	if ((error = open_backend(&be, kind, path, &o)) < 0)
		return error;
	if ((error = kv_store_new(out, be, &o)) < 0)
		be->free(be);
	return error;
}

int kv__branch_ref(kv_buf *out, const char *name)
{
	int error;
	if (!name)
		name = KV_DEFAULT_BRANCH;
	if (!strncmp(name, "refs/heads/", 11))
		name += 11;
	if ((error = kv_refname_validate(name)) < 0)
		return error;
	out->size = 0;
	return kv_buf_printf(out, "refs/heads/%s", name);
}
