/*
 * lmdb backend: gc swaps in a compacted copy of data.mdb: smaller, every
 * ref, value and commit-graph entry intact, writable after; refused
 * (KV_ELOCKED) while another handle or another process has the store open;
 * a copy left by a gc that died is removed at the next open.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "raw.h"

#define KEYS      300
#define VALUE     2048
#define JUNK_REFS 20000

static kv_backend *be; /* owned by st once st exists */
static kv_store *st;
static kv_buf buf = KV_BUF_INIT;

void test_lmdb_gc__cleanup(void)
{
	if (st)
		kv_store_free(st);
	else if (be)
		be->free(be);
	st = NULL;
	be = NULL;
	kv_buf_dispose(&buf);
}

static void open_store(const char *path, unsigned int flags)
{
	be = lmdb_open_ok(path, flags, 0);
	assert_ok(kv_store_new(&st, be, NULL));
}

static void close_store(void)
{
	kv_store_free(st);
	st = NULL;
	be = NULL;
}

static void value_of(unsigned char *v, unsigned int key, unsigned int round)
{
	fill_random(v, VALUE, key * 16 + round);
}

/* Commit every key with the values of `round`. */
static void write_round(unsigned int round)
{
	unsigned char v[VALUE];
	char key[32];
	kv_txn *txn;

	assert_ok(kv_txn_begin(&txn, st, NULL));
	for (unsigned int i = 0; i < KEYS; i++) {
		snprintf(key, sizeof(key), "k/%u/%u", i % 10, i);
		value_of(v, i, round);
		assert_ok(kv_txn_set(txn, key, v, VALUE));
	}
	assert_ok(kv_txn_commit(NULL, txn, test_commit_opts("round")));
	kv_txn_free(txn);
}

static void junk_ref(char *name, size_t size, unsigned int i)
{
	snprintf(name, size,
	         "refs/heads/junk/%0200u/a-long-name-so-that-the-refs-"
	         "take-many-pages/%u",
	         i, i);
}

/*
 * A store with free pages: rounds of overwritten values, a removed
 * directory, and many refs created in one batch and deleted in the next
 * (their pages are free after that).
 */
static void fill(const char *path)
{
	char name[400];
	kv_oid head;

	open_store(path, KV_OPEN_CREATE | KV_OPEN_NOSYNC);
	for (unsigned int round = 0; round < 3; round++)
		write_round(round);
	assert_ok(kv_ref_read(&head, st, "refs/heads/main"));
	assert_ok(be->begin(be));
	for (unsigned int i = 0; i < JUNK_REFS; i++) {
		junk_ref(name, sizeof(name), i);
		assert_ok(be->ref_update(be, name, &head, NULL, 0));
	}
	assert_ok(be->commit(be));
	assert_ok(be->begin(be));
	for (unsigned int i = 0; i < JUNK_REFS; i++) {
		junk_ref(name, sizeof(name), i);
		assert_ok(be->ref_update(be, name, NULL, &head, 0));
	}
	assert_ok(be->commit(be));
	assert_ok(kv_branch_create(st, "side", NULL, 0));
	assert_ok(kv_remove(NULL, st, NULL, "k/3", test_commit_opts("rm")));
}

/* Every key has its value of `round`; with `removed`, k/3 is gone from
 * main (branch side still has it). */
static void expect_values(unsigned int round, bool removed)
{
	unsigned char v[VALUE];
	char key[32];

	for (unsigned int i = 0; i < KEYS; i++) {
		snprintf(key, sizeof(key), "k/%u/%u", i % 10, i);
		if (removed && i % 10 == 3) {
			assert_int_equal(KV_ENOTFOUND,
			                 kv_get(&buf, st, "main", key));
			assert_ok(kv_get(&buf, st, "side", key));
		} else {
			assert_ok(kv_get(&buf, st, "main", key));
		}
		value_of(v, i, round);
		assert_mem_equal(v, VALUE, buf.ptr, buf.size);
	}
}

static void expect_fsck_clean(void)
{
	size_t problems = 1;
	assert_ok(kv_fsck(&problems, st, NULL, NULL));
	assert_int_equal(0, (int)problems);
}

static bool gc_tmp_exists(const char *path)
{
	char tmp[600];
	struct stat sb;
	snprintf(tmp, sizeof(tmp), "%s/data.mdb.gc", path);
	return stat(tmp, &sb) == 0;
}

static uint64_t file_size(const char *path)
{
	char data[600];
	struct stat sb;
	snprintf(data, sizeof(data), "%s/data.mdb", path);
	assert_true(stat(data, &sb) == 0);
	return (uint64_t)sb.st_size;
}

