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
 *   lmdb_anchor merge-objects DIR N C V sync|nosync
 *                                           W4 floor: the reads and puts of
 *                                           one kv merge of C changes per
 *                                           side, in one transaction
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

/* Tree sizes in git's format for the bench's layout: a leaf holds about
 * N/65536 entries of "100644 " + 16 hex digits + NUL + 20-byte id (44
 * bytes), a middle tree and the root up to 256 entries of "40000 xx" +
 * NUL + id (29 bytes). */
static size_t leaf_size(uint64_t n)
{
	return 44 * (n / 65536 + 1);
}

static size_t middle_size(uint64_t n)
{
	size_t wide = n / 256 < 256 ? (n / 256 ? n / 256 : 1) : 256;
	return 29 * wide;
}

#define ROOT_SIZE (29 * 256)

/* Put an object as kv stores it: `size` pseudo-random bytes (nothing
 * compresses, as in ids) under a pseudo-random 20-byte id, into *id. The
 * bytes are written into the space LMDB reserves, as kv's backend does,
 * so a leaf tree of any size fits. */
static void put_object(MDB_txn *txn, MDB_dbi dbi, uint64_t seed, size_t size,
                       uint64_t id[3])
{
	MDB_val k = {20, id}, v = {size, NULL};

	for (size_t w = 0; w < 3; w++)
		id[w] = bench_mix(seed * 3 + w);
	check(mdb_put(txn, dbi, &k, &v, MDB_RESERVE), "mdb_put");
	for (size_t w = 0; w * 8 < size; w++) {
		uint64_t word = bench_mix(seed ^ (w << 40));
		size_t left = size - w * 8;
		memcpy((char *)v.mv_data + w * 8, &word, left < 8 ? left : 8);
	}
}

static void put_ref(MDB_txn *txn, MDB_dbi dbi, uint64_t id[3])
{
	MDB_val k = {15, "refs/heads/main"}, v = {20, id};
	check(mdb_put(txn, dbi, &k, &v, 0), "mdb_put");
}

/*
 * The storage floor of W3: per transaction, the puts one kv commit of one
 * changed key makes, with the same sizes, into the same kind of B-tree
 * (1M entries of the W1 load): five objects under random 20-byte ids
 * (the value's blob, its leaf tree, its middle tree, the root tree and
 * the commit), a commit-graph record and the branch ref.
 */
static void commit_objects(const char *dir, uint64_t n, uint64_t m,
                           uint64_t version, int nosync)
{
	double t0 = bench_now();
	MDB_env *env = open_env(dir, nosync, 0);
	size_t sizes[] = {BENCH_VALUE_LEN,
	                  leaf_size(n),
	                  middle_size(n),
	                  ROOT_SIZE,
	                  220, /* commit */
	                  64}; /* commit-graph record */
	MDB_dbi dbi;
	MDB_txn *txn;
	uint64_t id[3];

	dbi = main_dbi(env);
	for (uint64_t c = 0; c < m; c++) {
		check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
		for (size_t j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++)
			put_object(txn, dbi, (version + c) * 8 + j, sizes[j],
			           id);
		put_ref(txn, dbi, id);
		check(mdb_txn_commit(txn), "mdb_txn_commit");
	}
	mdb_env_close(env);
	printf("{\"seconds\": %.6f, \"ops\": %llu}\n", bench_now() - t0,
	       (unsigned long long)m);
}

static unsigned hex_value(char c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)(c - 'a' + 10);
}

/*
 * The storage floor of W4: the LMDB work of one kv merge of the bench's
 * two branches (C changed keys each, as kv_bench merge-setup makes them)
 * on the N-key store, in one process and one transaction. kv reads the
 * base, ours and theirs trees of the root, of each middle directory and
 * of each leaf directory that both sides changed (all others are decided
 * by their ids), and writes the merged trees of those directories, the
 * merge commit and its commit-graph record, and the ref. Here the reads
 * are gets of random keys of the W1 load (the same B-tree lookups) and
 * the writes are puts of random ids with the trees' sizes.
 */
static void merge_objects(const char *dir, uint64_t n, uint64_t c,
                          uint64_t version, int nosync)
{
	double t0 = bench_now();
	unsigned char *both = calloc(65536, 1), middle[256] = {0};
	char key[BENCH_KEY_LEN + 1];
	size_t leaves = 0, middles = 0, reads, puts = 0;
	MDB_env *env;
	MDB_dbi dbi;
	MDB_txn *txn;
	uint64_t id[3];

	if (!both) {
		fprintf(stderr, "lmdb_anchor: out of memory\n");
		exit(1);
	}
	for (int side = 0; side < 2; side++)
		for (uint64_t j = 0; j < c; j++) {
			bench_key(key, bench_merge_key(side, j, c, n));
			both[hex_value(key[0]) << 12 | hex_value(key[1]) << 8 |
			     hex_value(key[3]) << 4 | hex_value(key[4])] |=
			        (unsigned char)(1 << side);
		}
	for (size_t d = 0; d < 65536; d++)
		if (both[d] == 3) {
			leaves++;
			middles += !middle[d >> 8];
			middle[d >> 8] = 1;
		}
	free(both);

	env = open_env(dir, nosync, 0);
	dbi = main_dbi(env);
	check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
	reads = 3 * (1 + middles + leaves);
	for (size_t r = 0; r < reads; r++) {
		MDB_val k = {BENCH_KEY_LEN, key}, v;
		bench_key(key, bench_mix(version * 0x10000 + r) % n);
		check(mdb_get(txn, dbi, &k, &v), "mdb_get");
	}
	for (size_t l = 0; l < leaves; l++)
		put_object(txn, dbi, version * 0x10000 + puts++, leaf_size(n),
		           id);
	for (size_t m = 0; m < middles; m++)
		put_object(txn, dbi, version * 0x10000 + puts++, middle_size(n),
		           id);
	put_object(txn, dbi, version * 0x10000 + puts++, ROOT_SIZE, id);
	put_object(txn, dbi, version * 0x10000 + puts++, 260, id); /* commit */
	put_object(txn, dbi, version * 0x10000 + puts++, 84, id);  /* graph */
	put_ref(txn, dbi, id);
	check(mdb_txn_commit(txn), "mdb_txn_commit");
	mdb_env_close(env);
	printf("{\"seconds\": %.6f, \"ops\": 1, \"reads\": %zu, "
	       "\"puts\": %zu}\n",
	       bench_now() - t0, reads, puts + 1);
}

static void usage(void)
{
	fprintf(stderr, "usage: lmdb_anchor version | load DIR N sync|nosync |"
	                " get DIR N M | commits DIR N M V sync|nosync |"
	                " commit-objects DIR N M V sync|nosync |"
	                " merge-objects DIR N C V sync|nosync\n");
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
	else if (argc == 7 && !strcmp(argv[1], "merge-objects"))
		merge_objects(argv[2], bench_count(argv[3]),
		              bench_count(argv[4]), bench_count(argv[5]),
		              sync_arg(argv[6]));
	else
		usage();
	return 0;
}
