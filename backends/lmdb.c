/*
 * lmdb.c: the default backend: objects, refs and a commit-graph cache in
 * one LMDB environment (the store folder holds data.mdb and lock.mdb).
 *
 * This file owns the on-disk format below (docs/FORMAT.md says the same,
 * byte by byte). It stores bytes; ids, object parsing and hashing are the
 * core's business (kv_commit__parse_info is borrowed for the cache).
 *
 * Named databases (DBIs) and their encodings
 * ------------------------------------------
 *
 *   DBI       key                       value
 *   --------  ------------------------  ----------------------------------
 *   objects   20-byte object id         header byte, [length], payload
 *   refs      ref name bytes (no NUL,   20-byte object id
 *             1..511 bytes)
 *   meta      ASCII key                 CBOR item
 *   commits   20-byte commit id         CBOR array (commit-graph entry)
 *
 * objects value:
 *
 *   offset  size  field
 *   0       1     header: bits 0-2 object type (1 commit, 2 tree, 3 blob,
 *                 4 tag); bit 3 (0x08) payload is zlib-compressed;
 *                 bits 4-7 zero (anything else is corrupt)
 *   1       1-5   only if bit 3: uncompressed payload length, unsigned
 *                 LEB128 (7 bits a byte, low group first, 0x80 = more);
 *                 at most 2^30
 *   1 or n  rest  payload: the git object bytes without git's
 *                 "<type> <size>\0" header, raw or as one zlib stream
 *                 (RFC 1950, with its Adler-32)
 *
 * Only blobs and commits of 256 bytes to 1 GiB are compressed (trees are
 * mostly SHA-1 ids and do not compress; short values are not worth a
 * deflate call), at zlib level 1, and the compressed form is kept only when
 * it saves at least 1/8 of the payload's length.
 *
 * meta keys:   "format" -> CBOR unsigned int, the format version (1). A
 *              store with a greater version is refused (KV_ENOTSUPPORTED).
 *
 * commits value: a canonical CBOR array of 4 items
 *   [generation: uint, committer time: int, tree: bytes(20),
 *    parents: array of bytes(20), every parent in commit order]
 * generation = 1 + max(generation of the parents), 1 for a root commit,
 * or 0 ("unknown") when a parent has no entry or an unknown generation at
 * the time the commit is written (commits fetched child first): a guessed
 * number could be lower than a parent's, which would mislead merge-base
 * walks; 0 tells the core to compute it. Integers use their shortest form.
 *
 * Crash safety
 * ------------
 * LMDB is a copy-on-write B+tree: a write transaction never modifies a
 * page reachable from the last committed meta page. Commit writes the new
 * pages, flushes them (fdatasync), then writes the meta page of the new
 * transaction (the older of the two meta pages, stamped with the higher
 * transaction id) and flushes it. A crash before the meta write leaves the
 * previous meta page, and the tree it points at, intact; on open LMDB picks
 * the meta page with the higher valid txnid. So a transaction is all or
 * nothing. A kv commit is one batch = one write transaction holding its new
 * objects, their commit-graph entries and the ref compare-and-swap: after a
 * crash a ref is either at its old commit or at the new one, and all
 * objects that commit reaches are there. Outside a batch each write is its
 * own transaction and the core writes objects before the ref that reaches
 * them, which keeps the same invariant.
 * A full disk shows as a failed write (LMDB's short pwrite, reported as
 * KV_EFULL): the transaction is aborted and nothing of it is visible.
 * With KV_OPEN_NOSYNC (MDB_NOSYNC) the flushes are skipped: a process crash
 * still loses nothing committed (the page cache has it), but a system crash
 * may lose recent commits, and only a file system that keeps write order
 * guarantees integrity then (LMDB's rule). The env is synced on close.
 *
 * Concurrency
 * -----------
 * fcntl locks are per process, so LMDB must not open one env twice in a
 * process: a registry (dev, ino of the folder) shares one MDB_env between
 * all handles of a process, refcounted. A per-env rwlock guards the map:
 * every transaction holds it shared; resizing the map takes it exclusive,
 * because mdb_env_set_mapsize remaps under any live transaction. A batch
 * holds LMDB's writer lock from begin to commit: a thread must not begin a
 * second write (a batch or a plain write on another handle of the same
 * folder) while it holds a batch, and a batch must be committed on the
 * thread that began it.
 *
 * gc
 * --
 * gc swaps in a compacted copy of data.mdb (mdb_env_copyfd2 with
 * MDB_CP_COMPACT: the live pages only, free pages dropped). A process that
 * still mapped the old file would go on writing to the unlinked inode and
 * lose its writes, so gc runs only when nobody else has the env open, and
 * says KV_ELOCKED otherwise. The lock is LMDB's own: every process holds a
 * shared fcntl lock on byte 0 of lock.mdb while its env is open (taken
 * before it opens data.mdb). gc refuses if another handle of this process
 * shares the env, closes its env (fcntl locks are per process: only then
 * can it see others' locks), takes that byte exclusively (F_SETLK;
 * failing: KV_ELOCKED), copies data.mdb through an env opened with
 * MDB_NOLOCK into data.mdb.gc, checks that the copy holds as many records
 * in each DB, fsyncs it, renames it over data.mdb and fsyncs the folder.
 * Processes that open the store meanwhile wait in mdb_env_open. The
 * compacted copy restarts LMDB's transaction ids, so lock.mdb must be
 * rebuilt for it: gc reopens its env while still holding the exclusive
 * lock, which makes LMDB rebuild the table from the new file before the
 * lock turns shared and the waiting processes go on. The fd that took the
 * lock stays open as long as the env (closing it would drop all of this
 * process's locks on lock.mdb). A crash leaves the old data.mdb (before
 * the rename) or the new one (after; rename is atomic), and perhaps a
 * data.mdb.gc, which the next writable open removes: it then holds the
 * shared lock, so no gc is writing that file.
 *
 * The map grows by itself. Outside a batch an op that hits MDB_MAP_FULL is
 * retried after doubling the map. A batch's transaction dies on
 * MDB_MAP_FULL, so every batch keeps a log of what it stored (in memory,
 * spilling to an unlinked file in the store folder past 8 MiB); on
 * MAP_FULL the transaction is aborted, the map grown, and the log replayed
 * into a new transaction, invisibly to the caller. Growth fails only when
 * the larger map cannot be mapped: KV_EFULL.
 */
#define _GNU_SOURCE /* fallocate */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cbor.h>
#include <lmdb.h>
#include <zlib.h>

#include "common.h"

#define FORMAT_VERSION   1
#define DEFAULT_MAP_SIZE ((size_t)1 << 30)
#define MAX_DBS          8
#define MAX_KEY          511 /* LMDB's default key size limit */

#define HDR_TYPE_MASK 0x07
#define HDR_ZLIB      0x08
#define HDR_RESERVED  0xf0

#define COMPRESS_MIN 256
#define COMPRESS_MAX ((size_t)1 << 30)
#define ZLIB_LEVEL   1

#define LOG_MEM_MAX   ((size_t)8 << 20)
#define LOG_READ_SIZE ((size_t)1 << 20)
#define OBJ_CHUNK     1024
#define GC_TMP        "data.mdb.gc" /* gc's compacted copy until renamed */
#define REF_CHUNK     256

/* Internal status of an op: its transaction hit MDB_MAP_FULL (no message
 * set; the caller grows the map and retries). */
#define ERR_MAPFULL (-1000)

/* ------------------------------------------------------------------ */
/* The process-wide registry of open environments                      */
/* ------------------------------------------------------------------ */

struct env {
	struct env *next;
	dev_t dev; /* identity of the store folder */
	ino_t ino;
	MDB_env *env; /* shared by every handle on the folder */
	MDB_dbi objects, refs, meta, commits;
	int refcount;             /* handles using it */
	bool nosync;              /* opened with MDB_NOSYNC */
	bool rdonly;              /* opened with MDB_RDONLY */
	bool broken;              /* a failed remap left it unusable */
	int gc_lfd;               /* gc's fd on lock.mdb, or -1: closed only
	                             after the env (see lmdb_gc) */
	pthread_rwlock_t maplock; /* shared: any txn; exclusive: resize */
};

static pthread_mutex_t registry_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct env *registry;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void registry_prepare(void)
{
	pthread_mutex_lock(&registry_mutex);
}

static void registry_parent(void)
{
	pthread_mutex_unlock(&registry_mutex);
}

/* A forked child must not use its parent's MDB_envs (LMDB's rule): it
 * forgets them (leaking them; closing would clear the parent's reader
 * slots) and opens its own. */
static void registry_child(void)
{
	registry = NULL;
	pthread_mutex_unlock(&registry_mutex);
}

static void registry_init_once(void)
{
	pthread_atfork(registry_prepare, registry_parent, registry_child);
}

/*
 * Which envs this thread holds shared, so that a resize never waits for a
 * lock its own thread holds (it fails with KV_EFULL instead).
 */
static _Thread_local struct {
	struct env *e;
	int n;
} holds[8];
static _Thread_local int holds_lost; /* holds that found no slot */

static void lock_shared(struct env *e)
{
	size_t i;

	pthread_rwlock_rdlock(&e->maplock);
	for (i = 0; i < KV_ARRAY_SIZE(holds); i++)
		if (holds[i].e == e) {
			holds[i].n++;
			return;
		}
	for (i = 0; i < KV_ARRAY_SIZE(holds); i++)
		if (!holds[i].e) {
			holds[i].e = e;
			holds[i].n = 1;
			return;
		}
	holds_lost++;
}

static void unlock_shared(struct env *e)
{
	size_t i;

	for (i = 0; i < KV_ARRAY_SIZE(holds); i++)
		if (holds[i].e == e) {
			if (--holds[i].n == 0)
				holds[i].e = NULL;
			break;
		}
	if (i == KV_ARRAY_SIZE(holds))
		holds_lost--;
	pthread_rwlock_unlock(&e->maplock);
}

