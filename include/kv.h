/*
 * kv.h: the public API of libkv, a versioned, git-backed key-value store.
 *
 * A store holds keys (slash-separated paths such as "users/42/name") with
 * byte values. Every write is a commit on a branch; objects are git objects
 * (blob, tree, commit; SHA-1 ids), so the same data has the same commit id in
 * every backend.
 *
 * Conventions (the same in every call, so they are stated once here):
 *
 *  - Errors. Every function that can fail returns an int: 0 on success or a
 *    negative kv_error_code. A few return a positive informational value,
 *    documented at the call (KV_NOCHANGE). After a failure, kv_error_last()
 *    gives a message saying what failed and on which key, object or ref. The
 *    message is kept per thread until the next failure or kv_error_clear().
 *
 *  - Out parameters come first. A `T **out` is yours: release it with the
 *    matching kv_T_free(), which accepts NULL.
 *
 *  - Buffers. A kv_buf is caller-allocated (zero it, or use KV_BUF_INIT);
 *    the library fills it and you release its memory with kv_buf_dispose().
 *    A buffer may be reused for several calls; it is grown as needed.
 *
 *  - Borrowed values. A `const T *` returned by an accessor lives as long as
 *    the object it came from. Strings passed in are copied when kept.
 *
 *  - Threads. The library is thread-safe in the SQLite "multi-thread" sense:
 *    a kv_store (and everything made from it) may be used by one thread at a
 *    time; open one store per thread for parallel use. Several stores, in one
 *    process or many, may open the same LMDB store at once.
 *
 *  - Revisions ("rev" arguments) name a commit: a branch ("main"), a tag, a
 *    full ref ("refs/heads/main"), a full or unique abbreviated commit id
 *    (at least 4 hex digits), optionally followed by "~N" (N-th first
 *    parent) or "^" / "^N" (N-th parent). NULL means the default branch.
 *    kv_revparse() also accepts "REV^{tree}".
 */
#ifndef KV_H
#define KV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define KV_EXTERN(type) extern __attribute__((visibility("default"))) type
#else
#define KV_EXTERN(type) extern type
#endif

/** Library version. */
#define KV_VERSION_MAJOR 0
#define KV_VERSION_MINOR 1
#define KV_VERSION_PATCH 0
#define KV_VERSION_STRING "0.1.0"

/** The version string of the library that is linked, e.g. "0.1.0". */
KV_EXTERN(const char *) kv_version(void);

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

/** Return codes. Each one is an outcome a caller can act on. */
typedef enum {
	KV_OK = 0,
	KV_NOCHANGE = 1,         /**< not an error: nothing changed, no commit made */
	KV_ERROR = -1,           /**< generic error; see kv_error_last() */
	KV_ENOTFOUND = -3,       /**< key, object, ref, revision or store absent */
	KV_EEXISTS = -4,         /**< the thing to create already exists */
	KV_EINVALID = -5,        /**< bad key, ref name, revision or argument */
	KV_ECONFLICT = -6,       /**< a merge conflict */
	KV_EMODIFIED = -7,       /**< compare-and-swap lost: the ref moved */
	KV_ECORRUPT = -8,        /**< stored data fails its checks */
	KV_ELOCKED = -9,         /**< the store is locked by someone else */
	KV_EFULL = -10,          /**< disk or map full */
	KV_ENOTSUPPORTED = -11,  /**< not supported (backend, format version) */
	KV_EUSER = -12,          /**< a callback returned non-zero to stop */
	KV_ENOMEM = -13,         /**< out of memory */
	KV_EAMBIGUOUS = -14,     /**< an abbreviated id matches several objects */
	KV_EIO = -15,            /**< an operating system I/O error */
	KV_ITEROVER = -31        /**< iteration finished (internal) */
} kv_error_code;

/** The last error of this thread. */
typedef struct {
	int code;            /**< a kv_error_code */
	const char *message; /**< what failed, naming the key/object/ref */
} kv_error;

/**
 * The last error set on this thread, or NULL if none. The pointer stays valid
 * until the next failing call or kv_error_clear() on this thread.
 */
KV_EXTERN(const kv_error *) kv_error_last(void);

/** Forget this thread's last error. */
KV_EXTERN(void) kv_error_clear(void);

/** Static text for a code ("not found"), never NULL. */
KV_EXTERN(const char *) kv_strerror(int code);

/* ------------------------------------------------------------------ */
/* Buffers and object ids                                              */
/* ------------------------------------------------------------------ */

/** A caller-owned byte buffer. `ptr` is NUL-terminated past `size`. */
typedef struct {
	char *ptr;    /**< the bytes (NULL while empty and never grown) */
	size_t size;  /**< number of bytes used */
	size_t asize; /**< bytes allocated */
} kv_buf;

#define KV_BUF_INIT {NULL, 0, 0}

