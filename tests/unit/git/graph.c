/*
 * git backend: git's commit-graph file as the commit-graph cache
 * (commit_info), whether git or kv's gc wrote it, and what happens when
 * it is unusable or behind the history.
 */
#include <openssl/sha.h>

#include "merge.h"
#include "test.h"

static const char *dir;
static kv_store *s;
static kv_oid c[8]; /* the history of setup(), in commit order */
static size_t nc;

/* Open the store again: the backend reads the graph file at open. */
static void reopen(void)
{
	kv_store_options o = KV_STORE_OPTIONS_INIT;
	char uri[4096];
	kv_store_free(s);
	s = NULL;
	o.flags = KV_OPEN_CREATE | KV_OPEN_NOSYNC;
	snprintf(uri, sizeof(uri), "git:%s/repo", dir);
	assert_ok(kv_store_open(&s, uri, &o));
}

void test_git_graph__initialize(void)
{
	dir = test_tmpdir(); /* the repository is dir/repo */
	s = NULL;
	nc = 0;
}

void test_git_graph__cleanup(void)
{
	kv_store_free(s);
	s = NULL;
}

/* A commit on `branch` setting `key`, committed at `time`. */
static kv_oid commit_at(const char *branch, const char *key, int64_t time)
{
	kv_signature sig = {"T", "t@example.com", time, 60};
	kv_commit_options o = KV_COMMIT_OPTIONS_INIT;
	kv_txn *t;
	kv_oid id;

	o.message = key;
	o.author = &sig;
	assert_ok(kv_txn_begin(&t, s, branch));
	assert_ok(kv_txn_set(t, key, key, strlen(key)));
	assert_ok(kv_txn_commit(&id, t, &o));
	kv_txn_free(t);
	return c[nc++] = id;
}

/*
 * main: c0 - c1 - c2 ------ m4 - c6
 *                \         /
 * side:           s3 - s5
 * (c6's time is past 2106, beyond 32 bits, as the file stores it)
 */
static void setup(void)
{
	kv_signature sig = {"T", "t@example.com", 1700000400, 0};
	kv_merge_options mo = KV_MERGE_OPTIONS_INIT;
	kv_merge_result *r;

	reopen();
	commit_at("main", "a", 1700000000);
	commit_at("main", "b", 1700000100);
	assert_ok(kv_branch_create(s, "side", "main", 0));
	commit_at("main", "c", 1700000200);
	commit_at("side", "d", 1700000300);
	mo.flags = KV_MERGE_NO_FF;
	mo.author = &sig;
	assert_ok(kv_merge(&r, s, "main", "side", &mo));
	kv_merge_result_free(r);
	assert_ok(kv_revparse(&c[nc++], s, "main"));
	commit_at("side", "e", 1700000500);
	commit_at("main", "f", (int64_t)5000000000);
}

/* The generation of `id` computed from its parents (a root is 1). */
static uint64_t generation(const kv_oid *id)
{
	kv_commit *k;
	uint64_t gen = 1;
	assert_ok(kv_commit_lookup(&k, s, id));
	for (size_t i = 0; i < k->nparents; i++) {
		uint64_t g = generation(&k->parents[i]) + 1;
		if (g > gen)
			gen = g;
	}
	kv_commit_free(k);
	return gen;
}

/* commit_info of every commit agrees with the commit itself. */
static void assert_graph_matches(void)
{
	for (size_t i = 0; i < nc; i++) {
		kv_commit_info ci;
		kv_commit *k;
		memset(&ci, 0xa5, sizeof(ci));
		assert_ok(s->be->commit_info(&ci, s->be, &c[i]));
		assert_ok(kv_commit_lookup(&k, s, &c[i]));
		assert_true(kv_oid_equal(&ci.tree, &k->tree));
		assert_int_equal(k->nparents, ci.nparents);
		for (size_t p = 0; p < k->nparents; p++)
			assert_true(
			        kv_oid_equal(&ci.parents[p], &k->parents[p]));
		assert_int_equal(k->committer.time, ci.time);
		assert_int_equal(generation(&c[i]), ci.generation);
		kv_commit_free(k);
	}
}

