/* Store conformance: refs, revisions, log, diff, fsck, on every backend. */
#include "store.h"
#include "test.h"

static kv_store *s;
static kv_oid c[4]; /* c[0] .. c[3]: a line of commits on main */

void test_conformance_history__initialize(void)
{
	const char *keys[] = {"a", "b/x", "a", "b/y"};
	char msg[32];
	s = test_store_open();
	for (int i = 0; i < 4; i++) {
		kv_signature sig = {"T", "t@x", 1700000000 + i, 0};
		kv_commit_options o = KV_COMMIT_OPTIONS_INIT;
		snprintf(msg, sizeof(msg), "c%d", i);
		o.author = &sig;
		o.message = msg;
		assert_ok(
		        kv_set(&c[i], s, NULL, keys[i], msg, strlen(msg), &o));
	}
}

struct collected {
	kv_oid ids[16];
	char keys[16][64];
	char status[16];
	int n;
};

static int log_cb(const kv_commit *commit, void *payload)
{
	struct collected *col = payload;
	col->ids[col->n++] = *kv_commit_id(commit);
	return col->n >= 16;
}

void test_conformance_history__log_is_newest_first(void)
{
	struct collected col = {0};
	kv_log_options o = KV_LOG_OPTIONS_INIT;
	assert_ok(kv_log(s, &o, log_cb, &col));
	assert_int_equal(4, col.n);
	for (int i = 0; i < 4; i++)
		assert_true(kv_oid_equal(&col.ids[i], &c[3 - i]));
	col.n = 0;
	o.limit = 2;
	assert_ok(kv_log(s, &o, log_cb, &col));
	assert_int_equal(2, col.n);
}

void test_conformance_history__log_of_one_key(void)
{
	struct collected col = {0};
	kv_log_options o = KV_LOG_OPTIONS_INIT;
	o.key = "a";
	assert_ok(kv_log(s, &o, log_cb, &col));
	assert_int_equal(2, col.n);
	assert_true(kv_oid_equal(&col.ids[0], &c[2]));
	assert_true(kv_oid_equal(&col.ids[1], &c[0]));
	col.n = 0;
	o.key = "b"; /* a directory: anything under it */
	assert_ok(kv_log(s, &o, log_cb, &col));
	assert_int_equal(2, col.n);
}

void test_conformance_history__revisions(void)
{
	kv_oid id;
	char hex[41], abbrev[8];
	assert_ok(kv_revparse(&id, s, "main~1"));
	assert_true(kv_oid_equal(&id, &c[2]));
	assert_ok(kv_revparse(&id, s, "main~3"));
	assert_true(kv_oid_equal(&id, &c[0]));
	assert_ok(kv_revparse(&id, s, "main^^"));
	assert_true(kv_oid_equal(&id, &c[1]));
	assert_ok(kv_revparse(&id, s, "refs/heads/main^1~1"));
	assert_true(kv_oid_equal(&id, &c[1]));
	assert_ok(kv_revparse(&id, s, kv_oid_tostr(hex, &c[1])));
	assert_true(kv_oid_equal(&id, &c[1]));
	memcpy(abbrev, hex, 7);
	abbrev[7] = '\0';
	assert_ok(kv_revparse(&id, s, abbrev));
	assert_true(kv_oid_equal(&id, &c[1]));
	assert_int_equal(KV_ENOTFOUND, kv_revparse(&id, s, "main~4"));
	assert_int_equal(KV_ENOTFOUND, kv_revparse(&id, s, "nosuch"));
	assert_error_contains("unknown revision 'nosuch'");
	assert_ok(kv_revparse(&id, s, "main~2^{tree}"));
	{
		kv_commit *commit;
		assert_ok(kv_commit_lookup(&commit, s, &c[1]));
		assert_true(kv_oid_equal(&id, kv_commit_tree_id(commit)));
		kv_commit_free(commit);
	}
}

void test_conformance_history__branches_and_tags(void)
{
	kv_buf buf = KV_BUF_INIT;
	kv_oid id;
	assert_ok(kv_branch_create(s, "feature", "main~2", 0));
	assert_int_equal(KV_EEXISTS, kv_branch_create(s, "feature", NULL, 0));
	assert_ok(kv_get(&buf, s, "feature", "b/x"));
	assert_int_equal(KV_ENOTFOUND, kv_get(&buf, s, "feature", "b/y"));
	assert_ok(kv_set(NULL, s, "feature", "only", "f", 1, NULL));
	assert_int_equal(KV_ENOTFOUND, kv_get(&buf, s, "main", "only"));
	assert_ok(kv_branch_create(s, "feature", "main", 1));
	assert_ok(kv_revparse(&id, s, "feature"));
	assert_true(kv_oid_equal(&id, &c[3]));
	assert_ok(kv_tag_create(s, "v1", "main~1", 0));
	assert_ok(kv_revparse(&id, s, "v1"));
	assert_true(kv_oid_equal(&id, &c[2]));
	assert_ok(kv_revparse(&id, s, "refs/tags/v1"));
	assert_int_equal(KV_EINVALID,
	                 kv_branch_create(s, "bad..name", NULL, 0));
	assert_ok(kv_branch_delete(s, "feature"));
	assert_int_equal(KV_ENOTFOUND, kv_branch_delete(s, "feature"));
	assert_ok(kv_tag_delete(s, "v1"));
	kv_buf_dispose(&buf);
}

