/*
 * lmdb_anchor.c: the raw LMDB anchor. The same keys (the 22-byte key
 * strings) and 100-byte values as kv, straight into one LMDB database with
 * no object model: the floor that kv's lmdb backend builds on.
 *
 *   lmdb_anchor version
 *   lmdb_anchor load DIR N sync|nosync      W1: N puts in one transaction
 *   lmdb_anchor get DIR N M                 W2: M random gets in one read
 *                                           transaction
 *   lmdb_anchor commits DIR N M V sync|nosync
 *                                           W3: M transactions of one put
 *                                           each (values of version V+c+1)
 *   lmdb_anchor commit-objects DIR N M V sync|nosync
 *                                           W3 floor: M transactions of the
 *                                           puts one kv commit makes
 *
 * Each run prints one JSON line: {"seconds": S, "ops": N, ...}; seconds
 * cover opening the environment to closing it. The map is 8 GiB of address
 * space (LMDB does not grow it by itself). Set BENCH_VERIFY=1 to check
 * every value read against the generator.
 */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"

static void check(int rc, const char *what)
{
	if (rc != 0) {
		fprintf(stderr, "lmdb_anchor: %s: %s\n", what,
		        mdb_strerror(rc));
		exit(1);
	}
}

static MDB_env *open_env(const char *dir, int nosync, unsigned extra)
{
	MDB_env *env;

	check(mdb_env_create(&env), "mdb_env_create");
	check(mdb_env_set_mapsize(env, (size_t)8 << 30), "mdb_env_set_mapsize");
	check(mdb_env_open(env, dir, (nosync ? MDB_NOSYNC : 0) | extra, 0644),
	      "mdb_env_open");
	return env;
}

/* The handle of the environment's main database. */
static MDB_dbi main_dbi(MDB_env *env)
{
	MDB_txn *txn;
	MDB_dbi dbi;

	check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
	check(mdb_dbi_open(txn, NULL, 0, &dbi), "mdb_dbi_open");
	check(mdb_txn_commit(txn), "mdb_txn_commit");
	return dbi;
}

static int sync_arg(const char *s)
{
	if (!strcmp(s, "nosync"))
		return 1;
	if (!strcmp(s, "sync"))
		return 0;
	fprintf(stderr, "lmdb_anchor: expected sync or nosync, not '%s'\n", s);
	exit(2);
}

static void put(MDB_txn *txn, MDB_dbi dbi, uint64_t i, uint64_t version)
{
	char key[BENCH_KEY_LEN + 1];
	char value[BENCH_VALUE_LEN];
	MDB_val k, v;

	bench_key(key, i);
	bench_value(value, i, version);
	k.mv_data = key;
	k.mv_size = BENCH_KEY_LEN;
	v.mv_data = value;
	v.mv_size = BENCH_VALUE_LEN;
	check(mdb_put(txn, dbi, &k, &v, 0), "mdb_put");
}

static void load(const char *dir, uint64_t n, int nosync)
{
	double t0 = bench_now();
	MDB_env *env = open_env(dir, nosync, 0);
	MDB_txn *txn;
	MDB_dbi dbi;
	double t1;

	check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
	check(mdb_dbi_open(txn, NULL, 0, &dbi), "mdb_dbi_open");
	for (uint64_t i = 0; i < n; i++)
		put(txn, dbi, i, 0);
	t1 = bench_now();
	check(mdb_txn_commit(txn), "mdb_txn_commit");
	mdb_env_close(env);
	printf("{\"seconds\": %.6f, \"ops\": %llu, \"put_seconds\": %.6f}\n",
	       bench_now() - t0, (unsigned long long)n, t1 - t0);
}

static void get(const char *dir, uint64_t n, uint64_t m)
{
	double t0 = bench_now();
	MDB_env *env = open_env(dir, 1, MDB_RDONLY);
	int verify = getenv("BENCH_VERIFY") && *getenv("BENCH_VERIFY") == '1';
	char key[BENCH_KEY_LEN + 1];
	char expect[BENCH_VALUE_LEN];
	unsigned long sum = 0;
	MDB_txn *txn;
	MDB_dbi dbi;

	check(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), "mdb_txn_begin");
	check(mdb_dbi_open(txn, NULL, 0, &dbi), "mdb_dbi_open");
	for (uint64_t j = 0; j < m; j++) {
		uint64_t i = bench_pick(BENCH_STREAM_GET, j, n);
		MDB_val k, v;

		bench_key(key, i);
		k.mv_data = key;
		k.mv_size = BENCH_KEY_LEN;
		check(mdb_get(txn, dbi, &k, &v), "mdb_get");
		if (v.mv_size != BENCH_VALUE_LEN) {
			fprintf(stderr, "lmdb_anchor: %s: bad size\n", key);
			exit(1);
		}
		sum += ((const unsigned char *)v.mv_data)[j % BENCH_VALUE_LEN];
		if (verify) {
			bench_value(expect, i, 0);
			if (memcmp(expect, v.mv_data, BENCH_VALUE_LEN) != 0) {
				fprintf(stderr,
				        "lmdb_anchor: %s: wrong value\n", key);
				exit(1);
			}
		}
	}
	mdb_txn_abort(txn);
	mdb_env_close(env);
	printf("{\"seconds\": %.6f, \"ops\": %llu, \"checksum\": %lu}\n",
	       bench_now() - t0, (unsigned long long)m, sum);
}