static void git_write_graph(void)
{
	assert_int_equal(0, test_system("git -C '%s/repo' commit-graph write "
	                                "--reachable 2>/dev/null",
	                                dir));
}

static void assert_base_of(const kv_oid *a, const kv_oid *b, const kv_oid *want)
{
	kv_oid *bases;
	size_t n;
	assert_ok(kv_merge_bases(&bases, &n, s, a, b));
	assert_int_equal(1, n);
	assert_true(kv_oid_equal(&bases[0], want));
	free(bases);
}

/* The merge base of s5 and c6 is s3, whatever the graph says or lacks. */
static void assert_merge_base(void)
{
	assert_base_of(&c[5], &c[6], &c[3]);
}

void test_git_graph__without_a_graph_the_core_parses(void)
{
	kv_commit_info ci;
	setup();
	assert_int_equal(KV_ENOTFOUND, s->be->commit_info(&ci, s->be, &c[0]));
	assert_merge_base();
}

void test_git_graph__reads_the_graph_git_writes(void)
{
	setup();
	git_write_graph();
	reopen();
	assert_graph_matches();
	assert_merge_base();
}

void test_git_graph__gc_writes_a_graph_git_verifies(void)
{
	kv_gc_result r;
	setup();
	assert_ok(kv_store_gc(&r, s));
	assert_graph_matches(); /* the same handle reads it at once */
	assert_int_equal(0, test_system("git -C '%s/repo' commit-graph verify "
	                                "2>/dev/null",
	                                dir));
	assert_int_equal(0, test_system("git -C '%s/repo' fsck --strict "
	                                ">/dev/null 2>&1",
	                                dir));
}

void test_git_graph__commits_after_the_graph_are_parsed(void)
{
	kv_commit_info ci;
	kv_oid later;
	setup();
	git_write_graph();
	reopen();
	later = commit_at("side", "g", 1700000700);
	assert_int_equal(KV_ENOTFOUND, s->be->commit_info(&ci, s->be, &later));
	assert_base_of(&later, &c[6], &c[3]);
	assert_merge_base();
}

/* Damage the graph file at `offset` (negative: from the end), or
 * truncate it to `truncate` bytes if that is not negative. */
static void damage_graph(long offset, long truncate)
{
	char path[4096];
	FILE *f;
	snprintf(path, sizeof(path), "%s/repo/objects/info/commit-graph", dir);
	assert_int_equal(0, test_system("chmod u+w '%s'", path));
	if (truncate >= 0) {
		assert_int_equal(
		        0, test_system("truncate -s %ld '%s'", truncate, path));
		return;
	}
	assert_true((f = fopen(path, "r+b")) != NULL);
	assert_int_equal(0, fseek(f, offset, offset < 0 ? SEEK_END : SEEK_SET));
	{
		int ch = fgetc(f);
		assert_true(ch != EOF);
		assert_int_equal(0, fseek(f, -1, SEEK_CUR));
		fputc(ch ^ 0x40, f);
	}
	fclose(f);
}

/* A graph that fails its checks is ignored: answers come from parsing. */
static void assert_ignored(void)
{
	kv_commit_info ci;
	reopen();
	for (size_t i = 0; i < nc; i++)
		assert_int_equal(KV_ENOTFOUND,
		                 s->be->commit_info(&ci, s->be, &c[i]));
	assert_merge_base();
}

void test_git_graph__a_flipped_byte_is_caught_by_the_checksum(void)
{
	setup();
	git_write_graph();
	damage_graph(-100, -1); /* inside the commit data */
	assert_ignored();
}

