/* Merge bases, branch merges (ff, no-ff, ff-only, conflicts), revert. */
#include "merge.h"
#include "test.h"

static kv_store *s;
static int64_t clock_now = 1700000000;
static kv_signature msig;
static kv_buf buf;

void test_merge_history__initialize(void)
{
	s = test_store_open_uri("mem:", 0);
}

void test_merge_history__cleanup(void)
{
	kv_buf_dispose(&buf);
}

static kv_oid commit_on(const char *branch, const char *key, const char *v)
{
	kv_signature sig = {"T", "t@x", clock_now++, 0};
	kv_commit_options o = KV_COMMIT_OPTIONS_INIT;
	kv_oid c;
	o.author = &sig;
	o.flags = KV_COMMIT_ALLOW_EMPTY;
	assert_true(kv_set(&c, s, branch, key, v, strlen(v), &o) >= 0);
	return c;
}

static kv_merge_options opts(unsigned int flags)
{
	kv_merge_options o = KV_MERGE_OPTIONS_INIT;
	msig = (kv_signature){"M", "m@x", clock_now++, 0};
	o.author = &msig;
	o.flags = flags;
	return o;
}

static kv_oid head(const char *rev)
{
	kv_oid id;
	assert_ok(kv_revparse(&id, s, rev));
	return id;
}

static void expect(const char *rev, const char *key, const char *value)
{
	assert_ok(kv_get(&buf, s, rev, key));
	assert_mem_equal(value, strlen(value), buf.ptr, buf.size);
}

static size_t bases_of(kv_oid **out, const char *x, const char *y)
{
	kv_oid a = head(x), b = head(y);
	size_t n;
	assert_ok(kv_merge_bases(out, &n, s, &a, &b));
	return n;
}

void test_merge_history__fast_forward_and_already_merged(void)
{
	kv_oid a = commit_on("main", "a", "1"), fh, *bases;
	kv_merge_result *r;
	kv_merge_options o = opts(0);

	assert_ok(kv_branch_create(s, "f", "main", 0));
	commit_on("f", "b", "2");
	fh = commit_on("f", "c", "3");
	assert_int_equal(1, bases_of(&bases, "main", "f"));
	assert_true(kv_oid_equal(&bases[0], &a));
	free(bases);
	assert_ok(kv_merge(&r, s, "main", "f", &o));
	assert_int_equal(1, kv_merge_result_fastforward(r));
	assert_true(kv_oid_equal(kv_merge_result_commit(r), &fh));
	kv_merge_result_free(r);
	expect("main", "c", "3");
	assert_int_equal(KV_NOCHANGE, kv_merge(NULL, s, "main", "f", &o));
	assert_int_equal(KV_NOCHANGE, kv_merge(NULL, s, "main", "main~1", &o));
}

void test_merge_history__no_ff_and_ff_only(void)
{
	kv_merge_options o = opts(KV_MERGE_NO_FF);
	kv_commit *c;
	kv_oid before;
	commit_on("main", "a", "1");
	assert_ok(kv_branch_create(s, "f", "main", 0));
	commit_on("f", "b", "2");
	before = head("main");
	assert_ok(kv_merge(NULL, s, "main", "f", &o));
	{
		kv_oid m = head("main");
		assert_ok(kv_commit_lookup(&c, s, &m));
		assert_int_equal(2, kv_commit_parentcount(c));
		assert_true(kv_oid_equal(kv_commit_parent_id(c, 0), &before));
		assert_str_equal("Merge f into main\n", kv_commit_message(c));
		kv_commit_free(c);
	}
	commit_on("main", "x", "1");
	commit_on("f", "y", "1");
	o = opts(KV_MERGE_FF_ONLY);
	before = head("main");
	assert_int_equal(KV_ECONFLICT, kv_merge(NULL, s, "main", "f", &o));
	assert_error_contains("not possible to fast-forward");
	{
		kv_oid now = head("main");
		assert_true(kv_oid_equal(&before, &now));
	}
}

