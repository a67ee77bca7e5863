/*
 * Property tests over random trees (1000 cases a run; the seed is printed
 * on failure and can be fixed with KV_PROPERTY_SEED):
 *  - merge(X, X, X) = X; merge(B, X, B) = X = merge(B, B, X);
 *    merge(B, X, X) = X;
 *  - symmetric strategies (default, counter, lines, lww by value id) give
 *    the same tree, or conflicts on the same keys, in either order;
 *  - merging a branch with itself changes nothing.
 * A tree is built by applying a list of random edits to an empty tree;
 * B's edits are a prefix of X's and Y's, so B is their common base.
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "merge.h"
#include "test.h"

#define CASES     1000
#define MAX_EDITS 24

static kv_store *s;
static unsigned seed;
static int branch_no;

struct edit {
	const char *key, *value; /* value NULL: remove */
};

static const char *const keys[] = {"a", "b",   "d/x",  "d/y", "d/e/z",
                                   "f", "f/g", "c.kv", "n",   "d"};
static const char *const values[] = {"1", "2", "3", "x\n", "y\n", "10"};

void test_merge_property__initialize(void)
{
	const char *env = getenv("KV_PROPERTY_SEED");
	s = test_store_open_uri("mem:", 0);
	seed = env ? (unsigned)strtoul(env, NULL, 10)
	           : (unsigned)time(NULL) ^ (unsigned)getpid();
	srand(seed);
}

static int random_edits(struct edit *e, int n)
{
	for (int i = 0; i < n; i++) {
		e[i].key = keys[rand() % (int)KV_ARRAY_SIZE(keys)];
		e[i].value =
		        rand() % 4 ? values[rand() % (int)KV_ARRAY_SIZE(values)]
		                   : NULL;
	}
	return n;
}

/* The tree made by applying `n` edits to an empty tree. */
static kv_oid build(const struct edit *e, int n)
{
	char branch[32];
	kv_txn *t;
	kv_oid c, tree;
	int r;

	snprintf(branch, sizeof(branch), "p%d", branch_no++);
	assert_ok(kv_txn_begin(&t, s, branch));
	for (int i = 0; i < n; i++) {
		r = e[i].value ? kv_txn_set(t, e[i].key, e[i].value,
		                            strlen(e[i].value))
		               : kv_txn_remove(t, e[i].key);
		assert_true(r == 0 || r == KV_ENOTFOUND);
	}
	r = kv_txn_commit(&c, t, test_commit_opts(NULL));
	assert_true(r == 0 || r == KV_NOCHANGE);
	kv_txn_free(t);
	if (r == KV_NOCHANGE)
		return kv__empty_tree_id;
	assert_ok(kv__commit_tree(&tree, s, &c));
	return tree;
}

/* Merge; returns the tree (zero on conflict) and the conflict keys. */
static int merge(kv_oid *tree, char *keys_out, size_t cap, const kv_oid *b,
                 const kv_oid *o, const kv_oid *t, const char *strategy)
{
	kv_merge_options opts = KV_MERGE_OPTIONS_INIT;
	kv_merge_result *r;
	size_t used = 0;
	int error;

	opts.strategy = strategy;
	error = kv_merge_trees(&r, s, b, o, t, &opts);
	if (error != 0 && error != KV_ECONFLICT)
		test__fail(__FILE__, __LINE__, "seed %u: merge failed: %s",
		           seed,
		           kv_error_last() ? kv_error_last()->message : "?");
	*tree = *kv_merge_result_tree(r);
	keys_out[0] = '\0';
	for (size_t i = 0; i < kv_merge_result_conflictcount(r); i++)
		used += (size_t)snprintf(keys_out + used, cap - used, "%s,",
		                         kv_merge_result_conflict(r, i)->key);
	kv_merge_result_free(r);
	return error;
}

static void expect_tree(const kv_oid *want, const kv_oid *b, const kv_oid *o,
                        const kv_oid *t, int icase, const char *what)
{
	kv_oid got;
	char conflicts[512];
	if (merge(&got, conflicts, sizeof(conflicts), b, o, t, NULL) != 0 ||
	    !kv_oid_equal(&got, want))
		test__fail(__FILE__, __LINE__,
		           "seed %u case %d: %s does not hold (conflicts: %s)",
		           seed, icase, what, conflicts);
}

void test_merge_property__identities_and_symmetry(void)
{
	static const char *const symmetric[] = {NULL, "counter", "lines",
	                                        "lww"};
	struct edit e[3 * MAX_EDITS];
	for (int icase = 0; icase < CASES; icase++) {
		int nb = random_edits(e, rand() % MAX_EDITS);
		int nx = random_edits(e + nb, rand() % MAX_EDITS);
		kv_oid b = build(e, nb), x = build(e, nb + nx), y, r1, r2;
		char c1[512], c2[512];
		int ny, e1, e2;
		const char *st = symmetric[rand() % 4];

		/* Y: B's edits, then others (X's are overwritten). */
		ny = random_edits(e + nb, rand() % MAX_EDITS);
		y = build(e, nb + ny);
		expect_tree(&x, &x, &x, &x, icase, "merge(X,X,X) = X");
		expect_tree(&x, &b, &x, &b, icase, "merge(B,X,B) = X");
		expect_tree(&x, &b, &b, &x, icase, "merge(B,B,X) = X");
		expect_tree(&x, &b, &x, &x, icase, "merge(B,X,X) = X");
		e1 = merge(&r1, c1, sizeof(c1), &b, &x, &y, st);
		e2 = merge(&r2, c2, sizeof(c2), &b, &y, &x, st);
		if (e1 != e2 || strcmp(c1, c2) ||
		    (!e1 && !kv_oid_equal(&r1, &r2)))
			test__fail(__FILE__, __LINE__,
			           "seed %u case %d: strategy %s is not "
			           "symmetric (conflicts '%s' vs '%s')",
			           seed, icase, st ? st : "default", c1, c2);
	}
}

void test_merge_property__merging_a_branch_with_itself(void)
{
	struct edit e[MAX_EDITS];
	kv_oid before, after;
	int n = random_edits(e, rand() % (MAX_EDITS - 1));
	/* a last set of a key no edit touches, so the branch is never empty
	 * (random edits alone may cancel out, and then p0 is not made) */
	e[n].key = "z";
	e[n++].value = "1";
	build(e, n); /* on branch p0 */
	assert_ok(kv_revparse(&before, s, "p0"));
	assert_int_equal(KV_NOCHANGE, kv_merge(NULL, s, "p0", "p0", NULL));
	assert_ok(kv_revparse(&after, s, "p0"));
	assert_true(kv_oid_equal(&before, &after));
}
