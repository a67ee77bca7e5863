/*
 * Backend conformance: the vtable contract of include/kv_backend.h, run
 * once per backend (mem, lmdb) directly on the backend, without a store.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kv_backend.h"
#include "test.h"

static kv_backend *be;
static kv_buf buf = KV_BUF_INIT;

/* A new, empty backend of the kind under test. */
static kv_backend *backend_new(const char *name)
{
	kv_backend *out = NULL;
	char path[512];

	if (!strcmp(name, "mem")) {
		assert_ok(kv_backend_mem_new(&out));
	} else if (!strcmp(name, "lmdb")) {
		kv_lmdb_options o = {1, KV_OPEN_CREATE | KV_OPEN_NOSYNC, 0};
		snprintf(path, sizeof(path), "%s/backend", test_tmpdir());
		assert_ok(kv_backend_lmdb_new(&out, path, &o));
	} else if (!strcmp(name, "git")) {
		kv_git_options o = {1, KV_OPEN_CREATE, 0};
		snprintf(path, sizeof(path), "%s/backend.git", test_tmpdir());
		assert_ok(kv_backend_git_new(&out, path, &o));
	} else {
		test__fail(__FILE__, __LINE__, "no backend named %s", name);
	}
	assert_true(out && out->version == KV_BACKEND_VERSION);
	assert_str_equal(name, out->name);
	return out;
}

void test_conformance_backend__initialize(void)
{
	be = backend_new(test_backend);
}

void test_conformance_backend__cleanup(void)
{
	kv_buf_dispose(&buf);
	if (be)
		be->free(be);
	be = NULL;
}

/* Store `len` bytes as an object of `type`; returns its id. */
static kv_oid put(kv_otype type, const void *data, size_t len)
{
	kv_oid id;
	assert_ok(kv_object_hash(&id, type, data, len));
	assert_ok(be->write(be, &id, type, data, len));
	return id;
}

static void expect_object(const kv_oid *id, kv_otype type, const void *data,
                          size_t len)
{
	kv_otype got = KV_OBJ_ANY;
	assert_ok(be->read(&buf, &got, be, id));
	assert_int_equal(type, got);
	assert_mem_equal(data, len, buf.ptr, buf.size);
	assert_int_equal(1, be->exists(be, id));
}

static kv_oid blob_id(unsigned int n)
{
	char s[32];
	kv_oid id;
	int len = snprintf(s, sizeof(s), "blob %u", n);
	assert_ok(kv_object_hash(&id, KV_OBJ_BLOB, s, (size_t)len));
	return id;
}

static void fill_random(unsigned char *p, size_t n, unsigned int seed)
{
	uint64_t x = 0x9e3779b97f4a7c15ull ^ seed;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)x;
	}
}

void test_conformance_backend__write_read_each_type(void)
{
	static const char *payloads[] = {
	        "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
	        "author A <a@example.com> 1700000000 +0000\n"
	        "committer A <a@example.com> 1700000000 +0000\n\nm\n",
	        "100644 f\0aaaaaaaaaaaaaaaaaaaa", "a value",
	        "object 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ntype tree\n"
	        "tag t\ntagger A <a@example.com> 1700000000 +0000\n\nt\n"};
	static const size_t lens[] = {0, 29, 7, 0};

	for (int t = KV_OBJ_COMMIT; t <= KV_OBJ_TAG; t++) {
		const char *p = payloads[t - 1];
		size_t len = lens[t - 1] ? lens[t - 1] : strlen(p);
		kv_oid id = put((kv_otype)t, p, len);
		expect_object(&id, (kv_otype)t, p, len);
		/* writing it again is a no-op */
		assert_ok(be->write(be, &id, (kv_otype)t, p, len));
		expect_object(&id, (kv_otype)t, p, len);
	}
}

void test_conformance_backend__empty_payload(void)
{
	kv_oid id = put(KV_OBJ_BLOB, "", 0);
	expect_object(&id, KV_OBJ_BLOB, "", 0);
	assert_true(buf.ptr != NULL && buf.ptr[0] == '\0');
}

void test_conformance_backend__one_mib_payloads(void)
{
	size_t n = (size_t)1 << 20;
	unsigned char *rnd = malloc(n);
	char *text = malloc(n);
	kv_oid a, b;

	assert_true(rnd && text);
	fill_random(rnd, n, 1);
	for (size_t i = 0; i < n; i++)
		text[i] = "key=value; "[i % 11];
	a = put(KV_OBJ_BLOB, rnd, n);
	b = put(KV_OBJ_BLOB, text, n);
	expect_object(&a, KV_OBJ_BLOB, rnd, n);
	expect_object(&b, KV_OBJ_BLOB, text, n);
	free(rnd);
	free(text);
}