void test_merge_history__true_merge_combines_both_sides(void)
{
	kv_merge_options o = opts(0);
	kv_merge_result *r;
	commit_on("main", "shared", "0");
	assert_ok(kv_branch_create(s, "f", "main", 0));
	commit_on("main", "m/1", "main");
	commit_on("f", "f/1", "feature");
	commit_on("f", "shared", "changed on f");
	assert_ok(kv_merge(&r, s, "main", "f", &o));
	assert_int_equal(0, kv_merge_result_fastforward(r));
	kv_merge_result_free(r);
	expect("main", "m/1", "main");
	expect("main", "f/1", "feature");
	expect("main", "shared", "changed on f");
	expect("main~1", "m/1", "main"); /* first parent is main's history */
}

void test_merge_history__conflict_changes_nothing(void)
{
	kv_merge_options o = opts(0);
	kv_merge_result *r;
	kv_oid before;
	const kv_conflict *c;
	kv_oid base_blob, ours_blob, theirs_blob;

	commit_on("main", "k", "base");
	commit_on("main", "other", "x");
	assert_ok(kv_branch_create(s, "f", "main", 0));
	commit_on("main", "k", "ours");
	commit_on("f", "k", "theirs");
	commit_on("f", "other", "y");
	commit_on("main", "other", "z");
	before = head("main");
	assert_int_equal(KV_ECONFLICT, kv_merge(&r, s, "main", "f", &o));
	assert_int_equal(2, kv_merge_result_conflictcount(r));
	c = kv_merge_result_conflict(r, 0);
	assert_str_equal("k", c->key);
	assert_int_equal(KV_CONFLICT_CONTENT, c->kind);
	assert_str_equal("default", c->strategy);
	kv_object_hash(&base_blob, KV_OBJ_BLOB, "base", 4);
	kv_object_hash(&ours_blob, KV_OBJ_BLOB, "ours", 4);
	kv_object_hash(&theirs_blob, KV_OBJ_BLOB, "theirs", 6);
	assert_true(kv_oid_equal(&c->base, &base_blob));
	assert_true(kv_oid_equal(&c->ours, &ours_blob));
	assert_true(kv_oid_equal(&c->theirs, &theirs_blob));
	assert_str_equal("other", kv_merge_result_conflict(r, 1)->key);
	kv_merge_result_free(r);
	{
		kv_oid now = head("main");
		assert_true(kv_oid_equal(&before, &now));
	}
	/* With a strategy for every key it merges. */
	o.strategy = "theirs";
	assert_ok(kv_merge(NULL, s, "main", "f", &o));
	expect("main", "k", "theirs");
}

void test_merge_history__criss_cross_has_two_bases(void)
{
	kv_oid *bases, b1, c1;
	kv_merge_options o = opts(KV_MERGE_NO_FF);
	commit_on("main", "root", "r");
	assert_ok(kv_branch_create(s, "c", "main", 0));
	b1 = commit_on("main", "b", "1");
	c1 = commit_on("c", "c", "1");
	/* b2 = merge(b1, c1), c2 = merge(c1, b1) */
	assert_ok(kv_branch_create(s, "tmp", "main", 0));
	assert_ok(kv_merge(NULL, s, "main", "c", &o));
	o = opts(KV_MERGE_NO_FF);
	assert_ok(kv_merge(NULL, s, "c", "tmp", &o));
	commit_on("main", "b", "2");
	commit_on("c", "c", "2");
	assert_int_equal(2, bases_of(&bases, "main", "c"));
	assert_true(
	        (kv_oid_equal(&bases[0], &b1) &&
	         kv_oid_equal(&bases[1], &c1)) ||
	        (kv_oid_equal(&bases[0], &c1) && kv_oid_equal(&bases[1], &b1)));
	free(bases);
	/* The virtual base makes this a clean merge (git: 0 conflicts). */
	o = opts(0);
	assert_ok(kv_merge(NULL, s, "main", "c", &o));
	expect("main", "b", "2");
	expect("main", "c", "2");
}

