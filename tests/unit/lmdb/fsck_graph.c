/*
 * lmdb backend: fsck checks the commit-graph cache (the `commits`
 * database) against the commits themselves, which merge bases trust.
 */
#include "raw.h"

static kv_buf msgs = KV_BUF_INIT;

void test_lmdb_fsck_graph__cleanup(void)
{
	kv_buf_dispose(&msgs);
}

static int collect(const kv_fsck_problem *p, void *payload)
{
	KV_UNUSED(payload);
	kv_buf_printf(&msgs, "%s\n", p->message);
	return 0;
}

/* Open the store at `path`, run fsck, return the number of problems. */
static size_t fsck_at(const char *path)
{
	kv_store_options o = KV_STORE_OPTIONS_INIT;
	char uri[600];
	kv_store *s;
	size_t problems;

	snprintf(uri, sizeof(uri), "lmdb:%s", path);
	assert_ok(kv_store_open(&s, uri, &o));
	msgs.size = 0; /* reuse the buffer */
	if (msgs.ptr)
		msgs.ptr[0] = '\0';
	assert_ok(kv_fsck(&problems, s, collect, NULL));
	kv_store_free(s);
	return problems;
}

void test_lmdb_fsck_graph__a_wrong_or_damaged_entry_is_reported(void)
{
	const char *path = store_path("f");
	kv_store_options o = KV_STORE_OPTIONS_INIT;
	char uri[600];
	kv_store *s;
	kv_oid c;

	snprintf(uri, sizeof(uri), "lmdb:%s", path);
	o.flags = KV_OPEN_CREATE;
	assert_ok(kv_store_open(&s, uri, &o));
	assert_ok(kv_set(&c, s, "main", "k", "v", 1, test_commit_opts("c")));
	kv_store_free(s);
	assert_int_equal(0, fsck_at(path));

	/* [1, 1700000000, h'tree', []]: change the time's last byte */
	raw_get(path, "commits", c.id, 20, &msgs);
	assert_mem_equal("\x84\x01\x1a\x65\x53\xf1\x00", 7, msgs.ptr, 7);
	msgs.ptr[6] = 1;
	raw_put(path, "commits", c.id, 20, msgs.ptr, msgs.size);
	assert_int_equal(1, fsck_at(path));
	assert_true(strstr(msgs.ptr, "commit-graph cache has a wrong time"));

	raw_put(path, "commits", c.id, 20, "\x84", 1); /* truncated */
	assert_int_equal(1, fsck_at(path));
	assert_true(strstr(msgs.ptr, "commit-graph entry"));
}
