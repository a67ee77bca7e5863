/*
 * lmdb backend: the objects value format: which payloads are compressed,
 * and how damaged values are reported (KV_ECORRUPT naming the object).
 */
#include <zlib.h>

#include "raw.h"

#define SIZE (64 * 1024)

static kv_backend *be;
static kv_buf buf = KV_BUF_INIT, raw = KV_BUF_INIT;
static char *text;
static unsigned char *rnd;

void test_lmdb_compress__initialize(void)
{
	text = malloc(SIZE);
	rnd = malloc(SIZE);
	assert_true(text && rnd);
	for (size_t i = 0; i < SIZE; i++)
		text[i] = "{\"name\": \"Ada\", \"id\": 42}\n"[i % 27];
	fill_random(rnd, SIZE, 7);
}

void test_lmdb_compress__cleanup(void)
{
	if (be)
		be->free(be);
	be = NULL;
	free(text);
	free(rnd);
	kv_buf_dispose(&buf);
	kv_buf_dispose(&raw);
}

struct sizes {
	kv_oid id[8];
	size_t size[8], stored[8], n;
};

static int record(const kv_oid *id, kv_otype type, size_t size, size_t stored,
                  void *p)
{
	struct sizes *s = p;
	(void)type;
	assert_true(s->n < 8);
	s->id[s->n] = *id;
	s->size[s->n] = size;
	s->stored[s->n++] = stored;
	return 0;
}

/* The stored size of `id`, from object_foreach. */
static size_t stored_size(const kv_oid *id, size_t *size)
{
	struct sizes s;
	memset(&s, 0, sizeof(s));
	assert_ok(be->object_foreach(be, record, &s));
	for (size_t i = 0; i < s.n; i++)
		if (kv_oid_equal(id, &s.id[i])) {
			*size = s.size[i];
			return s.stored[i];
		}
	test__fail(__FILE__, __LINE__, "object not listed");
}

static void expect(const kv_oid *id, kv_otype type, const void *data,
                   size_t len)
{
	kv_otype t;
	assert_ok(be->read(&buf, &t, be, id));
	assert_int_equal(type, t);
	assert_mem_equal(data, len, buf.ptr, buf.size);
}

void test_lmdb_compress__only_what_compresses_is_compressed(void)
{
	kv_oid t, r, tree, small, commit;
	size_t size;
	char c[300];
	int n;

	be = lmdb_open_ok(store_path("s"), KV_OPEN_CREATE, 0);
	t = lmdb_put(be, KV_OBJ_BLOB, text, SIZE);
	r = lmdb_put(be, KV_OBJ_BLOB, rnd, SIZE);
	tree = lmdb_put(be, KV_OBJ_TREE, text, SIZE);
	small = lmdb_put(be, KV_OBJ_BLOB, text, 255);
	n = snprintf(c, sizeof(c),
	             "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
	             "author A <a@example.com> 1700000000 +0000\n"
	             "committer A <a@example.com> 1700000000 +0000\n\n"
	             "%s\n",
	             "a message long enough to be worth compressing, a message "
	             "long enough to be worth compressing, a message long "
	             "enough to be worth compressing");
	commit = lmdb_put(be, KV_OBJ_COMMIT, c, (size_t)n);

	assert_true(stored_size(&t, &size) < SIZE / 8);
	assert_int_equal(SIZE, size);
	assert_int_equal(SIZE + 1, stored_size(&r, &size));
	assert_int_equal(SIZE, size);
	assert_int_equal(SIZE + 1, stored_size(&tree, &size));
	assert_int_equal(256, stored_size(&small, &size));
	assert_true(stored_size(&commit, &size) < (size_t)n);
	assert_int_equal(n, size);

	expect(&t, KV_OBJ_BLOB, text, SIZE);
	expect(&r, KV_OBJ_BLOB, rnd, SIZE);
	expect(&tree, KV_OBJ_TREE, text, SIZE);
	expect(&small, KV_OBJ_BLOB, text, 255);
	expect(&commit, KV_OBJ_COMMIT, c, (size_t)n);

	/* the stored bytes, as docs/FORMAT.md describes them */
	be->free(be);
	be = NULL;
	raw_get(store_path("s"), "objects", t.id, 20, &raw);
	assert_int_equal(0x08 | KV_OBJ_BLOB, (unsigned char)raw.ptr[0]);
	/* 65536 as LEB128 */
	assert_mem_equal("\x80\x80\x04", 3, raw.ptr + 1, 3);
	raw_get(store_path("s"), "objects", r.id, 20, &raw);
	assert_int_equal(KV_OBJ_BLOB, raw.ptr[0]);
	assert_mem_equal(rnd, SIZE, raw.ptr + 1, raw.size - 1);
}

/* Replace the stored value of `id` by `len` bytes of `val`. */
static void damage(const kv_oid *id, const void *val, size_t len)
{
	if (be)
		be->free(be);
	be = NULL;
	raw_put(store_path("s"), "objects", id->id, 20, val, len);
	be = lmdb_open_ok(store_path("s"), 0, 0);
}

static void expect_corrupt(const kv_oid *id, const char *what)
{
	kv_otype t;
	char hex[KV_OID_HEXSZ + 1];

	assert_int_equal(KV_ECORRUPT, be->read(&buf, &t, be, id));
	assert_error_contains(kv_oid_tostr(hex, id));
	assert_error_contains(what);
}

void test_lmdb_compress__damaged_values_are_corrupt(void)
{
	const char *path = store_path("s");
	unsigned char z[SIZE + 16];
	uLongf zlen = sizeof(z) - 8;
	kv_oid t;

	be = lmdb_open_ok(path, KV_OPEN_CREATE, 0);
	t = lmdb_put(be, KV_OBJ_BLOB, text, SIZE);
	be->free(be);
	be = NULL;
	raw_get(path, "objects", t.id, 20, &raw);

	/* a flipped byte inside the deflate stream */
	raw.ptr[raw.size / 2] ^= 0x55;
	damage(&t, raw.ptr, raw.size);
	expect_corrupt(&t, "compressed payload");

	/* a valid stream of another length than the recorded one */
	assert_int_equal(Z_OK, compress2(z + 4, &zlen, (const Bytef *)text,
	                                 SIZE - 1, 1));
	memcpy(z, "\x0b\x80\x80\x04", 4); /* blob, zlib, 65536 */
	damage(&t, z, zlen + 4);
	expect_corrupt(&t, "not the recorded 65536");
	/* ... or longer than it */
	memcpy(z, "\x0b\x80\x80\x02", 4); /* 32768 */
	damage(&t, z, zlen + 4);
	expect_corrupt(&t, "more than the recorded");

	/* unknown type, unknown header bits, bad lengths, empty value */
	damage(&t, "\x07xyz", 4);
	expect_corrupt(&t, "unknown object type 7");
	damage(&t, "\x13xyz", 4);
	expect_corrupt(&t, "unknown header bits 0x13");
	damage(&t, "\x0b\xff\xff\xff\xff\xff\xff", 7);
	expect_corrupt(&t, "length");
	damage(&t, "\x0b\xff\xff\xff\x03xyz", 8); /* 1 GiB from 3 bytes */
	expect_corrupt(&t, "implausible");
	damage(&t, "", 0);
	expect_corrupt(&t, "empty");
}
