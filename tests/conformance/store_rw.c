/* Store conformance: reads, writes and transactions, on every backend. */
#include <stdlib.h>

#include "store.h"
#include "test.h"

static kv_store *s;
static kv_buf buf = KV_BUF_INIT;

void test_conformance_rw__initialize(void)
{
	s = test_store_open();
}

void test_conformance_rw__cleanup(void)
{
	kv_buf_dispose(&buf);
}

static void set(const char *key, const char *value)
{
	int r = kv_set(NULL, s, NULL, key, value, strlen(value),
	               test_commit_opts(NULL));
	assert_true(r == 0 || r == KV_NOCHANGE);
}

static void expect(const char *rev, const char *key, const char *value)
{
	assert_ok(kv_get(&buf, s, rev, key));
	assert_mem_equal(value, strlen(value), buf.ptr, buf.size);
}

void test_conformance_rw__set_then_get(void)
{
	set("users/42/name", "Ada");
	expect(NULL, "users/42/name", "Ada");
	expect("main", "users/42/name", "Ada");
	assert_int_equal(KV_ENOTFOUND, kv_get(&buf, s, NULL, "users/43/name"));
	assert_error_contains("users/43/name");
	assert_int_equal(KV_ENOTFOUND, kv_get(&buf, s, NULL, "users/42"));
	assert_int_equal(KV_EINVALID, kv_get(&buf, s, NULL, "users/../x"));
}

void test_conformance_rw__empty_store_has_nothing(void)
{
	assert_int_equal(KV_ENOTFOUND, kv_get(&buf, s, NULL, "a"));
}

void test_conformance_rw__equal_value_makes_no_commit(void)
{
	kv_oid c1, c2;
	assert_ok(kv_set(&c1, s, NULL, "k", "v", 1, test_commit_opts(NULL)));
	assert_int_equal(KV_NOCHANGE, kv_set(&c2, s, NULL, "k", "v", 1,
	                                     test_commit_opts(NULL)));
	assert_true(kv_oid_equal(&c1, &c2));
	assert_ok(kv_revparse(&c2, s, "main"));
	assert_true(kv_oid_equal(&c1, &c2));
}

void test_conformance_rw__values_empty_binary_large(void)
{
	static const char bin[] = {'a', 0, 'b', 0, (char)0xff, 0};
	size_t big = 100u << 20;
	char *large = malloc(big);
	assert_true(large != NULL);
	for (size_t i = 0; i < big; i++)
		large[i] = (char)(i * 2654435761u >> 13);
	assert_ok(
	        kv_set(NULL, s, NULL, "empty", "", 0, test_commit_opts(NULL)));
	assert_ok(kv_set(NULL, s, NULL, "bin", bin, sizeof(bin), NULL));
	assert_ok(kv_set(NULL, s, NULL, "large", large, big, NULL));
	assert_ok(kv_get(&buf, s, NULL, "empty"));
	assert_int_equal(0, buf.size);
	assert_ok(kv_get(&buf, s, NULL, "bin"));
	assert_mem_equal(bin, sizeof(bin), buf.ptr, buf.size);
	assert_ok(kv_get(&buf, s, NULL, "large"));
	assert_mem_equal(large, big, buf.ptr, buf.size);
	free(large);
}

void test_conformance_rw__remove_value_and_directory(void)
{
	set("a/b/c", "1");
	set("a/b/d", "2");
	set("a/e", "3");
	assert_ok(kv_remove(NULL, s, NULL, "a/b/c", NULL));
	assert_int_equal(KV_ENOTFOUND, kv_get(&buf, s, NULL, "a/b/c"));
	expect(NULL, "a/b/d", "2");
	assert_ok(kv_remove(NULL, s, NULL, "a/b", NULL));
	assert_int_equal(KV_ENOTFOUND, kv_get(&buf, s, NULL, "a/b/d"));
	expect(NULL, "a/e", "3");
	assert_int_equal(KV_ENOTFOUND, kv_remove(NULL, s, NULL, "a/b", NULL));
	assert_int_equal(KV_ENOTFOUND, kv_remove(NULL, s, NULL, "a/e/x", NULL));
}

static int count_cb(const kv_entry *e, void *payload)
{
	(void)e;
	++*(int *)payload;
	return 0;
}

