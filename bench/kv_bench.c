/*
 * kv_bench.c: the kv workloads, through the public API (include/kv.h) only,
 * on the data of data.h.
 *
 *   kv_bench version
 *   kv_bench load URI N sync|nosync  W1: kv_txn_set of N keys, one commit
 *   kv_bench get URI N M             W2: M random kv_get at "main"
 *   kv_bench commits URI N M V sync|nosync
 *                                    W3: M kv_set, one commit each (values
 *                                    of version V+c+1)
 *   kv_bench merge-setup URI N C R BASE
 *                                    W4 set-up: for r in 1..R, branches
 *                                    l<r> and r<r> off revision BASE, each
 *                                    with one commit of C changed keys
 *   kv_bench history URI H F         W6 set-up: H one-key commits on main,
 *                                    branch side after commit F plus one
 *                                    commit of its own
 *   kv_bench log URI                 W6: kv_log of main, every id formatted
 *
 * URI is a store URI ("lmdb:DIR"). Commits carry the fixed identity, time
 * and messages datagen gives git fast-import, so the trees (and commits)
 * are the same. Each run prints one JSON line {"seconds": S, "ops": N, ...}
 * where seconds cover opening the store to closing it. Set BENCH_VERIFY=1
 * to check every value read against the generator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv.h"
#include "data.h"

static void check(int rc, const char *what)
{
	if (rc < 0) {
		const kv_error *e = kv_error_last();
		fprintf(stderr, "kv_bench: %s: %s (%s)\n", what,
		        e && e->message ? e->message : "error",
		        kv_strerror(rc));
		exit(1);
	}
}

static int nosync_arg(const char *s)
{
	if (!strcmp(s, "nosync"))
		return 1;
	if (!strcmp(s, "sync"))
		return 0;
	fprintf(stderr, "kv_bench: expected sync or nosync, not '%s'\n", s);
	exit(2);
}

static kv_store *open_store(const char *uri, unsigned flags)
{
	kv_store_options opts;
	kv_store *store;

	check(kv_store_options_init(&opts, KV_STORE_OPTIONS_VERSION),
	      "kv_store_options_init");
	opts.flags = flags;
	check(kv_store_open(&store, uri, &opts), uri);
	return store;
}

static const kv_signature bench_sig = {BENCH_NAME, BENCH_EMAIL, BENCH_TIME, 0};

static void commit_opts(kv_commit_options *opts, const char *msg)
{
	check(kv_commit_options_init(opts, KV_COMMIT_OPTIONS_VERSION),
	      "kv_commit_options_init");
	opts->message = msg;
	opts->author = &bench_sig;
	opts->committer = &bench_sig;
}

/* The hex tree id of commit `id`, into `out`. */
static void tree_of(char out[KV_OID_HEXSZ + 1], kv_store *store,
                    const kv_oid *id)
{
	kv_commit *commit;
	check(kv_commit_lookup(&commit, store, id), "kv_commit_lookup");
	kv_oid_tostr(out, kv_commit_tree_id(commit));
	kv_commit_free(commit);
}

static void load(const char *uri, uint64_t n, int nosync)
{
	double t0 = bench_now(), t1, t2;
	kv_store *store =
	        open_store(uri, KV_OPEN_CREATE | (nosync ? KV_OPEN_NOSYNC : 0));
	kv_commit_options opts;
	kv_txn *txn;
	kv_oid head;
	char key[BENCH_KEY_LEN + 1], value[BENCH_VALUE_LEN];
	char tree[KV_OID_HEXSZ + 1], commit[KV_OID_HEXSZ + 1];

	check(kv_txn_begin(&txn, store, NULL), "kv_txn_begin");
	for (uint64_t i = 0; i < n; i++) {
		bench_key(key, i);
		bench_value(value, i, 0);
		check(kv_txn_set(txn, key, value, BENCH_VALUE_LEN),
		      "kv_txn_set");
	}
	t1 = bench_now();
	commit_opts(&opts, "load");
	check(kv_txn_commit(&head, txn, &opts), "kv_txn_commit");
	kv_txn_free(txn);
	t2 = bench_now();
	tree_of(tree, store, &head);
	kv_oid_tostr(commit, &head);
	kv_store_free(store);
	printf("{\"seconds\": %.6f, \"ops\": %llu, \"set_seconds\": %.6f, "
	       "\"commit_seconds\": %.6f, \"tree\": \"%s\", "
	       "\"commit\": \"%s\"}\n",
	       bench_now() - t0, (unsigned long long)n, t1 - t0, t2 - t1, tree,
	       commit);
}

