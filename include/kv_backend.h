/*
 * kv_backend.h: the storage vtable, for people who write a backend.
 *
 * A backend stores two things and nothing else: objects by id (the git
 * object payload plus its type; the core computes ids and never asks the
 * backend to) and refs by full name ("refs/heads/main" -> commit id). The
 * store above it does trees, commits, keys and merges.
 *
 * Rules every backend keeps (tests/conformance checks all of them):
 *  - ref_update is a compare-and-swap: KV_EMODIFIED if the ref moved.
 *  - Objects are written before the ref that reaches them, and a batch
 *    (begin/commit) is atomic and, unless opened without sync, durable.
 *  - A crash at any instant leaves the store openable with every ref on a
 *    complete commit.
 *  - Methods return KV_ENOTFOUND for absent things and set a message (with
 *    kv_backend_error()) for any other failure. They never call back into
 *    the store, and they fill kv_buf only through kv_buf_* functions.
 *
 * Implementations embed `kv_backend parent;` as their first member and
 * cast (see backends/mem.c, the shortest example). The struct only ever
 * grows at its end; `version` says which fields exist.
 */
#ifndef KV_BACKEND_H
#define KV_BACKEND_H

#include "kv.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Version 1: the methods up to `free`; version 2 adds `gc`. The core
 * accepts both and reads a method only if the version has it. */
#define KV_BACKEND_VERSION 2

/** Flags for ref_update. */
enum {
	KV_REF_FORCE = 1 << 0 /**< ignore `expected_old`: update whatever is
				   there */
};

/** Called for each object by object_foreach; non-zero stops. */
typedef int (*kv_object_cb)(const kv_oid *id, kv_otype type, size_t size,
			    size_t stored_size, void *payload);

/** Cached facts about a commit (see commit_info). */
typedef struct {
	uint64_t generation; /**< 1 + max generation of the parents; 1 for a
				  root commit; 0 if unknown (a parent was not
				  cached when the commit was written, as when
				  a fetched pack lists children first): the
				  core then computes it from the parents */
	int64_t time;        /**< committer time */
	kv_oid tree;         /**< the root tree */
	size_t nparents;     /**< number of parents */
	kv_oid parents[2];   /**< the first two parents (more are rare; read
				  the commit for them) */
} kv_commit_info;

struct kv_backend {
	unsigned int version; /**< KV_BACKEND_VERSION */
	const char *name;     /**< "mem", "lmdb", "git" */

	/** Read object `id`: its type and payload. KV_ENOTFOUND if absent. */
	int (*read)(kv_buf *out, kv_otype *type_out, kv_backend *be,
		    const kv_oid *id);

	/** 1 if object `id` is stored, 0 if not, < 0 on error. */
	int (*exists)(kv_backend *be, const kv_oid *id);

	/** Store object `id` (already hashed by the core). Writing an object
	 * that exists is a cheap no-op. */
	int (*write)(kv_backend *be, const kv_oid *id, kv_otype type,
		     const void *data, size_t len);

	/** Read the full ref `name`. KV_ENOTFOUND if absent. */
	int (*ref_read)(kv_oid *out, kv_backend *be, const char *name);

	/**
	 * Set ref `name` to `new_id` (NULL: delete it) if it now points at
	 * `expected_old` (NULL: it must not exist), or whatever it points at
	 * with KV_REF_FORCE. KV_EMODIFIED if it does not.
	 */
	int (*ref_update)(kv_backend *be, const char *name,
			  const kv_oid *new_id, const kv_oid *expected_old,
			  unsigned int flags);

	/** Each ref starting with `prefix` (NULL: all), in name order. */
	int (*ref_foreach)(kv_backend *be, const char *prefix, kv_ref_cb cb,
			   void *payload);

	/** Each object, in any order. */
	int (*object_foreach)(kv_backend *be, kv_object_cb cb, void *payload);

	/**
	 * Optional (NULL: not supported). begin opens a write batch: every
	 * write and ref_update until commit is applied atomically and reads
	 * see them. A backend may serialise batches across processes (lmdb
	 * holds its writer lock), so keep them short. rollback drops it.
	 */
	int (*begin)(kv_backend *be);
	int (*commit)(kv_backend *be);
	void (*rollback)(kv_backend *be);