void test_conformance_rw__removing_last_key_removes_directory(void)
{
	int n = 0;
	set("d/x", "1");
	set("y", "2");
	assert_ok(kv_remove(NULL, s, NULL, "d/x", NULL));
	assert_ok(kv_list(s, NULL, NULL, count_cb, &n));
	assert_int_equal(1, n); /* only "y": no empty "d" */
	assert_ok(kv_remove(NULL, s, NULL, "y", NULL));
	{
		kv_oid tree;
		char hex[41];
		assert_ok(kv_revparse(&tree, s, "main^{tree}"));
		assert_str_equal("4b825dc642cb6eb9a060e54bf8d69288fbee4904",
		                 kv_oid_tostr(hex, &tree));
	}
}

void test_conformance_rw__set_replaces_value_or_directory(void)
{
	set("a", "value");
	set("a/b", "nested"); /* the value "a" becomes a directory */
	expect(NULL, "a/b", "nested");
	assert_int_equal(KV_ENOTFOUND, kv_get(&buf, s, NULL, "a"));
	set("a", "flat"); /* and the directory becomes a value again */
	expect(NULL, "a", "flat");
	assert_int_equal(KV_ENOTFOUND, kv_get(&buf, s, NULL, "a/b"));
}

void test_conformance_rw__transaction_is_one_commit(void)
{
	kv_txn *t;
	kv_oid c;
	kv_commit *commit;
	set("base", "0");
	assert_ok(kv_txn_begin(&t, s, NULL));
	assert_ok(kv_txn_set(t, "x/1", "a", 1));
	assert_ok(kv_txn_set(t, "x/2", "b", 1));
	assert_ok(kv_txn_remove(t, "base"));
	/* reads see the overlay; the branch does not, yet */
	assert_ok(kv_txn_get(&buf, t, "x/2"));
	assert_mem_equal("b", 1, buf.ptr, buf.size);
	assert_int_equal(KV_ENOTFOUND, kv_txn_get(&buf, t, "base"));
	assert_int_equal(KV_ENOTFOUND, kv_get(&buf, s, NULL, "x/1"));
	assert_int_equal(3, kv_txn_changes(t));
	assert_ok(kv_txn_commit(&c, t, test_commit_opts("three")));
	assert_int_equal(KV_EINVALID, kv_txn_commit(&c, t, NULL));
	kv_txn_free(t);
	expect(NULL, "x/1", "a");
	assert_ok(kv_commit_lookup(&commit, s, &c));
	assert_str_equal("three\n", kv_commit_message(commit));
	assert_int_equal(1, kv_commit_parentcount(commit));
	kv_commit_free(commit);
}

void test_conformance_rw__freed_transaction_writes_nothing(void)
{
	kv_txn *t;
	set("k", "1");
	assert_ok(kv_txn_begin(&t, s, NULL));
	assert_ok(kv_txn_set(t, "k", "2", 1));
	kv_txn_free(t);
	expect(NULL, "k", "1");
}

void test_conformance_rw__moved_branch_is_merged(void)
{
	kv_txn *a, *b;
	set("shared", "0");
	assert_ok(kv_txn_begin(&a, s, NULL));
	assert_ok(kv_txn_begin(&b, s, NULL));
	assert_ok(kv_txn_set(a, "from/a", "A", 1));
	assert_ok(kv_txn_set(b, "from/b", "B", 1));
	assert_ok(kv_txn_commit(NULL, a, test_commit_opts(NULL)));
	assert_ok(kv_txn_commit(NULL, b, test_commit_opts(NULL)));
	kv_txn_free(a);
	kv_txn_free(b);
	expect(NULL, "from/a", "A");
	expect(NULL, "from/b", "B");
	expect(NULL, "shared", "0");
}

void test_conformance_rw__same_key_conflict_fails_the_later(void)
{
	kv_txn *a, *b;
	kv_oid before;
	set("shared", "0");
	assert_ok(kv_txn_begin(&a, s, NULL));
	assert_ok(kv_txn_begin(&b, s, NULL));
	assert_ok(kv_txn_set(a, "shared", "A", 1));
	assert_ok(kv_txn_set(b, "shared", "B", 1));
	assert_ok(kv_txn_set(b, "own", "B", 1));
	assert_ok(kv_txn_commit(NULL, a, test_commit_opts(NULL)));
	assert_ok(kv_revparse(&before, s, "main"));
	assert_int_equal(KV_ECONFLICT,
	                 kv_txn_commit(NULL, b, test_commit_opts(NULL)));
	assert_error_contains("shared");
	kv_txn_free(a);
	kv_txn_free(b);
	expect(NULL, "shared", "A");
	assert_int_equal(KV_ENOTFOUND, kv_get(&buf, s, NULL, "own"));
}