static void get(const char *uri, uint64_t n, uint64_t m)
{
	double t0 = bench_now();
	kv_store *store = open_store(uri, 0);
	int verify = getenv("BENCH_VERIFY") && *getenv("BENCH_VERIFY") == '1';
	char key[BENCH_KEY_LEN + 1], expect[BENCH_VALUE_LEN];
	kv_buf buf = KV_BUF_INIT;
	unsigned long sum = 0;

	for (uint64_t j = 0; j < m; j++) {
		uint64_t i = bench_pick(BENCH_STREAM_GET, j, n);

		bench_key(key, i);
		check(kv_get(&buf, store, "main", key), key);
		if (buf.size != BENCH_VALUE_LEN) {
			fprintf(stderr, "kv_bench: %s: bad size %zu\n", key,
			        buf.size);
			exit(1);
		}
		sum += (unsigned char)buf.ptr[j % BENCH_VALUE_LEN];
		if (verify) {
			bench_value(expect, i, 0);
			if (memcmp(expect, buf.ptr, BENCH_VALUE_LEN) != 0) {
				fprintf(stderr, "kv_bench: %s: wrong value\n",
				        key);
				exit(1);
			}
		}
	}
	kv_buf_dispose(&buf);
	kv_store_free(store);
	printf("{\"seconds\": %.6f, \"ops\": %llu, \"checksum\": %lu}\n",
	       bench_now() - t0, (unsigned long long)m, sum);
}

static void commits(const char *uri, uint64_t n, uint64_t m, uint64_t version,
                    int nosync)
{
	double t0 = bench_now();
	kv_store *store = open_store(uri, nosync ? KV_OPEN_NOSYNC : 0);
	kv_commit_options opts;
	char key[BENCH_KEY_LEN + 1], value[BENCH_VALUE_LEN], msg[64];
	char tree[KV_OID_HEXSZ + 1] = "", commit[KV_OID_HEXSZ + 1] = "";
	kv_oid head;
	int rc;

	for (uint64_t c = 0; c < m; c++) {
		uint64_t i = bench_pick(BENCH_STREAM_COMMIT, c, n);

		bench_key(key, i);
		bench_value(value, i, version + c + 1);
		snprintf(msg, sizeof(msg), "commit %llu",
		         (unsigned long long)c);
		commit_opts(&opts, msg);
		rc = kv_set(&head, store, NULL, key, value, BENCH_VALUE_LEN,
		            &opts);
		check(rc, "kv_set");
		if (rc == KV_NOCHANGE) {
			fprintf(stderr, "kv_bench: %s: no change\n", key);
			exit(1);
		}
	}
	if (m > 0) {
		tree_of(tree, store, &head);
		kv_oid_tostr(commit, &head);
	}
	kv_store_free(store);
	printf("{\"seconds\": %.6f, \"ops\": %llu, \"tree\": \"%s\", "
	       "\"commit\": \"%s\"}\n",
	       bench_now() - t0, (unsigned long long)m, tree, commit);
}

static void merge_setup(const char *uri, uint64_t n, uint64_t changes,
                        uint64_t runs, const char *base)
{
	double t0 = bench_now();
	kv_store *store = open_store(uri, KV_OPEN_NOSYNC);
	kv_commit_options opts;
	char branch[64], key[BENCH_KEY_LEN + 1], value[BENCH_VALUE_LEN];

	for (uint64_t r = 1; r <= runs; r++) {
		for (int side = 0; side < 2; side++) {
			kv_txn *txn;

			snprintf(branch, sizeof(branch), "%c%llu",
			         side ? 'r' : 'l', (unsigned long long)r);
			check(kv_branch_create(store, branch, base, 1),
			      "kv_branch_create");
			check(kv_txn_begin(&txn, store, branch),
			      "kv_txn_begin");
			for (uint64_t j = 0; j < changes; j++) {
				uint64_t i =
				        bench_merge_key(side, j, changes, n);
				bench_key(key, i);
				bench_value(value, i,
				            (side ? 0x52000000 : 0x4c000000) +
				                    r);
				check(kv_txn_set(txn, key, value,
				                 BENCH_VALUE_LEN),
				      "kv_txn_set");
			}
			commit_opts(&opts, side ? "right" : "left");
			check(kv_txn_commit(NULL, txn, &opts), "kv_txn_commit");
			kv_txn_free(txn);
		}
	}
	kv_store_free(store);
	printf("{\"seconds\": %.6f, \"ops\": %llu}\n", bench_now() - t0,
	       (unsigned long long)(2 * runs * changes));
}