/** Release the memory of `buf` and zero it. NULL is a no-op. */
KV_EXTERN(void) kv_buf_dispose(kv_buf *buf);

/** A 20-byte SHA-1 object id. */
typedef struct {
	unsigned char id[20];
} kv_oid;

#define KV_OID_HEXSZ 40

/** Object types, numbered as git numbers them. */
typedef enum {
	KV_OBJ_ANY = 0,
	KV_OBJ_COMMIT = 1,
	KV_OBJ_TREE = 2,
	KV_OBJ_BLOB = 3,
	KV_OBJ_TAG = 4
} kv_otype;

/** Write the 40 hex digits of `id` and a NUL into `out`; returns `out`. */
KV_EXTERN(char *) kv_oid_tostr(char out[KV_OID_HEXSZ + 1], const kv_oid *id);

/**
 * Parse 40 hex digits into `out`.
 * @return 0, or KV_EINVALID if `hex` is not exactly 40 hex digits
 */
KV_EXTERN(int) kv_oid_fromstr(kv_oid *out, const char *hex);

/** 1 if `a` and `b` are equal, else 0. */
KV_EXTERN(int) kv_oid_equal(const kv_oid *a, const kv_oid *b);

/** 1 if `id` is all zeros (the "no object" id), else 0. */
KV_EXTERN(int) kv_oid_is_zero(const kv_oid *id);

/**
 * The git object id of `len` bytes of `data` as an object of `type`: SHA-1
 * of "<type> <len>\0" followed by the data.
 */
KV_EXTERN(int) kv_object_hash(kv_oid *out, kv_otype type, const void *data,
			      size_t len);

/** "blob", "tree", "commit", "tag", or NULL for an unknown type. */
KV_EXTERN(const char *) kv_otype_name(kv_otype type);

/* ------------------------------------------------------------------ */
/* Keys                                                                */
/* ------------------------------------------------------------------ */

#define KV_KEY_MAX 4096 /**< longest key, in bytes */
#define KV_STEP_MAX 255 /**< longest step (path component), in bytes */

/**
 * Check that `key` is a valid key: steps separated by single '/', each
 * non-empty, valid UTF-8, at most 255 bytes, without NUL, and not ".", ".."
 * or ".git" in any case; the whole key at most 4096 bytes, with no leading or
 * trailing '/'.
 *
 * @return 0, or KV_EINVALID with a message naming the bad step
 */
KV_EXTERN(int) kv_key_validate(const char *key);

/**
 * Check a branch or tag short name ("main", "feature/x") against git's
 * ref-name rules.
 * @return 0, or KV_EINVALID with a message saying why
 */
KV_EXTERN(int) kv_refname_validate(const char *name);

/* ------------------------------------------------------------------ */
/* Stores                                                              */
/* ------------------------------------------------------------------ */

typedef struct kv_store kv_store;
typedef struct kv_backend kv_backend; /* see kv_backend.h */

/** Flags for kv_store_options.flags. */
enum {
	KV_OPEN_CREATE = 1 << 0, /**< create the store if it does not exist */
	KV_OPEN_NOSYNC = 1 << 1, /**< do not fsync each commit (bulk loads).
				      A killed process loses nothing it
				      committed; a crash of the whole system
				      may lose recent commits, and on a file
				      system that reorders writes may leave
				      the store damaged (LMDB's MDB_NOSYNC
				      rule) */
	KV_OPEN_RDONLY = 1 << 2, /**< open read-only */
	KV_OPEN_EXCL = 1 << 3    /**< with CREATE: fail with KV_EEXISTS if a
				      store is already there */
};

#define KV_STORE_OPTIONS_VERSION 1

/** Options for kv_store_open(). Initialise with kv_store_options_init(). */
typedef struct {
	unsigned int version;    /**< KV_STORE_OPTIONS_VERSION */
	unsigned int flags;      /**< KV_OPEN_* */
	size_t tree_cache_bytes; /**< bound of the parsed-tree cache; 0: 64 MiB */
	size_t map_size;         /**< lmdb: initial map size; 0: 1 GiB. The
				      map grows by itself when full. */
} kv_store_options;

#define KV_STORE_OPTIONS_INIT {KV_STORE_OPTIONS_VERSION, 0, 0, 0}

/** Fill `opts` with defaults. @return 0, or KV_EINVALID for a bad version */
KV_EXTERN(int) kv_store_options_init(kv_store_options *opts,
				     unsigned int version);

/**
 * Open the store at `uri`: "lmdb:PATH", "git:PATH" (a git repository: a
 * bare one, a `.git` folder or a work tree; created bare), "mem:" (a new,
 * empty, private store), or a plain PATH, whose backend is detected from
 * what is there (a new store at a plain path is an lmdb store).
 *
 * @param[out] out the store; release it with kv_store_free()
 * @param uri where the store lives
 * @param opts options, or NULL for defaults
 * @return 0; KV_ENOTFOUND if no store is there and KV_OPEN_CREATE is unset;
 *         KV_EEXISTS with KV_OPEN_EXCL when one is; KV_ENOTSUPPORTED for an
 *         unknown backend or a store of an unknown format version;
 *         KV_ECORRUPT if the store fails its format check; KV_EIO; KV_ERROR
 */