static bool held_here(struct env *e)
{
	if (holds_lost)
		return true;
	for (size_t i = 0; i < KV_ARRAY_SIZE(holds); i++)
		if (holds[i].e == e)
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* The handle                                                          */
/* ------------------------------------------------------------------ */

/* The batch's log of stored records, replayed after a map resize. */
struct oplog {
	kv_buf mem;       /* records not yet spilled */
	int fd;           /* unlinked spill file, or -1 */
	uint64_t spilled; /* bytes in the spill file */
	bool broken;      /* a record was lost: no replay possible */
	char why[160];    /* why it broke */
};

/* A log record: this header, the key, the value. */
struct rec_hdr {
	uint8_t kind;  /* REC_* */
	uint8_t flags; /* ref_update flags (REC_REF) */
	uint8_t pad[2];
	uint32_t klen;
	uint64_t vlen;
};

enum { REC_OBJECT = 1, REC_COMMIT = 2, REC_REF = 3 };

typedef struct {
	kv_backend parent;
	struct env *e;      /* shared env */
	char *path;         /* store folder, for messages */
	unsigned int flags; /* KV_OPEN_* */
	MDB_txn *rtxn;      /* reset read txn, renewed per read */
	MDB_txn *wtxn;      /* the batch's write txn, or NULL */
	bool in_batch;      /* between begin and commit/rollback */
	bool batch_locked;  /* the batch holds the shared map lock */
	bool txn_broken;    /* an LMDB call failed in the write txn */
	bool wrote;         /* something was committed (sync on close) */
	bool sync_after;    /* durable handle on a MDB_NOSYNC env: sync
	                       after each commit */
	int batch_err;      /* sticky error of a failed batch, or 0 */
	char batch_msg[512];
	struct oplog log;
	z_stream zdef, zinf;
	bool zdef_ok, zinf_ok;
	kv_buf zbuf; /* deflate output */
	pid_t pid;   /* process that opened it (see lmdb_free) */
} lmdb_backend;

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

static int map_rc(int rc)
{
	switch (rc) {
	case MDB_NOTFOUND:
		return KV_ENOTFOUND;
	case MDB_MAP_FULL:
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
		return KV_EFULL;
	case ENOMEM:
		return KV_ENOMEM;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_INCOMPATIBLE:
		return KV_ECORRUPT;
	case MDB_VERSION_MISMATCH:
		return KV_ENOTSUPPORTED;
	case MDB_READERS_FULL:
	case EAGAIN:
	case EBUSY:
		return KV_ELOCKED;
	case MDB_BAD_VALSIZE:
		return KV_EINVALID;
	default:
		return rc > 0 ? KV_EIO : KV_ERROR;
	}
}

/* Whether `rc` is an LMDB or errno code rather than a kv_error_code. */
static bool is_mdb_rc(int rc)
{
	return rc > 0 || (rc >= MDB_KEYEXIST && rc <= MDB_LAST_ERRCODE);
}

/* Report LMDB (or errno) code `rc` from `fn` about `what` (may be NULL),
 * keeping LMDB's text. */
/* LMDB reports a short write, which is how a full disk shows, as EIO:
 * tell a full disk from a failing one by the space left. */
static bool disk_full(const char *path)
{
	struct statvfs vfs;
	return statvfs(path, &vfs) == 0 &&
	       (uint64_t)vfs.f_bavail * vfs.f_frsize < ((uint64_t)4 << 20);
}

static int mdb_error(const char *path, int rc, const char *fn, const char *what)
{
	int code = map_rc(rc);

	if (rc == EIO && disk_full(path))
		code = KV_EFULL;

	if (code == KV_EFULL)
		return kv__error(code,
		                 "lmdb store %s: disk or map full: %s%s%s: %s",
		                 path, what ? what : "", what ? ": " : "", fn,
		                 mdb_strerror(rc));
	return kv__error(code, "lmdb store %s: %s%s%s: %s", path,
	                 what ? what : "", what ? ": " : "", fn,
	                 mdb_strerror(rc));
}

/* An LMDB call failed in a write txn: LMDB has marked the txn dead unless
 * the map was full, which the caller handles by growing. */
static int txn_fail(lmdb_backend *b, int rc, const char *fn, const char *what)
{
	if (rc == MDB_MAP_FULL)
		return ERR_MAPFULL;
	b->txn_broken = true;
	return mdb_error(b->path, rc, fn, what);
}

static int corrupt(const lmdb_backend *b, const kv_oid *id, const char *what)
{
	return kv__error(KV_ECORRUPT, "lmdb store %s: object %s: %s", b->path,
	                 kv__oid_hex(id), what);
}

static int broken_env(const lmdb_backend *b)
{
	return kv__error(KV_ERROR,
	                 "lmdb store %s: the environment could not be "
	                 "re-established (after a failed map resize or gc); "
	                 "close and reopen the store",
	                 b->path);
}

/* ------------------------------------------------------------------ */
/* Map size                                                            */
/* ------------------------------------------------------------------ */

/* Current map size. Needs the shared or exclusive lock. */
static size_t env_mapsize(struct env *e)
{
	MDB_envinfo info;
	mdb_env_info(e->env, &info);
	return info.me_mapsize;
}

/*
 * Grow the map of `b`'s env beyond `seen` (the size when the map was found
 * full), to at least `want` bytes and at least twice `seen`, unless another
 * thread grew it meanwhile. The caller holds no lock on the env.
 */
static int grow_map(lmdb_backend *b, size_t seen, size_t want)
{
	struct env *e = b->e;
	size_t next;
	int fd, rc = 0;
	void *probe;

	if (held_here(e))
		return kv__error(KV_EFULL,
		                 "lmdb store %s: map full (%zu bytes), and it "
		                 "cannot grow while this thread is reading the "
		                 "store",
		                 b->path, seen);
	pthread_rwlock_wrlock(&e->maplock);
	if (e->broken) {
		rc = broken_env(b);
		goto done;
	}
	if (env_mapsize(e) > seen)
		goto done;
	next = seen > SIZE_MAX / 2 ? SIZE_MAX : seen * 2;
	if (next < want)
		next = want;
	if (next < SIZE_MAX - ((size_t)1 << 20))
		next = (next + ((size_t)1 << 20) - 1) &
		       ~(((size_t)1 << 20) - 1);
	/* mdb_env_set_mapsize unmaps before it maps: if mapping failed, the
	 * env would be left without a map. Probe first. */
	if ((rc = mdb_env_get_fd(e->env, &fd)) != 0) {
		rc = mdb_error(b->path, rc, "mdb_env_get_fd", NULL);
		goto done;
	}
	probe = mmap(NULL, next, PROT_READ, MAP_SHARED, fd, 0);
	if (probe == MAP_FAILED) {
		rc = kv__error(KV_EFULL,
		               "lmdb store %s: disk or map full: cannot grow "
		               "the map from %zu to %zu bytes: %s",
		               b->path, seen, next, strerror(errno));
		goto done;
	}
	munmap(probe, next);
	if ((rc = mdb_env_set_mapsize(e->env, next)) != 0) {
		int code = rc;
		if (mdb_env_set_mapsize(e->env, seen) != 0)
			e->broken = true;
		rc = kv__error(KV_EFULL,
		               "lmdb store %s: disk or map full: cannot grow "
		               "the map from %zu to %zu bytes: %s",
		               b->path, seen, next, mdb_strerror(code));
	}
done:
	pthread_rwlock_unlock(&e->maplock);
	return rc;
}

/* Another process grew the map beyond ours (MDB_MAP_RESIZED): adopt its
 * size. The caller holds no lock on the env. */
static int adopt_mapsize(lmdb_backend *b)
{
	struct env *e = b->e;
	size_t before;
	int rc = 0;

	if (held_here(e))
		return kv__error(KV_ELOCKED,
		                 "lmdb store %s: another process grew the map, "
		                 "and it cannot be remapped while this thread "
		                 "is reading the store",
		                 b->path);
	pthread_rwlock_wrlock(&e->maplock);
	if (e->broken) {
		rc = broken_env(b);
		goto done;
	}
	before = env_mapsize(e);
	if ((rc = mdb_env_set_mapsize(e->env, 0)) != 0) {
		if (mdb_env_set_mapsize(e->env, before) != 0)
			e->broken = true;
		rc = mdb_error(b->path, rc, "mdb_env_set_mapsize",
		               "adopting the map size of another process");
		goto done;
	}
	if (env_mapsize(e) < before && mdb_env_set_mapsize(e->env, before))
		e->broken = true;
done:
	pthread_rwlock_unlock(&e->maplock);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Transactions                                                        */
/* ------------------------------------------------------------------ */

/*
 * The txn a read uses: the batch's write txn (reads see uncommitted
 * writes), else the handle's read txn, renewed so that it sees the latest
 * commit. Pair with read_end().
 */
static int read_begin(lmdb_backend *b, MDB_txn **txn)
{
	int rc;

	if (b->wtxn) {
		*txn = b->wtxn;
		return 0;
	}
	for (;;) {
		lock_shared(b->e);
		if (b->e->broken) {
			unlock_shared(b->e);
			return broken_env(b);
		}
		rc = mdb_txn_renew(b->rtxn);
		if (rc == 0) {
			*txn = b->rtxn;
			return 0;
		}
		unlock_shared(b->e);
		if (rc != MDB_MAP_RESIZED)
			return mdb_error(b->path, rc, "mdb_txn_renew", NULL);
		if ((rc = adopt_mapsize(b)) < 0)
			return rc;
	}
}

static void read_end(lmdb_backend *b, MDB_txn *txn)
{
	if (txn == b->wtxn)
		return;
	mdb_txn_reset(txn);
	unlock_shared(b->e);
}

/* Begin a write txn into *txn, holding the shared lock. */
static int write_txn_begin(lmdb_backend *b, MDB_txn **txn)
{
	int rc;

	for (;;) {
		lock_shared(b->e);
		if (b->e->broken) {
			unlock_shared(b->e);
			return broken_env(b);
		}
		rc = mdb_txn_begin(b->e->env, NULL, 0, txn);
		if (rc == 0)
			return 0;
		unlock_shared(b->e);
		if (rc != MDB_MAP_RESIZED)
			return mdb_error(b->path, rc, "mdb_txn_begin", NULL);
		if ((rc = adopt_mapsize(b)) < 0)
			return rc;
	}
}

/* ------------------------------------------------------------------ */
/* The batch log                                                       */
/* ------------------------------------------------------------------ */

static void log_break(lmdb_backend *b, const char *why)
{
	struct oplog *log = &b->log;

	if (log->broken)
		return;
	log->broken = true;
	snprintf(log->why, sizeof(log->why), "%s", why);
	kv_buf_dispose(&log->mem);
	if (log->fd >= 0)
		close(log->fd);
	log->fd = -1;
	log->spilled = 0;
}

static void log_reset(lmdb_backend *b)
{
	struct oplog *log = &b->log;

	log->mem.size = 0;
	if (log->mem.asize > ((size_t)1 << 20))
		kv_buf_dispose(&log->mem);
	if (log->fd >= 0)
		close(log->fd);
	log->fd = -1;
	log->spilled = 0;
	log->broken = false;
	log->why[0] = '\0';
}

/* Move the in-memory records to the spill file. */
static void log_spill(lmdb_backend *b)
{
	struct oplog *log = &b->log;
	char why[160];

	if (log->fd < 0) {
		kv_buf tmpl = KV_BUF_INIT;
		if (kv_buf_printf(&tmpl, "%s/.kv-batch-XXXXXX", b->path) < 0) {
			kv_error_clear();
			log_break(b, "out of memory");
			return;
		}
		log->fd = mkostemp(tmpl.ptr, O_CLOEXEC);
		if (log->fd >= 0)
			unlink(tmpl.ptr);
		else
			snprintf(why, sizeof(why), "cannot create %s: %s",
			         tmpl.ptr, strerror(errno));
		kv_buf_dispose(&tmpl);
		if (log->fd < 0) {
			log_break(b, why);
			return;
		}
	}
	if (kv__write_all(log->fd, log->mem.ptr, log->mem.size) < 0) {
		snprintf(why, sizeof(why), "cannot write the batch log: %s",
		         strerror(errno));
		log_break(b, why);
		return;
	}
	log->spilled += log->mem.size;
	log->mem.size = 0;
}

/* Record what a batch stored (the value is v1 then v2). Failing to record
 * is not an error of the write: it only makes a later map resize unable to
 * replay the batch. */
static void log_add(lmdb_backend *b, int kind, unsigned int flags,
                    const void *key, size_t klen, const void *v1, size_t l1,
                    const void *v2, size_t l2)
{
	struct oplog *log = &b->log;
	struct rec_hdr h;
	char *p;

	if (!b->in_batch || log->broken)
		return;
	memset(&h, 0, sizeof(h));
	h.kind = (uint8_t)kind;
	h.flags = (uint8_t)flags;
	h.klen = (uint32_t)klen;
	h.vlen = l1 + l2;
	if (sizeof(h) + klen + l1 + l2 > LOG_MEM_MAX) {
		/* a big record goes straight to the file */
		log_spill(b);
		if (log->broken)
			return;
		if (kv__write_all(log->fd, (const char *)&h, sizeof(h)) < 0 ||
		    kv__write_all(log->fd, key, klen) < 0 ||
		    kv__write_all(log->fd, v1, l1) < 0 ||
		    kv__write_all(log->fd, v2, l2) < 0) {
			log_break(b, "cannot write the batch log");
			return;
		}
		log->spilled += sizeof(h) + klen + l1 + l2;
		return;
	}
	if (kv_buf_grow(&log->mem, log->mem.size + sizeof(h) + klen + l1 + l2) <
	    0) {
		kv_error_clear();
		log_break(b, "out of memory");
		return;
	}
	p = log->mem.ptr + log->mem.size;
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), key, klen);
	if (l1)
		memcpy(p + sizeof(h) + klen, v1, l1);
	if (l2)
		memcpy(p + sizeof(h) + klen + l1, v2, l2);
	log->mem.size += sizeof(h) + klen + l1 + l2;
	if (log->mem.size >= LOG_MEM_MAX)
		log_spill(b);
}

static uint64_t log_bytes(const lmdb_backend *b)
{
	return b->log.spilled + b->log.mem.size;
}

/* ------------------------------------------------------------------ */
/* Refs                                                                */
/* ------------------------------------------------------------------ */

static int check_refname(const lmdb_backend *b, const char *name, size_t *len)
{
	if (!name || !*name)
		return kv__error(KV_EINVALID, "lmdb store %s: empty ref name",
		                 b->path);
	*len = strlen(name);
	if (*len > MAX_KEY)
		return kv__error(KV_EINVALID,
		                 "lmdb store %s: ref name of %zu bytes is too "
		                 "long (at most %d)",
		                 b->path, *len, MAX_KEY);
	return 0;
}

/*
 * The ref compare-and-swap in `txn`: set `name` to `new_id` (NULL:
 * delete) if it is at `expected` (NULL: absent) or `flags` has
 * KV_REF_FORCE. 0, KV_EMODIFIED, an error, or ERR_MAPFULL.
 */