static void history(const char *uri, uint64_t h, uint64_t fork)
{
	double t0 = bench_now();
	kv_store *store = open_store(uri, KV_OPEN_CREATE | KV_OPEN_NOSYNC);
	kv_commit_options opts;
	char key[BENCH_KEY_LEN + 1], value[BENCH_VALUE_LEN], msg[64];
	char hex[KV_OID_HEXSZ + 1];
	kv_oid head, fork_id;

	memset(&fork_id, 0, sizeof(fork_id));
	for (uint64_t c = 0; c < h; c++) {
		uint64_t i = bench_pick(BENCH_STREAM_HIST, c, 1000);

		bench_key(key, i);
		bench_value(value, i, c + 1);
		snprintf(msg, sizeof(msg), "commit %llu",
		         (unsigned long long)c);
		commit_opts(&opts, msg);
		check(kv_set(&head, store, NULL, key, value, BENCH_VALUE_LEN,
		             &opts),
		      "kv_set");
		if (c + 1 == fork)
			fork_id = head;
	}
	check(kv_branch_create(store, "side", kv_oid_tostr(hex, &fork_id), 1),
	      "kv_branch_create");
	bench_key(key, 0);
	bench_value(value, 0, 0x53000000);
	commit_opts(&opts, "side");
	check(kv_set(NULL, store, "side", key, value, BENCH_VALUE_LEN, &opts),
	      "kv_set side");
	kv_store_free(store);
	printf("{\"seconds\": %.6f, \"ops\": %llu, \"fork\": \"%s\"}\n",
	       bench_now() - t0, (unsigned long long)h, hex);
}

struct log_state {
	uint64_t count;      /* commits seen */
	unsigned long bytes; /* formatted id bytes, so the work is not elided */
};

static int log_cb(const kv_commit *commit, void *payload)
{
	struct log_state *st = payload;
	char hex[KV_OID_HEXSZ + 1];

	kv_oid_tostr(hex, kv_commit_id(commit));
	st->count++;
	st->bytes += (unsigned char)hex[st->count % KV_OID_HEXSZ];
	return 0;
}

static void log_all(const char *uri)
{
	double t0 = bench_now();
	kv_store *store = open_store(uri, 0);
	kv_log_options opts;
	struct log_state st = {0, 0};

	check(kv_log_options_init(&opts, KV_LOG_OPTIONS_VERSION),
	      "kv_log_options_init");
	opts.rev = "main";
	check(kv_log(store, &opts, log_cb, &st), "kv_log");
	kv_store_free(store);
	printf("{\"seconds\": %.6f, \"ops\": %llu, \"checksum\": %lu}\n",
	       bench_now() - t0, (unsigned long long)st.count, st.bytes);
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: kv_bench version | load URI N sync|nosync |"
	        " get URI N M | commits URI N M V sync|nosync |"
	        " merge-setup URI N C R BASE | history URI H F | log URI\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "version"))
		printf("{\"version\": \"%s\"}\n", kv_version());
	else if (argc == 5 && !strcmp(argv[1], "load"))
		load(argv[2], bench_count(argv[3]), nosync_arg(argv[4]));
	else if (argc == 5 && !strcmp(argv[1], "get"))
		get(argv[2], bench_count(argv[3]), bench_count(argv[4]));
	else if (argc == 7 && !strcmp(argv[1], "commits"))
		commits(argv[2], bench_count(argv[3]), bench_count(argv[4]),
		        bench_count(argv[5]), nosync_arg(argv[6]));
	else if (argc == 7 && !strcmp(argv[1], "merge-setup"))
		merge_setup(argv[2], bench_count(argv[3]), bench_count(argv[4]),
		            bench_count(argv[5]), argv[6]);
	else if (argc == 5 && !strcmp(argv[1], "history"))
		history(argv[2], bench_count(argv[3]), bench_count(argv[4]));
	else if (argc == 3 && !strcmp(argv[1], "log"))
		log_all(argv[2]);
	else
		usage();
	return 0;
}
