/* Value strategies and structural cases, table-driven, on whole merges. */
#include "merge.h"
#include "test.h"

static kv_store *s;

void test_merge_strategy__initialize(void)
{
	s = test_store_open_uri("mem:", 0);
}

/* A tree with .kvattributes `attrs` (or none) and key k = v (NULL:
 * absent); "DIR" as v makes k a directory holding k/x = 1. */
static void make_tree(kv_oid *out, const char *attrs, const char *v)
{
	kv_txn *t;
	kv_oid c;
	char name[32];
	static int n;
	snprintf(name, sizeof(name), "t%d", n++);
	assert_ok(kv_txn_begin(&t, s, name));
	assert_ok(kv_txn_set(t, "keep", "same", 4));
	if (attrs)
		assert_ok(kv_txn_set(t, ".kvattributes", attrs, strlen(attrs)));
	if (v && !strcmp(v, "DIR"))
		assert_ok(kv_txn_set(t, "k/x", "1", 1));
	else if (v)
		assert_ok(kv_txn_set(t, "k", v, strlen(v)));
	assert_ok(kv_txn_commit(&c, t, test_commit_opts("t")));
	kv_txn_free(t);
	assert_ok(kv_revparse(out, s, name));
	{
		char rev[64];
		snprintf(rev, sizeof(rev), "%s^{tree}", name);
		assert_ok(kv_revparse(out, s, rev));
	}
}

struct mcase {
	const char *strategy; /* in .kvattributes as "k merge=S", or NULL */
	const char *base, *ours, *theirs;
	const char *want; /* merged value, "-" for removed, NULL: conflict */
	kv_conflict_kind kind;
};

static void run_case(const struct mcase *c, size_t i)
{
	char attrs[64];
	kv_oid b, o, t, id;
	kv_merge_result *r;
	kv_buf buf = KV_BUF_INIT;
	unsigned int mode;
	int error;

	if (c->strategy)
		snprintf(attrs, sizeof(attrs), "k merge=%s\n", c->strategy);
	make_tree(&b, c->strategy ? attrs : NULL, c->base);
	make_tree(&o, c->strategy ? attrs : NULL, c->ours);
	make_tree(&t, c->strategy ? attrs : NULL, c->theirs);
	error = kv_merge_trees(&r, s, &b, &o, &t, NULL);
	if (!c->want) {
		if (error != KV_ECONFLICT ||
		    kv_merge_result_conflictcount(r) != 1)
			test__fail(__FILE__, __LINE__,
			           "case %zu: expected a conflict, got %d", i,
			           error);
		if (kv_merge_result_conflict(r, 0)->kind != c->kind)
			test__fail(__FILE__, __LINE__, "case %zu: kind %d", i,
			           kv_merge_result_conflict(r, 0)->kind);
		assert_str_equal("k", kv_merge_result_conflict(r, 0)->key);
	} else {
		if (error != 0)
			test__fail(__FILE__, __LINE__,
			           "case %zu: error %d (%s)", i, error,
			           kv_error_last() ? kv_error_last()->message
			                           : "");
		error = kv__tree_lookup(&mode, &id, s, kv_merge_result_tree(r),
		                        "k");
		if (!strcmp(c->want, "-")) {
			assert_true(error == KV_ENOTFOUND ||
			            (!error && mode == 040000));
		} else {
			assert_ok(error);
			assert_ok(kv_object_read(&buf, NULL, s, &id));
			if (buf.size != strlen(c->want) ||
			    memcmp(buf.ptr, c->want, buf.size))
				test__fail(__FILE__, __LINE__,
				           "case %zu: got '%.*s', want '%s'", i,
				           (int)buf.size, buf.ptr, c->want);
		}
	}
	kv_merge_result_free(r);
	kv_buf_dispose(&buf);
}

