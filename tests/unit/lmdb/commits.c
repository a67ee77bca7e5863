/*
 * lmdb backend: the commit-graph cache (commit_info): generation numbers,
 * times, trees and parents, and malformed entries.
 */
#include "raw.h"

static kv_backend *be;
static kv_buf buf = KV_BUF_INIT;
static const char *tree_hex = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

void test_lmdb_commits__initialize(void)
{
	be = lmdb_open_ok(store_path("s"), KV_OPEN_CREATE | KV_OPEN_NOSYNC, 0);
}

void test_lmdb_commits__cleanup(void)
{
	if (be)
		be->free(be);
	be = NULL;
	kv_buf_dispose(&buf);
}

/* Write a commit with `n` parents at committer time `time`. */
static kv_oid commit(const kv_oid *parents, size_t n, int64_t time,
                     const char *msg)
{
	char hex[KV_OID_HEXSZ + 1];
	kv_buf c = KV_BUF_INIT;
	kv_oid id;

	assert_ok(kv_buf_printf(&c, "tree %s\n", tree_hex));
	for (size_t i = 0; i < n; i++)
		assert_ok(kv_buf_printf(&c, "parent %s\n",
		                        kv_oid_tostr(hex, &parents[i])));
	assert_ok(
	        kv_buf_printf(&c,
	                      "author A <a@example.com> 1600000000 +0000\n"
	                      "committer C <c@example.com> %lld +0100\n\n%s\n",
	                      (long long)time, msg));
	id = lmdb_put(be, KV_OBJ_COMMIT, c.ptr, c.size);
	kv_buf_dispose(&c);
	return id;
}

static kv_commit_info info(const kv_oid *id)
{
	kv_commit_info ci;
	memset(&ci, 0xa5, sizeof(ci));
	assert_ok(be->commit_info(&ci, be, id));
	return ci;
}

void test_lmdb_commits__generations_of_a_chain_and_a_merge(void)
{
	kv_oid c1, c2, c3, x, m, tree, p[2];
	kv_commit_info ci;

	assert_ok(kv_oid_fromstr(&tree, tree_hex));
	c1 = commit(NULL, 0, 1700000000, "root");
	c2 = commit(&c1, 1, 1700000001, "two");
	c3 = commit(&c2, 1, 1700000002, "three");
	x = commit(NULL, 0, 1700000003, "other root");
	p[0] = c3;
	p[1] = x;
	m = commit(p, 2, 1700000004, "merge");

	ci = info(&c1);
	assert_int_equal(1, ci.generation);
	assert_int_equal(1700000000, ci.time);
	assert_int_equal(0, ci.nparents);
	assert_true(kv_oid_equal(&tree, &ci.tree));
	ci = info(&c2);
	assert_int_equal(2, ci.generation);
	assert_int_equal(1, ci.nparents);
	assert_true(kv_oid_equal(&c1, &ci.parents[0]));
	assert_int_equal(3, info(&c3).generation);
	assert_int_equal(1, info(&x).generation);
	ci = info(&m);
	assert_int_equal(4, ci.generation);
	assert_int_equal(1700000004, ci.time);
	assert_int_equal(2, ci.nparents);
	assert_true(kv_oid_equal(&c3, &ci.parents[0]));
	assert_true(kv_oid_equal(&x, &ci.parents[1]));
}

void test_lmdb_commits__octopus_uses_every_parent(void)
{
	kv_oid chain[6], p[3], o;
	kv_commit_info ci;

	chain[0] = commit(NULL, 0, 1, "0");
	for (int i = 1; i < 6; i++)
		chain[i] = commit(&chain[i - 1], 1, i, "next");
	p[0] = chain[0];
	p[1] = chain[1];
	p[2] = chain[5]; /* generation 6, only the third parent */
	o = commit(p, 3, 100, "octopus");
	ci = info(&o);
	assert_int_equal(7, ci.generation);
	assert_int_equal(3, ci.nparents);
	assert_true(kv_oid_equal(&chain[0], &ci.parents[0]));
	assert_true(kv_oid_equal(&chain[1], &ci.parents[1]));
}

void test_lmdb_commits__times_large_and_negative(void)
{
	/* [1, -86400, h'aa..', []]: the core's parser takes no negative
	 * times, but the entry format does */
	static const char neg[] = "\x84\x01\x3a\x00\x01\x51\x7f\x54"
	                          "aaaaaaaaaaaaaaaaaaaa\x80";
	kv_oid a = commit(NULL, 0, 0, "1970");
	kv_oid b = commit(&a, 1, 253402300799LL, "9999");

	assert_int_equal(0, info(&a).time);
	assert_int_equal(253402300799LL, info(&b).time);
	assert_int_equal(2, info(&b).generation);
	be->free(be);
	be = NULL;
	raw_put(store_path("s"), "commits", a.id, 20, neg, sizeof(neg) - 1);
	be = lmdb_open_ok(store_path("s"), 0, 0);
	assert_int_equal(-86400, info(&a).time);
	assert_int_equal(1, info(&a).generation);
}