void test_conformance_rw__same_key_follows_its_strategy(void)
{
	kv_txn *a, *b;
	set(".kvattributes", "count merge=counter\n");
	set("count", "10");
	assert_ok(kv_txn_begin(&a, s, NULL));
	assert_ok(kv_txn_begin(&b, s, NULL));
	assert_ok(kv_txn_set(a, "count", "11", 2));
	assert_ok(kv_txn_set(b, "count", "11", 2));
	assert_ok(kv_txn_commit(NULL, a, test_commit_opts(NULL)));
	assert_ok(kv_txn_commit(NULL, b, test_commit_opts(NULL)));
	kv_txn_free(a);
	kv_txn_free(b);
	expect(NULL, "count", "12");
}

void test_conformance_rw__no_retry_fails_when_branch_moved(void)
{
	kv_txn *a;
	kv_commit_options o = *test_commit_opts(NULL);
	set("k", "0");
	assert_ok(kv_txn_begin(&a, s, NULL));
	assert_ok(kv_txn_set(a, "k", "A", 1));
	set("other", "x");
	o.flags = KV_COMMIT_NO_RETRY;
	assert_int_equal(KV_EMODIFIED, kv_txn_commit(NULL, a, &o));
	kv_txn_free(a);
	expect(NULL, "k", "0");
}

void test_conformance_rw__replay_keeps_removals_and_directories(void)
{
	kv_txn *a;
	set("dir/x", "1");
	set("dir/y", "2");
	set("val", "v");
	assert_ok(kv_txn_begin(&a, s, NULL));
	assert_ok(kv_txn_remove(a, "dir/x"));
	assert_ok(kv_txn_set(a, "val/sub", "s", 1));
	set("dir/z", "3"); /* moves the branch */
	assert_ok(kv_txn_commit(NULL, a, NULL));
	kv_txn_free(a);
	assert_int_equal(KV_ENOTFOUND, kv_get(&buf, s, NULL, "dir/x"));
	expect(NULL, "dir/y", "2");
	expect(NULL, "dir/z", "3");
	expect(NULL, "val/sub", "s");
}

void test_conformance_rw__big_transaction_spills_and_commits(void)
{
	kv_txn *t;
	char key[64], val[1024];
	memset(val, 'v', sizeof(val));
	assert_ok(kv_txn_begin(&t, s, NULL));
	for (int i = 0; i < 40000; i++) {
		snprintf(key, sizeof(key), "k/%02x/%d", i & 0xff, i);
		memcpy(val, &i, sizeof(i));
		assert_ok(kv_txn_set(t, key, val, sizeof(val)));
	}
	assert_ok(kv_txn_get(&buf, t, "k/05/5"));
	assert_int_equal(1024, buf.size);
	assert_ok(kv_txn_commit(NULL, t, NULL));
	kv_txn_free(t);
	assert_ok(kv_get(&buf, s, NULL, "k/ff/39935"));
	assert_int_equal(39935, *(int *)buf.ptr);
}

void test_conformance_rw__author_from_environment(void)
{
	kv_oid c;
	kv_commit *commit;
	setenv("KV_AUTHOR", "Env Person <env@example.com>", 1);
	setenv("KV_DATE", "@1600000000 +0200", 1);
	assert_ok(kv_set(&c, s, NULL, "k", "v", 1, NULL));
	assert_ok(kv_commit_lookup(&commit, s, &c));
	assert_str_equal("Env Person", kv_commit_author(commit)->name);
	assert_str_equal("env@example.com", kv_commit_committer(commit)->email);
	assert_int_equal(1600000000, kv_commit_author(commit)->time);
	assert_int_equal(120, kv_commit_author(commit)->offset);
	assert_str_equal("set k\n", kv_commit_message(commit));
	kv_commit_free(commit);
	setenv("KV_DATE", "yesterday", 1);
	assert_int_equal(KV_EINVALID, kv_set(&c, s, NULL, "k", "w", 1, NULL));
	assert_error_contains("invalid date");
}