KV_EXTERN(int) kv_store_open(kv_store **out, const char *uri,
			     const kv_store_options *opts);

/**
 * Make a store over an already opened backend. On success the store owns
 * `backend` and frees it in kv_store_free(); on failure the caller still
 * owns it.
 */
KV_EXTERN(int) kv_store_new(kv_store **out, kv_backend *backend,
			    const kv_store_options *opts);

/** Close the store and release everything it owns. NULL is a no-op. */
KV_EXTERN(void) kv_store_free(kv_store *store);

/** The backend's name: "lmdb", "mem", ... Borrowed from the store. */
KV_EXTERN(const char *) kv_store_backend_name(const kv_store *store);

/** The default branch of every store. */
#define KV_DEFAULT_BRANCH "main"

/* ------------------------------------------------------------------ */
/* Commits                                                             */
/* ------------------------------------------------------------------ */

/** A person and a moment, as in a git commit. */
typedef struct {
	const char *name;  /**< no '<', '>' or newline */
	const char *email; /**< no '<', '>' or newline */
	int64_t time;      /**< seconds since the epoch */
	int offset;        /**< time zone offset in minutes east of UTC */
} kv_signature;

/** Flags for kv_commit_options.flags. */
enum {
	KV_COMMIT_NO_RETRY = 1 << 0,   /**< if the branch moved since the
					    transaction began, fail with
					    KV_EMODIFIED instead of re-applying
					    the changes on the new head */
	KV_COMMIT_ALLOW_EMPTY = 1 << 1 /**< commit even if the tree is
					    unchanged */
};

#define KV_COMMIT_OPTIONS_VERSION 1

/** Options for a commit. Initialise with kv_commit_options_init(). */
typedef struct {
	unsigned int version;          /**< KV_COMMIT_OPTIONS_VERSION */
	unsigned int flags;            /**< KV_COMMIT_* */
	const char *message;           /**< NULL: a message describing the
					    change ("set KEY", "3 changes") */
	const kv_signature *author;    /**< NULL: from $KV_AUTHOR, git config
					    user.name/email, else
					    "kv <kv@localhost>"; time from
					    $KV_DATE or now */
	const kv_signature *committer; /**< NULL: the author */
} kv_commit_options;

#define KV_COMMIT_OPTIONS_INIT {KV_COMMIT_OPTIONS_VERSION, 0, NULL, NULL, NULL}

/** Fill `opts` with defaults. @return 0, or KV_EINVALID for a bad version */
KV_EXTERN(int) kv_commit_options_init(kv_commit_options *opts,
				      unsigned int version);

/**
 * Parse "Name <email>" into `out`, whose strings then point into `buf`
 * (which must outlive `out`). The time is taken from `when` (or now if
 * NULL), which is "@SECONDS [+-HHMM]", "SECONDS [+-HHMM]" or an ISO date
 * "YYYY-MM-DD[THH:MM:SS][Z|+-HH:MM]".
 * @return 0, or KV_EINVALID naming what is wrong
 */
KV_EXTERN(int) kv_signature_parse(kv_signature *out, kv_buf *buf,
				  const char *ident, const char *when);

/** A parsed commit. Immutable. */
typedef struct kv_commit kv_commit;

/**
 * Look up the commit `id`.
 * @return 0; KV_ENOTFOUND; KV_EINVALID if `id` is not a commit; KV_ECORRUPT
 */
KV_EXTERN(int) kv_commit_lookup(kv_commit **out, kv_store *store,
				const kv_oid *id);

/** Release a commit. NULL is a no-op. */
KV_EXTERN(void) kv_commit_free(kv_commit *commit);

/* Accessors; pointers are borrowed from the commit. */
KV_EXTERN(const kv_oid *) kv_commit_id(const kv_commit *commit);
KV_EXTERN(const kv_oid *) kv_commit_tree_id(const kv_commit *commit);
KV_EXTERN(size_t) kv_commit_parentcount(const kv_commit *commit);
/** The n-th parent id, or NULL if there is none. */
KV_EXTERN(const kv_oid *) kv_commit_parent_id(const kv_commit *commit,
					      size_t n);
KV_EXTERN(const kv_signature *) kv_commit_author(const kv_commit *commit);
KV_EXTERN(const kv_signature *) kv_commit_committer(const kv_commit *commit);
/** The full message, as stored (usually ending in a newline). */
KV_EXTERN(const char *) kv_commit_message(const kv_commit *commit);

