/* Store conformance: kv_store_copy() into, and kv_store_gc() of, every
 * backend. */
#include "store.h"
#include "test.h"

static kv_store *src, *dst;
static kv_buf buf = KV_BUF_INIT;

static void set(kv_store *s, const char *branch, const char *key,
                const char *value)
{
	int r = kv_set(NULL, s, branch, key, value, strlen(value),
	               test_commit_opts(NULL));
	assert_true(r == 0 || r == KV_NOCHANGE);
}

static void same_rev(const char *rev)
{
	kv_oid a, b;
	assert_ok(kv_revparse(&a, src, rev));
	assert_ok(kv_revparse(&b, dst, rev));
	assert_true(kv_oid_equal(&a, &b));
}

void test_conformance_copy__initialize(void)
{
	src = test_store_open_uri("mem:", 0);
	dst = test_store_open();
	set(src, NULL, "a/b", "1");
	set(src, NULL, "a/c", "2");
	set(src, NULL, "z", "3");
	assert_ok(kv_branch_create(src, "side", NULL, 0));
	assert_ok(kv_tag_create(src, "t", NULL, 0));
	set(src, "side", "s", "side");
}

void test_conformance_copy__cleanup(void)
{
	kv_buf_dispose(&buf);
}

struct seen {
	kv_copy_progress last;
	int calls, stop;
};

static int on_progress(const kv_copy_progress *p, void *payload)
{
	struct seen *s = payload;
	s->last = *p;
	s->calls++;
	return s->stop;
}

void test_conformance_copy__same_ids_refs_and_values(void)
{
	struct seen s = {{0, 0, 0, 0, 0, 0}, 0, 0};
	size_t problems = 1;

	assert_ok(kv_store_copy(dst, src, on_progress, &s));
	same_rev("main");
	same_rev("side");
	same_rev("t");
	same_rev("main^{tree}");
	assert_ok(kv_get(&buf, dst, "side", "s"));
	assert_mem_equal("side", 4, buf.ptr, buf.size);
	assert_ok(kv_get(&buf, dst, NULL, "a/c"));
	assert_mem_equal("2", 1, buf.ptr, buf.size);
	assert_true(s.last.done);
	assert_int_equal(3, s.last.refs);
	assert_int_equal(3, s.last.refs_total);
	/* 3 commits on main and 1 on side; blobs 1, 2, 3 and "side";
	 * trees: a {b}, a {b c} and four roots */
	assert_int_equal(14, s.last.objects);
	assert_int_equal(0, s.last.present);
	assert_ok(kv_fsck(&problems, dst, NULL, NULL));
	assert_int_equal(0, problems);
}

void test_conformance_copy__second_copy_reads_only_what_is_new(void)
{
	struct seen s = {{0, 0, 0, 0, 0, 0}, 0, 0};

	assert_ok(kv_store_copy(dst, src, NULL, NULL));
	set(src, NULL, "a/b", "9");
	assert_ok(kv_store_copy(dst, src, on_progress, &s));
	same_rev("main");
	/* new: the blob, tree a, the root, the commit; found present and
	 * not descended into: the parent commit, a/c, z and side's head */
	assert_int_equal(4, s.last.objects);
	assert_int_equal(4, s.last.present);
	assert_ok(kv_get(&buf, dst, NULL, "a/b"));
	assert_mem_equal("9", 1, buf.ptr, buf.size);
	/* and nothing at all when nothing is new */
	memset(&s, 0, sizeof(s));
	assert_ok(kv_store_copy(dst, src, on_progress, &s));
	assert_int_equal(0, s.last.objects);
}

void test_conformance_copy__keeps_other_refs_replaces_same_names(void)
{
	kv_oid id;
	set(dst, NULL, "own", "x");
	assert_ok(kv_branch_create(dst, "mine", NULL, 0));
	assert_ok(kv_store_copy(dst, src, NULL, NULL));
	same_rev("main");
	assert_ok(kv_revparse(&id, dst, "mine"));
	assert_int_equal(KV_ENOTFOUND, kv_get(&buf, dst, NULL, "own"));
	assert_ok(kv_get(&buf, dst, "mine", "own"));
}

void test_conformance_copy__stopped_copy_writes_nothing(void)
{
	struct seen s = {{0, 0, 0, 0, 0, 0}, 0, 1};
	kv_oid id;
	char key[32];
	kv_txn *t;

	/* enough objects for a progress call before the end */
	assert_ok(kv_txn_begin(&t, src, NULL));
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "many/%d/%d", i % 10, i);
		assert_ok(kv_txn_set(t, key, key, strlen(key)));
	}
	assert_ok(kv_txn_commit(NULL, t, NULL));
	kv_txn_free(t);
	assert_int_equal(KV_EUSER, kv_store_copy(dst, src, on_progress, &s));
	assert_int_equal(1, s.calls);
	assert_int_equal(KV_ENOTFOUND,
	                 kv_ref_read(&id, dst, "refs/heads/main"));
	assert_int_equal(KV_ENOTFOUND, kv_revparse(&id, dst, "t"));
}

void test_conformance_copy__missing_source_object_fails_cleanly(void)
{
	kv_store *bad = test_store_open_uri("mem:", 0);
	kv_oid tree, commit, blob, id;
	kv_buf raw = KV_BUF_INIT;
	static const kv_signature sig = {"T", "t@x", 1700000000, 0};

	/* a tree naming a blob that is not stored */
	kv_object_hash(&blob, KV_OBJ_BLOB, "absent", 6);
	assert_ok(kv_tree__put_entry(&raw, 0100644, "k", 1, &blob));
	assert_ok(kv__odb_write(&tree, bad, KV_OBJ_TREE, raw.ptr, raw.size));
	raw.size = 0;
	assert_ok(kv_commit__encode(&raw, &tree, NULL, 0, &sig, &sig, "m"));
	assert_ok(
	        kv__odb_write(&commit, bad, KV_OBJ_COMMIT, raw.ptr, raw.size));
	assert_ok(kv_ref_cas(bad, "refs/heads/main", &commit, NULL));
	kv_buf_dispose(&raw);
	assert_int_equal(KV_ECORRUPT, kv_store_copy(dst, bad, NULL, NULL));
	assert_error_contains("is missing");
	assert_error_contains("refs/heads/main");
	assert_int_equal(KV_ENOTFOUND,
	                 kv_ref_read(&id, dst, "refs/heads/main"));
	assert_int_equal(0, dst->be->exists(dst->be, &commit));
}

void test_conformance_copy__gc_keeps_everything(void)
{
	kv_gc_result r;
	size_t problems = 1;
	int error;

	assert_ok(kv_store_copy(dst, src, NULL, NULL));
	set(dst, NULL, "after", "copy");
	error = kv_store_gc(&r, dst);
	if (error == KV_ENOTSUPPORTED)
		return; /* this backend cannot compact */
	assert_ok(error);
	assert_true(r.bytes_before > 0 && r.bytes_after > 0);
	same_rev("side");
	same_rev("t");
	assert_ok(kv_get(&buf, dst, NULL, "after"));
	assert_ok(kv_get(&buf, dst, "side", "s"));
	assert_ok(kv_fsck(&problems, dst, NULL, NULL));
	assert_int_equal(0, problems);
	set(dst, NULL, "after/gc", "more");
	assert_ok(kv_get(&buf, dst, NULL, "after/gc"));
	assert_ok(kv_store_gc(&r, dst)); /* twice is fine */
	assert_ok(kv_get(&buf, dst, NULL, "a/b"));
}