void test_lmdb_commits__missing_parent_makes_generation_unknown(void)
{
	kv_oid ghost, c, d, root, m, p[2];
	kv_commit_info ci;

	/* commits written child first (as a fetched pack has them) */
	assert_ok(kv_oid_fromstr(&ghost,
	                         "1111111111111111111111111111111111111111"));
	c = commit(&ghost, 1, 5, "orphan");
	ci = info(&c);
	assert_int_equal(0, ci.generation);
	assert_int_equal(5, ci.time);
	assert_int_equal(1, ci.nparents);
	assert_true(kv_oid_equal(&ghost, &ci.parents[0]));
	/* unknown spreads to children, whatever the other parents say */
	d = commit(&c, 1, 6, "child");
	assert_int_equal(0, info(&d).generation);
	root = commit(NULL, 0, 7, "root");
	p[0] = root;
	p[1] = d;
	m = commit(p, 2, 8, "merge");
	assert_int_equal(0, info(&m).generation);
	assert_int_equal(1, info(&root).generation);
}

void test_lmdb_commits__in_a_batch_and_not_when_rolled_back(void)
{
	kv_commit_info ci;
	kv_oid a, b, c;

	assert_ok(be->begin(be));
	a = commit(NULL, 0, 1, "a");
	b = commit(&a, 1, 2, "b");
	/* visible inside the batch */
	assert_int_equal(2, info(&b).generation);
	assert_ok(be->commit(be));
	assert_int_equal(2, info(&b).generation);

	assert_ok(be->begin(be));
	c = commit(&b, 1, 3, "c");
	assert_int_equal(3, info(&c).generation);
	be->rollback(be);
	assert_int_equal(KV_ENOTFOUND, be->commit_info(&ci, be, &c));
}

void test_lmdb_commits__not_cached(void)
{
	kv_commit_info ci;
	kv_oid blob = lmdb_put(be, KV_OBJ_BLOB, "x", 1);
	static const char bad[] = "not a commit at all\n";
	kv_oid weird = lmdb_put(be, KV_OBJ_COMMIT, bad, sizeof(bad) - 1);
	kv_otype type;

	assert_int_equal(KV_ENOTFOUND, be->commit_info(&ci, be, &blob));
	/* an unparsable commit is stored, without an entry */
	assert_int_equal(KV_ENOTFOUND, be->commit_info(&ci, be, &weird));
	assert_ok(be->read(&buf, &type, be, &weird));
	assert_int_equal(KV_OBJ_COMMIT, type);
}

void test_lmdb_commits__malformed_entries_are_corrupt(void)
{
	static const struct {
		const char *bytes;
		size_t len;
	} bad[] = {
	        {"", 0},
	        {"\x84", 1},                             /* truncated */
	        {"\x83\x01\x01\x54", 4},                 /* 3 items */
	        {"\x84\x20\x01", 3},                     /* generation -1 */
	        {"\x84\x01\x41", 3},                     /* time is bytes */
	        {"\x84\x01\x01\x53", 4},                 /* tree of 19 bytes */
	        {"\x84\x01\x01\x5a\xff\xff\xff\xff", 8}, /* huge tree */
	        {"\x9f\x01\x01\xff", 4},                 /* indefinite array */
	        {"\x84\x01\x01\x54"
	         "aaaaaaaaaaaaaaaaaaaa"
	         "\x9b\x00\x00\x00\x00\x10\x00\x00\x00",
	         33}, /* 2^28 parents claimed */
	        {"\x84\x01\x01\x54"
	         "aaaaaaaaaaaaaaaaaaaa"
	         "\x80\x00",
	         26}, /* trailing byte */
	};
	const char *path = store_path("s");
	kv_commit_info ci;
	kv_oid c = commit(NULL, 0, 7, "c"), d;

	d = commit(&c, 1, 8, "d");
	be->free(be);
	be = NULL;
	raw_get(path, "commits", c.id, 20, &buf);
	/* [1, 7, h'4b82...', []] */
	assert_int_equal(25, buf.size);
	assert_mem_equal("\x84\x01\x07\x54\x4b\x82", 6, buf.ptr, 6);
	assert_mem_equal("\x80", 1, buf.ptr + 24, 1);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		raw_put(path, "commits", c.id, 20, bad[i].bytes, bad[i].len);
		be = lmdb_open_ok(path, 0, 0);
		assert_int_equal(KV_ECORRUPT, be->commit_info(&ci, be, &c));
		assert_error_contains("commit-graph entry");
		/* a child of a damaged entry still gets one */
		assert_ok(be->commit_info(&ci, be, &d));
		be->free(be);
		be = NULL;
	}
}
