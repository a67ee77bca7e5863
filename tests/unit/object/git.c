/*
 * Ids and bytes equal what git itself produces: blobs against
 * `git hash-object`, trees against `git mktree`, and whole commits
 * against `git commit` with the same author, date and message.
 */
#include <stdlib.h>

#include "test.h"

static char out[256];

/* Run a shell command in the temp dir; its first output line -> out. */
static const char *sh(const char *fmt, const char *arg)
{
	char cmd[2048], inner[1500];
	FILE *p;
	snprintf(inner, sizeof(inner), fmt, arg);
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && export HOME='%s' GIT_CONFIG_NOSYSTEM=1 && %s",
	         test_tmpdir(), test_tmpdir(), inner);
	p = popen(cmd, "r");
	assert_true(p != NULL);
	out[0] = '\0';
	if (!fgets(out, sizeof(out), p))
		out[0] = '\0';
	pclose(p);
	out[strcspn(out, "\n")] = '\0';
	return out;
}

void test_object_git__blob_ids_match_hash_object(void)
{
	const char *values[] = {"", "hello\n", "x"};
	char hex[41];
	kv_oid id;
	for (size_t i = 0; i < 3; i++) {
		kv_object_hash(&id, KV_OBJ_BLOB, values[i], strlen(values[i]));
		kv_oid_tostr(hex, &id);
		assert_str_equal(
		        sh("printf '%s' | git hash-object --stdin", values[i]),
		        hex);
	}
}

void test_object_git__binary_blob_matches_hash_object(void)
{
	unsigned char data[4096];
	char hex[41], path[512];
	kv_oid id;
	FILE *f;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + (i >> 8));
	snprintf(path, sizeof(path), "%s/bin", test_tmpdir());
	f = fopen(path, "wb");
	fwrite(data, 1, sizeof(data), f);
	fclose(f);
	kv_object_hash(&id, KV_OBJ_BLOB, data, sizeof(data));
	assert_str_equal(sh("git hash-object %s", "bin"),
	                 kv_oid_tostr(hex, &id));
}

void test_object_git__commit_ids_match_git_commit(void)
{
	kv_store *s = test_store_open_uri("mem:", 0);
	kv_txn *t;
	kv_oid commit, tree;
	char hex[41];

	assert_ok(kv_txn_begin(&t, s, NULL));
	assert_ok(kv_txn_set(t, "a", "1\n", 2));
	assert_ok(kv_txn_set(t, "d/b", "two\n", 4));
	assert_ok(kv_txn_set(t, "d/c-d/e", "", 0));
	assert_ok(kv_txn_set(t, "d.x", "3", 1));
	assert_ok(kv_txn_commit(&commit, t, test_commit_opts("first")));
	kv_txn_free(t);

	sh("git init -q r && cd r && printf '1\\n' > a && mkdir -p d/c-d && "
	   "printf 'two\\n' > d/b && : > d/c-d/e && printf 3 > d.x && "
	   "git add -A && GIT_AUTHOR_NAME=Test "
	   "GIT_AUTHOR_EMAIL=test@example.com GIT_COMMITTER_NAME=Test "
	   "GIT_COMMITTER_EMAIL=test@example.com "
	   "GIT_AUTHOR_DATE='1700000000 +0000' "
	   "GIT_COMMITTER_DATE='1700000000 +0000' git commit -q -m %s && "
	   "git rev-parse HEAD",
	   "first");
	assert_str_equal(out, kv_oid_tostr(hex, &commit));

	/* And the tree of "d" equals what git mktree makes from ls-tree. */
	assert_ok(kv_revparse(&tree, s, "main^{tree}"));
	sh("cd r && git rev-parse HEAD^{tree}%s", "");
	assert_str_equal(out, kv_oid_tostr(hex, &tree));
	sh("cd r && git ls-tree HEAD:d | git mktree%s", "");
	{
		kv_oid d;
		kv_buf buf = KV_BUF_INIT;
		kv_otype type;
		assert_ok(kv_oid_fromstr(&d, out));
		assert_ok(kv_object_read(&buf, &type, s, &d));
		assert_int_equal(KV_OBJ_TREE, type);
		kv_buf_dispose(&buf);
	}
}