	/**
	 * Optional. Cached facts about commit `id` (a commit-graph cache).
	 * KV_ENOTFOUND if not cached; the core then parses the commit.
	 */
	int (*commit_info)(kv_commit_info *out, kv_backend *be,
			   const kv_oid *id);

	/**
	 * Optional. Find the one object whose id starts with the first
	 * `hexlen` hex digits of `prefix` (the rest of `prefix` is zero).
	 * KV_ENOTFOUND, or KV_EAMBIGUOUS if several match. Without it the
	 * core scans object_foreach.
	 */
	int (*lookup_prefix)(kv_oid *out, kv_backend *be, const kv_oid *prefix,
			     size_t hexlen);

	/** Optional. Size of the store on disk in bytes (0 if none). */
	int (*disk_size)(uint64_t *out, kv_backend *be);

	/** Release the backend. Required. */
	void (*free)(kv_backend *be);

	/**
	 * Version 2. Optional (NULL: kv_store_gc() says KV_ENOTSUPPORTED).
	 * Compact the store on disk without losing any object that a ref
	 * reaches. Called outside batches. A backend that cannot do it while
	 * others use the store (lmdb swaps in a compacted file) returns
	 * KV_ELOCKED when they do.
	 * @return 0; KV_EINVALID (read-only); KV_ELOCKED; KV_EIO; KV_ERROR
	 */
	int (*gc)(kv_backend *be);
};

/** Zero `be` and set its version. @return 0, or KV_EINVALID */
KV_EXTERN(int) kv_backend_init(kv_backend *be, unsigned int version);

/** Set this thread's last error (printf format); returns `code`. For
 * backend authors. */
KV_EXTERN(int) kv_backend_error(int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* Buffer helpers for backends: 0 or KV_ENOMEM. */
KV_EXTERN(int) kv_buf_grow(kv_buf *buf, size_t target_size);
KV_EXTERN(int) kv_buf_set(kv_buf *buf, const void *data, size_t len);
KV_EXTERN(int) kv_buf_put(kv_buf *buf, const void *data, size_t len);

/** A new empty in-memory backend. */
KV_EXTERN(int) kv_backend_mem_new(kv_backend **out);

/** Options of the lmdb backend. */
typedef struct {
	unsigned int version; /**< 1 */
	unsigned int flags;   /**< KV_OPEN_CREATE, KV_OPEN_NOSYNC,
				   KV_OPEN_RDONLY, KV_OPEN_EXCL */
	size_t map_size;      /**< initial map size; 0: 1 GiB */
} kv_lmdb_options;

/**
 * Open (or with KV_OPEN_CREATE create) the lmdb store in folder `path`.
 * @return 0; KV_ENOTFOUND; KV_EEXISTS (with KV_OPEN_EXCL);
 *         KV_ENOTSUPPORTED for an unknown format version; KV_ECORRUPT;
 *         KV_ELOCKED; KV_EIO
 */
KV_EXTERN(int) kv_backend_lmdb_new(kv_backend **out, const char *path,
				   const kv_lmdb_options *opts);

/** Options of the git backend. */
typedef struct {
	unsigned int version;      /**< 1 */
	unsigned int flags;        /**< KV_OPEN_CREATE, KV_OPEN_NOSYNC,
				        KV_OPEN_RDONLY, KV_OPEN_EXCL */
	unsigned int pack_objects; /**< a batch of more objects than this is
				        written as one pack, a smaller one as
				        loose objects; 0: 100 */
} kv_git_options;

/**
 * Open (or with KV_OPEN_CREATE create) the git repository at `path`: a
 * bare repository, a repository's `.git` folder, or the work tree of a
 * normal repository. A created repository is bare, with HEAD pointing at
 * refs/heads/main. Objects live in the repository's object database
 * (loose objects and packs), refs in its refdb (loose and packed refs);
 * git reads and writes the same repository at the same time.
 * @return 0; KV_ENOTFOUND if no repository is there; KV_EEXISTS (with
 *         KV_OPEN_CREATE | KV_OPEN_EXCL); KV_ENOTSUPPORTED for a repository
 *         libgit2 cannot read (another object format); KV_EIO; KV_ERROR
 */
KV_EXTERN(int) kv_backend_git_new(kv_backend **out, const char *path,
				  const kv_git_options *opts);

#ifdef __cplusplus
}
#endif
#endif /* KV_BACKEND_H */