void test_conformance_backend__read_reuses_the_buffer(void)
{
	kv_oid a = put(KV_OBJ_BLOB, "a long first value", 18);
	kv_oid b = put(KV_OBJ_BLOB, "short", 5);
	kv_otype type;

	assert_ok(be->read(&buf, &type, be, &a));
	assert_ok(be->read(&buf, &type, be, &b));
	assert_mem_equal("short", 5, buf.ptr, buf.size);
	assert_int_equal('\0', buf.ptr[buf.size]);
}

void test_conformance_backend__absent_object_is_not_found(void)
{
	kv_oid id = blob_id(1);
	kv_otype type;

	put(KV_OBJ_BLOB, "something else", 14);
	assert_int_equal(KV_ENOTFOUND, be->read(&buf, &type, be, &id));
	assert_true(kv_error_last() != NULL);
	assert_int_equal(0, be->exists(be, &id));
}

void test_conformance_backend__ref_compare_and_swap(void)
{
	kv_oid a = put(KV_OBJ_BLOB, "a", 1), b = put(KV_OBJ_BLOB, "b", 1);
	kv_oid c = put(KV_OBJ_BLOB, "c", 1), got;
	const char *ref = "refs/heads/main";

	assert_int_equal(KV_ENOTFOUND, be->ref_read(&got, be, ref));
	/* create: expected NULL means it must not exist */
	assert_ok(be->ref_update(be, ref, &a, NULL, 0));
	assert_ok(be->ref_read(&got, be, ref));
	assert_true(kv_oid_equal(&a, &got));
	assert_int_equal(KV_EMODIFIED, be->ref_update(be, ref, &b, NULL, 0));
	/* move: only from where it is */
	assert_int_equal(KV_EMODIFIED, be->ref_update(be, ref, &c, &b, 0));
	assert_ok(be->ref_read(&got, be, ref));
	assert_true(kv_oid_equal(&a, &got));
	assert_ok(be->ref_update(be, ref, &b, &a, 0));
	assert_ok(be->ref_read(&got, be, ref));
	assert_true(kv_oid_equal(&b, &got));
	/* an absent ref is not at any id */
	assert_int_equal(KV_EMODIFIED,
	                 be->ref_update(be, "refs/heads/other", &c, &a, 0));
	assert_int_equal(KV_ENOTFOUND,
	                 be->ref_read(&got, be, "refs/heads/other"));
	/* delete: new_id NULL */
	assert_int_equal(KV_EMODIFIED, be->ref_update(be, ref, NULL, &a, 0));
	assert_ok(be->ref_update(be, ref, NULL, &b, 0));
	assert_int_equal(KV_ENOTFOUND, be->ref_read(&got, be, ref));
	/* force ignores expected_old */
	assert_ok(be->ref_update(be, ref, &c, &a, KV_REF_FORCE));
	assert_ok(be->ref_update(be, ref, &a, NULL, KV_REF_FORCE));
	assert_ok(be->ref_read(&got, be, ref));
	assert_true(kv_oid_equal(&a, &got));
	assert_ok(be->ref_update(be, ref, NULL, NULL, KV_REF_FORCE));
	assert_int_equal(KV_ENOTFOUND, be->ref_read(&got, be, ref));
	/* deleting an absent ref */
	assert_int_equal(KV_ENOTFOUND,
	                 be->ref_update(be, ref, NULL, NULL, KV_REF_FORCE));
}

struct seen {
	char names[1000][64];
	size_t n, stop_after;
};

static int collect_ref(const char *name, const kv_oid *id, void *payload)
{
	struct seen *s = payload;
	(void)id;
	assert_true(s->n < 1000 && strlen(name) < 64);
	strcpy(s->names[s->n++], name);
	return s->stop_after && s->n >= s->stop_after;
}

void test_conformance_backend__ref_foreach_prefix_and_order(void)
{
	/* (No "refs/heads/a" beside "refs/heads/a/x": git cannot hold both,
	 * and the store refuses them on every backend.) */
	static const char *refs[] = {"refs/tags/v1",        "refs/heads/b",
	                             "refs/heads/a-x",      "refs/heads/a",
	                             "refs/remotes/o/main", "refs/headsx"};
	static struct seen s;
	kv_oid a = put(KV_OBJ_BLOB, "a", 1);

	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
		assert_ok(be->ref_update(be, refs[i], &a, NULL, 0));

	memset(&s, 0, sizeof(s));
	assert_ok(be->ref_foreach(be, "refs/heads/", collect_ref, &s));
	assert_int_equal(3, s.n);
	assert_str_equal("refs/heads/a", s.names[0]);
	assert_str_equal("refs/heads/a-x", s.names[1]);
	assert_str_equal("refs/heads/b", s.names[2]);

	memset(&s, 0, sizeof(s));
	assert_ok(be->ref_foreach(be, NULL, collect_ref, &s));
	assert_int_equal(6, s.n);
	for (size_t i = 1; i < s.n; i++)
		assert_true(strcmp(s.names[i - 1], s.names[i]) < 0);

	memset(&s, 0, sizeof(s));
	assert_ok(be->ref_foreach(be, "refs/nothing/", collect_ref, &s));
	assert_int_equal(0, s.n);

	/* a non-zero return stops the iteration */
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	assert_int_equal(KV_EUSER, be->ref_foreach(be, NULL, collect_ref, &s));
	assert_int_equal(2, s.n);
}