/* ------------------------------------------------------------------ */
/* Simple reads and writes                                             */
/* ------------------------------------------------------------------ */

/**
 * Read the value of `key` at `rev` into `out`.
 * @return 0; KV_ENOTFOUND if the key (or rev) is absent, or names a
 *         directory; KV_EINVALID for a bad key; KV_ECORRUPT if the stored
 *         value or a tree on its path fails its checks
 */
KV_EXTERN(int) kv_get(kv_buf *out, kv_store *store, const char *rev,
		      const char *key);

/**
 * Set `key` to `len` bytes of `value` on `branch` (NULL: the default
 * branch) in one commit. A value equal to the current one makes no commit.
 *
 * @param[out] commit_out the new head (or the unchanged one); may be NULL
 * @return 0; KV_NOCHANGE (1) if the value was already there; KV_EINVALID;
 *         KV_EMODIFIED (with KV_COMMIT_NO_RETRY); KV_EFULL; KV_ERROR
 */
KV_EXTERN(int) kv_set(kv_oid *commit_out, kv_store *store, const char *branch,
		      const char *key, const void *value, size_t len,
		      const kv_commit_options *opts);

/**
 * Remove `key` (a value, or a whole directory) from `branch` in one commit.
 * @return 0; KV_ENOTFOUND if nothing is there; as kv_set() otherwise
 */
KV_EXTERN(int) kv_remove(kv_oid *commit_out, kv_store *store,
			 const char *branch, const char *key,
			 const kv_commit_options *opts);

/* ------------------------------------------------------------------ */
/* Transactions                                                        */
/* ------------------------------------------------------------------ */

/** A set of changes staged on a branch, committed as one commit. */
typedef struct kv_txn kv_txn;

/**
 * Begin a transaction on `branch` (NULL: the default branch), based on its
 * current head, or on nothing if the branch does not exist yet (the first
 * commit creates it). Reads see the base plus the staged changes. Nothing is
 * written before kv_txn_commit().
 * @return 0; KV_EINVALID for a bad branch name; KV_ECORRUPT; KV_ERROR
 */
KV_EXTERN(int) kv_txn_begin(kv_txn **out, kv_store *store, const char *branch);

/** Read `key` as the transaction sees it. Errors as kv_get(). */
KV_EXTERN(int) kv_txn_get(kv_buf *out, kv_txn *txn, const char *key);

/**
 * Stage `key` = `value`. The value is copied. Setting a key replaces what
 * stood on that path, a value or a whole directory; a value standing where a
 * directory is needed ("a" when setting "a/b") is replaced by the directory.
 * @return 0; KV_EINVALID for a bad key; KV_ENOMEM
 */
KV_EXTERN(int) kv_txn_set(kv_txn *txn, const char *key, const void *value,
			  size_t len);

/**
 * Stage the removal of `key`, a value or a whole directory.
 * @return 0; KV_ENOTFOUND if nothing is there; KV_EINVALID
 */
KV_EXTERN(int) kv_txn_remove(kv_txn *txn, const char *key);

/** The number of set/remove operations staged so far. */
KV_EXTERN(size_t) kv_txn_changes(const kv_txn *txn);

/**
 * Commit the staged changes as one commit on the branch. If the branch moved
 * since kv_txn_begin(), the changes are applied again on the new head and
 * the commit retried (the later write to a key wins), unless
 * KV_COMMIT_NO_RETRY is set. A transaction is committed at most once.
 *
 * @param[out] commit_out the new head (or the unchanged one); may be NULL
 * @return 0; KV_NOCHANGE (1) if the tree would not change (no commit is
 *         made unless KV_COMMIT_ALLOW_EMPTY); KV_EMODIFIED; KV_EFULL;
 *         KV_EINVALID (bad options or a transaction already committed);
 *         KV_ERROR
 */
KV_EXTERN(int) kv_txn_commit(kv_oid *commit_out, kv_txn *txn,
			     const kv_commit_options *opts);

/** Release a transaction, discarding what was not committed. NULL ok. */
KV_EXTERN(void) kv_txn_free(kv_txn *txn);

/* ------------------------------------------------------------------ */
/* Revisions, refs, branches, tags                                     */
/* ------------------------------------------------------------------ */

/**
 * Resolve a revision (see the top of this file) to an object id: a commit,
 * or a tree with the "^{tree}" suffix.
 * @return 0; KV_ENOTFOUND; KV_EAMBIGUOUS; KV_EINVALID for bad syntax
 */
KV_EXTERN(int) kv_revparse(kv_oid *out, kv_store *store, const char *rev);

/** Called for each ref; return non-zero to stop (the call then returns
 * KV_EUSER). `name` is the full name ("refs/heads/main"), borrowed. */
typedef int (*kv_ref_cb)(const char *name, const kv_oid *id, void *payload);

