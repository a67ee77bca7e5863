/*
 * lmdb backend: the map grows by itself: inside a batch (replaying the
 * batch into the larger map), outside one, and when another process grew
 * it (MDB_MAP_RESIZED).
 */
#include <sys/wait.h>
#include <unistd.h>

#include "raw.h"

#define MIB   ((size_t)1 << 20)
#define CHUNK (64 * 1024)
#define COUNT 320 /* 20 MiB of incompressible values */

static kv_backend *be;
static kv_buf buf = KV_BUF_INIT;
static unsigned char *data;

void test_lmdb_growth__initialize(void)
{
	assert_true((data = malloc(CHUNK)) != NULL);
}

void test_lmdb_growth__cleanup(void)
{
	if (be)
		be->free(be);
	be = NULL;
	free(data);
	kv_buf_dispose(&buf);
}

static kv_oid put_value(kv_backend *b, unsigned int i)
{
	fill_random(data, CHUNK, i);
	return lmdb_put(b, KV_OBJ_BLOB, data, CHUNK);
}

static void expect_value(kv_backend *b, unsigned int i)
{
	kv_otype type;
	kv_oid id;

	fill_random(data, CHUNK, i);
	assert_ok(kv_object_hash(&id, KV_OBJ_BLOB, data, CHUNK));
	assert_ok(b->read(&buf, &type, b, &id));
	assert_mem_equal(data, CHUNK, buf.ptr, buf.size);
}

static uint64_t disk_size(kv_backend *b)
{
	uint64_t size;
	assert_ok(b->disk_size(&size, b));
	return size;
}

void test_lmdb_growth__a_batch_grows_the_map(void)
{
	kv_oid first, last, got;
	const char *path = store_path("s");

	be = lmdb_open_ok(path, KV_OPEN_CREATE | KV_OPEN_NOSYNC, MIB);
	assert_ok(be->begin(be));
	/* refs and commit-graph entries are replayed too */
	first = put_value(be, 0);
	assert_ok(be->ref_update(be, "refs/heads/main", &first, NULL, 0));
	for (unsigned int i = 1; i < COUNT; i++)
		last = put_value(be, i);
	assert_ok(be->ref_update(be, "refs/heads/main", &last, &first, 0));
	assert_ok(be->ref_update(be, "refs/heads/gone", &last, NULL, 0));
	assert_ok(be->ref_update(be, "refs/heads/gone", NULL, &last, 0));
	assert_ok(be->commit(be));

	assert_true(disk_size(be) > COUNT * CHUNK);
	for (unsigned int i = 0; i < COUNT; i++)
		expect_value(be, i);
	assert_ok(be->ref_read(&got, be, "refs/heads/main"));
	assert_true(kv_oid_equal(&last, &got));
	assert_int_equal(KV_ENOTFOUND,
	                 be->ref_read(&got, be, "refs/heads/gone"));
	/* and the store reopens with everything */
	be->free(be);
	be = lmdb_open_ok(path, 0, MIB);
	expect_value(be, COUNT - 1);
	put_value(be, COUNT);
}

void test_lmdb_growth__a_rolled_back_grown_batch_leaves_nothing(void)
{
	kv_oid id;

	be = lmdb_open_ok(store_path("s"), KV_OPEN_CREATE | KV_OPEN_NOSYNC,
	                  MIB);
	assert_ok(be->begin(be));
	for (unsigned int i = 0; i < 64; i++)
		id = put_value(be, i);
	be->rollback(be);
	assert_int_equal(0, be->exists(be, &id));
	assert_ok(be->begin(be));
	put_value(be, 1);
	assert_ok(be->commit(be));
	expect_value(be, 1);
}

void test_lmdb_growth__single_writes_grow_the_map(void)
{
	be = lmdb_open_ok(store_path("s"), KV_OPEN_CREATE, MIB);
	for (unsigned int i = 0; i < COUNT; i++)
		put_value(be, i);
	assert_true(disk_size(be) > COUNT * CHUNK);
	for (unsigned int i = 0; i < COUNT; i++)
		expect_value(be, i);
}

void test_lmdb_growth__another_process_grows_the_map(void)
{
	const char *path = store_path("s");
	kv_oid id, got;
	pid_t pid;
	int st;

	be = lmdb_open_ok(path, KV_OPEN_CREATE, MIB);
	id = put_value(be, 1000);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the child drops the handle it inherited (which must leave
		 * the parent's reader slot alone), opens its own environment
		 * and grows it */
		kv_backend *child = NULL;
		int bad;
		be->free(be);
		bad = lmdb_open(&child, path, 0, MIB) < 0;
		for (unsigned int i = 0; !bad && i < 128; i++) {
			fill_random(data, CHUNK, i);
			bad = kv_object_hash(&id, KV_OBJ_BLOB, data, CHUNK) <
			              0 ||
			      child->write(child, &id, KV_OBJ_BLOB, data,
			                   CHUNK) < 0;
		}
		bad = bad || child->ref_update(child, "refs/heads/child", &id,
		                               NULL, 0) < 0;
		if (bad && kv_error_last())
			fprintf(stderr, "child: %s\n",
			        kv_error_last()->message);
		if (child)
			child->free(child);
		_exit(bad);
	}
	assert_int_equal(pid, waitpid(pid, &st, 0));
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* our map is now smaller than the data: reads and writes adopt the
	 * size the child left */
	for (unsigned int i = 0; i < 128; i++)
		expect_value(be, i);
	assert_ok(be->ref_read(&got, be, "refs/heads/child"));
	put_value(be, 2000);
	assert_ok(be->begin(be));
	put_value(be, 2001);
	assert_ok(be->commit(be));
	expect_value(be, 2001);
	expect_value(be, 1000);
}