void test_merge_strategy__table(void)
{
	static const struct mcase cases[] = {
	        /* default: structural rules */
	        {NULL, "a", "a", "b", "b", 0},
	        {NULL, "a", "b", "a", "b", 0},
	        {NULL, "a", "c", "c", "c", 0},
	        {NULL, "a", "b", "c", NULL, KV_CONFLICT_CONTENT},
	        {NULL, NULL, "b", "c", NULL, KV_CONFLICT_ADD_ADD},
	        {NULL, NULL, "b", "b", "b", 0},
	        {NULL, "a", NULL, "a", "-", 0},
	        {NULL, "a", NULL, "c", NULL, KV_CONFLICT_MODIFY_DELETE},
	        {NULL, "a", "c", NULL, NULL, KV_CONFLICT_MODIFY_DELETE},
	        {NULL, "a", "DIR", "c", NULL, KV_CONFLICT_VALUE_DIR},
	        {NULL, "a", "DIR", "a", "-", 0}, /* k is now a dir: no value */
	        /* ours / theirs */
	        {"ours", "a", "b", "c", "b", 0},
	        {"theirs", "a", "b", "c", "c", 0},
	        {"ours", "a", NULL, "c", "-", 0},
	        {"theirs", NULL, "b", "c", "c", 0},
	        /* counter */
	        {"counter", "10", "15", "7", "12", 0},
	        {"counter", NULL, "2", "3", "5", 0},
	        {"counter", "0", "-5", "+8", "3", 0},
	        {"counter", "0", "9223372036854775807", "1", NULL,
	         KV_CONFLICT_CONTENT},
	        {"counter", "1", "x", "2", NULL, KV_CONFLICT_CONTENT},
	        {"counter", "1", NULL, "2", NULL, KV_CONFLICT_MODIFY_DELETE},
	        /* lines */
	        {"lines", "a\nb\n", "a\nb\nc\n", "b\nd\n", "b\nc\nd\n", 0},
	        {"lines", NULL, "x\n", "y\n", "x\ny\n", 0},
	        {"lines", "a\n", "a\nb", "a\nc", "a\nb\nc\n", 0},
	        /* lww: ours and theirs are trees here: the larger id wins,
	         * tested by symmetry in the property tests */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i], i);
}

void test_merge_strategy__unknown_strategy_is_refused(void)
{
	kv_merge_options o = KV_MERGE_OPTIONS_INIT;
	kv_oid b;
	o.strategy = "nope";
	make_tree(&b, NULL, "a");
	assert_int_equal(KV_EINVALID, kv_merge_trees(NULL, s, &b, &b, &b, &o));
	assert_error_contains("unknown merge strategy 'nope'");
}

static int upper_resolver(kv_buf *out, int *removed, const char *key,
                          const kv_buf *base, const kv_buf *ours,
                          const kv_buf *theirs, void *payload)
{
	(void)base, (void)removed, (void)payload;
	if (strcmp(key, "k"))
		return KV_ENOTFOUND;
	kv_buf_set(out, ours->ptr, ours->size);
	return kv_buf_put(out, theirs->ptr, theirs->size);
}

void test_merge_strategy__resolver_callback(void)
{
	kv_merge_options o = KV_MERGE_OPTIONS_INIT;
	kv_merge_result *r;
	kv_oid b, x, y, id;
	kv_buf buf = KV_BUF_INIT;
	unsigned int mode;
	o.resolver = upper_resolver;
	make_tree(&b, NULL, "a");
	make_tree(&x, NULL, "b");
	make_tree(&y, NULL, "c");
	assert_ok(kv_merge_trees(&r, s, &b, &x, &y, &o));
	assert_ok(kv__tree_lookup(&mode, &id, s, kv_merge_result_tree(r), "k"));
	assert_ok(kv_object_read(&buf, NULL, s, &id));
	assert_mem_equal("bc", 2, buf.ptr, buf.size);
	kv_merge_result_free(r);
	kv_buf_dispose(&buf);
}