void test_lmdb_gc__compacts_and_keeps_everything(void)
{
	const char *path = store_path("s");
	kv_oid main_before, side_before, got;
	kv_commit_info ci_before, ci;
	kv_gc_result r;
	uint64_t size_before;

	fill(path);
	assert_ok(kv_ref_read(&main_before, st, "refs/heads/main"));
	assert_ok(kv_ref_read(&side_before, st, "refs/heads/side"));
	assert_ok(be->commit_info(&ci_before, be, &main_before));
	size_before = file_size(path);

	assert_ok(kv_store_gc(&r, st));
	assert_true(r.bytes_before == size_before);
	assert_true(r.bytes_after == file_size(path));
	/* the junk refs alone took more than 4 MiB */
	assert_true(r.bytes_after + ((uint64_t)4 << 20) < r.bytes_before);
	assert_true(!gc_tmp_exists(path));

	/* refs, values, the commit-graph cache */
	assert_ok(kv_ref_read(&got, st, "refs/heads/main"));
	assert_true(kv_oid_equal(&main_before, &got));
	assert_ok(kv_ref_read(&got, st, "refs/heads/side"));
	assert_true(kv_oid_equal(&side_before, &got));
	assert_int_equal(KV_ENOTFOUND,
	                 kv_ref_read(&got, st, "refs/heads/junk/x"));
	expect_values(2, true);
	assert_ok(be->commit_info(&ci, be, &main_before));
	assert_true(ci.generation == ci_before.generation &&
	            ci.generation > 0 && ci.time == ci_before.time &&
	            ci.nparents == 1 &&
	            kv_oid_equal(&ci.tree, &ci_before.tree) &&
	            kv_oid_equal(&ci.parents[0], &ci_before.parents[0]));
	expect_fsck_clean();

	/* later writes, a second gc, then the store as a new process sees it */
	write_round(3);
	assert_ok(kv_set(NULL, st, NULL, "after", "gc", 2,
	                 test_commit_opts("after")));
	assert_ok(kv_store_gc(&r, st));
	assert_ok(kv_get(&buf, st, NULL, "after"));
	assert_mem_equal("gc", 2, buf.ptr, buf.size);
	close_store();

	raw_get(path, "meta", "format", 6, &buf);
	assert_mem_equal("\x01", 1, buf.ptr, buf.size);
	open_store(path, 0);
	expect_values(3, false);
	assert_ok(kv_get(&buf, st, NULL, "after"));
	expect_fsck_clean();
}

void test_lmdb_gc__another_handle_in_this_process_blocks_it(void)
{
	const char *path = store_path("s");
	kv_backend *other;
	kv_gc_result r;
	kv_oid id;

	open_store(path, KV_OPEN_CREATE | KV_OPEN_NOSYNC);
	write_round(0);
	other = lmdb_open_ok(path, 0, 0);
	assert_int_equal(KV_ELOCKED, kv_store_gc(&r, st));
	assert_error_contains("in this process");
	/* both handles still work */
	assert_ok(other->ref_read(&id, other, "refs/heads/main"));
	expect_values(0, false);
	other->free(other);
	assert_ok(kv_store_gc(&r, st));
	expect_values(0, false);
}

/* Read one byte from `fd` within 10 s; 1 if one came. */
static int wait_byte(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	char c;
	return poll(&p, 1, 10000) == 1 && read(fd, &c, 1) == 1;
}

void test_lmdb_gc__another_process_blocks_it(void)
{
	const char *path = store_path("s");
	int ready[2], go[2], status;
	kv_gc_result r;
	pid_t pid;

	open_store(path, KV_OPEN_CREATE | KV_OPEN_NOSYNC);
	write_round(0);
	assert_true(pipe(ready) == 0 && pipe(go) == 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the child opens its own environment (it must not use the
		 * inherited one), holds it until told, then writes */
		kv_backend *child = NULL;
		kv_oid id;
		int bad;
		close(ready[0]);
		close(go[1]);
		bad = lmdb_open(&child, path, 0, 0) < 0;
		bad = bad || write(ready[1], "r", 1) != 1;
		bad = bad || !wait_byte(go[0]);
		bad = bad || kv_object_hash(&id, KV_OBJ_BLOB, "c", 1) < 0 ||
		      child->write(child, &id, KV_OBJ_BLOB, "c", 1) < 0;
		if (child)
			child->free(child);
		_exit(bad);
	}
	close(ready[1]);
	close(go[0]);
	if (!wait_byte(ready[0])) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		test__fail(__FILE__, __LINE__, "the child did not open it");
	}
	assert_int_equal(KV_ELOCKED, kv_store_gc(&r, st));
	assert_error_contains("in use by another process");
	assert_true(!gc_tmp_exists(path));
	/* the refusal left the handle working */
	expect_values(0, false);
	assert_true(write(go[1], "g", 1) == 1);
	assert_int_equal(pid, waitpid(pid, &status, 0));
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(ready[0]);
	close(go[1]);

	/* the child's write went into the file gc now compacts */
	assert_ok(kv_store_gc(&r, st));
	{
		kv_oid id;
		kv_otype type;
		assert_ok(kv_object_hash(&id, KV_OBJ_BLOB, "c", 1));
		assert_ok(be->read(&buf, &type, be, &id));
	}
	expect_values(0, false);
	expect_fsck_clean();
}