/**
 * Call `cb` for each ref whose full name starts with `prefix` ("refs/heads/",
 * "refs/tags/", or NULL for all), in name order.
 */
KV_EXTERN(int) kv_ref_foreach(kv_store *store, const char *prefix,
			      kv_ref_cb cb, void *payload);

/** Read the full ref `name` ("refs/heads/main"). @return 0 or KV_ENOTFOUND */
KV_EXTERN(int) kv_ref_read(kv_oid *out, kv_store *store, const char *name);

/**
 * Compare-and-swap the full ref `name` to `new_id` (NULL: delete it) if it
 * still points at `expected` (NULL: it must not exist).
 * @return 0; KV_EMODIFIED if the ref is not at `expected`; KV_ENOTFOUND if
 *         `new_id` is not a stored commit; KV_EINVALID for a bad name
 */
KV_EXTERN(int) kv_ref_cas(kv_store *store, const char *name,
			  const kv_oid *new_id, const kv_oid *expected);

/**
 * Create branch `name` at `rev` (NULL: the default branch's head).
 * @return 0; KV_EEXISTS unless `force`; KV_EINVALID for a bad name;
 *         KV_ENOTFOUND if `rev` does not resolve
 */
KV_EXTERN(int) kv_branch_create(kv_store *store, const char *name,
				const char *rev, int force);

/** Delete branch `name`. @return 0 or KV_ENOTFOUND */
KV_EXTERN(int) kv_branch_delete(kv_store *store, const char *name);

/** Create tag `name` at `rev`. Errors as kv_branch_create(). */
KV_EXTERN(int) kv_tag_create(kv_store *store, const char *name,
			     const char *rev, int force);

/** Delete tag `name`. @return 0 or KV_ENOTFOUND */
KV_EXTERN(int) kv_tag_delete(kv_store *store, const char *name);

/* ------------------------------------------------------------------ */
/* Listing                                                             */
/* ------------------------------------------------------------------ */

/** What a tree entry is. Entries that are not plain values are reported
 * as what they are, never read as values. */
typedef enum {
	KV_ENTRY_VALUE = 0,  /**< a value (blob, mode 100644) */
	KV_ENTRY_DIR = 1,    /**< a directory (tree, mode 40000) */
	KV_ENTRY_EXEC = 2,   /**< an executable file (blob, mode 100755) */
	KV_ENTRY_SYMLINK = 3,/**< a symbolic link (blob, mode 120000) */
	KV_ENTRY_SUBMODULE = 4 /**< a git submodule (commit, mode 160000) */
} kv_entry_kind;

/** One entry of a tree, as passed to callbacks (borrowed). */
typedef struct {
	const char *path;   /**< for kv_list: the name; for kv_walk: the key */
	kv_entry_kind kind; /**< what it is */
	unsigned int mode;  /**< git mode (0100644, 040000, ...) */
	kv_oid id;          /**< the object id */
} kv_entry;

/** Return non-zero to stop (the call then returns KV_EUSER). */
typedef int (*kv_entry_cb)(const kv_entry *entry, void *payload);

/**
 * List the direct children of directory `prefix` (NULL or "": the root) at
 * `rev`, in tree order.
 * @return 0; KV_ENOTFOUND if `prefix` is absent or not a directory
 */
KV_EXTERN(int) kv_list(kv_store *store, const char *rev, const char *prefix,
		       kv_entry_cb cb, void *payload);

/**
 * Visit every non-directory entry under `prefix` (NULL: everything) at `rev`
 * in key order, depth first; `entry->path` is the full key.
 */
KV_EXTERN(int) kv_walk(kv_store *store, const char *rev, const char *prefix,
		       kv_entry_cb cb, void *payload);

/**
 * Read an object by id: its type and raw git payload.
 * @return 0; KV_ENOTFOUND; KV_ECORRUPT
 */
KV_EXTERN(int) kv_object_read(kv_buf *out, kv_otype *type_out, kv_store *store,
			      const kv_oid *id);

/* ------------------------------------------------------------------ */
/* History and differences                                             */
/* ------------------------------------------------------------------ */

/** Flags for kv_log_options.flags. */
enum {
	KV_LOG_FIRST_PARENT = 1 << 0 /**< follow only first parents */
};

#define KV_LOG_OPTIONS_VERSION 1

typedef struct {
	unsigned int version; /**< KV_LOG_OPTIONS_VERSION */
	unsigned int flags;   /**< KV_LOG_* */
	const char *rev;      /**< where to start; NULL: the default branch */
	const char *key;      /**< only commits that changed this key (or
				   anything under it); NULL: all */
	size_t limit;         /**< at most this many commits; 0: no limit */
} kv_log_options;

#define KV_LOG_OPTIONS_INIT {KV_LOG_OPTIONS_VERSION, 0, NULL, NULL, 0}

