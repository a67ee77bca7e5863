/*
 * git2_anchor.c: the libgit2 anchor, building and reading the same trees as
 * kv with libgit2 1.5.
 *
 *   git2_anchor version
 *   git2_anchor load N           W1: the 1M-key tree built in a MEMPACK
 *                                (in-memory) odb: a blob per key, one
 *                                treebuilder per directory, one commit.
 *                                Nothing reaches the disk, so this is the
 *                                cost of hashing and tree building alone.
 *   git2_anchor get REPO N M     W2: M random git_tree_entry_bypath +
 *                                git_blob_lookup on an on-disk repository
 *                                (the one git fast-import wrote), root tree
 *                                held, tree cache limit raised to 1 MiB
 *                                (LIBRARY-FACTS.md 5).
 *   git2_anchor commits REPO N M V disk|mempack
 *                                W3: M one-key commits with
 *                                git_tree_create_updated. disk: loose
 *                                objects and refs/heads/main in REPO (no
 *                                fsync, libgit2's default). mempack: new
 *                                objects go to an in-memory odb over
 *                                REPO's packs, no ref is written.
 *
 * Strict object creation is off (it only re-checks that inserted ids
 * exist). Each run prints one JSON line: {"seconds": S, "ops": N, ...}.
 */
#include <git2.h>
#include <git2/sys/mempack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"

static void check(int rc, const char *what)
{
	if (rc < 0) {
		const git_error *e = git_error_last();
		fprintf(stderr, "git2_anchor: %s: %s\n", what,
		        e ? e->message : "error");
		exit(1);
	}
}

static git_signature *signature(void)
{
	git_signature *sig;
	check(git_signature_new(&sig, BENCH_NAME, BENCH_EMAIL, BENCH_TIME, 0),
	      "git_signature_new");
	return sig;
}

static void load(uint64_t n)
{
	double t0 = bench_now();
	git_odb *odb;
	git_odb_backend *mempack;
	git_repository *repo;
	git_treebuilder **leaf, *mid[256], *root;
	git_oid id, tree_id, commit_id;
	git_tree *tree;
	git_signature *sig = signature();
	char key[BENCH_KEY_LEN + 1], value[BENCH_VALUE_LEN], hex[41];
	char name[3];

	check(git_odb_new(&odb), "git_odb_new");
	check(git_mempack_new(&mempack), "git_mempack_new");
	check(git_odb_add_backend(odb, mempack, 999), "git_odb_add_backend");
	check(git_repository_wrap_odb(&repo, odb), "git_repository_wrap_odb");
	leaf = calloc(65536, sizeof(*leaf));
	if (!leaf)
		exit(1);
	for (uint64_t i = 0; i < n; i++) {
		unsigned d = bench_key_dir(i);
		bench_key(key, i);
		bench_value(value, i, 0);
		check(git_blob_create_from_buffer(&id, repo, value,
		                                  BENCH_VALUE_LEN),
		      "git_blob_create_from_buffer");
		if (!leaf[d])
			check(git_treebuilder_new(&leaf[d], repo, NULL),
			      "git_treebuilder_new");
		check(git_treebuilder_insert(NULL, leaf[d], key + 6, &id,
		                             GIT_FILEMODE_BLOB),
		      "git_treebuilder_insert");
	}
	memset(mid, 0, sizeof(mid));
	for (unsigned d = 0; d < 65536; d++) {
		if (!leaf[d])
			continue;
		check(git_treebuilder_write(&id, leaf[d]),
		      "git_treebuilder_write");
		git_treebuilder_free(leaf[d]);
		if (!mid[d >> 8])
			check(git_treebuilder_new(&mid[d >> 8], repo, NULL),
			      "git_treebuilder_new");
		snprintf(name, sizeof(name), "%02x", d & 255);
		check(git_treebuilder_insert(NULL, mid[d >> 8], name, &id,
		                             GIT_FILEMODE_TREE),
		      "git_treebuilder_insert");
	}
	check(git_treebuilder_new(&root, repo, NULL), "git_treebuilder_new");
	for (unsigned d = 0; d < 256; d++) {
		if (!mid[d])
			continue;
		check(git_treebuilder_write(&id, mid[d]),
		      "git_treebuilder_write");
		git_treebuilder_free(mid[d]);
		snprintf(name, sizeof(name), "%02x", d);
		check(git_treebuilder_insert(NULL, root, name, &id,
		                             GIT_FILEMODE_TREE),
		      "git_treebuilder_insert");
	}
	check(git_treebuilder_write(&tree_id, root), "git_treebuilder_write");
	git_treebuilder_free(root);
	check(git_tree_lookup(&tree, repo, &tree_id), "git_tree_lookup");
	check(git_commit_create(&commit_id, repo, NULL, sig, sig, NULL, "load",
	                        tree, 0, NULL),
	      "git_commit_create");
	git_tree_free(tree);
	git_signature_free(sig);
	free(leaf);
	git_repository_free(repo);
	git_odb_free(odb);
	printf("{\"seconds\": %.6f, \"ops\": %llu, \"tree\": \"%s\"}\n",
	       bench_now() - t0, (unsigned long long)n,
	       git_oid_tostr(hex, sizeof(hex), &tree_id));
}