void test_git_graph__a_bad_trailer_or_short_file_is_ignored(void)
{
	setup();
	git_write_graph();
	damage_graph(-1, -1); /* the checksum itself */
	assert_ignored();
	git_write_graph();
	damage_graph(0, 100); /* cut inside the chunk table */
	assert_ignored();
	git_write_graph();
	damage_graph(0, 0); /* empty */
	assert_ignored();
}

void test_git_graph__octopus_merges_are_left_to_the_parser(void)
{
	kv_commit_info ci;
	char cmd[1024], hex[3][KV_OID_HEXSZ + 1];
	kv_oid oct;
	FILE *p;

	setup();
	kv_oid_tostr(hex[0], &c[2]);
	kv_oid_tostr(hex[1], &c[5]);
	kv_oid_tostr(hex[2], &c[6]);
	snprintf(cmd, sizeof(cmd),
	         "cd '%s/repo' && GIT_AUTHOR_NAME=o GIT_AUTHOR_EMAIL=o@x "
	         "GIT_COMMITTER_NAME=o GIT_COMMITTER_EMAIL=o@x "
	         "git commit-tree %s^{tree} -p %s -p %s -p %s -m octopus",
	         dir, hex[2], hex[0], hex[1], hex[2]);
	assert_true((p = popen(cmd, "r")) != NULL);
	assert_true(fgets(hex[0], sizeof(hex[0]), p) != NULL);
	pclose(p);
	assert_ok(kv_oid_fromstr(&oct, hex[0]));
	assert_int_equal(
	        0, test_system("git -C '%s/repo' update-ref refs/heads/oct "
	                       "%s",
	                       dir, hex[0]));
	git_write_graph();
	reopen();
	assert_int_equal(KV_ENOTFOUND, s->be->commit_info(&ci, s->be, &oct));
	assert_graph_matches(); /* the others are still read from it */
}

static int collect_problem(const kv_fsck_problem *p, void *payload)
{
	kv_buf *out = payload;
	kv_buf_printf(out, "%s\n", p->message);
	return 0;
}

/* Set the time of the graph's first commit to `t` and fix the file's
 * checksum, as a buggy writer would leave it. */
static void rewrite_first_time(uint32_t t)
{
	char path[4096];
	unsigned char *raw;
	size_t len, cdat = 0;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/repo/objects/info/commit-graph", dir);
	assert_int_equal(0, test_system("chmod u+w '%s'", path));
	assert_true((f = fopen(path, "r+b")) != NULL);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	len = (size_t)n;
	assert_true((raw = malloc(len)) != NULL);
	assert_int_equal(len, fread(raw, 1, len, f));
	for (unsigned i = 0; i < raw[6]; i++) {
		const unsigned char *row = raw + 8 + 12 * i;
		if (!memcmp(row, "CDAT", 4))
			for (int b = 4; b < 12; b++)
				cdat = cdat << 8 | row[b];
	}
	assert_true(cdat > 0 && cdat + 36 <= len - 20);
	raw[cdat + 32] = (unsigned char)(t >> 24);
	raw[cdat + 33] = (unsigned char)(t >> 16);
	raw[cdat + 34] = (unsigned char)(t >> 8);
	raw[cdat + 35] = (unsigned char)t;
	SHA1(raw, len - 20, raw + len - 20);
	rewind(f);
	assert_int_equal(len, fwrite(raw, 1, len, f));
	fclose(f);
	free(raw);
}

void test_git_graph__fsck_reports_a_graph_that_disagrees(void)
{
	kv_buf msgs = KV_BUF_INIT;
	size_t problems;

	setup();
	git_write_graph();
	reopen();
	assert_ok(kv_fsck(&problems, s, collect_problem, &msgs));
	assert_int_equal(0, problems);
	rewrite_first_time(1234);
	reopen();
	assert_ok(kv_fsck(&problems, s, collect_problem, &msgs));
	assert_int_equal(1, problems);
	assert_true(strstr(msgs.ptr,
	                   "the commit-graph cache has a wrong time") != NULL);
	kv_buf_dispose(&msgs);
}