void test_conformance_backend__ref_foreach_many(void)
{
	static struct seen s;
	char name[64];
	kv_oid a = put(KV_OBJ_BLOB, "a", 1), got;

	for (unsigned int i = 0; i < 700; i++) {
		snprintf(name, sizeof(name), "refs/heads/b%04u", (i * 3) % 700);
		assert_ok(be->ref_update(be, name, &a, NULL, 0));
	}
	assert_ok(be->ref_update(be, "refs/tags/t", &a, NULL, 0));
	memset(&s, 0, sizeof(s));
	assert_ok(be->ref_foreach(be, "refs/heads/", collect_ref, &s));
	assert_int_equal(700, s.n);
	for (unsigned int i = 0; i < 700; i++) {
		snprintf(name, sizeof(name), "refs/heads/b%04u", i);
		assert_str_equal(name, s.names[i]);
	}
	assert_ok(be->ref_read(&got, be, "refs/heads/b0699"));
}

struct counts {
	size_t n, per_type[5], bytes;
	size_t stop_after;
};

static int count_object(const kv_oid *id, kv_otype type, size_t size,
                        size_t stored_size, void *payload)
{
	struct counts *c = payload;
	(void)id;
	assert_true(type >= KV_OBJ_COMMIT && type <= KV_OBJ_TAG);
	assert_true(stored_size > 0 || size == 0);
	c->n++;
	c->per_type[type]++;
	c->bytes += size;
	return c->stop_after && c->n >= c->stop_after;
}

void test_conformance_backend__object_foreach_counts(void)
{
	struct counts c;
	char data[64];
	size_t bytes = 0;

	for (unsigned int i = 0; i < 2500; i++) {
		int len = snprintf(data, sizeof(data), "value %u", i);
		put(i % 10 ? KV_OBJ_BLOB : KV_OBJ_TREE, data, (size_t)len);
		bytes += (size_t)len;
	}
	put(KV_OBJ_BLOB, "value 7", 7); /* again: still one object */
	memset(&c, 0, sizeof(c));
	assert_ok(be->object_foreach(be, count_object, &c));
	assert_int_equal(2500, c.n);
	assert_int_equal(250, c.per_type[KV_OBJ_TREE]);
	assert_int_equal(2250, c.per_type[KV_OBJ_BLOB]);
	assert_int_equal(bytes, c.bytes);

	memset(&c, 0, sizeof(c));
	c.stop_after = 10;
	assert_int_equal(KV_EUSER, be->object_foreach(be, count_object, &c));
	assert_int_equal(10, c.n);
}

void test_conformance_backend__batch_rollback_leaves_nothing(void)
{
	kv_oid base = put(KV_OBJ_BLOB, "base", 4), id, got;
	kv_otype type;
	struct counts c;

	if (!be->begin)
		return;
	assert_ok(be->ref_update(be, "refs/heads/main", &base, NULL, 0));
	assert_ok(be->begin(be));
	id = put(KV_OBJ_BLOB, "in the batch", 12);
	assert_ok(be->ref_update(be, "refs/heads/main", &id, &base, 0));
	assert_ok(be->ref_update(be, "refs/heads/new", &id, NULL, 0));
	/* reads inside the batch see its writes */
	expect_object(&id, KV_OBJ_BLOB, "in the batch", 12);
	assert_ok(be->ref_read(&got, be, "refs/heads/main"));
	assert_true(kv_oid_equal(&id, &got));
	be->rollback(be);

	assert_int_equal(0, be->exists(be, &id));
	assert_int_equal(KV_ENOTFOUND, be->read(&buf, &type, be, &id));
	assert_ok(be->ref_read(&got, be, "refs/heads/main"));
	assert_true(kv_oid_equal(&base, &got));
	assert_int_equal(KV_ENOTFOUND,
	                 be->ref_read(&got, be, "refs/heads/new"));
	memset(&c, 0, sizeof(c));
	assert_ok(be->object_foreach(be, count_object, &c));
	assert_int_equal(1, c.n);
	/* and a new batch works after it */
	assert_ok(be->begin(be));
	be->rollback(be);
}