static int ref_apply(lmdb_backend *b, MDB_txn *txn, const char *name,
                     size_t nlen, const kv_oid *new_id, const kv_oid *expected,
                     unsigned int flags)
{
	MDB_val k = {nlen, (void *)name}, v;
	kv_oid cur;
	bool found;
	int rc;

	rc = mdb_get(txn, b->e->refs, &k, &v);
	if (rc && rc != MDB_NOTFOUND)
		return txn_fail(b, rc, "mdb_get", name);
	found = rc == 0;
	memset(&cur, 0, sizeof(cur));
	if (found && v.mv_size == sizeof(cur.id))
		memcpy(cur.id, v.mv_data, sizeof(cur.id));
	else if (found && !(flags & KV_REF_FORCE)) /* force repairs it */
		return kv__error(KV_ECORRUPT,
		                 "lmdb store %s: ref %s: stored value has %zu "
		                 "bytes, not 20",
		                 b->path, name, v.mv_size);
	if (!(flags & KV_REF_FORCE)) {
		if (!expected && found)
			return kv__error(KV_EMODIFIED,
			                 "lmdb store %s: ref %s already exists "
			                 "(at %s)",
			                 b->path, name, kv__oid_hex(&cur));
		if (expected && !found)
			return kv__error(KV_EMODIFIED,
			                 "lmdb store %s: ref %s does not exist "
			                 "(expected at %s)",
			                 b->path, name, kv__oid_hex(expected));
		if (expected && !kv_oid_equal(expected, &cur))
			return kv__error(
			        KV_EMODIFIED,
			        "lmdb store %s: ref %s moved: expected "
			        "%s, found %s",
			        b->path, name, kv__oid_hex(expected),
			        kv__oid_hex(&cur));
	}
	if (new_id) {
		if (found && kv_oid_equal(new_id, &cur))
			return 0;
		v.mv_size = sizeof(new_id->id);
		v.mv_data = (void *)new_id->id;
		if ((rc = mdb_put(txn, b->e->refs, &k, &v, 0)) != 0)
			return txn_fail(b, rc, "mdb_put", name);
	} else if (found) {
		if ((rc = mdb_del(txn, b->e->refs, &k, NULL)) != 0)
			return txn_fail(b, rc, "mdb_del", name);
	} else {
		return kv__error(KV_ENOTFOUND,
		                 "lmdb store %s: ref %s not found", b->path,
		                 name);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Commit-graph entries                                                */
/* ------------------------------------------------------------------ */

/* A CBOR head: major type and argument. -1 if malformed or truncated,
 * or indefinite (never in our entries). */
static int cbor_head(const unsigned char **p, const unsigned char *end,
                     int *major, uint64_t *arg)
{
	unsigned int ai, n;

	if (*p >= end)
		return -1;
	*major = **p >> 5;
	ai = **p & 31u;
	(*p)++;
	if (ai < 24) {
		*arg = ai;
		return 0;
	}
	if (ai > 27)
		return -1;
	n = 1u << (ai - 24);
	if ((size_t)(end - *p) < n)
		return -1;
	*arg = 0;
	for (unsigned int i = 0; i < n; i++)
		*arg = (*arg << 8) | (*p)[i];
	*p += n;
	return 0;
}

static int cbor_oid(const unsigned char **p, const unsigned char *end,
                    kv_oid *out)
{
	int major;
	uint64_t len;

	if (cbor_head(p, end, &major, &len) < 0 || major != 2 || len != 20 ||
	    (size_t)(end - *p) < 20)
		return -1;
	if (out)
		memcpy(out->id, *p, 20);
	*p += 20;
	return 0;
}

/*
 * Decode a commit-graph entry (our own data, checked all the same). Fills
 * `out` (its first two parents) unless NULL, and *gen. KV_ECORRUPT naming
 * the commit and the byte where the entry broke.
 */
static int decode_entry(const lmdb_backend *b, const kv_oid *id,
                        const unsigned char *data, size_t len,
                        kv_commit_info *out, uint64_t *gen)
{
	const unsigned char *p = data, *end = data + len;
	int major;
	uint64_t arg, n, g;
	int64_t time;
	kv_oid tree, parent;

	if (cbor_head(&p, end, &major, &arg) < 0 || major != 4 || arg != 4)
		goto bad;
	if (cbor_head(&p, end, &major, &g) < 0 || major != 0)
		goto bad;
	if (cbor_head(&p, end, &major, &arg) < 0 || major > 1 ||
	    arg > INT64_MAX)
		goto bad;
	time = major == 0 ? (int64_t)arg : -1 - (int64_t)arg;
	if (cbor_oid(&p, end, &tree) < 0)
		goto bad;
	if (cbor_head(&p, end, &major, &n) < 0 || major != 4 ||
	    n > (uint64_t)(end - p) / 21)
		goto bad;
	if (out) {
		memset(out, 0, sizeof(*out));
		out->generation = g;
		out->time = time;
		out->tree = tree;
		out->nparents = (size_t)n;
	}
	for (uint64_t i = 0; i < n; i++) {
		if (cbor_oid(&p, end, &parent) < 0)
			goto bad;
		if (out && i < 2)
			out->parents[i] = parent;
	}
	if (p != end)
		goto bad;
	*gen = g;
	return 0;
bad:
	return kv__error(KV_ECORRUPT,
	                 "lmdb store %s: commit-graph entry of %s is malformed "
	                 "at byte %zu of %zu",
	                 b->path, kv__oid_hex(id), (size_t)(p - data), len);
}

static cbor_item_t *build_uint(uint64_t v)
{
	if (v <= UINT8_MAX)
		return cbor_build_uint8((uint8_t)v);
	if (v <= UINT16_MAX)
		return cbor_build_uint16((uint16_t)v);
	if (v <= UINT32_MAX)
		return cbor_build_uint32((uint32_t)v);
	return cbor_build_uint64(v);
}

static cbor_item_t *build_int(int64_t v)
{
	uint64_t m;

	if (v >= 0)
		return build_uint((uint64_t)v);
	m = (uint64_t)(-(v + 1)); /* CBOR stores -1 - v */
	if (m <= UINT8_MAX)
		return cbor_build_negint8((uint8_t)m);
	if (m <= UINT16_MAX)
		return cbor_build_negint16((uint16_t)m);
	if (m <= UINT32_MAX)
		return cbor_build_negint32((uint32_t)m);
	return cbor_build_negint64(m);
}

/* Push `item` (which may be NULL after a failed build) and drop our
 * reference to it. */
static bool push(cbor_item_t *array, cbor_item_t *item)
{
	bool ok;

	if (!item)
		return false;
	ok = cbor_array_push(array, item);
	cbor_decref(&item);
	return ok;
}

/* Encode an entry with libcbor; *out is the caller's to free(). */
static int encode_entry(unsigned char **out, size_t *outlen, uint64_t gen,
                        int64_t time, const kv_oid *tree, const kv_oid *parents,
                        size_t nparents)
{
	cbor_item_t *entry, *plist;
	size_t bufsize = 0;
	bool ok;

	*out = NULL;
	entry = cbor_new_definite_array(4);
	plist = cbor_new_definite_array(nparents);
	ok = entry && plist && push(entry, build_uint(gen)) &&
	     push(entry, build_int(time)) &&
	     push(entry, cbor_build_bytestring(tree->id, 20));
	for (size_t i = 0; ok && i < nparents; i++)
		ok = push(plist, cbor_build_bytestring(parents[i].id, 20));
	if (ok) {
		ok = cbor_array_push(entry, plist);
		*outlen = ok ? cbor_serialize_alloc(entry, out, &bufsize) : 0;
		ok = *outlen > 0;
	}
	if (plist)
		cbor_decref(&plist);
	if (entry)
		cbor_decref(&entry);
	if (!ok) {
		free(*out);
		*out = NULL;
		return kv__error_nomem();
	}
	return 0;
}

/* All parent ids of a commit payload ("tree X\n" then "parent X\n"
 * lines), for the rare commit with more than two. -1 if they are not as
 * expected. */
static int scan_parents(kv_oid *out, size_t n, const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	size_t i;

	if (len < 46 || memcmp(p, "tree ", 5) || p[45] != '\n')
		return -1;
	p += 46;
	for (i = 0; i < n; i++, p += 48) {
		if (end - p < 48 || memcmp(p, "parent ", 7) || p[47] != '\n' ||
		    kv__oid_fromhexn(&out[i], p + 7, 40) < 0)
			return -1;
	}
	return 0;
}

/* Generation of `id` from the cache, 0 if unknown, absent or unreadable. */
static int cached_generation(lmdb_backend *b, MDB_txn *txn, const kv_oid *id,
                             uint64_t *gen)
{
	MDB_val k = {20, (void *)id->id}, v;
	int rc;

	*gen = 0;
	rc = mdb_get(txn, b->e->commits, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return txn_fail(b, rc, "mdb_get", "commit-graph entry");
	if (decode_entry(b, id, v.mv_data, v.mv_size, NULL, gen) < 0) {
		kv_error_clear(); /* a bad parent entry reads as absent */
		*gen = 0;
	}
	return 0;
}

/*
 * Add the commit-graph entry of commit `id` in `txn`. A payload the core's
 * parser rejects gets no entry (commit_info then says KV_ENOTFOUND and the
 * core reports the problem when it parses the commit).
 */
static int cache_commit(lmdb_backend *b, MDB_txn *txn, const kv_oid *id,
                        const void *data, size_t len)
{
	kv_commit_info ci;
	kv_oid *parents = ci.parents, *many = NULL;
	uint64_t gen = 1, g;
	bool unknown = false;
	unsigned char *enc = NULL;
	size_t enclen = 0;
	MDB_val k = {20, (void *)id->id}, v;
	int rc;

	if (kv_commit__parse_info(&ci, id, data, len) < 0) {
		kv_error_clear();
		return 0;
	}
	if (ci.nparents > 2) {
		if (!(many = kv__calloc(ci.nparents, sizeof(*many))))
			return KV_ENOMEM;
		if (scan_parents(many, ci.nparents, data, len) < 0) {
			free(many);
			return 0;
		}
		parents = many;
	}
	for (size_t i = 0; i < ci.nparents; i++) {
		if ((rc = cached_generation(b, txn, &parents[i], &g)) < 0)
			goto done;
		if (g == 0)
			unknown = true;
		else if (g + 1 > gen)
			gen = g + 1;
	}
	rc = encode_entry(&enc, &enclen, unknown ? 0 : gen, ci.time, &ci.tree,
	                  parents, ci.nparents);
	if (rc < 0)
		goto done;
	v.mv_size = enclen;
	v.mv_data = enc;
	rc = mdb_put(txn, b->e->commits, &k, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST) {
		rc = 0;
	} else if (rc) {
		rc = txn_fail(b, rc, "mdb_put", "commit-graph entry");
	} else {
		log_add(b, REC_COMMIT, 0, id->id, 20, enc, enclen, NULL, 0);
	}
done:
	free(enc);
	free(many);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Object encoding                                                     */
/* ------------------------------------------------------------------ */

static size_t put_varint(unsigned char *p, size_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

static int get_varint(const unsigned char *p, size_t avail, size_t *v,
                      size_t *used)
{
	uint64_t r = 0;

	for (size_t i = 0; i < avail && i < 5; i++) { /* <= 2^35 */
		r |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			if (r > COMPRESS_MAX)
				return -1;
			*v = (size_t)r;
			*used = i + 1;
			return 0;
		}
	}
	return -1;
}

/* Parse an objects value: type, whether compressed, payload length and
 * header length. */
static int parse_header(const lmdb_backend *b, const kv_oid *id,
                        const unsigned char *v, size_t vlen, kv_otype *type,
                        bool *zipped, size_t *size, size_t *hlen)
{
	char what[64];

	if (vlen == 0)
		return corrupt(b, id, "empty stored value");
	if (v[0] & HDR_RESERVED) {
		snprintf(what, sizeof(what), "unknown header bits 0x%02x",
		         v[0]);
		return corrupt(b, id, what);
	}
	*type = (kv_otype)(v[0] & HDR_TYPE_MASK);
	if (*type < KV_OBJ_COMMIT || *type > KV_OBJ_TAG) {
		snprintf(what, sizeof(what), "unknown object type %d",
		         (int)*type);
		return corrupt(b, id, what);
	}
	*zipped = (v[0] & HDR_ZLIB) != 0;
	if (!*zipped) {
		*size = vlen - 1;
		*hlen = 1;
		return 0;
	}
	if (get_varint(v + 1, vlen - 1, size, hlen) < 0)
		return corrupt(b, id, "bad uncompressed length");
	*hlen += 1;
	/* deflate cannot expand more than ~1032:1 */
	if (*size / 1032 > vlen - *hlen + 1)
		return corrupt(b, id, "implausible uncompressed length");
	return 0;
}

/* Inflate the stored payload into `out`, checking the recorded length. */
static int inflate_into(lmdb_backend *b, const kv_oid *id, kv_buf *out,
                        const unsigned char *src, size_t srclen, size_t size)
{
	char what[160];
	int zrc;

	if (!b->zinf_ok) {
		memset(&b->zinf, 0, sizeof(b->zinf));
		if (inflateInit(&b->zinf) != Z_OK)
			return kv__error(KV_ENOMEM,
			                 "lmdb store %s: cannot set up zlib "
			                 "inflate",
			                 b->path);
		b->zinf_ok = true;
	} else if (inflateReset(&b->zinf) != Z_OK) {
		return kv__error(KV_ERROR, "lmdb store %s: inflateReset failed",
		                 b->path);
	}
	if (kv_buf_grow(out, size) < 0)
		return KV_ENOMEM;
	b->zinf.next_in = (Bytef *)src;
	b->zinf.avail_in = (uInt)srclen;
	b->zinf.next_out = (Bytef *)out->ptr;
	b->zinf.avail_out = (uInt)size;
	zrc = inflate(&b->zinf, Z_FINISH);
	if (zrc == Z_STREAM_END && b->zinf.avail_out == 0 &&
	    b->zinf.avail_in == 0) {
		out->size = size;
		out->ptr[size] = '\0';
		return 0;
	}
	out->size = 0;
	out->ptr[0] = '\0';
	if (zrc == Z_STREAM_END)
		snprintf(what, sizeof(what),
		         "compressed payload inflates to %zu bytes (plus %u "
		         "trailing), not the recorded %zu",
		         size - b->zinf.avail_out, b->zinf.avail_in, size);
	else if (zrc == Z_BUF_ERROR && b->zinf.avail_out == 0)
		snprintf(what, sizeof(what),
		         "compressed payload inflates to more than the "
		         "recorded %zu bytes",
		         size);
	else
		snprintf(what, sizeof(what),
		         "compressed payload is corrupt: zlib: %s",
		         b->zinf.msg ? b->zinf.msg : zError(zrc));
	return corrupt(b, id, what);
}

/*
 * Try to deflate `len` bytes into b->zbuf so that the stored value saves
 * at least 1/8. 1 with *clen set if it did, 0 to store raw, < 0 on error.
 */
static int deflate_payload(lmdb_backend *b, const void *data, size_t len,
                           size_t *clen)
{
	unsigned char tmp[10];
	size_t budget = len - len / 8 - put_varint(tmp, len);
	int zrc;

	if (!b->zdef_ok) {
		memset(&b->zdef, 0, sizeof(b->zdef));
		if (deflateInit(&b->zdef, ZLIB_LEVEL) != Z_OK)
			return 0; /* no memory for zlib: store raw */
		b->zdef_ok = true;
	} else if (deflateReset(&b->zdef) != Z_OK) {
		return 0;
	}
	if (kv_buf_grow(&b->zbuf, budget) < 0)
		return KV_ENOMEM;
	b->zdef.next_in = (Bytef *)data;
	b->zdef.avail_in = (uInt)len;
	b->zdef.next_out = (Bytef *)b->zbuf.ptr;
	b->zdef.avail_out = (uInt)budget;
	zrc = deflate(&b->zdef, Z_FINISH);
	if (zrc != Z_STREAM_END)
		return 0; /* did not fit the budget: not worth it */
	*clen = budget - b->zdef.avail_out;
	return 1;
}

static bool compressible(kv_otype type, size_t len)
{
	return (type == KV_OBJ_BLOB || type == KV_OBJ_COMMIT) &&
	       len >= COMPRESS_MIN && len <= COMPRESS_MAX;
}

/* ------------------------------------------------------------------ */
/* Write ops (run in a batch's txn or an auto-commit txn)              */
/* ------------------------------------------------------------------ */

typedef int (*write_op)(lmdb_backend *b, MDB_txn *txn, void *arg);

struct put_args {
	const kv_oid *id;
	kv_otype type;
	const void *data;
	size_t len;
};

static int op_write(lmdb_backend *b, MDB_txn *txn, void *arg)
{
	struct put_args *w = arg;
	MDB_val k = {20, (void *)w->id->id}, v;
	unsigned char hdr[1 + 10];
	const void *payload = w->data;
	size_t hlen = 1, plen = w->len, clen;
	char what[64];
	int rc;

	hdr[0] = (unsigned char)w->type;
	if (compressible(w->type, w->len)) {
		/* skip the deflate for an object we already have */
		rc = mdb_get(txn, b->e->objects, &k, &v);
		if (rc == 0)
			return 0;
		if (rc != MDB_NOTFOUND)
			return txn_fail(b, rc, "mdb_get", "object");
		if ((rc = deflate_payload(b, w->data, w->len, &clen)) < 0)
			return rc;
		if (rc == 1) {
			hdr[0] |= HDR_ZLIB;
			hlen += put_varint(hdr + 1, w->len);
			payload = b->zbuf.ptr;
			plen = clen;
		}
	}
	v.mv_size = hlen + plen;
	v.mv_data = NULL;
	rc = mdb_put(txn, b->e->objects, &k, &v, MDB_NOOVERWRITE | MDB_RESERVE);
	if (rc == MDB_KEYEXIST)
		return 0;
	if (rc) {
		snprintf(what, sizeof(what), "object %s", kv__oid_hex(w->id));
		return txn_fail(b, rc, "mdb_put", what);
	}
	memcpy(v.mv_data, hdr, hlen);
	if (plen)
		memcpy((char *)v.mv_data + hlen, payload, plen);
	if (w->type == KV_OBJ_COMMIT) {
		/* the object and its entry are logged together, after both
		 * are in, so that a replay never has one without the other */
		rc = cache_commit(b, txn, w->id, w->data, w->len);
		if (rc == ERR_MAPFULL)
			return rc;
		if (rc < 0) {
			b->txn_broken = true; /* the object is in, unlogged */
			return rc;
		}
	}
	log_add(b, REC_OBJECT, 0, w->id->id, 20, hdr, hlen, payload, plen);
	if (b->zbuf.asize > ((size_t)8 << 20))
		kv_buf_dispose(&b->zbuf);
	return 0;
}

struct ref_args {
	const char *name;
	size_t nlen;
	const kv_oid *new_id, *expected;
	unsigned int flags;
};

static int op_ref(lmdb_backend *b, MDB_txn *txn, void *arg)
{
	struct ref_args *r = arg;
	unsigned char val[41];
	int rc;

	rc = ref_apply(b, txn, r->name, r->nlen, r->new_id, r->expected,
	               r->flags);
	if (rc < 0)
		return rc;
	memset(val, 0, sizeof(val));
	val[0] = (unsigned char)((r->new_id ? 1 : 0) | (r->expected ? 2 : 0));
	if (r->new_id)
		memcpy(val + 1, r->new_id->id, 20);
	if (r->expected)
		memcpy(val + 21, r->expected->id, 20);
	log_add(b, REC_REF, r->flags, r->name, r->nlen, val, sizeof(val), NULL,
	        0);
	return 0;
}

/* Apply one logged record to `txn` (replay). */
static int apply_record(lmdb_backend *b, MDB_txn *txn, const struct rec_hdr *h,
                        const char *key, const char *val)
{
	MDB_val k = {h->klen, (void *)key}, v = {h->vlen, (void *)val};
	char name[MAX_KEY + 1];
	kv_oid new_id, expected;
	int rc;

	if (h->kind == REC_OBJECT || h->kind == REC_COMMIT) {
		rc = mdb_put(txn,
		             h->kind == REC_OBJECT ? b->e->objects
		                                   : b->e->commits,
		             &k, &v, MDB_NOOVERWRITE);
		if (rc == 0 || rc == MDB_KEYEXIST)
			return 0;
		return txn_fail(b, rc, "mdb_put", "replaying the batch");
	}
	if (h->kind != REC_REF || h->klen > MAX_KEY || h->vlen != 41)
		return kv__error(KV_ERROR,
		                 "lmdb store %s: bad batch log record",
		                 b->path);
	memcpy(name, key, h->klen);
	name[h->klen] = '\0';
	memcpy(new_id.id, val + 1, 20);
	memcpy(expected.id, val + 21, 20);
	rc = ref_apply(b, txn, name, h->klen, (val[0] & 1) ? &new_id : NULL,
	               (val[0] & 2) ? &expected : NULL, h->flags);
	if (rc == KV_EMODIFIED)
		return kv__error(KV_EMODIFIED,
		                 "lmdb store %s: ref %s moved while the batch "
		                 "was replayed after growing the map",
		                 b->path, name);
	return rc;
}

/* Apply the whole records in p[0..n); *used says how many bytes. */
static int apply_records(lmdb_backend *b, MDB_txn *txn, const char *p, size_t n,
                         size_t *used)
{
	struct rec_hdr h;
	size_t pos = 0;
	int rc;

	while (n - pos >= sizeof(h)) {
		memcpy(&h, p + pos, sizeof(h));
		if (h.klen > n - pos - sizeof(h) ||
		    h.vlen > n - pos - sizeof(h) - h.klen)
			break;
		rc = apply_record(b, txn, &h, p + pos + sizeof(h),
		                  p + pos + sizeof(h) + h.klen);
		if (rc < 0)
			return rc;
		pos += sizeof(h) + h.klen + (size_t)h.vlen;
	}
	*used = pos;
	return 0;
}

/* Replay the batch's log into `txn`: the spill file, then memory. */
static int log_replay(lmdb_backend *b, MDB_txn *txn)
{
	struct oplog *log = &b->log;
	kv_buf win = KV_BUF_INIT;
	uint64_t off = 0;
	size_t fill = 0, used, cap = LOG_READ_SIZE;
	int rc = 0;

	while (off < log->spilled) {
		size_t n = cap - fill;
		if (n > log->spilled - off)
			n = (size_t)(log->spilled - off);
		if ((rc = kv_buf_grow(&win, cap)) < 0)
			goto done;
		if (kv__pread_all(log->fd, win.ptr + fill, n, off) < 0) {
			rc = kv__error(KV_EIO,
			               "lmdb store %s: cannot read the batch "
			               "log back: %s",
			               b->path, strerror(errno));
			goto done;
		}
		off += n;
		fill += n;
		if ((rc = apply_records(b, txn, win.ptr, fill, &used)) < 0)
			goto done;
		memmove(win.ptr, win.ptr + used, fill - used);
		fill -= used;
		if (fill >= sizeof(struct rec_hdr) && used == 0) {
			/* one record larger than the window */
			struct rec_hdr h;
			memcpy(&h, win.ptr, sizeof(h));
			cap = sizeof(h) + h.klen + (size_t)h.vlen;
		} else if (fill < cap / 2) {
			cap = cap > LOG_READ_SIZE ? cap : LOG_READ_SIZE;
		}
	}
	if (fill) {
		rc = kv__error(KV_ERROR, "lmdb store %s: batch log truncated",
		               b->path);
		goto done;
	}
	rc = apply_records(b, txn, log->mem.ptr, log->mem.size, &used);
	if (rc == 0 && used != log->mem.size)
		rc = kv__error(KV_ERROR, "lmdb store %s: batch log truncated",
		               b->path);
done:
	kv_buf_dispose(&win);
	return rc;
}

/* After a commit: note it, and make it durable if this handle wants
 * durability but shares a MDB_NOSYNC env. */
static int committed(lmdb_backend *b)
{
	int rc;

	b->wrote = true;
	if (b->sync_after && (rc = mdb_env_sync(b->e->env, 1)) != 0)
		return mdb_error(b->path, rc, "mdb_env_sync",
		                 "committed, but not synced to disk");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Batches                                                             */
/* ------------------------------------------------------------------ */

static void batch_unlock(lmdb_backend *b)
{
	if (b->batch_locked) {
		b->batch_locked = false;
		unlock_shared(b->e);
	}
}

/* Begin the batch's write txn, holding the shared lock. */
static int batch_txn_begin(lmdb_backend *b)
{
	int rc = write_txn_begin(b, &b->wtxn);
	if (rc == 0)
		b->batch_locked = true;
	return rc;
}

/* The batch cannot go on: drop its txn and remember why, so that every
 * later op and commit report it. Returns `code`. */
static int batch_fail(lmdb_backend *b, int code)
{
	const kv_error *err = kv_error_last();

	if (b->wtxn)
		mdb_txn_abort(b->wtxn);
	b->wtxn = NULL;
	batch_unlock(b);
	b->batch_err = code;
	snprintf(b->batch_msg, sizeof(b->batch_msg), "%s",
	         err ? err->message : kv_strerror(code));
	return code;
}

static int batch_failed_error(const lmdb_backend *b)
{
	return kv__error(b->batch_err, "%s (the batch failed; roll it back)",
	                 b->batch_msg);
}

static void batch_end(lmdb_backend *b)
{
	if (b->wtxn)
		mdb_txn_abort(b->wtxn);
	b->wtxn = NULL;
	batch_unlock(b);
	b->in_batch = false;
	b->batch_err = 0;
	b->txn_broken = false;
	log_reset(b);
}

/*
 * The batch's txn is gone after MDB_MAP_FULL (the map was `seen` bytes):
 * grow the map and replay the log into a new txn. On success b->wtxn is
 * live; on failure the batch is marked failed.
 */
static int batch_regrow(lmdb_backend *b, size_t seen)
{
	int rc;

	for (;;) {
		if (b->wtxn)
			mdb_txn_abort(b->wtxn);
		b->wtxn = NULL;
		batch_unlock(b);
		if (b->log.broken)
			return batch_fail(
			        b, kv__error(KV_EFULL,
			                     "lmdb store %s: disk or map full: "
			                     "the batch cannot be replayed "
			                     "into a larger map (%s)",
			                     b->path, b->log.why));
		rc = grow_map(b, seen, seen + 2 * (size_t)log_bytes(b));
		if (rc < 0)
			return batch_fail(b, rc);
		if ((rc = batch_txn_begin(b)) < 0)
			return batch_fail(b, rc);
		rc = log_replay(b, b->wtxn);
		if (rc == 0)
			return 0;
		if (rc != ERR_MAPFULL)
			return batch_fail(b, rc);
		seen = env_mapsize(b->e);
	}
}

/*
 * Run write op `fn`: in the batch's txn, or in its own txn committed at
 * once. MDB_MAP_FULL grows the map and retries (replaying the batch).
 */
static int run_write(lmdb_backend *b, write_op fn, void *arg)
{
	MDB_txn *txn;
	size_t seen;
	int rc;

	if (b->flags & KV_OPEN_RDONLY)
		return kv__error(KV_EINVALID, "lmdb store %s: opened read-only",
		                 b->path);
	if (b->in_batch) {
		if (b->batch_err)
			return batch_failed_error(b);
		for (;;) {
			b->txn_broken = false;
			rc = fn(b, b->wtxn, arg);
			if (rc != ERR_MAPFULL) {
				if (rc < 0 && b->txn_broken)
					batch_fail(b, rc);
				return rc;
			}
			seen = env_mapsize(b->e);
			if ((rc = batch_regrow(b, seen)) < 0)
				return rc;
		}
	}
	for (;;) {
		if ((rc = write_txn_begin(b, &txn)) < 0)
			return rc;
		rc = fn(b, txn, arg);
		if (rc == 0) {
			rc = mdb_txn_commit(txn);
			if (rc == MDB_MAP_FULL)
				rc = ERR_MAPFULL;
			else if (rc)
				rc = mdb_error(b->path, rc, "mdb_txn_commit",
				               NULL);
			else
				rc = committed(b);
		} else {
			mdb_txn_abort(txn);
		}
		seen = env_mapsize(b->e);
		unlock_shared(b->e);
		if (rc != ERR_MAPFULL)
			return rc;
		if ((rc = grow_map(b, seen, 0)) < 0)
			return rc;
	}
}

/* ------------------------------------------------------------------ */
/* The vtable                                                          */
/* ------------------------------------------------------------------ */

static int lmdb_read(kv_buf *out, kv_otype *type_out, kv_backend *be,
                     const kv_oid *id)
{
	lmdb_backend *b = (lmdb_backend *)be;
	MDB_val k = {20, (void *)id->id}, v;
	MDB_txn *txn;
	kv_otype type;
	size_t size, hlen;
	bool zipped;
	int rc;

	if ((rc = read_begin(b, &txn)) < 0)
		return rc;
	rc = mdb_get(txn, b->e->objects, &k, &v);
	if (rc == MDB_NOTFOUND) {
		rc = kv__error(KV_ENOTFOUND,
		               "lmdb store %s: object %s not found", b->path,
		               kv__oid_hex(id));
	} else if (rc) {
		rc = mdb_error(b->path, rc, "mdb_get", "reading an object");
	} else if ((rc = parse_header(b, id, v.mv_data, v.mv_size, &type,
	                              &zipped, &size, &hlen)) == 0) {
		if (zipped)
			rc = inflate_into(b, id, out,
			                  (const unsigned char *)v.mv_data +
			                          hlen,
			                  v.mv_size - hlen, size);
		else
			rc = kv_buf_set(out, (const char *)v.mv_data + 1, size);
		if (rc == 0 && type_out)
			*type_out = type;
	}
	read_end(b, txn);
	return rc;
}

static int lmdb_exists(kv_backend *be, const kv_oid *id)
{
	lmdb_backend *b = (lmdb_backend *)be;
	MDB_val k = {20, (void *)id->id}, v;
	MDB_txn *txn;
	int rc;

	if ((rc = read_begin(b, &txn)) < 0)
		return rc;
	rc = mdb_get(txn, b->e->objects, &k, &v);
	read_end(b, txn);
	if (rc == 0)
		return 1;
	if (rc == MDB_NOTFOUND)
		return 0;
	return mdb_error(b->path, rc, "mdb_get", "object exists");
}

static int lmdb_write(kv_backend *be, const kv_oid *id, kv_otype type,
                      const void *data, size_t len)
{
	lmdb_backend *b = (lmdb_backend *)be;
	struct put_args w = {id, type, data, len};

	if (type < KV_OBJ_COMMIT || type > KV_OBJ_TAG)
		return kv__error(KV_EINVALID,
		                 "lmdb store %s: object %s: bad type %d",
		                 b->path, kv__oid_hex(id), (int)type);
	if (!data && len)
		return kv__error(KV_EINVALID, "lmdb store %s: no data",
		                 b->path);
	return run_write(b, op_write, &w);
}

static int lmdb_ref_read(kv_oid *out, kv_backend *be, const char *name)
{
	lmdb_backend *b = (lmdb_backend *)be;
	MDB_val k, v;
	MDB_txn *txn;
	size_t len = 0;
	int rc;

	if ((rc = check_refname(b, name, &len)) < 0)
		return rc;
	if ((rc = read_begin(b, &txn)) < 0)
		return rc;
	k.mv_size = len;
	k.mv_data = (void *)name;
	rc = mdb_get(txn, b->e->refs, &k, &v);
	if (rc == MDB_NOTFOUND)
		rc = kv__error(KV_ENOTFOUND, "lmdb store %s: ref %s not found",
		               b->path, name);
	else if (rc)
		rc = mdb_error(b->path, rc, "mdb_get", name);
	else if (v.mv_size != sizeof(out->id))
		rc = kv__error(KV_ECORRUPT,
		               "lmdb store %s: ref %s: stored value has %zu "
		               "bytes, not 20",
		               b->path, name, v.mv_size);
	else
		memcpy(out->id, v.mv_data, sizeof(out->id));
	read_end(b, txn);
	return rc;
}

static int lmdb_ref_update(kv_backend *be, const char *name,
                           const kv_oid *new_id, const kv_oid *expected_old,
                           unsigned int flags)
{
	lmdb_backend *b = (lmdb_backend *)be;
	struct ref_args r = {name, 0, new_id, expected_old, flags};
	int rc;

	if ((rc = check_refname(b, name, &r.nlen)) < 0)
		return rc;
	return run_write(b, op_ref, &r);
}

/*
 * Iteration visits the keys in chunks, each in a fresh read (so that a
 * callback may call any method, even write, and a long iteration pins no
 * old snapshot), resuming after the last key seen.
 */
static int cursor_resume(MDB_cursor *c, MDB_val *k, MDB_val *v,
                         const void *last, size_t lastlen, bool first)
{
	int rc;

	if (first) {
		if (!lastlen)
			return mdb_cursor_get(c, k, v, MDB_FIRST);
		k->mv_size = lastlen;
		k->mv_data = (void *)last;
		return mdb_cursor_get(c, k, v, MDB_SET_RANGE);
	}
	k->mv_size = lastlen;
	k->mv_data = (void *)last;
	rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
	if (rc == 0 && k->mv_size == lastlen &&
	    !memcmp(k->mv_data, last, lastlen))
		rc = mdb_cursor_get(c, k, v, MDB_NEXT);
	return rc;
}

static int lmdb_ref_foreach(kv_backend *be, const char *prefix, kv_ref_cb cb,
                            void *payload)
{
	lmdb_backend *b = (lmdb_backend *)be;
	size_t plen = prefix ? strlen(prefix) : 0, offs[REF_CHUNK], n, i;
	kv_oid ids[REF_CHUNK];
	kv_buf names = KV_BUF_INIT, last = KV_BUF_INIT;
	bool first = true, done = false;
	MDB_cursor *c;
	MDB_txn *txn;
	MDB_val k, v;
	int rc = 0;

	if (plen > MAX_KEY)
		return 0; /* no ref can have it */
	if ((rc = kv_buf_set(&last, prefix ? prefix : "", plen)) < 0)
		return rc;
	while (!done) {
		if ((rc = read_begin(b, &txn)) < 0)
			break;
		if ((rc = mdb_cursor_open(txn, b->e->refs, &c)) != 0) {
			read_end(b, txn);
			rc = mdb_error(b->path, rc, "mdb_cursor_open", "refs");
			break;
		}
		names.size = 0;
		rc = cursor_resume(c, &k, &v, last.ptr, last.size, first);
		for (n = 0; rc == 0 && n < REF_CHUNK;) {
			if (k.mv_size < plen ||
			    (plen && memcmp(k.mv_data, prefix, plen)))
				break;
			if (v.mv_size != 20) {
				rc = kv__error(
				        KV_ECORRUPT,
				        "lmdb store %s: ref %.*s: stored "
				        "value has %zu bytes, not 20",
				        b->path, (int)k.mv_size,
				        (const char *)k.mv_data, v.mv_size);
				break;
			}
			offs[n] = names.size;
			memcpy(ids[n].id, v.mv_data, 20);
			if (kv_buf_put(&names, k.mv_data, k.mv_size) < 0 ||
			    kv_buf_put(&names, "", 1) < 0) {
				rc = KV_ENOMEM;
				break;
			}
			n++;
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		}
		if (rc == 0 && n == REF_CHUNK) {
			/* more may follow */
		} else if (rc == 0 || rc == MDB_NOTFOUND) {
			done = true;
			rc = 0;
		} else if (is_mdb_rc(rc)) {
			rc = mdb_error(b->path, rc, "mdb_cursor_get", "refs");
		}
		mdb_cursor_close(c);
		read_end(b, txn);
		if (rc < 0)
			break;
		for (i = 0; i < n; i++) {
			if (cb(names.ptr + offs[i], &ids[i], payload)) {
				rc = kv__error(KV_EUSER,
				               "lmdb store %s: ref iteration "
				               "stopped by its callback",
				               b->path);
				done = true;
				break;
			}
		}
		if (n && !done &&
		    (rc = kv_buf_set(&last, names.ptr + offs[n - 1],
		                     strlen(names.ptr + offs[n - 1]))) < 0)
			break;
		first = false;
	}
	kv_buf_dispose(&names);
	kv_buf_dispose(&last);
	return rc;
}

struct obj_item {
	kv_oid id;
	kv_otype type;
	size_t size, stored;
};

static int lmdb_object_foreach(kv_backend *be, kv_object_cb cb, void *payload)
{
	lmdb_backend *b = (lmdb_backend *)be;
	struct obj_item *items;
	kv_oid last;
	bool first = true, done = false, zipped;
	size_t n, hlen;
	MDB_cursor *c;
	MDB_txn *txn;
	MDB_val k, v;
	int rc = 0;

	if (!(items = kv__calloc(OBJ_CHUNK, sizeof(*items))))
		return KV_ENOMEM;
	while (!done) {
		if ((rc = read_begin(b, &txn)) < 0)
			break;
		if ((rc = mdb_cursor_open(txn, b->e->objects, &c)) != 0) {
			read_end(b, txn);
			rc = mdb_error(b->path, rc, "mdb_cursor_open",
			               "objects");
			break;
		}
		rc = cursor_resume(c, &k, &v, last.id, first ? 0 : 20, first);
		for (n = 0; rc == 0 && n < OBJ_CHUNK; n++) {
			struct obj_item *it = &items[n];
			if (k.mv_size != 20) {
				rc = kv__error(KV_ECORRUPT,
				               "lmdb store %s: object key of "
				               "%zu bytes, not 20",
				               b->path, k.mv_size);
				break;
			}
			memcpy(it->id.id, k.mv_data, 20);
			rc = parse_header(b, &it->id, v.mv_data, v.mv_size,
			                  &it->type, &zipped, &it->size, &hlen);
			if (rc < 0)
				break;
			it->stored = v.mv_size;
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		}
		if (rc == MDB_NOTFOUND) {
			done = true;
			rc = 0;
		} else if (is_mdb_rc(rc)) {
			rc = mdb_error(b->path, rc, "mdb_cursor_get",
			               "objects");
		}
		mdb_cursor_close(c);
		read_end(b, txn);
		if (rc < 0)
			break;
		for (size_t i = 0; i < n; i++) {
			if (cb(&items[i].id, items[i].type, items[i].size,
			       items[i].stored, payload)) {
				rc = kv__error(
				        KV_EUSER,
				        "lmdb store %s: object iteration "
				        "stopped by its callback",
				        b->path);
				done = true;
				break;
			}
		}
		if (n)
			last = items[n - 1].id;
		else
			done = true;
		first = false;
	}
	free(items);
	return rc;
}

/* Grow ahead when a batch starts on a map more than 3/4 full, so that
 * batches rarely need a replay. */
static void grow_ahead(lmdb_backend *b)
{
	MDB_envinfo info;
	MDB_stat st;
	size_t used;

	lock_shared(b->e);
	if (b->e->broken) {
		unlock_shared(b->e);
		return; /* the batch will find out */
	}
	mdb_env_info(b->e->env, &info);
	mdb_env_stat(b->e->env, &st);
	unlock_shared(b->e);
	used = (info.me_last_pgno + 1) * (size_t)st.ms_psize;
	if (used > info.me_mapsize / 4 * 3 &&
	    grow_map(b, info.me_mapsize, 0) < 0)
		kv_error_clear(); /* the batch will find out */
}

static int lmdb_begin(kv_backend *be)
{
	lmdb_backend *b = (lmdb_backend *)be;
	int rc;

	if (b->flags & KV_OPEN_RDONLY)
		return kv__error(KV_EINVALID, "lmdb store %s: opened read-only",
		                 b->path);
	if (b->in_batch)
		return kv__error(KV_EINVALID,
		                 "lmdb store %s: a batch is already open",
		                 b->path);
	grow_ahead(b);
	log_reset(b);
	if ((rc = batch_txn_begin(b)) < 0)
		return rc;
	b->in_batch = true;
	b->batch_err = 0;
	b->txn_broken = false;
	return 0;
}

static int lmdb_commit(kv_backend *be)
{
	lmdb_backend *b = (lmdb_backend *)be;
	size_t seen;
	int rc;

	if (!b->in_batch)
		return kv__error(KV_EINVALID, "lmdb store %s: no batch is open",
		                 b->path);
	if (b->batch_err) {
		rc = batch_failed_error(b);
		batch_end(b);
		return rc;
	}
	for (;;) {
		seen = env_mapsize(b->e);
		rc = mdb_txn_commit(b->wtxn);
		b->wtxn = NULL; /* freed, committed or not */
		if (rc == 0) {
			rc = committed(b);
			break;
		}
		if (rc != MDB_MAP_FULL) {
			rc = mdb_error(b->path, rc, "mdb_txn_commit", NULL);
			break;
		}
		if ((rc = batch_regrow(b, seen)) < 0)
			break;
	}
	batch_end(b);
	return rc;
}

static void lmdb_rollback(kv_backend *be)
{
	lmdb_backend *b = (lmdb_backend *)be;

	if (b->in_batch)
		batch_end(b);
}

static int lmdb_commit_info(kv_commit_info *out, kv_backend *be,
                            const kv_oid *id)
{
	lmdb_backend *b = (lmdb_backend *)be;
	MDB_val k = {20, (void *)id->id}, v;
	MDB_txn *txn;
	uint64_t gen;
	int rc;

	if ((rc = read_begin(b, &txn)) < 0)
		return rc;
	rc = mdb_get(txn, b->e->commits, &k, &v);
	if (rc == MDB_NOTFOUND)
		rc = kv__error(KV_ENOTFOUND,
		               "lmdb store %s: commit %s is not in the "
		               "commit-graph cache",
		               b->path, kv__oid_hex(id));
	else if (rc)
		rc = mdb_error(b->path, rc, "mdb_get", "commit-graph entry");
	else
		rc = decode_entry(b, id, v.mv_data, v.mv_size, out, &gen);
	read_end(b, txn);
	return rc;
}

static int lmdb_lookup_prefix(kv_oid *out, kv_backend *be, const kv_oid *prefix,
                              size_t hexlen)
{
	lmdb_backend *b = (lmdb_backend *)be;
	char hex[KV_OID_HEXSZ + 1];
	kv_oid start;
	MDB_cursor *c;
	MDB_txn *txn;
	MDB_val k, v;
	int rc;

	if (hexlen > KV_OID_HEXSZ)
		return kv__error(KV_EINVALID,
		                 "lmdb store %s: id prefix of %zu hex digits",
		                 b->path, hexlen);
	/* the digits past hexlen are zero: the first key >= start matches
	 * if any does */
	memset(&start, 0, sizeof(start));
	memcpy(start.id, prefix->id, hexlen / 2);
	if (hexlen & 1)
		start.id[hexlen / 2] = prefix->id[hexlen / 2] & 0xf0;
	kv_oid_tostr(hex, &start);
	hex[hexlen] = '\0';
	if ((rc = read_begin(b, &txn)) < 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, b->e->objects, &c)) != 0) {
		read_end(b, txn);
		return mdb_error(b->path, rc, "mdb_cursor_open", "objects");
	}
	k.mv_size = 20;
	k.mv_data = start.id;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == 0 &&
	    (k.mv_size != 20 ||
	     !kv__oid_has_prefix((const kv_oid *)k.mv_data, &start, hexlen)))
		rc = MDB_NOTFOUND;
	if (rc == 0) {
		memcpy(out->id, k.mv_data, 20);
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		if (rc == 0 && k.mv_size == 20 &&
		    kv__oid_has_prefix((const kv_oid *)k.mv_data, &start,
		                       hexlen))
			rc = kv__error(KV_EAMBIGUOUS,
			               "lmdb store %s: id prefix %s matches "
			               "several objects",
			               b->path, hex);
		else if (rc == 0 || rc == MDB_NOTFOUND)
			rc = 0;
		else
			rc = mdb_error(b->path, rc, "mdb_cursor_get",
			               "objects");
	} else if (rc == MDB_NOTFOUND) {
		rc = kv__error(KV_ENOTFOUND,
		               "lmdb store %s: no object id starts with %s",
		               b->path, hex);
	} else {
		rc = mdb_error(b->path, rc, "mdb_cursor_get", "objects");
	}
	mdb_cursor_close(c);
	read_end(b, txn);
	return rc;
}

static int lmdb_disk_size(uint64_t *out, kv_backend *be)
{
	lmdb_backend *b = (lmdb_backend *)be;
	kv_buf p = KV_BUF_INIT;
	struct stat st;
	int rc = 0;

	*out = 0;
	if (kv_buf_printf(&p, "%s/data.mdb", b->path) < 0)
		return KV_ENOMEM;
	if (stat(p.ptr, &st) < 0)
		rc = kv__error(KV_EIO, "lmdb store %s: stat %s: %s", b->path,
		               p.ptr, strerror(errno));
	else
		*out = (uint64_t)st.st_size;
	kv_buf_dispose(&p);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Opening and closing                                                 */
/* ------------------------------------------------------------------ */

static int path_join(kv_buf *out, const char *dir, const char *file)
{
	out->size = 0;
	return kv_buf_printf(out, "%s/%s", dir, file);
}

/* Decode the "format" meta value: a CBOR unsigned int. */
static int check_format(const char *path, const MDB_val *v)
{
	const unsigned char *p = v->mv_data, *end = p + v->mv_size;
	int major;
	uint64_t version;

	if (cbor_head(&p, end, &major, &version) < 0 || major != 0 || p != end)
		return kv__error(KV_ECORRUPT,
		                 "lmdb store %s: the format version in meta "
		                 "is not a CBOR unsigned int",
		                 path);
	if (version > FORMAT_VERSION)
		return kv__error(KV_ENOTSUPPORTED,
		                 "lmdb store %s: format version %llu is newer "
		                 "than this kv supports (%d)",
		                 path, (unsigned long long)version,
		                 FORMAT_VERSION);
	if (version < 1)
		return kv__error(KV_ECORRUPT,
		                 "lmdb store %s: format version 0 is invalid",
		                 path);
	return 0;
}

/* Create the named DBs and the format version in a new environment. */
static int init_store(struct env *e, const char *path)
{
	static const char *names[] = {"objects", "refs", "meta", "commits"};
	MDB_dbi *dbis[] = {&e->objects, &e->refs, &e->meta, &e->commits};
	MDB_val k = {6, "format"}, v;
	cbor_item_t *item;
	unsigned char buf[16];
	MDB_txn *txn;
	int rc;

	if ((rc = mdb_txn_begin(e->env, NULL, 0, &txn)) != 0)
		return mdb_error(path, rc, "mdb_txn_begin",
		                 "creating the store");
	for (size_t i = 0; i < KV_ARRAY_SIZE(names); i++)
		if ((rc = mdb_dbi_open(txn, names[i], MDB_CREATE, dbis[i])) !=
		    0) {
			mdb_txn_abort(txn);
			return mdb_error(path, rc, "mdb_dbi_open", names[i]);
		}
	if (!(item = build_uint(FORMAT_VERSION))) {
		mdb_txn_abort(txn);
		return kv__error_nomem();
	}
	v.mv_size = cbor_serialize(item, buf, sizeof(buf));
	v.mv_data = buf;
	cbor_decref(&item);
	rc = mdb_put(txn, e->meta, &k, &v, 0);
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	if (rc)
		return mdb_error(path, rc, "mdb_txn_commit",
		                 "creating the store");
	return 0;
}

/*
 * Check an existing environment: its format version and DBs. Sets *empty
 * (and returns 0) for an environment with no DBs at all: an interrupted
 * creation, or a bare LMDB env: the caller creates the store in it, or
 * says there is none.
 */
static int check_store(struct env *e, const char *path, unsigned int flags,
                       bool *empty)
{
	static const char *names[] = {"objects", "refs", "commits"};
	MDB_dbi *dbis[] = {&e->objects, &e->refs, &e->commits};
	MDB_val k = {6, "format"}, v;
	MDB_stat st;
	MDB_dbi main_dbi;
	MDB_txn *txn;
	int rc;

	*empty = false;
	if ((rc = mdb_txn_begin(e->env, NULL, MDB_RDONLY, &txn)) != 0)
		return mdb_error(path, rc, "mdb_txn_begin",
		                 "opening the store");
	rc = mdb_dbi_open(txn, "meta", 0, &e->meta);
	if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE) {
		if (mdb_dbi_open(txn, NULL, 0, &main_dbi) == 0 &&
		    mdb_stat(txn, main_dbi, &st) == 0 && st.ms_entries == 0) {
			*empty = true;
			rc = 0;
		} else {
			rc = kv__error(KV_ECORRUPT,
			               "lmdb store %s: an LMDB environment but "
			               "not a kv store (no 'meta' database)",
			               path);
		}
		goto done;
	}
	if (rc) {
		rc = mdb_error(path, rc, "mdb_dbi_open", "meta");
		goto done;
	}
	rc = mdb_get(txn, e->meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		rc = kv__error(KV_ECORRUPT,
		               "lmdb store %s: no format version in meta",
		               path);
		goto done;
	}
	if (rc) {
		rc = mdb_error(path, rc, "mdb_get", "meta format");
		goto done;
	}
	if ((rc = check_format(path, &v)) < 0)
		goto done;
	if ((flags & KV_OPEN_CREATE) && (flags & KV_OPEN_EXCL)) {
		rc = kv__error(KV_EEXISTS,
		               "lmdb store %s: a kv store already exists there",
		               path);
		goto done;
	}
	for (size_t i = 0; i < KV_ARRAY_SIZE(names); i++) {
		rc = mdb_dbi_open(txn, names[i], 0, dbis[i]);
		if (rc == MDB_NOTFOUND) {
			rc = kv__error(KV_ECORRUPT,
			               "lmdb store %s: the '%s' database is "
			               "missing",
			               path, names[i]);
			goto done;
		}
		if (rc) {
			rc = mdb_error(path, rc, "mdb_dbi_open", names[i]);
			goto done;
		}
	}
	/* commit keeps the DBI handles open in the env */
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc)
		rc = mdb_error(path, rc, "mdb_txn_commit", "opening the store");
done:
	if (txn)
		mdb_txn_abort(txn);
	return rc;
}

/*
 * LMDB creates lock.mdb sparse and writes it through a shared mapping: on
 * a full disk the first write is a SIGBUS, not an error. Give the file its
 * blocks first, so that a full disk is KV_EFULL. Only before this process
 * opens the env (closing a file drops the process's fcntl locks on it).
 */
static int prepare_lockfile(const char *path)
{
	kv_buf file = KV_BUF_INIT;
	struct stat st;
	int fd, rc = 0;

	if (path_join(&file, path, "lock.mdb") < 0)
		return KV_ENOMEM;
	fd = open(file.ptr, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	kv_buf_dispose(&file);
	if (fd < 0)
		return 0; /* mdb_env_open will report it */
#ifdef __linux__
	if (fstat(fd, &st) == 0 &&
	    fallocate(fd, 0, 0, st.st_size > 8192 ? st.st_size : 8192) < 0 &&
	    (errno == ENOSPC || errno == EDQUOT))
		rc = kv__error(KV_EFULL,
		               "lmdb store %s: disk full: cannot allocate "
		               "lock.mdb: %s",
		               path, strerror(errno));
#else
	(void)st;
#endif
	close(fd);
	return rc;
}

/*
 * A data.mdb shorter than its last used page (a copy cut short, a file
 * system that lost the tail) would fault (SIGBUS) when a txn touches a page
 * past the end: refuse it at open. Only the two meta pages, which
 * mdb_env_open has read, are touched here.
 */
static int check_file_size(struct env *e, const char *path)
{
	MDB_envinfo info;
	MDB_stat st;
	struct stat fst;
	uint64_t need;
	int fd;

	if (mdb_env_info(e->env, &info) || mdb_env_stat(e->env, &st) ||
	    mdb_env_get_fd(e->env, &fd) || fstat(fd, &fst) < 0)
		return kv__error(KV_EIO, "lmdb store %s: cannot stat data.mdb",
		                 path);
	need = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
	if ((uint64_t)fst.st_size < need)
		return kv__error(KV_ECORRUPT,
		                 "lmdb store %s: data.mdb is truncated: %llu "
		                 "bytes, but its pages need %llu",
		                 path, (unsigned long long)fst.st_size,
		                 (unsigned long long)need);
	return 0;
}

/*
 * Remove the compacted copy a gc left when it died before its rename. Only
 * with the env open: this process then holds LMDB's shared lock on
 * lock.mdb, which a running gc holds exclusively from creating the copy to
 * renaming it, so the copy found here is nobody's.
 */
static void remove_gc_tmp(const char *path)
{
	kv_buf tmp = KV_BUF_INIT;

	if (path_join(&tmp, path, GC_TMP) == 0)
		unlink(tmp.ptr);
	else
		kv_error_clear();
	kv_buf_dispose(&tmp);
}

/* Open the environment of folder `path` (dev/ino in `st`) into a new
 * registry entry. Registry mutex held. */
static int env_open(struct env **out, const char *path, const struct stat *st,
                    unsigned int flags, size_t map_size, bool gc_reopen)
{
	struct env *e;
	kv_buf file = KV_BUF_INIT;
	struct stat dst;
	bool fresh, empty = false;
	unsigned int envflags = MDB_NOTLS;
	int rc;

	if ((rc = path_join(&file, path, "data.mdb")) < 0)
		return rc;
	fresh = stat(file.ptr, &dst) < 0;
	if (fresh && errno != ENOENT) {
		rc = kv__error(KV_EIO,
		               "lmdb store %s: cannot access data.mdb: %s",
		               path, strerror(errno));
		kv_buf_dispose(&file);
		return rc;
	}
	if (fresh && !(flags & KV_OPEN_CREATE)) {
		kv_buf_dispose(&file);
		return kv__error(KV_ENOTFOUND, "no kv store at %s", path);
	}
	if (!fresh && !S_ISREG(dst.st_mode)) {
		kv_buf_dispose(&file);
		return kv__error(KV_ECORRUPT,
		                 "lmdb store %s: data.mdb is not a file", path);
	}
	if ((flags & KV_OPEN_RDONLY) && access(file.ptr, W_OK) < 0)
		envflags |= MDB_RDONLY;
	kv_buf_dispose(&file);
	if ((flags & KV_OPEN_NOSYNC) && !(flags & KV_OPEN_RDONLY))
		envflags |= MDB_NOSYNC;

	/* (not when gc reopens: closing lock.mdb would drop gc's lock) */
	if (!(envflags & MDB_RDONLY) && !gc_reopen &&
	    (rc = prepare_lockfile(path)) < 0)
		return rc;
	if (!(e = kv__calloc(1, sizeof(*e))))
		return KV_ENOMEM;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->gc_lfd = -1;
	e->rdonly = (envflags & MDB_RDONLY) != 0;
	e->nosync = (envflags & MDB_NOSYNC) != 0;
	if ((rc = mdb_env_create(&e->env)) != 0) {
		free(e);
		return mdb_error(path, rc, "mdb_env_create", NULL);
	}
	mdb_env_set_maxdbs(e->env, MAX_DBS);
	if (fresh)
		mdb_env_set_mapsize(e->env, map_size);
	rc = mdb_env_open(e->env, path, envflags, 0666);
	if (rc == MDB_INVALID) {
		rc = kv__error(KV_ECORRUPT,
		               "lmdb store %s: data.mdb is not an LMDB file "
		               "(mdb_env_open: %s)",
		               path, mdb_strerror(rc));
		goto fail;
	}
	if (rc) {
		rc = mdb_error(path, rc, "mdb_env_open", NULL);
		goto fail;
	}
	if (!fresh && (rc = check_file_size(e, path)) < 0)
		goto fail;
	/* an existing env keeps the size recorded in it, if larger */
	if (!fresh && env_mapsize(e) < map_size)
		mdb_env_set_mapsize(e->env, map_size);
	if (!e->rdonly) {
		int dead = 0;
		mdb_reader_check(e->env, &dead);
		remove_gc_tmp(path);
	}
	if (!fresh && (rc = check_store(e, path, flags, &empty)) < 0)
		goto fail;
	if (empty && !(flags & KV_OPEN_CREATE)) {
		rc = kv__error(KV_ENOTFOUND,
		               "no kv store at %s (an empty LMDB environment)",
		               path);
		goto fail;
	}
	if ((fresh || empty) && e->rdonly) {
		rc = kv__error(KV_ENOTFOUND, "no kv store at %s", path);
		goto fail;
	}
	if ((fresh || empty) && (rc = init_store(e, path)) < 0)
		goto fail;
	pthread_rwlock_init(&e->maplock, NULL);
	*out = e;
	return 0;
fail:
	mdb_env_close(e->env);
	free(e);
	return rc;
}

/* Find or open the shared env of folder `path` and take a reference. */
static int env_acquire(lmdb_backend *b, const char *path, unsigned int flags,
                       size_t map_size)
{
	struct env *e;
	struct stat st;
	int rc = 0;

	pthread_once(&atfork_once, registry_init_once);
	pthread_mutex_lock(&registry_mutex);
	if (stat(path, &st) < 0) {
		if (errno != ENOENT) {
			rc = kv__error(KV_EIO, "cannot open kv store %s: %s",
			               path, strerror(errno));
			goto done;
		}
		if (!(flags & KV_OPEN_CREATE)) {
			rc = kv__error(KV_ENOTFOUND, "no kv store at %s", path);
			goto done;
		}
		if (mkdir(path, 0777) < 0 && errno != EEXIST) {
			rc = kv__error(errno == ENOENT ? KV_ENOTFOUND : KV_EIO,
			               "cannot create kv store %s: %s", path,
			               strerror(errno));
			goto done;
		}
		if (stat(path, &st) < 0) {
			rc = kv__error(KV_EIO, "cannot open kv store %s: %s",
			               path, strerror(errno));
			goto done;
		}
	}
	if (!S_ISDIR(st.st_mode)) {
		rc = kv__error(KV_ENOTFOUND, "no kv store at %s (not a folder)",
		               path);
		goto done;
	}
	for (e = registry; e; e = e->next)
		if (e->dev == st.st_dev && e->ino == st.st_ino)
			break;
	if (e) {
		if ((flags & KV_OPEN_CREATE) && (flags & KV_OPEN_EXCL)) {
			rc = kv__error(KV_EEXISTS,
			               "lmdb store %s: a kv store already "
			               "exists there",
			               path);
			goto done;
		}
		if (e->rdonly && !(flags & KV_OPEN_RDONLY)) {
			rc = kv__error(KV_ELOCKED,
			               "lmdb store %s: already open read-only "
			               "in this process (no write permission)",
			               path);
			goto done;
		}
	} else {
		if ((rc = env_open(&e, path, &st, flags, map_size, false)) < 0)
			goto done;
		e->next = registry;
		registry = e;
	}
	e->refcount++;
	/* The env's sync mode is its first opener's. A durable handle on a
	 * nosync env syncs after each of its commits instead; a nosync handle
	 * on a durable env simply gets durable commits. */
	b->sync_after =
	        !(flags & (KV_OPEN_NOSYNC | KV_OPEN_RDONLY)) && e->nosync;
	b->e = e;
done:
	pthread_mutex_unlock(&registry_mutex);
	return rc;
}

static void env_release(lmdb_backend *b)
{
	struct env *e = b->e, **pp;

	if (!e)
		return;
	pthread_mutex_lock(&registry_mutex);
	/* make a nosync handle's writes durable at close */
	if (e->nosync && b->wrote && !e->broken)
		mdb_env_sync(e->env, 1);
	if (--e->refcount == 0) {
		for (pp = &registry; *pp; pp = &(*pp)->next)
			if (*pp == e) {
				*pp = e->next;
				break;
			}
		mdb_env_close(e->env);
		if (e->gc_lfd >= 0)
			close(e->gc_lfd); /* only now: it holds no lock */
		pthread_rwlock_destroy(&e->maplock);
		free(e);
	}
	pthread_mutex_unlock(&registry_mutex);
	b->e = NULL;
}

/* ------------------------------------------------------------------ */
/* gc: a compacting copy swapped in                                    */
/* ------------------------------------------------------------------ */

/* Entries of the named DBs of `env` (and of its main DB), to check that a
 * compacted copy holds as many records as its source. */
static int count_entries(size_t counts[5], MDB_env *env)
{
	static const char *names[] = {"objects", "refs", "meta", "commits"};
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_stat st;
	int rc;

	if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0)
		return rc;
	for (size_t i = 0; rc == 0 && i <= KV_ARRAY_SIZE(names); i++) {
		rc = mdb_dbi_open(txn, i ? names[i - 1] : NULL, 0, &dbi);
		if (rc == 0 && (rc = mdb_stat(txn, dbi, &st)) == 0)
			counts[i] = st.ms_entries;
	}
	mdb_txn_abort(txn);
	return rc;
}

/* Open the environment at `path` (a folder, or with MDB_NOSUBDIR a file)
 * read-only and without lock.mdb: only while gc holds LMDB's lock
 * exclusively. */
static int open_unlocked(MDB_env **out, const char *path, unsigned int flags,
                         size_t map_size)
{
	int rc;

	*out = NULL;
	if ((rc = mdb_env_create(out)) != 0)
		return rc;
	mdb_env_set_maxdbs(*out, MAX_DBS);
	mdb_env_set_mapsize(*out, map_size);
	if ((rc = mdb_env_open(*out, path,
	                       flags | MDB_RDONLY | MDB_NOLOCK | MDB_NOTLS,
	                       0666)) != 0) {
		mdb_env_close(*out);
		*out = NULL;
	}
	return rc;
}

static int sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/*
 * The compaction proper, with this process's env closed: take LMDB's
 * exclusive lock (byte 0 of lock.mdb, which every process holds shared
 * while it has the env open), copy data.mdb compacted into GC_TMP through
 * an env that does not use lock.mdb, check the copy, fsync it, rename it
 * over data.mdb and fsync the folder. No GC_TMP is left behind. If the lock
 * was taken, *locked_fd is the fd holding it (else -1), whatever the
 * result: the caller reopens the env before it lets the lock go.
 */
static int compact(lmdb_backend *b, size_t map_size, int *locked_fd)
{
	struct flock fl;
	kv_buf lockf = KV_BUF_INIT, tmp = KV_BUF_INIT, data = KV_BUF_INIT;
	MDB_env *src = NULL, *dst = NULL;
	size_t before[5] = {0}, after[5] = {0};
	struct stat st;
	int lfd = -1, tfd = -1, rc;
	bool made = false, locked = false;

	*locked_fd = -1;
	if ((rc = path_join(&lockf, b->path, "lock.mdb")) < 0 ||
	    (rc = path_join(&tmp, b->path, GC_TMP)) < 0 ||
	    (rc = path_join(&data, b->path, "data.mdb")) < 0)
		goto done;
	if ((lfd = open(lockf.ptr, O_RDWR | O_CLOEXEC)) < 0) {
		rc = kv__error(KV_EIO, "lmdb store %s: gc: cannot open %s: %s",
		               b->path, lockf.ptr, strerror(errno));
		goto done;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 1;
	while ((rc = fcntl(lfd, F_SETLK, &fl)) < 0 && errno == EINTR)
		;
	if (rc < 0) {
		if (errno == EAGAIN || errno == EACCES)
			rc = kv__error(KV_ELOCKED,
			               "lmdb store %s: in use by another "
			               "process; close it and run gc again",
			               b->path);
		else
			rc = kv__error(KV_EIO,
			               "lmdb store %s: gc: cannot lock %s: %s",
			               b->path, lockf.ptr, strerror(errno));
		goto done;
	}
	/* from here no other process has the env open, nor can open it */
	locked = true;
	if (stat(data.ptr, &st) < 0) {
		rc = kv__error(KV_EIO, "lmdb store %s: gc: stat %s: %s",
		               b->path, data.ptr, strerror(errno));
		goto done;
	}
	unlink(tmp.ptr); /* a dead gc's */
	tfd = open(tmp.ptr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (tfd < 0) {
		rc = kv__error(disk_full(b->path) ? KV_EFULL : KV_EIO,
		               "lmdb store %s: gc: cannot create %s: %s",
		               b->path, tmp.ptr, strerror(errno));
		goto done;
	}
	made = true;
	if (fchmod(tfd, st.st_mode & 07777) < 0) {
		rc = kv__error(KV_EIO, "lmdb store %s: gc: chmod %s: %s",
		               b->path, tmp.ptr, strerror(errno));
		goto done;
	}
	if ((rc = open_unlocked(&src, b->path, 0, map_size)) != 0) {
		rc = mdb_error(b->path, rc, "mdb_env_open", "gc");
		goto done;
	}
	if ((rc = count_entries(before, src)) != 0) {
		rc = mdb_error(b->path, rc, "mdb_stat", "gc: the store");
		goto done;
	}
	if ((rc = mdb_env_copyfd2(src, tfd, MDB_CP_COMPACT)) != 0) {
		rc = mdb_error(b->path, rc, "mdb_env_copyfd2",
		               "gc: writing the compacted copy");
		goto done;
	}
	if (fsync(tfd) < 0) {
		rc = kv__error(disk_full(b->path) ? KV_EFULL : KV_EIO,
		               "lmdb store %s: gc: fsync %s: %s", b->path,
		               tmp.ptr, strerror(errno));
		goto done;
	}
	close(tfd);
	tfd = -1;
	/* the copy must hold every record of the store */
	if ((rc = open_unlocked(&dst, tmp.ptr, MDB_NOSUBDIR, map_size)) != 0 ||
	    (rc = count_entries(after, dst)) != 0) {
		rc = mdb_error(b->path, rc, "mdb_env_open",
		               "gc: reading the compacted copy");
		goto done;
	}
	if (memcmp(before, after, sizeof(before)) != 0) {
		rc = kv__error(
		        KV_ERROR,
		        "lmdb store %s: gc: the compacted copy holds "
		        "%zu objects, %zu refs, %zu commit entries, but "
		        "the store %zu, %zu, %zu; the store is unchanged",
		        b->path, after[1], after[2], after[4], before[1],
		        before[2], before[4]);
		goto done;
	}
	mdb_env_close(dst);
	mdb_env_close(src);
	dst = src = NULL;
	if (rename(tmp.ptr, data.ptr) < 0) {
		rc = kv__error(KV_EIO, "lmdb store %s: gc: rename %s: %s",
		               b->path, tmp.ptr, strerror(errno));
		goto done;
	}
	made = false;
	if (sync_dir(b->path) < 0)
		rc = kv__error(KV_EIO,
		               "lmdb store %s: gc: the compacted store is in "
		               "place, but fsync of the folder failed: %s",
		               b->path, strerror(errno));
done:
	if (dst)
		mdb_env_close(dst);
	if (src)
		mdb_env_close(src);
	if (tfd >= 0)
		close(tfd);
	if (made)
		unlink(tmp.ptr);
	if (locked)
		*locked_fd = lfd;
	else if (lfd >= 0)
		close(lfd);
	kv_buf_dispose(&lockf);
	kv_buf_dispose(&tmp);
	kv_buf_dispose(&data);
	return rc;
}

/* Open the env of `b` again after gc closed it (registry mutex and the
 * exclusive map lock held), and the handle's read txn. `locked`: this
 * process holds LMDB's exclusive lock on lock.mdb. */
static int env_reopen(lmdb_backend *b, size_t map_size, bool locked)
{
	struct env *e = b->e, *n;
	struct stat st;
	int rc;

	if (stat(b->path, &st) < 0 || st.st_dev != e->dev ||
	    st.st_ino != e->ino)
		return kv__error(KV_EIO,
		                 "lmdb store %s: gc: the store folder is gone "
		                 "or was replaced",
		                 b->path);
	if ((rc = env_open(&n, b->path, &st, e->nosync ? KV_OPEN_NOSYNC : 0,
	                   map_size, locked)) < 0)
		return rc;
	e->env = n->env;
	e->objects = n->objects;
	e->refs = n->refs;
	e->meta = n->meta;
	e->commits = n->commits;
	pthread_rwlock_destroy(&n->maplock);
	free(n);
	if ((rc = mdb_txn_begin(e->env, NULL, MDB_RDONLY, &b->rtxn)) != 0) {
		b->rtxn = NULL;
		return mdb_error(b->path, rc, "mdb_txn_begin",
		                 "gc: reopening the store");
	}
	mdb_txn_reset(b->rtxn);
	return 0;
}

/*
 * gc: replace data.mdb with a compacted copy (LMDB's MDB_CP_COMPACT: live
 * pages only, renumbered; free pages dropped). A process that still mapped
 * the old data.mdb would go on writing to the unlinked file, so this runs
 * only when no other handle in this process and no other process has the
 * store open: KV_ELOCKED otherwise.
 */
static int lmdb_gc(kv_backend *be)
{
	lmdb_backend *b = (lmdb_backend *)be;
	struct env *e = b->e;
	size_t map_size;
	int rc, rc2, lfd;

	if (b->flags & KV_OPEN_RDONLY)
		return kv__error(KV_EINVALID, "lmdb store %s: opened read-only",
		                 b->path);
	if (b->in_batch)
		return kv__error(KV_EINVALID,
		                 "lmdb store %s: gc inside a batch", b->path);
	if (held_here(e))
		return kv__error(KV_ELOCKED,
		                 "lmdb store %s: gc while this thread is "
		                 "reading the store",
		                 b->path);
	pthread_mutex_lock(&registry_mutex);
	if (e->refcount > 1) {
		rc = kv__error(KV_ELOCKED,
		               "lmdb store %s: open %d times in this process; "
		               "close the other handles and run gc again",
		               b->path, e->refcount);
		goto unlock_registry;
	}
	pthread_rwlock_wrlock(&e->maplock);
	if (e->broken) {
		rc = broken_env(b);
		goto unlock;
	}
	map_size = env_mapsize(e);
	if (b->rtxn)
		mdb_txn_abort(b->rtxn);
	b->rtxn = NULL;
	if (e->nosync && b->wrote)
		mdb_env_sync(e->env, 1);
	mdb_env_close(e->env);
	e->env = NULL;
	if (e->gc_lfd >= 0)
		close(e->gc_lfd); /* the last gc's: no lock left on it */
	e->gc_lfd = -1;
	rc = compact(b, map_size, &lfd);
	if ((rc2 = env_reopen(b, map_size, lfd >= 0)) < 0) {
		e->broken = true;
		rc = rc2;
	}
	/* Reopening under the exclusive lock made LMDB rebuild lock.mdb from
	 * the new data.mdb (the compacted copy restarts transaction ids at 1:
	 * a table left from the old file would select the wrong meta page)
	 * and turned the lock into the shared one an open env holds. The fd
	 * must stay open while the env is: closing it would drop every lock
	 * this process has on lock.mdb. */
	if (lfd >= 0) {
		if (e->env)
			e->gc_lfd = lfd;
		else
			close(lfd);
	}
unlock:
	pthread_rwlock_unlock(&e->maplock);
unlock_registry:
	pthread_mutex_unlock(&registry_mutex);
	return rc;
}

static void lmdb_free(kv_backend *be)
{
	lmdb_backend *b = (lmdb_backend *)be;

	if (!b)
		return;
	if (b->pid != getpid()) {
		/* inherited through fork: the env and its reader slots are
		 * the parent's; release only our memory */
		b->wtxn = NULL;
		b->batch_locked = false;
		b->rtxn = NULL;
		b->e = NULL;
	}
	if (b->in_batch)
		batch_end(b);
	log_reset(b);
	kv_buf_dispose(&b->log.mem);
	if (b->rtxn)
		mdb_txn_abort(b->rtxn);
	env_release(b);
	if (b->zdef_ok)
		deflateEnd(&b->zdef);
	if (b->zinf_ok)
		inflateEnd(&b->zinf);
	kv_buf_dispose(&b->zbuf);
	free(b->path);
	free(b);
}

int kv_backend_lmdb_new(kv_backend **out, const char *path,
                        const kv_lmdb_options *opts)
{
	lmdb_backend *b;
	unsigned int flags = opts ? opts->flags : 0;
	size_t map_size =
	        opts && opts->map_size ? opts->map_size : DEFAULT_MAP_SIZE;
	int rc;

	if (!out || !path || !*path)
		return kv__error(KV_EINVALID, "lmdb store: no path given");
	*out = NULL;
	if (opts && opts->version != 1)
		return kv__error(KV_EINVALID,
		                 "kv_lmdb_options: version %u is not "
		                 "supported (expected 1)",
		                 opts->version);
	if ((flags & KV_OPEN_RDONLY) && (flags & KV_OPEN_CREATE))
		return kv__error(KV_EINVALID,
		                 "lmdb store %s: cannot create a store "
		                 "read-only",
		                 path);
	if (!(b = kv__calloc(1, sizeof(*b))))
		return KV_ENOMEM;
	if ((rc = kv_backend_init(&b->parent, KV_BACKEND_VERSION)) < 0) {
		free(b);
		return rc;
	}
	b->parent.name = "lmdb";
	b->parent.read = lmdb_read;
	b->parent.exists = lmdb_exists;
	b->parent.write = lmdb_write;
	b->parent.ref_read = lmdb_ref_read;
	b->parent.ref_update = lmdb_ref_update;
	b->parent.ref_foreach = lmdb_ref_foreach;
	b->parent.object_foreach = lmdb_object_foreach;
	b->parent.begin = lmdb_begin;
	b->parent.commit = lmdb_commit;
	b->parent.rollback = lmdb_rollback;
	b->parent.commit_info = lmdb_commit_info;
	b->parent.lookup_prefix = lmdb_lookup_prefix;
	b->parent.disk_size = lmdb_disk_size;
	b->parent.free = lmdb_free;
	b->parent.gc = lmdb_gc;
	b->flags = flags;
	b->log.fd = -1;
	b->pid = getpid();
	if (!(b->path = kv__strdup(path))) {
		free(b);
		return KV_ENOMEM;
	}
	if ((rc = env_acquire(b, path, flags, map_size)) < 0)
		goto fail;
	if (b->e->rdonly)
		b->flags |= KV_OPEN_RDONLY;
	for (;;) {
		lock_shared(b->e);
		rc = mdb_txn_begin(b->e->env, NULL, MDB_RDONLY, &b->rtxn);
		if (rc == 0)
			mdb_txn_reset(b->rtxn);
		unlock_shared(b->e);
		if (rc != MDB_MAP_RESIZED)
			break;
		if ((rc = adopt_mapsize(b)) < 0)
			goto fail;
	}
	if (rc) {
		b->rtxn = NULL;
		rc = mdb_error(path, rc, "mdb_txn_begin", "opening the store");
		goto fail;
	}
	*out = &b->parent;
	return 0;
fail:
	lmdb_free(&b->parent);
	return rc;
}