KV_EXTERN(int) kv_log_options_init(kv_log_options *opts, unsigned int version);

/** Called for each commit, newest first; return non-zero to stop. */
typedef int (*kv_commit_cb)(const kv_commit *commit, void *payload);

/**
 * Walk history from `opts->rev`, newest first (commit time order over all
 * parents, or first parents only).
 * @return 0; KV_ENOTFOUND; KV_EUSER if the callback stopped it
 */
KV_EXTERN(int) kv_log(kv_store *store, const kv_log_options *opts,
		      kv_commit_cb cb, void *payload);

/** How a key differs between two trees. */
typedef enum {
	KV_DELTA_ADDED = 'A',
	KV_DELTA_REMOVED = 'D',
	KV_DELTA_MODIFIED = 'M'
} kv_delta_status;

/** One changed key (borrowed; valid during the callback). */
typedef struct {
	kv_delta_status status;
	const char *key;     /**< the full key */
	kv_oid old_id;       /**< zero when added */
	kv_oid new_id;       /**< zero when removed */
	unsigned int old_mode; /**< 0 when added */
	unsigned int new_mode; /**< 0 when removed */
} kv_delta;

typedef int (*kv_delta_cb)(const kv_delta *delta, void *payload);

/**
 * Report each key that differs between `old_rev` and `new_rev` (revisions,
 * or trees with "^{tree}"), in key order. Equal subtrees are skipped without
 * being read. A value replaced by a directory shows as one removal and the
 * additions under it.
 */
KV_EXTERN(int) kv_diff(kv_store *store, const char *old_rev,
		       const char *new_rev, kv_delta_cb cb, void *payload);

/** As kv_diff(), between two tree ids (a zero id is the empty tree). */
KV_EXTERN(int) kv_diff_trees(kv_store *store, const kv_oid *old_tree,
			     const kv_oid *new_tree, kv_delta_cb cb,
			     void *payload);

/* ------------------------------------------------------------------ */
/* Merging                                                             */
/* ------------------------------------------------------------------ */

/**
 * Merge bases of commits `a` and `b`: their lowest common ancestors, found
 * from the commit graph with generation numbers. Criss-cross histories have
 * several.
 *
 * @param[out] out an array of ids; release it with free()
 * @param[out] count how many (0 for unrelated histories)
 * @return 0; KV_ENOTFOUND if `a` or `b` is not a stored commit
 */
KV_EXTERN(int) kv_merge_bases(kv_oid **out, size_t *count, kv_store *store,
			      const kv_oid *a, const kv_oid *b);

/** What kind of conflict a key is in. */
typedef enum {
	KV_CONFLICT_CONTENT = 1,  /**< both sides changed the value, and its
				       strategy could not combine them */
	KV_CONFLICT_ADD_ADD = 2,  /**< both sides added different values */
	KV_CONFLICT_MODIFY_DELETE = 3, /**< one side changed it, the other
				       removed it */
	KV_CONFLICT_VALUE_DIR = 4 /**< a value on one side, a directory on the
				       other */
} kv_conflict_kind;

/** One conflicting key (borrowed from its kv_merge_result). */
typedef struct {
	const char *key;      /**< the key (for VALUE_DIR, the path where a
				   value and a directory meet) */
	kv_conflict_kind kind;
	const char *strategy; /**< the strategy that was applied ("default",
				   "counter", ...) */
	const char *reason;   /**< why it could not merge, in words */
	/* The three versions: id and git mode, zero/0 when absent. A
	 * directory shows as its tree id with mode 040000. */
	kv_oid base, ours, theirs;
	unsigned int base_mode, ours_mode, theirs_mode;
} kv_conflict;

/** The outcome of a merge. */
typedef struct kv_merge_result kv_merge_result;

KV_EXTERN(size_t) kv_merge_result_conflictcount(const kv_merge_result *r);
/** The i-th conflict, in key order, or NULL. */
KV_EXTERN(const kv_conflict *) kv_merge_result_conflict(
	const kv_merge_result *r, size_t i);
/** The merged tree (zero if the merge had conflicts). */
KV_EXTERN(const kv_oid *) kv_merge_result_tree(const kv_merge_result *r);
/** The new head of the branch: the merge commit, the commit fast-forwarded
 * to, or the unchanged head (zero if the merge had conflicts). */
KV_EXTERN(const kv_oid *) kv_merge_result_commit(const kv_merge_result *r);
/** 1 if the merge was a fast-forward, else 0. */
KV_EXTERN(int) kv_merge_result_fastforward(const kv_merge_result *r);
KV_EXTERN(void) kv_merge_result_free(kv_merge_result *r);

/**
 * A resolver: merge one value. `base`, `ours` and `theirs` are NULL where
 * the key is absent. Return 0 with the merged bytes in `out` (or with
 * `*removed` set to 1 to remove the key); KV_ECONFLICT to report a
 * conflict; or KV_ENOTFOUND to leave this key to its strategy.
 */