void test_conformance_backend__batch_commit_is_visible(void)
{
	kv_oid ids[50], got;
	char data[32];

	if (!be->begin)
		return;
	assert_ok(be->begin(be));
	for (unsigned int i = 0; i < 50; i++) {
		int len = snprintf(data, sizeof(data), "v%u", i);
		ids[i] = put(KV_OBJ_BLOB, data, (size_t)len);
	}
	assert_ok(be->ref_update(be, "refs/heads/main", &ids[49], NULL, 0));
	/* a lost compare-and-swap inside a batch leaves the batch usable */
	assert_int_equal(KV_EMODIFIED, be->ref_update(be, "refs/heads/main",
	                                              &ids[1], &ids[2], 0));
	assert_ok(be->commit(be));

	for (unsigned int i = 0; i < 50; i++) {
		int len = snprintf(data, sizeof(data), "v%u", i);
		expect_object(&ids[i], KV_OBJ_BLOB, data, (size_t)len);
	}
	assert_ok(be->ref_read(&got, be, "refs/heads/main"));
	assert_true(kv_oid_equal(&ids[49], &got));
	/* a nested begin is refused */
	assert_ok(be->begin(be));
	assert_true(be->begin(be) < 0);
	assert_ok(be->commit(be));
}

/* Hex digits of `id`, for choosing prefixes. */
static char hexdigit(const kv_oid *id, size_t i)
{
	char hex[KV_OID_HEXSZ + 1];
	kv_oid_tostr(hex, id);
	return hex[i];
}

/* The length of the shortest prefix of ids[k] that no other id shares. */
static size_t unique_len(const kv_oid *ids, size_t n, size_t k)
{
	char a[KV_OID_HEXSZ + 1], b[KV_OID_HEXSZ + 1];
	size_t best = 1;

	kv_oid_tostr(a, &ids[k]);
	for (size_t i = 0; i < n; i++) {
		size_t l = 0;
		if (i == k)
			continue;
		kv_oid_tostr(b, &ids[i]);
		while (l < KV_OID_HEXSZ && a[l] == b[l])
			l++;
		if (l + 1 > best)
			best = l + 1;
	}
	return best;
}

static int lookup(kv_oid *out, const kv_oid *full, size_t hexlen)
{
	char hex[KV_OID_HEXSZ + 1];
	kv_oid prefix;

	kv_oid_tostr(hex, full);
	memset(&prefix, 0, sizeof(prefix));
	for (size_t i = 0; i < hexlen; i++) {
		int v = hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10;
		prefix.id[i / 2] |= (unsigned char)(i % 2 ? v : v << 4);
	}
	return be->lookup_prefix(out, be, &prefix, hexlen);
}

void test_conformance_backend__lookup_prefix(void)
{
	kv_oid ids[300], got, absent;
	size_t k, len, odd = 0, even = 0;

	if (!be->lookup_prefix)
		return;
	for (unsigned int i = 0; i < 300; i++) {
		char data[32];
		int n = snprintf(data, sizeof(data), "object %u", i);
		ids[i] = put(KV_OBJ_BLOB, data, (size_t)n);
	}
	/* full ids and unique prefixes of odd and even length */
	for (k = 0; k < 300 && (!odd || !even); k++) {
		len = unique_len(ids, 300, k);
		assert_ok(lookup(&got, &ids[k], KV_OID_HEXSZ));
		assert_true(kv_oid_equal(&ids[k], &got));
		memset(&got, 0, sizeof(got));
		assert_ok(lookup(&got, &ids[k], len));
		assert_true(kv_oid_equal(&ids[k], &got));
		assert_ok(lookup(&got, &ids[k], len + 1));
		assert_true(kv_oid_equal(&ids[k], &got));
		if (len % 2)
			odd++;
		else
			even++;
		/* one digit shorter is shared with another id */
		assert_int_equal(KV_EAMBIGUOUS, lookup(&got, &ids[k], len - 1));
	}
	assert_true(odd && even);
	/* 300 ids share first digits */
	assert_int_equal(KV_EAMBIGUOUS, lookup(&got, &ids[0], 1));
	/* an id no object has */
	absent = blob_id(12345);
	for (k = 0; k < 300; k++)
		assert_true(!kv_oid_equal(&absent, &ids[k]));
	len = 0;
	for (k = 0; k < 300; k++) {
		size_t l = 0;
		while (l < KV_OID_HEXSZ &&
		       hexdigit(&absent, l) == hexdigit(&ids[k], l))
			l++;
		if (l + 1 > len)
			len = l + 1;
	}
	assert_int_equal(KV_ENOTFOUND, lookup(&got, &absent, len));
	assert_int_equal(KV_ENOTFOUND, lookup(&got, &absent, KV_OID_HEXSZ));
}
