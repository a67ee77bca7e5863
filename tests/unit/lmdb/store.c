/*
 * lmdb backend: opening, creating, reopening, format versions, read-only
 * stores and several handles on one folder.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "raw.h"

static kv_backend *a, *b;
static kv_buf buf = KV_BUF_INIT;

void test_lmdb_store__cleanup(void)
{
	if (a)
		a->free(a);
	if (b)
		b->free(b);
	a = b = NULL;
	kv_buf_dispose(&buf);
}

static bool file_exists(const char *dir, const char *name)
{
	char p[600];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0;
}

void test_lmdb_store__creates_a_folder_with_one_environment(void)
{
	const char *path = store_path("s");
	uint64_t size = 0;

	a = lmdb_open_ok(path, KV_OPEN_CREATE, 0);
	assert_str_equal("lmdb", a->name);
	assert_true(file_exists(path, "data.mdb"));
	assert_true(file_exists(path, "lock.mdb"));
	assert_true(a->commit_info && a->lookup_prefix && a->disk_size);
	assert_ok(a->disk_size(&size, a));
	assert_true(size > 0);
}

void test_lmdb_store__reopen_persists(void)
{
	const char *path = store_path("s");
	kv_oid id, big, got;
	kv_otype type;
	char text[4096];

	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = "abcabd"[i % 6];
	a = lmdb_open_ok(path, KV_OPEN_CREATE, 0);
	id = lmdb_put(a, KV_OBJ_BLOB, "hello", 5);
	assert_ok(a->begin(a));
	big = lmdb_put(a, KV_OBJ_BLOB, text, sizeof(text));
	assert_ok(a->ref_update(a, "refs/heads/main", &big, NULL, 0));
	assert_ok(a->commit(a));
	a->free(a);
	a = NULL;

	a = lmdb_open_ok(path, 0, 0);
	assert_ok(a->read(&buf, &type, a, &id));
	assert_mem_equal("hello", 5, buf.ptr, buf.size);
	assert_ok(a->read(&buf, &type, a, &big));
	assert_mem_equal(text, sizeof(text), buf.ptr, buf.size);
	assert_ok(a->ref_read(&got, a, "refs/heads/main"));
	assert_true(kv_oid_equal(&big, &got));
}

void test_lmdb_store__nosync_store_reopens(void)
{
	const char *path = store_path("s");
	kv_oid id;
	kv_otype type;

	a = lmdb_open_ok(path, KV_OPEN_CREATE | KV_OPEN_NOSYNC, 0);
	id = lmdb_put(a, KV_OBJ_BLOB, "fast", 4);
	a->free(a);
	a = lmdb_open_ok(path, 0, 0);
	assert_ok(a->read(&buf, &type, a, &id));
}

void test_lmdb_store__missing_store_is_not_found(void)
{
	const char *path = store_path("nothing"), *deep = store_path("x/y");

	assert_int_equal(KV_ENOTFOUND, lmdb_open(&a, path, 0, 0));
	assert_error_contains("no kv store at");
	assert_error_contains(path);
	assert_true(access(path, F_OK) < 0); /* nothing was created */
	/* the parent of a new store must exist */
	assert_int_equal(KV_ENOTFOUND, lmdb_open(&a, deep, KV_OPEN_CREATE, 0));
	/* an empty folder holds no store */
	assert_int_equal(0, mkdir(path, 0777));
	assert_int_equal(KV_ENOTFOUND, lmdb_open(&a, path, 0, 0));
	a = lmdb_open_ok(path, KV_OPEN_CREATE, 0);
}

void test_lmdb_store__excl_refuses_an_existing_store(void)
{
	const char *path = store_path("s");

	a = lmdb_open_ok(path, KV_OPEN_CREATE | KV_OPEN_EXCL, 0);
	/* in this process (shared environment) */
	assert_int_equal(KV_EEXISTS,
	                 lmdb_open(&b, path, KV_OPEN_CREATE | KV_OPEN_EXCL, 0));
	a->free(a);
	a = NULL;
	/* and from disk */
	assert_int_equal(KV_EEXISTS,
	                 lmdb_open(&b, path, KV_OPEN_CREATE | KV_OPEN_EXCL, 0));
	assert_error_contains("already exists");
	b = lmdb_open_ok(path, KV_OPEN_CREATE, 0);
}

void test_lmdb_store__newer_format_is_not_supported(void)
{
	const char *path = store_path("s");
	static const unsigned char v99[] = {0x18, 99}; /* CBOR uint 99 */
	char want[600];

	a = lmdb_open_ok(path, KV_OPEN_CREATE, 0);
	a->free(a);
	a = NULL;
	raw_get(path, "meta", "format", 6, &buf);
	assert_mem_equal("\x01", 1, buf.ptr, buf.size);
	raw_put(path, "meta", "format", 6, v99, sizeof(v99));
	assert_int_equal(KV_ENOTSUPPORTED, lmdb_open(&a, path, 0, 0));
	snprintf(want, sizeof(want),
	         "lmdb store %s: format version 99 is newer than this kv "
	         "supports (1)",
	         path);
	assert_str_equal(want, kv_error_last()->message);
	assert_int_equal(KV_ENOTSUPPORTED,
	                 lmdb_open(&a, path, KV_OPEN_CREATE, 0));
}