typedef int (*kv_merge_resolver)(kv_buf *out, int *removed, const char *key,
				 const kv_buf *base, const kv_buf *ours,
				 const kv_buf *theirs, void *payload);

/** Flags for kv_merge_options.flags. */
enum {
	KV_MERGE_NO_FF = 1 << 0,  /**< make a merge commit even when a
				       fast-forward is possible */
	KV_MERGE_FF_ONLY = 1 << 1 /**< only fast-forward; otherwise fail with
				       KV_ECONFLICT and change nothing */
};

#define KV_MERGE_OPTIONS_VERSION 1

/** Options for kv_merge(). Initialise with kv_merge_options_init(). */
typedef struct {
	unsigned int version;       /**< KV_MERGE_OPTIONS_VERSION */
	unsigned int flags;         /**< KV_MERGE_* */
	const char *strategy;       /**< the strategy of every key, overriding
					 .kvattributes; NULL: per key from
					 .kvattributes, else "default" */
	kv_merge_resolver resolver; /**< called first for each key both sides
					 changed; NULL: none */
	void *payload;              /**< passed to the resolver */
	const char *message;        /**< NULL: "Merge REV into BRANCH" */
	const kv_signature *author; /**< NULL: as for commits */
	const kv_signature *committer;
} kv_merge_options;

#define KV_MERGE_OPTIONS_INIT \
	{KV_MERGE_OPTIONS_VERSION, 0, NULL, NULL, NULL, NULL, NULL, NULL}

KV_EXTERN(int) kv_merge_options_init(kv_merge_options *opts,
				     unsigned int version);

/**
 * Merge `rev` into branch `into` (NULL: the default branch).
 *
 * Strategies, chosen per key by a `.kvattributes` file at the root of the
 * tree (lines "PATTERN merge=STRATEGY", gitattributes pattern syntax, later
 * lines win), by `opts->strategy`, or by the resolver:
 *  - default: one side unchanged takes the other; equal changes agree;
 *    anything else conflicts;
 *  - ours, theirs: that side's value wins;
 *  - counter: decimal int64 values: base + both deltas (overflow and
 *    values that are not numbers conflict);
 *  - lines: a set of lines: additions and removals from both sides apply;
 *    the result is sorted, one line each;
 *  - cbor: CBOR maps merged key by key, recursively, other values by the
 *    default rule; the result is encoded canonically; invalid CBOR
 *    conflicts;
 *  - lww: the value of the later commit wins (ties: the larger commit id).
 * With several merge bases (criss-cross), they are first merged into a
 * virtual base. Unrelated histories merge against an empty base.
 *
 * A clean merge commits with two parents, `into` first; a fast-forward
 * moves the branch (unless KV_MERGE_NO_FF). If `rev` is already merged, the
 * call returns KV_NOCHANGE.
 *
 * @param[out] out the result (conflicts, new head); may be NULL. Freed
 *             with kv_merge_result_free(), also after KV_ECONFLICT.
 * @return 0; KV_NOCHANGE; KV_ECONFLICT if any key conflicts (nothing is
 *         changed; the conflicts are in *out), or with KV_MERGE_FF_ONLY if
 *         a fast-forward is not possible; KV_ENOTFOUND; KV_EINVALID for an
 *         unknown strategy
 */
KV_EXTERN(int) kv_merge(kv_merge_result **out, kv_store *store,
			const char *into, const char *rev,
			const kv_merge_options *opts);

/**
 * Three-way merge of trees (no commit, no ref): writes the merged tree.
 * `base` may be zero for an empty base. Strategy selection as kv_merge();
 * lww treats both sides as equally recent and picks the larger value id.
 * @return 0 or KV_ECONFLICT (conflicts in *out); errors as kv_merge()
 */
KV_EXTERN(int) kv_merge_trees(kv_merge_result **out, kv_store *store,
			      const kv_oid *base, const kv_oid *ours,
			      const kv_oid *theirs,
			      const kv_merge_options *opts);

/**
 * Commit on `branch` the inverse of commit `rev` (relative to its first
 * parent), merged three-way onto the branch head, so that later changes to
 * other keys stay. Strategies come from .kvattributes, as in kv_merge().
 *
 * @param[out] out the result, as for kv_merge(): the new head
 *             (kv_merge_result_commit; the unchanged head with
 *             KV_NOCHANGE) and its tree, or after KV_ECONFLICT every key a
 *             later commit changed too (base: the value `rev` set, ours:
 *             the branch head's, theirs: the value before `rev`); may be
 *             NULL. Freed with kv_merge_result_free().
 * @return 0; KV_NOCHANGE if the branch already lacks the changes of `rev`;
 *         KV_ECONFLICT (nothing is changed); KV_ENOTFOUND
 */