void test_merge_strategy__attribute_patterns(void)
{
	assert_true(kv__attr_match("*.txt", "a/b/c.txt"));
	assert_true(!kv__attr_match("*.txt", "a/b/c.txt/d"));
	assert_true(kv__attr_match("counters/**", "counters/a/b"));
	assert_true(!kv__attr_match("counters/*", "counters/a/b"));
	assert_true(kv__attr_match("counters/*", "counters/a"));
	assert_true(kv__attr_match("/top", "top"));
	assert_true(!kv__attr_match("/top", "x/top"));
	assert_true(kv__attr_match("**/n?me", "a/b/name"));
	assert_true(kv__attr_match("**/name", "name"));
	assert_true(kv__attr_match("k[0-9]", "k7"));
	assert_true(!kv__attr_match("k[!0-9]", "k7"));
	assert_true(kv__attr_match("a/**/z", "a/z"));
	assert_true(kv__attr_match("a/**/z", "a/b/c/z"));
}

void test_merge_strategy__later_lines_win(void)
{
	kv_attributes *a;
	const char *text = "# comment\n* merge=lww\ncounters/** merge=counter\n"
	                   "counters/special merge=ours\nbad line\n";
	assert_ok(kv__attributes_parse(&a, text, strlen(text)));
	assert_str_equal("lww", kv__attributes_merge(a, "x/y"));
	assert_str_equal("counter", kv__attributes_merge(a, "counters/n"));
	assert_str_equal("ours", kv__attributes_merge(a, "counters/special"));
	kv__attributes_free(a);
}

/* The tree of branch `name` after setting `kvs` (key, value; value NULL
 * removes) on a new branch from `from` (NULL: empty). */
static void tree_of(kv_oid *out, const char *name, const char *from,
                    const char *const *kvs)
{
	kv_txn *t;
	kv_oid c;
	char rev[64];
	if (from)
		assert_ok(kv_branch_create(s, name, from, 0));
	assert_ok(kv_txn_begin(&t, s, name));
	for (; kvs[0]; kvs += 2)
		if (kvs[1])
			assert_ok(
			        kv_txn_set(t, kvs[0], kvs[1], strlen(kvs[1])));
		else
			assert_ok(kv_txn_remove(t, kvs[0]));
	assert_ok(kv_txn_commit(&c, t, test_commit_opts("t")));
	kv_txn_free(t);
	snprintf(rev, sizeof(rev), "%s^{tree}", name);
	assert_ok(kv_revparse(out, s, rev));
}

/* Git order is not byte order where a directory name prefixes another
 * name ("a-b" < "a" as "a/" < "a0"); the merged tree must come out in git
 * order, with the same id a transaction gives the same content. */
void test_merge_strategy__git_order_differs_from_byte_order(void)
{
	const char *base[] = {"a/x", "1", "a-b", "1", "a.c", "1", NULL};
	const char *ours[] = {"a/x", "2", "a0", "1", NULL};
	const char *theirs[] = {"a-b", "2", "a.c", NULL, "a!", "1", NULL};
	const char *want[] = {"a/x", "2",  "a-b", "2", "a0",
	                      "1",   "a!", "1",   NULL};
	kv_oid b, o, t, w;
	kv_merge_result *r;
	kv_tree *tree;
	char want_hex[KV_OID_HEXSZ + 1], got_hex[KV_OID_HEXSZ + 1];

	tree_of(&b, "order-base", NULL, base);
	tree_of(&o, "order-ours", "order-base", ours);
	tree_of(&t, "order-theirs", "order-base", theirs);
	tree_of(&w, "order-want", NULL, want);
	assert_ok(kv_merge_trees(&r, s, &b, &o, &t, NULL));
	assert_ok(kv__tree_get(&tree, s, kv_merge_result_tree(r)));
	kv__tree_release(s, tree);
	assert_str_equal(kv_oid_tostr(want_hex, &w),
	                 kv_oid_tostr(got_hex, kv_merge_result_tree(r)));
	kv_merge_result_free(r);
}