static void commits(const char *dir, uint64_t n, uint64_t m, uint64_t version,
                    int nosync)
{
	double t0 = bench_now();
	MDB_env *env = open_env(dir, nosync, 0);
	MDB_dbi dbi;
	MDB_txn *txn;

	dbi = main_dbi(env);
	for (uint64_t c = 0; c < m; c++) {
		check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
		put(txn, dbi, bench_pick(BENCH_STREAM_COMMIT, c, n),
		    version + c + 1);
		check(mdb_txn_commit(txn), "mdb_txn_commit");
	}
	mdb_env_close(env);
	printf("{\"seconds\": %.6f, \"ops\": %llu}\n", bench_now() - t0,
	       (unsigned long long)m);
}

/*
 * The storage floor of W3: per transaction, the puts one kv commit of one
 * changed key makes, with the same sizes, into the same kind of B-tree
 * (1M entries of the W1 load): five objects under random 20-byte ids
 * (the value's blob, its leaf tree, its middle tree, the root tree and
 * the commit), a commit-graph record and the branch ref. The sizes follow
 * git's tree format for the bench's layout: a leaf holds about N/65536
 * entries of "100644 " + 16 hex digits + NUL + 20-byte id (44 bytes), a
 * middle tree and the root up to 256 entries of "40000 xx" + NUL + id (29
 * bytes). The bytes are pseudo-random, as ids are, so nothing compresses.
 */
static void commit_objects(const char *dir, uint64_t n, uint64_t m,
                           uint64_t version, int nosync)
{
	double t0 = bench_now();
	MDB_env *env = open_env(dir, nosync, 0);
	size_t wide = n / 256 < 256 ? (n / 256 ? n / 256 : 1) : 256;
	size_t sizes[] = {BENCH_VALUE_LEN,      /* blob */
	                  44 * (n / 65536 + 1), /* leaf tree */
	                  29 * wide,            /* middle tree */
	                  29 * 256,             /* root tree */
	                  220,                  /* commit */
	                  64};                  /* commit-graph record */
	static uint64_t bytes[29 * 256 / 8 + 1];
	MDB_dbi dbi;
	MDB_txn *txn;

	dbi = main_dbi(env);
	for (uint64_t c = 0; c < m; c++) {
		uint64_t id[3];
		MDB_val k, v;
		check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
		for (size_t j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
			uint64_t seed = (version + c) * 8 + j;
			for (size_t w = 0; w < 3; w++)
				id[w] = bench_mix(seed * 3 + w);
			for (size_t w = 0; w * 8 < sizes[j]; w++)
				bytes[w] = bench_mix(seed ^ (w << 40));
			k.mv_data = id;
			k.mv_size = 20;
			v.mv_data = bytes;
			v.mv_size = sizes[j];
			check(mdb_put(txn, dbi, &k, &v, 0), "mdb_put");
		}
		k.mv_data = "refs/heads/main";
		k.mv_size = 15;
		v.mv_data = id;
		v.mv_size = 20;
		check(mdb_put(txn, dbi, &k, &v, 0), "mdb_put");
		check(mdb_txn_commit(txn), "mdb_txn_commit");
	}
	mdb_env_close(env);
	printf("{\"seconds\": %.6f, \"ops\": %llu}\n", bench_now() - t0,
	       (unsigned long long)m);
}

static void usage(void)
{
	fprintf(stderr, "usage: lmdb_anchor version | load DIR N sync|nosync |"
	                " get DIR N M | commits DIR N M V sync|nosync |"
	                " commit-objects DIR N M V sync|nosync\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "version"))
		printf("{\"version\": \"%s\"}\n",
		       mdb_version(NULL, NULL, NULL));
	else if (argc == 5 && !strcmp(argv[1], "load"))
		load(argv[2], bench_count(argv[3]), sync_arg(argv[4]));
	else if (argc == 5 && !strcmp(argv[1], "get"))
		get(argv[2], bench_count(argv[3]), bench_count(argv[4]));
	else if (argc == 7 && !strcmp(argv[1], "commits"))
		commits(argv[2], bench_count(argv[3]), bench_count(argv[4]),
		        bench_count(argv[5]), sync_arg(argv[6]));
	else if (argc == 7 && !strcmp(argv[1], "commit-objects"))
		commit_objects(argv[2], bench_count(argv[3]),
		               bench_count(argv[4]), bench_count(argv[5]),
		               sync_arg(argv[6]));
	else
		usage();
	return 0;
}