static void get(const char *path, uint64_t n, uint64_t m)
{
	double t0 = bench_now();
	int verify = getenv("BENCH_VERIFY") && *getenv("BENCH_VERIFY") == '1';
	git_repository *repo;
	git_object *obj;
	git_tree *root;
	char key[BENCH_KEY_LEN + 1], expect[BENCH_VALUE_LEN];
	unsigned long sum = 0;

	check(git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE,
	                       (size_t)1 << 20),
	      "git_libgit2_opts");
	check(git_repository_open_bare(&repo, path), "git_repository_open");
	check(git_revparse_single(&obj, repo, "main^{tree}"), "main^{tree}");
	root = (git_tree *)obj;
	for (uint64_t j = 0; j < m; j++) {
		uint64_t i = bench_pick(BENCH_STREAM_GET, j, n);
		git_tree_entry *e;
		git_blob *blob;
		const unsigned char *data;

		bench_key(key, i);
		check(git_tree_entry_bypath(&e, root, key),
		      "git_tree_entry_bypath");
		check(git_blob_lookup(&blob, repo, git_tree_entry_id(e)),
		      "git_blob_lookup");
		if (git_blob_rawsize(blob) != BENCH_VALUE_LEN) {
			fprintf(stderr, "git2_anchor: %s: bad size\n", key);
			exit(1);
		}
		data = git_blob_rawcontent(blob);
		sum += data[j % BENCH_VALUE_LEN];
		if (verify) {
			bench_value(expect, i, 0);
			if (memcmp(expect, data, BENCH_VALUE_LEN) != 0) {
				fprintf(stderr,
				        "git2_anchor: %s: wrong value\n", key);
				exit(1);
			}
		}
		git_blob_free(blob);
		git_tree_entry_free(e);
	}
	git_tree_free(root);
	git_repository_free(repo);
	printf("{\"seconds\": %.6f, \"ops\": %llu, \"checksum\": %lu}\n",
	       bench_now() - t0, (unsigned long long)m, sum);
}

static void commits(const char *path, uint64_t n, uint64_t m, uint64_t version,
                    int mempack)
{
	double t0 = bench_now();
	git_repository *repo;
	git_object *obj;
	git_commit *parent;
	git_tree *tree;
	git_signature *sig = signature();
	char key[BENCH_KEY_LEN + 1], value[BENCH_VALUE_LEN], msg[64];
	char hex[41];

	check(git_repository_open_bare(&repo, path), "git_repository_open");
	if (mempack) {
		git_odb *odb;
		git_odb_backend *mp;
		check(git_repository_odb(&odb, repo), "git_repository_odb");
		check(git_mempack_new(&mp), "git_mempack_new");
		check(git_odb_add_backend(odb, mp, 999), "git_odb_add_backend");
		git_odb_free(odb);
	}
	check(git_revparse_single(&obj, repo, "main"), "main");
	parent = (git_commit *)obj;
	check(git_commit_tree(&tree, parent), "git_commit_tree");
	for (uint64_t c = 0; c < m; c++) {
		uint64_t i = bench_pick(BENCH_STREAM_COMMIT, c, n);
		git_tree_update up;
		git_oid blob_id, tree_id, commit_id;
		const git_commit *parents[1];

		bench_key(key, i);
		bench_value(value, i, version + c + 1);
		check(git_blob_create_from_buffer(&blob_id, repo, value,
		                                  BENCH_VALUE_LEN),
		      "git_blob_create_from_buffer");
		up.action = GIT_TREE_UPDATE_UPSERT;
		up.id = blob_id;
		up.filemode = GIT_FILEMODE_BLOB;
		up.path = key;
		check(git_tree_create_updated(&tree_id, repo, tree, 1, &up),
		      "git_tree_create_updated");
		git_tree_free(tree);
		check(git_tree_lookup(&tree, repo, &tree_id),
		      "git_tree_lookup");
		snprintf(msg, sizeof(msg), "commit %llu",
		         (unsigned long long)c);
		parents[0] = parent;
		check(git_commit_create(&commit_id, repo,
		                        mempack ? NULL : "refs/heads/main", sig,
		                        sig, NULL, msg, tree, 1, parents),
		      "git_commit_create");
		git_commit_free(parent);
		check(git_commit_lookup(&parent, repo, &commit_id),
		      "git_commit_lookup");
	}
	git_oid_tostr(hex, sizeof(hex), git_tree_id(tree));
	git_tree_free(tree);
	git_commit_free(parent);
	git_signature_free(sig);
	git_repository_free(repo);
	printf("{\"seconds\": %.6f, \"ops\": %llu, \"tree\": \"%s\"}\n",
	       bench_now() - t0, (unsigned long long)m, hex);
}

static void usage(void)
{
	fprintf(stderr, "usage: git2_anchor version | load N | get REPO N M |"
	                " commits REPO N M V disk|mempack\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int major, minor, rev;

	git_libgit2_init();
	check(git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0),
	      "git_libgit2_opts");
	if (argc == 2 && !strcmp(argv[1], "version")) {
		git_libgit2_version(&major, &minor, &rev);
		printf("{\"version\": \"%d.%d.%d\"}\n", major, minor, rev);
	} else if (argc == 3 && !strcmp(argv[1], "load")) {
		load(bench_count(argv[2]));
	} else if (argc == 5 && !strcmp(argv[1], "get")) {
		get(argv[2], bench_count(argv[3]), bench_count(argv[4]));
	} else if (argc == 7 && !strcmp(argv[1], "commits")) {
		int mp = !strcmp(argv[6], "mempack");
		if (!mp && strcmp(argv[6], "disk"))
			usage();
		commits(argv[2], bench_count(argv[3]), bench_count(argv[4]),
		        bench_count(argv[5]), mp);
	} else {
		usage();
	}
	git_libgit2_shutdown();
	return 0;
}