KV_EXTERN(int) kv_revert(kv_merge_result **out, kv_store *store,
			 const char *branch, const char *rev,
			 const kv_commit_options *opts);

/* ------------------------------------------------------------------ */
/* Maintenance                                                         */
/* ------------------------------------------------------------------ */

/** One problem found by kv_fsck() (borrowed; valid during the callback). */
typedef struct {
	kv_oid id;           /**< the object concerned, or zero */
	const char *ref;     /**< the ref concerned, or NULL */
	const char *message; /**< what is wrong */
} kv_fsck_problem;

typedef int (*kv_fsck_cb)(const kv_fsck_problem *problem, void *payload);

/**
 * Check the whole store: re-hash every object (with collision detection),
 * parse every tree and commit strictly, check that every ref points at a
 * commit whose whole history and trees are present, and that the backend's
 * commit-graph cache (if it has one) agrees with every commit it holds.
 *
 * @param[out] problems the number of problems found (may be NULL)
 * @return 0 if the check ran (look at `problems`); an error if it could not
 */
KV_EXTERN(int) kv_fsck(size_t *problems, kv_store *store, kv_fsck_cb cb,
		       void *payload);

/** Figures about a store. */
typedef struct {
	uint64_t objects;       /**< number of objects */
	uint64_t blobs, trees, commits; /**< by type */
	uint64_t object_bytes;  /**< payload bytes, uncompressed */
	uint64_t stored_bytes;  /**< bytes as stored (after compression) */
	uint64_t refs;          /**< number of refs */
	uint64_t disk_bytes;    /**< size of the store on disk, 0 if none */
} kv_stats;

/** Count objects and refs (reads every object header: O(store)). */
KV_EXTERN(int) kv_store_stats(kv_stats *out, kv_store *store);

/** How far kv_store_copy() has got (borrowed; valid during the callback). */
typedef struct {
	uint64_t objects;  /**< objects written to the destination so far */
	uint64_t bytes;    /**< their payload bytes */
	uint64_t present;  /**< objects found already in the destination
			        (nothing below them is read) */
	size_t refs;       /**< refs written (at the end) */
	size_t refs_total; /**< refs of the source */
	int done;          /**< 1 on the last call, after the copy is
			        committed */
} kv_copy_progress;

/** Called every few thousand objects and once at the end; return non-zero
 * to stop (the copy then returns KV_EUSER and writes nothing). */
typedef int (*kv_copy_cb)(const kv_copy_progress *progress, void *payload);

/**
 * Copy every ref of `src` (branches, tags, any refs/...) and every object
 * they reach into `dst`, of any backend: the same objects under the same
 * ids, so commit ids are equal in both stores afterwards. An object that
 * `dst` already has is skipped without reading it or anything below it.
 * Refs of `dst` with the same names are replaced; its other refs stay.
 * Submodule entries (mode 160000) are copied as entries; the commits they
 * name belong to another repository and are not followed.
 *
 * The copy is one write batch of `dst` (objects first, then the refs), so
 * on failure nothing is written. Every object read from `src` is checked
 * as kv_get() checks it, so a corrupt or hostile source stops the copy.
 *
 * @param cb progress callback, or NULL
 * @return 0; KV_EUSER if `cb` stopped it; KV_ECORRUPT if an object of
 *         `src` is missing, corrupt or malformed (the message names it and
 *         the ref it was reached from); KV_ELOCKED, KV_EFULL, KV_EIO or
 *         KV_ERROR from `dst`
 */
KV_EXTERN(int) kv_store_copy(kv_store *dst, kv_store *src, kv_copy_cb cb,
			     void *payload);

/** Sizes before and after kv_store_gc(). */
typedef struct {
	uint64_t bytes_before; /**< size of the store on disk before */
	uint64_t bytes_after;  /**< and after */
} kv_gc_result;

/**
 * Compact the store on disk, without losing any object a ref reaches.
 *
 * git: other processes may read and write the repository meanwhile. Every
 * object the refs reach goes into one new pack (with deltas), then each
 * loose object and old pack that the new pack makes redundant is removed
 * and the refs are packed: git sees the repository as after `git gc`,
 * except that nothing is pruned (an object no ref reaches stays where it
 * is).
 *
 * lmdb: a compacted copy of the whole file is swapped in. This needs the
 * store to itself: KV_ELOCKED if another process (or another handle in
 * this one) has it open; processes that open it meanwhile wait until gc
 * is done.
 *
 * @param[out] out sizes before and after (may be NULL)
 * @return 0; KV_ENOTSUPPORTED if the backend cannot compact; KV_EINVALID
 *         for a store opened read-only; KV_ELOCKED; KV_EIO; KV_ERROR
 */
KV_EXTERN(int) kv_store_gc(kv_gc_result *out, kv_store *store);

#ifdef __cplusplus
}
#endif
#endif /* KV_H */
