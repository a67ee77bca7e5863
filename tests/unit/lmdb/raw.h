/*
 * raw.h: helpers for the lmdb backend's unit tests: opening stores, and
 * reading or writing the environment with the LMDB API directly, as a
 * damaged disk or a newer kv would have left it. Use the raw helpers only
 * while no backend of this process has the store open (LMDB must not open
 * one environment twice in a process).
 */
#ifndef KV_TEST_LMDB_RAW_H
#define KV_TEST_LMDB_RAW_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <lmdb.h>

#include "common.h"
#include "test.h"

/* The path of store `name` in this test's temporary folder. */
static inline const char *store_path(const char *name)
{
	static char paths[4][512];
	static unsigned int n;
	char *p = paths[n++ % 4];
	snprintf(p, 512, "%s/%s", test_tmpdir(), name);
	return p;
}

/* Open the lmdb backend at `path`; 0 or the error of the constructor. */
static inline int lmdb_open(kv_backend **out, const char *path,
                            unsigned int flags, size_t map_size)
{
	kv_lmdb_options o = {1, flags, map_size};
	*out = NULL;
	return kv_backend_lmdb_new(out, path, &o);
}

static inline kv_backend *lmdb_open_ok(const char *path, unsigned int flags,
                                       size_t map_size)
{
	kv_backend *be;
	assert_ok(lmdb_open(&be, path, flags, map_size));
	return be;
}

/* Write `len` bytes as an object of `type`; returns its id. */
static inline kv_oid lmdb_put(kv_backend *be, kv_otype type, const void *data,
                              size_t len)
{
	kv_oid id;
	assert_ok(kv_object_hash(&id, type, data, len));
	assert_ok(be->write(be, &id, type, data, len));
	return id;
}

/* Deterministic pseudo-random bytes. */
static inline void fill_random(void *p, size_t n, unsigned int seed)
{
	uint64_t x = 0x9e3779b97f4a7c15ull ^ seed;
	unsigned char *c = p;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		c[i] = (unsigned char)x;
	}
}

/* Run `fn` in a write txn on named DB `db` (created if absent) of the
 * environment at `path`. Returns LMDB's code. */
static inline int raw_update(const char *path, const char *db,
                             int (*fn)(MDB_txn *, MDB_dbi, void *), void *arg)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	int rc;

	if ((rc = mdb_env_create(&env)) != 0)
		return rc;
	mdb_env_set_maxdbs(env, 8);
	rc = mdb_env_open(env, path, 0, 0644);
	if (rc == 0)
		rc = mdb_txn_begin(env, NULL, 0, &txn);
	if (rc == 0) {
		rc = mdb_dbi_open(txn, db, MDB_CREATE, &dbi);
		if (rc == 0)
			rc = fn(txn, dbi, arg);
		if (rc == 0)
			rc = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
	}
	mdb_env_close(env);
	return rc;
}

struct raw_kv {
	const void *key;
	size_t klen;
	const void *val;
	size_t vlen;
	kv_buf *out; /* raw_get: the value read */
};

static inline int raw_put_fn(MDB_txn *txn, MDB_dbi dbi, void *arg)
{
	struct raw_kv *a = arg;
	MDB_val k = {a->klen, (void *)a->key}, v = {a->vlen, (void *)a->val};
	return mdb_put(txn, dbi, &k, &v, 0);
}

static inline int raw_get_fn(MDB_txn *txn, MDB_dbi dbi, void *arg)
{
	struct raw_kv *a = arg;
	MDB_val k = {a->klen, (void *)a->key}, v;
	int rc = mdb_get(txn, dbi, &k, &v);
	if (rc == 0 && kv_buf_set(a->out, v.mv_data, v.mv_size) < 0)
		rc = ENOMEM;
	return rc;
}

/* Store `val` under `key` in DB `db` of the environment at `path`. */
static inline void raw_put(const char *path, const char *db, const void *key,
                           size_t klen, const void *val, size_t vlen)
{
	struct raw_kv a = {key, klen, val, vlen, NULL};
	int rc = raw_update(path, db, raw_put_fn, &a);
	if (rc)
		test__fail(__FILE__, __LINE__, "raw put in %s: %s", path,
		           mdb_strerror(rc));
}

/* Read the value under `key` in DB `db` into `out`. */
static inline void raw_get(const char *path, const char *db, const void *key,
                           size_t klen, kv_buf *out)
{
	struct raw_kv a = {key, klen, NULL, 0, out};
	int rc = raw_update(path, db, raw_get_fn, &a);
	if (rc)
		test__fail(__FILE__, __LINE__, "raw get in %s: %s", path,
		           mdb_strerror(rc));
}

#endif