void test_merge_history__unrelated_histories_merge_against_empty(void)
{
	kv_oid *bases;
	kv_merge_options o = opts(0);
	commit_on("main", "a", "1");
	commit_on("other", "b", "2");
	assert_int_equal(0, bases_of(&bases, "main", "other"));
	free(bases);
	assert_ok(kv_merge(NULL, s, "main", "other", &o));
	expect("main", "a", "1");
	expect("main", "b", "2");
}

void test_merge_history__revert(void)
{
	kv_oid c, first, with_b, head;
	kv_merge_result *r;
	const kv_conflict *k;
	kv_commit *commit;
	char hex[41], hex_first[41];
	first = commit_on("main", "a", "1");
	with_b = commit_on("main", "b", "2");
	commit_on("main", "a", "3");
	kv_oid_tostr(hex, &with_b);
	kv_oid_tostr(hex_first, &first);
	assert_ok(kv_revert(&r, s, NULL, hex, test_commit_opts(NULL)));
	c = *kv_merge_result_commit(r);
	kv_merge_result_free(r);
	assert_int_equal(KV_ENOTFOUND, kv_get(&buf, s, NULL, "b"));
	expect(NULL, "a", "3");
	assert_ok(kv_commit_lookup(&commit, s, &c));
	assert_true(strncmp(kv_commit_message(commit), "Revert \"set b\"",
	                    14) == 0);
	assert_true(strstr(kv_commit_message(commit), hex) != NULL);
	kv_commit_free(commit);
	/* Reverting it again changes nothing; the result names the head. */
	assert_int_equal(KV_NOCHANGE, kv_revert(&r, s, NULL, hex, NULL));
	assert_true(kv_oid_equal(kv_merge_result_commit(r), &c));
	kv_merge_result_free(r);
	/* Undoing the root commit's a=1 conflicts with the later a=3, and
	 * the conflict says so: base a=1 (what the root set), ours a=3 (the
	 * head), theirs absent (before the root). */
	assert_ok(kv_revparse(&head, s, "main"));
	assert_int_equal(KV_ECONFLICT, kv_revert(&r, s, NULL, hex_first, NULL));
	assert_int_equal(1, kv_merge_result_conflictcount(r));
	k = kv_merge_result_conflict(r, 0);
	assert_str_equal("a", k->key);
	assert_int_equal(KV_CONFLICT_MODIFY_DELETE, k->kind);
	assert_true(kv_oid_is_zero(&k->theirs));
	assert_true(!kv_oid_is_zero(&k->base) && !kv_oid_is_zero(&k->ours));
	kv_merge_result_free(r);
	assert_ok(kv_revparse(&c, s, "main")); /* nothing moved */
	assert_true(kv_oid_equal(&c, &head));
	assert_int_equal(KV_ECONFLICT,
	                 kv_revert(NULL, s, NULL, hex_first, NULL));
}

void test_merge_history__equal_counter_changes_under_a_directory_add_up(void)
{
	kv_merge_options o = opts(KV_MERGE_NO_FF);
	commit_on("main", ".kvattributes", "counters/** merge=counter\n");
	commit_on("main", "counters/eq", "10");
	assert_ok(kv_branch_create(s, "x", "main", 0));
	assert_ok(kv_branch_create(s, "y", "main", 0));
	commit_on("x", "counters/eq", "11");
	commit_on("y", "counters/eq", "11");
	assert_ok(kv_merge(NULL, s, "main", "x", &o));
	o = opts(KV_MERGE_NO_FF);
	assert_ok(kv_merge(NULL, s, "main", "y", &o));
	expect("main", "counters/eq", "12");
}

void test_merge_history__bad_strategy_refused_even_for_fast_forward(void)
{
	kv_merge_options o = opts(0);
	kv_oid before;
	commit_on("main", "a", "1");
	assert_ok(kv_branch_create(s, "f", "main", 0));
	commit_on("f", "b", "2");
	before = head("main");
	o.strategy = "bogus";
	assert_int_equal(KV_EINVALID, kv_merge(NULL, s, "main", "f", &o));
	{
		kv_oid now = head("main");
		assert_true(kv_oid_equal(&before, &now));
	}
}