void test_lmdb_gc__refused_read_only_and_in_a_batch(void)
{
	const char *path = store_path("s");

	open_store(path, KV_OPEN_CREATE);
	write_round(0);
	assert_ok(be->begin(be));
	assert_int_equal(KV_EINVALID, be->gc(be));
	be->rollback(be);
	close_store();
	open_store(path, KV_OPEN_RDONLY);
	assert_int_equal(KV_EINVALID, kv_store_gc(NULL, st));
	expect_values(0, false);
}

void test_lmdb_gc__a_dead_gc_copy_is_removed_at_open(void)
{
	const char *path = store_path("s");
	char tmp[600];
	int fd;

	open_store(path, KV_OPEN_CREATE);
	write_round(0);
	close_store();
	/* a gc killed before its rename leaves its copy; data.mdb is whole */
	snprintf(tmp, sizeof(tmp), "%s/data.mdb.gc", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_true(write(fd, "half a copy", 11) == 11);
	close(fd);
	assert_true(gc_tmp_exists(path));
	open_store(path, 0);
	assert_true(!gc_tmp_exists(path));
	expect_values(0, false);
	assert_ok(kv_store_gc(NULL, st));
	expect_values(0, false);
}

/*
 * Another process opening the store while gc runs waits for it (LMDB's
 * lock on lock.mdb) and then must see the compacted store, with a lock
 * table rebuilt for it: the compacted copy restarts LMDB's transaction
 * ids, so a table left from the old file would show it an empty store.
 */
void test_lmdb_gc__processes_opening_during_gc_see_the_new_store(void)
{
	const char *path = store_path("s");
	int go[2], status, done = 0, compacted = 0;
	kv_gc_result r;
	pid_t pid;

	open_store(path, KV_OPEN_CREATE | KV_OPEN_NOSYNC);
	write_round(0);
	assert_ok(kv_set(NULL, st, NULL, "n", "0", 1, test_commit_opts("n")));
	assert_true(pipe(go) == 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* open, read, write, close, again and again */
		kv_buf v = KV_BUF_INIT;
		char n[16];
		int bad;
		close(go[1]);
		bad = !wait_byte(go[0]);
		for (int i = 1; !bad && i <= 150; i++) {
			kv_backend *cb = NULL;
			kv_store *cs = NULL;
			snprintf(n, sizeof(n), "%d", i);
			bad = lmdb_open(&cb, path, 0, 0) < 0 ||
			      kv_store_new(&cs, cb, NULL) < 0 ||
			      kv_get(&v, cs, NULL, "k/0/0") < 0 ||
			      v.size != VALUE ||
			      kv_set(NULL, cs, NULL, "n", n, strlen(n), NULL) <
			              0;
			if (bad && kv_error_last())
				fprintf(stderr, "child: %s\n",
				        kv_error_last()->message);
			if (cs)
				kv_store_free(cs);
			else if (cb)
				cb->free(cb);
		}
		kv_buf_dispose(&v);
		_exit(bad);
	}
	close(go[0]);
	assert_true(write(go[1], "g", 1) == 1);
	for (int i = 0; i < 100000 && !done; i++) {
		int rc = kv_store_gc(&r, st);
		if (rc == 0)
			compacted++;
		else if (rc != KV_ELOCKED)
			assert_ok(rc);
		done = waitpid(pid, &status, WNOHANG) == pid;
	}
	if (!done) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		test__fail(__FILE__, __LINE__, "the child did not finish");
	}
	close(go[1]);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(compacted > 0);
	assert_ok(kv_get(&buf, st, NULL, "n"));
	assert_mem_equal("150", 3, buf.ptr, buf.size);
	expect_values(0, false);
	expect_fsck_clean();
}