void test_lmdb_store__bad_format_value_is_corrupt(void)
{
	const char *path = store_path("s");

	a = lmdb_open_ok(path, KV_OPEN_CREATE, 0);
	a->free(a);
	a = NULL;
	raw_put(path, "meta", "format", 6, "\x41x", 2); /* a byte string */
	assert_int_equal(KV_ECORRUPT, lmdb_open(&a, path, 0, 0));
	assert_error_contains("format version");
}

static int put_nothing(MDB_txn *txn, MDB_dbi dbi, void *arg)
{
	(void)txn;
	(void)dbi;
	(void)arg;
	return 0;
}

void test_lmdb_store__other_lmdb_environments(void)
{
	const char *other = store_path("other"), *empty = store_path("empty");
	const char *junk = store_path("junk");
	char p[600];
	FILE *f;

	/* an environment with somebody else's databases */
	assert_int_equal(0, mkdir(other, 0777));
	raw_put(other, "users", "k", 1, "v", 1);
	assert_int_equal(KV_ECORRUPT, lmdb_open(&a, other, 0, 0));
	assert_error_contains("not a kv store");
	assert_int_equal(KV_ECORRUPT, lmdb_open(&a, other, KV_OPEN_CREATE, 0));

	/* an empty environment (as a crash during creation leaves it) */
	assert_int_equal(0, mkdir(empty, 0777));
	assert_int_equal(0, raw_update(empty, NULL, put_nothing, NULL));
	assert_int_equal(KV_ENOTFOUND, lmdb_open(&a, empty, 0, 0));
	a = lmdb_open_ok(empty, KV_OPEN_CREATE, 0);
	lmdb_put(a, KV_OBJ_BLOB, "x", 1);

	/* not an LMDB file at all */
	assert_int_equal(0, mkdir(junk, 0777));
	snprintf(p, sizeof(p), "%s/data.mdb", junk);
	assert_true((f = fopen(p, "w")) != NULL);
	for (int i = 0; i < 3000; i++)
		fputs("not lmdb ", f);
	fclose(f);
	assert_int_equal(KV_ECORRUPT, lmdb_open(&b, junk, 0, 0));
	assert_error_contains(junk);
}

void test_lmdb_store__bad_arguments(void)
{
	kv_lmdb_options o = {2, KV_OPEN_CREATE, 0};

	assert_int_equal(KV_EINVALID, kv_backend_lmdb_new(&a, NULL, NULL));
	assert_int_equal(KV_EINVALID,
	                 kv_backend_lmdb_new(&a, store_path("s"), &o));
	assert_error_contains("version");
	assert_int_equal(KV_EINVALID,
	                 lmdb_open(&a, store_path("s"),
	                           KV_OPEN_CREATE | KV_OPEN_RDONLY, 0));
	assert_true(a == NULL);
}

void test_lmdb_store__read_only(void)
{
	const char *path = store_path("s");
	kv_oid id, other, got;
	kv_otype type;

	a = lmdb_open_ok(path, KV_OPEN_CREATE, 0);
	id = lmdb_put(a, KV_OBJ_BLOB, "kept", 4);
	assert_ok(a->ref_update(a, "refs/heads/main", &id, NULL, 0));
	a->free(a);
	a = lmdb_open_ok(path, KV_OPEN_RDONLY, 0);
	assert_ok(a->read(&buf, &type, a, &id));
	assert_ok(a->ref_read(&got, a, "refs/heads/main"));
	assert_ok(kv_object_hash(&other, KV_OBJ_BLOB, "new", 3));
	assert_int_equal(KV_EINVALID,
	                 a->write(a, &other, KV_OBJ_BLOB, "new", 3));
	assert_error_contains("read-only");
	assert_int_equal(KV_EINVALID,
	                 a->ref_update(a, "refs/heads/main", &other, &id, 0));
	assert_int_equal(KV_EINVALID, a->begin(a));
	/* a writable handle may join it */
	b = lmdb_open_ok(path, 0, 0);
	lmdb_put(b, KV_OBJ_BLOB, "new", 3);
	assert_int_equal(1, a->exists(a, &other));
}