void test_conformance_history__ref_cas(void)
{
	kv_oid id;
	assert_ok(kv_ref_cas(s, "refs/heads/x", &c[0], NULL));
	assert_int_equal(KV_EMODIFIED,
	                 kv_ref_cas(s, "refs/heads/x", &c[1], NULL));
	assert_int_equal(KV_EMODIFIED,
	                 kv_ref_cas(s, "refs/heads/x", &c[1], &c[2]));
	assert_ok(kv_ref_cas(s, "refs/heads/x", &c[1], &c[0]));
	assert_ok(kv_ref_read(&id, s, "refs/heads/x"));
	assert_true(kv_oid_equal(&id, &c[1]));
	assert_ok(kv_ref_cas(s, "refs/heads/x", NULL, &c[1]));
	assert_int_equal(KV_ENOTFOUND, kv_ref_read(&id, s, "refs/heads/x"));
	{
		kv_oid tree;
		assert_ok(kv_revparse(&tree, s, "main^{tree}"));
		assert_int_equal(KV_EINVALID,
		                 kv_ref_cas(s, "refs/heads/y", &tree, NULL));
		assert_int_equal(KV_EINVALID,
		                 kv_ref_cas(s, "heads/y", &c[0], NULL));
	}
}

static int ref_cb(const char *name, const kv_oid *id, void *payload)
{
	struct collected *col = payload;
	snprintf(col->keys[col->n], 64, "%s", name);
	col->ids[col->n++] = *id;
	return 0;
}

void test_conformance_history__ref_foreach_in_order(void)
{
	struct collected col = {0};
	assert_ok(kv_branch_create(s, "zz", NULL, 0));
	assert_ok(kv_branch_create(s, "aa", NULL, 0));
	assert_ok(kv_tag_create(s, "t", NULL, 0));
	assert_ok(kv_ref_foreach(s, "refs/heads/", ref_cb, &col));
	assert_int_equal(3, col.n);
	assert_str_equal("refs/heads/aa", col.keys[0]);
	assert_str_equal("refs/heads/main", col.keys[1]);
	assert_str_equal("refs/heads/zz", col.keys[2]);
}

static int diff_cb(const kv_delta *d, void *payload)
{
	struct collected *col = payload;
	snprintf(col->keys[col->n], 64, "%s", d->key);
	col->status[col->n++] = (char)d->status;
	return 0;
}

void test_conformance_history__diff(void)
{
	struct collected col = {0};
	assert_ok(kv_set(NULL, s, NULL, "b/x", "changed", 7, NULL));
	assert_ok(kv_remove(NULL, s, NULL, "a", NULL));
	assert_ok(kv_set(NULL, s, NULL, "a/new", "n", 1, NULL));
	assert_ok(kv_diff(s, "main~3", "main", diff_cb, &col));
	assert_int_equal(3, col.n);
	assert_str_equal("a", col.keys[0]);
	assert_int_equal('D', col.status[0]);
	assert_str_equal("a/new", col.keys[1]);
	assert_int_equal('A', col.status[1]);
	assert_str_equal("b/x", col.keys[2]);
	assert_int_equal('M', col.status[2]);
	col.n = 0;
	assert_ok(kv_diff(s, "main", "main", diff_cb, &col));
	assert_int_equal(0, col.n);
}

void test_conformance_history__fsck_clean_store(void)
{
	size_t problems = 99;
	kv_stats st;
	assert_ok(kv_fsck(&problems, s, NULL, NULL));
	assert_int_equal(0, problems);
	assert_ok(kv_store_stats(&st, s));
	assert_int_equal(4, st.commits);
	assert_int_equal(1, st.refs);
	assert_true(st.blobs >= 4);
}

static int problem_cb(const kv_fsck_problem *p, void *payload)
{
	struct collected *col = payload;
	snprintf(col->keys[col->n++ % 16], 64, "%.63s", p->message);
	return 0;
}

void test_conformance_history__corrupt_object_is_reported(void)
{
	kv_buf buf = KV_BUF_INIT;
	struct collected col = {0};
	size_t problems = 0;
	kv_oid id;
	kv_txn *t;

	/* Store other bytes under a value's id, as a flipped bit on disk
	 * would, then commit a tree that refers to it. */
	kv_object_hash(&id, KV_OBJ_BLOB, "original", 8);
	assert_ok(s->be->write(s->be, &id, KV_OBJ_BLOB, "tampered", 8));
	assert_ok(kv_txn_begin(&t, s, NULL));
	assert_ok(kv_txn_set(t, "victim", "original", 8));
	assert_ok(kv_txn_commit(NULL, t, NULL));
	kv_txn_free(t);

	assert_int_equal(KV_ECORRUPT, kv_get(&buf, s, NULL, "victim"));
	assert_error_contains("is corrupt");
	assert_int_equal(KV_ECORRUPT, kv_object_read(&buf, NULL, s, &id));
	assert_ok(kv_fsck(&problems, s, problem_cb, &col));
	assert_int_equal(1, problems);
	assert_true(strstr(col.keys[0], "corrupt") != NULL);
	kv_buf_dispose(&buf);
}

void test_conformance_history__refs_follow_gits_file_folder_rule(void)
{
	assert_ok(kv_branch_create(s, "team/a", NULL, 0));
	assert_int_equal(KV_EEXISTS, kv_branch_create(s, "team", NULL, 0));
	assert_error_contains("refs/heads/team/a exists below it");
	assert_int_equal(KV_EEXISTS, kv_branch_create(s, "team/a/b", NULL, 0));
	assert_int_equal(KV_EEXISTS,
	                 kv_set(NULL, s, "team/a/c", "k", "v", 1, NULL));
	assert_int_equal(KV_EEXISTS,
	                 kv_ref_cas(s, "refs/heads/main/x", &c[0], NULL));
	assert_ok(kv_branch_create(s, "team-b", NULL, 0));
}