void test_lmdb_store__two_handles_share_the_environment(void)
{
	const char *path = store_path("s");
	kv_oid x, y, got;
	kv_otype type;

	a = lmdb_open_ok(path, KV_OPEN_CREATE, 0);
	b = lmdb_open_ok(path, KV_OPEN_NOSYNC, 0);
	x = lmdb_put(a, KV_OBJ_BLOB, "from a", 6);
	assert_ok(b->read(&buf, &type, b, &x));
	assert_mem_equal("from a", 6, buf.ptr, buf.size);
	assert_ok(b->ref_update(b, "refs/heads/main", &x, NULL, 0));
	assert_ok(a->ref_read(&got, a, "refs/heads/main"));
	assert_true(kv_oid_equal(&x, &got));

	/* a batch on one handle is seen by the other once committed */
	assert_ok(b->begin(b));
	y = lmdb_put(b, KV_OBJ_BLOB, "from b", 6);
	assert_ok(b->ref_update(b, "refs/heads/main", &y, &x, 0));
	assert_int_equal(0, a->exists(a, &y));
	assert_ok(a->ref_read(&got, a, "refs/heads/main"));
	assert_true(kv_oid_equal(&x, &got));
	assert_ok(b->commit(b));
	assert_int_equal(1, a->exists(a, &y));
	assert_ok(a->ref_read(&got, a, "refs/heads/main"));
	assert_true(kv_oid_equal(&y, &got));

	/* closing one leaves the other working */
	a->free(a);
	a = NULL;
	assert_ok(b->read(&buf, &type, b, &x));
	lmdb_put(b, KV_OBJ_BLOB, "still", 5);
	a = lmdb_open_ok(path, 0, 0);
	assert_ok(a->read(&buf, &type, a, &y));
}

void test_lmdb_store__ref_names_are_checked(void)
{
	char name[600];
	kv_oid id, got;

	a = lmdb_open_ok(store_path("s"), KV_OPEN_CREATE, 0);
	id = lmdb_put(a, KV_OBJ_BLOB, "x", 1);
	memset(name, 'r', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(KV_EINVALID, a->ref_update(a, name, &id, NULL, 0));
	assert_int_equal(KV_EINVALID, a->ref_update(a, "", &id, NULL, 0));
	assert_int_equal(KV_EINVALID, a->ref_read(&got, a, name));
	name[511] = '\0';
	assert_ok(a->ref_update(a, name, &id, NULL, 0));
	assert_ok(a->ref_read(&got, a, name));
}

static kv_backend *cb_be;

static int write_from_ref_cb(const char *name, const kv_oid *id, void *p)
{
	kv_oid n;
	(void)id;
	(void)p;
	assert_ok(kv_object_hash(&n, KV_OBJ_BLOB, name, strlen(name)));
	assert_ok(cb_be->write(cb_be, &n, KV_OBJ_BLOB, name, strlen(name)));
	return 0;
}

static int read_from_object_cb(const kv_oid *id, kv_otype type, size_t size,
                               size_t stored, void *p)
{
	kv_otype t;
	(void)stored;
	assert_ok(cb_be->read(&buf, &t, cb_be, id));
	assert_int_equal(type, t);
	assert_int_equal(size, buf.size);
	(*(size_t *)p)++;
	return 0;
}

void test_lmdb_store__callbacks_may_call_the_backend(void)
{
	char name[64];
	size_t n = 0;
	kv_oid id;

	a = cb_be = lmdb_open_ok(store_path("s"), KV_OPEN_CREATE, 0);
	id = lmdb_put(a, KV_OBJ_BLOB, "x", 1);
	for (int i = 0; i < 600; i++) {
		snprintf(name, sizeof(name), "refs/heads/r%03d", i);
		assert_ok(a->ref_update(a, name, &id, NULL, 0));
	}
	assert_ok(a->ref_foreach(a, NULL, write_from_ref_cb, NULL));
	assert_ok(a->object_foreach(a, read_from_object_cb, &n));
	assert_int_equal(601, n);
}

void test_lmdb_store__truncated_data_file_is_corrupt(void)
{
	const char *path = store_path("s");
	char file[600];
	struct stat st;

	a = lmdb_open_ok(path, KV_OPEN_CREATE, 0);
	for (unsigned int i = 0; i < 200; i++) {
		char v[64];
		int n = snprintf(v, sizeof(v), "value number %u", i);
		lmdb_put(a, KV_OBJ_BLOB, v, (size_t)n);
	}
	a->free(a);
	a = NULL;
	snprintf(file, sizeof(file), "%s/data.mdb", path);
	assert_int_equal(0, stat(file, &st));
	assert_true(st.st_size > 3 * 4096);
	/* one byte short: opening must refuse it, not fault later */
	assert_int_equal(0, truncate(file, st.st_size - 1));
	assert_int_equal(KV_ECORRUPT, lmdb_open(&a, path, 0, 0));
	assert_error_contains("truncated");
	/* just the two meta pages left */
	assert_int_equal(0, truncate(file, 8192));
	assert_int_equal(KV_ECORRUPT, lmdb_open(&a, path, 0, 0));
	/* less than the meta pages */
	assert_int_equal(0, truncate(file, 100));
	assert_int_equal(KV_ECORRUPT, lmdb_open(&a, path, KV_OPEN_CREATE, 0));
	assert_error_contains(path);
}
