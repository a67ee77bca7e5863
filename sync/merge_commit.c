/*
 * merge_commit.c: merging branches and reverting commits: the history
 * around the tree merge of merge.c.
 *
 * Both run inside the backend's write batch (for lmdb: under its write
 * lock), read the branch head there, and move it by compare-and-swap,
 * retrying if another writer moved it first. A merge with conflicts rolls
 * the batch back, so it changes nothing.
 */
#include <stdio.h>

#include "merge.h"

#define VIRTUAL_BASE_DEPTH 8
#define MAX_ATTEMPTS       100

static int tree_of(kv_oid *out, kv_store *s, const kv_oid *commit)
{
	return kv__commit_tree(out, s, commit);
}

/*
 * The base tree for merging: none (empty), the one merge base, or, for
 * several (criss-cross histories), a virtual base made by merging them
 * pairwise against their own merge bases, recursively, conflicts taking
 * the first side, as git's recursive strategy does. Bounded in depth.
 */
static int virtual_base(kv_oid *out, kv_graph *g, kv_store *s,
                        const kv_oid *bases, size_t n, int depth)
{
	kv_oid tree, next, sub_tree, *sub = NULL;
	size_t nsub = 0;
	int error;

	if (n == 0) {
		*out = kv__empty_tree_id;
		return 0;
	}
	if ((error = tree_of(&tree, s, &bases[0])) < 0)
		return error;
	for (size_t i = 1; i < n && depth < VIRTUAL_BASE_DEPTH; i++) {
		kv_merge_result *r = kv__merge_result_new();
		if (!r)
			return KV_ENOMEM;
		if ((error = kv__merge_bases(&sub, &nsub, g, &bases[0],
		                             &bases[i])) < 0 ||
		    (error = virtual_base(&sub_tree, g, s, sub, nsub,
		                          depth + 1)) < 0 ||
		    (error = tree_of(&next, s, &bases[i])) < 0 ||
		    (error = kv__merge_trees(r, s, &sub_tree, &tree, &next,
		                             NULL, -1, 1)) < 0) {
			free(sub);
			kv_merge_result_free(r);
			return error;
		}
		tree = *kv_merge_result_tree(r);
		free(sub);
		sub = NULL;
		kv_merge_result_free(r);
	}
	*out = tree;
	return 0;
}

/*
 * Run `attempt` inside the backend's write batch, committing the batch if
 * it returns 0 and rolling it back otherwise; again while it returns
 * KV_EMODIFIED (a ref moved under a backend whose batch does not lock),
 * at most MAX_ATTEMPTS times.
 */
static int in_batch_retrying(kv_store *s, int (*attempt)(void *), void *ctx)
{
	int error = KV_EMODIFIED;
	for (int i = 0; i < MAX_ATTEMPTS && error == KV_EMODIFIED; i++) {
		int batch = s->be->begin != NULL;
		if (batch && (error = s->be->begin(s->be)) < 0)
			break;
		error = attempt(ctx);
		if (batch && error == 0)
			error = s->be->commit(s->be);
		else if (batch)
			s->be->rollback(s->be);
	}
	return error;
}

/* Write commit (tree, parents) and move `ref` from `head` to it. */
static int commit_and_move(kv_oid *out, kv_store *s, const char *ref,
                           const kv_oid *head, const kv_oid *tree,
                           const kv_oid *parents, size_t nparents,
                           const char *message, const kv_signature *a,
                           const kv_signature *c)
{
	kv_signature author, committer;
	kv_buf sigbuf = KV_BUF_INIT, enc = KV_BUF_INIT;
	int error;

	if ((error = kv__signatures(&author, &committer, &sigbuf, a, c)) == 0 &&
	    (error = kv_commit__encode(&enc, tree, parents, nparents, &author,
	                               &committer, message)) == 0 &&
	    (error = kv__odb_write(out, s, KV_OBJ_COMMIT, enc.ptr, enc.size)) ==
	            0)
		error = s->be->ref_update(s->be, ref, out, head, 0);
	kv_buf_dispose(&sigbuf);
	kv_buf_dispose(&enc);
	return error;
}

static int contains(const kv_oid *v, size_t n, const kv_oid *id)
{
	for (size_t i = 0; i < n; i++)
		if (kv__oid_eq(&v[i], id))
			return 1;
	return 0;
}

static int ignore_delta(const kv_delta *d, void *payload)
{
	KV_UNUSED(d), KV_UNUSED(payload);
	return 0;
}

struct merge_job {
	kv_store *s;
	const char *ref;
	const char *into;
	const char *rev;
	kv_oid theirs;
	const kv_merge_options *o;
	kv_merge_result *res;
	kv_graph *graph;
};

/* One attempt inside the batch: 0, KV_NOCHANGE, KV_ECONFLICT, errors
 * (KV_EMODIFIED: try again). */
static int merge_once(struct merge_job *j, kv_graph *g)
{
	kv_store *s = j->s;
	unsigned int flags = j->o ? j->o->flags : 0;
	kv_oid head, parents[2], base_tree, ours_tree, theirs_tree, commit;
	kv_oid *bases = NULL;
	kv_graph_node *nh, *nt;
	size_t nbases = 0;
	char message[600];
	int error, ours_later;

	if ((error = s->be->ref_read(&head, s->be, j->ref)) < 0)
		return error == KV_ENOTFOUND
		               ? kv__error(KV_ENOTFOUND, "branch %s not found",
		                           j->ref + 11)
		               : error;
	if ((error = kv__merge_bases(&bases, &nbases, g, &head, &j->theirs)) <
	    0)
		return error;
	if (contains(bases, nbases, &j->theirs)) {
		/* Already merged. */
		error = tree_of(&ours_tree, s, &head);
		kv__merge_result_set(j->res, &ours_tree, &head, 0);
		free(bases);
		return error < 0 ? error : KV_NOCHANGE;
	}
	if (contains(bases, nbases, &head) && !(flags & KV_MERGE_NO_FF)) {
		free(bases);
		/* Read every tree the fast-forward brings (what differs from
		 * the head): a hostile or broken tree stops it, as a merge
		 * would be stopped by reading it. */
		if ((error = tree_of(&theirs_tree, s, &j->theirs)) < 0 ||
		    (error = tree_of(&ours_tree, s, &head)) < 0 ||
		    (error = kv_diff_trees(s, &ours_tree, &theirs_tree,
		                           ignore_delta, NULL)) < 0 ||
		    (error = s->be->ref_update(s->be, j->ref, &j->theirs, &head,
		                               0)) < 0)
			return error;
		kv__merge_result_set(j->res, &theirs_tree, &j->theirs, 1);
		return 0;
	}
	if (flags & KV_MERGE_FF_ONLY) {
		free(bases);
		return kv__error(KV_ECONFLICT,
		                 "not possible to fast-forward %s to %s",
		                 j->ref + 11, j->rev);
	}
	error = virtual_base(&base_tree, g, s, bases, nbases, 0);
	free(bases);
	if (error < 0 || (error = tree_of(&ours_tree, s, &head)) < 0 ||
	    (error = tree_of(&theirs_tree, s, &j->theirs)) < 0 ||
	    (error = kv__graph_node(&nh, g, &head)) < 0 ||
	    (error = kv__graph_node(&nt, g, &j->theirs)) < 0)
		return error;
	ours_later = nh->time != nt->time ? nh->time > nt->time
	                                  : kv__oid_cmp(&head, &j->theirs) > 0;
	if ((error = kv__merge_trees(j->res, s, &base_tree, &ours_tree,
	                             &theirs_tree, j->o, ours_later, 0)) < 0)
		return error;
	parents[0] = head;
	parents[1] = j->theirs;
	snprintf(message, sizeof(message), "Merge %s into %s", j->rev, j->into);
	error = commit_and_move(
	        &commit, s, j->ref, &head, kv_merge_result_tree(j->res),
	        parents, 2, j->o && j->o->message ? j->o->message : message,
	        j->o ? j->o->author : NULL, j->o ? j->o->committer : NULL);
	if (!error)
		kv__merge_result_set(j->res, NULL, &commit, 0);
	return error;
}

/* One merge attempt with a fresh result and commit graph. */
static int merge_attempt(void *ctx)
{
	struct merge_job *j = ctx;
	int error;

	kv_merge_result_free(j->res);
	kv__graph_free(j->graph);
	j->graph = NULL;
	if (!(j->res = kv__merge_result_new()))
		return KV_ENOMEM;
	if ((error = kv__graph_new(&j->graph, j->s)) < 0)
		return error;
	return merge_once(j, j->graph);
}

int kv_merge(kv_merge_result **out, kv_store *s, const char *into,
             const char *rev, const kv_merge_options *o)
{
	struct merge_job j;
	kv_buf ref = KV_BUF_INIT;
	int error;

	memset(&j, 0, sizeof(j));
	if (out)
		*out = NULL;
	if (o && o->version != KV_MERGE_OPTIONS_VERSION)
		return kv__error(KV_EINVALID, "unknown merge options version");
	/* Refuse a bad strategy even when no tree merge will be needed. */
	if (o && o->strategy && kv__strategy_from_name(o->strategy) < 0)
		return kv__error(KV_EINVALID,
		                 "unknown merge strategy '%s' (default, ours, "
		                 "theirs, counter, lines, cbor, lww)",
		                 o->strategy);
	if ((error = kv__branch_ref(&ref, into)) < 0)
		return error;
	j.s = s;
	j.ref = ref.ptr;
	j.into = into ? into : KV_DEFAULT_BRANCH;
	j.rev = rev;
	j.o = o;
	if ((error = kv_revparse(&j.theirs, s, rev)) < 0)
		goto done;
	error = in_batch_retrying(s, merge_attempt, &j);
done:
	kv__graph_free(j.graph);
	kv_buf_dispose(&ref);
	if (out)
		*out = j.res;
	else
		kv_merge_result_free(j.res);
	return error;
}

/* ---- revert ---- */

struct revert_job {
	kv_store *s;
	const char *ref;
	kv_oid target;
	kv_oid target_tree, parent_tree;
	char *message;
	const kv_commit_options *o;
	kv_merge_result *res; /* of the last attempt */
};

/* One attempt inside the batch: the result goes to j->res, conflicts
 * included. */
static int revert_once(struct revert_job *j)
{
	kv_store *s = j->s;
	kv_merge_result *r = kv__merge_result_new();
	kv_oid head, head_tree, out;
	int error;

	if (!r)
		return KV_ENOMEM;
	kv_merge_result_free(j->res);
	j->res = r;
	if ((error = s->be->ref_read(&head, s->be, j->ref)) < 0 ||
	    (error = tree_of(&head_tree, s, &head)) < 0)
		return error;
	/* The change C made, undone: merge (base C, ours head, theirs C^). */
	if ((error = kv__merge_trees(r, s, &j->target_tree, &head_tree,
	                             &j->parent_tree, NULL, 0, 0)) < 0)
		return error;
	if (kv__oid_eq(kv_merge_result_tree(r), &head_tree)) {
		kv__merge_result_set(r, NULL, &head, 0);
		return KV_NOCHANGE;
	}
	error = commit_and_move(
	        &out, s, j->ref, &head, kv_merge_result_tree(r), &head, 1,
	        j->o && j->o->message ? j->o->message : j->message,
	        j->o ? j->o->author : NULL, j->o ? j->o->committer : NULL);
	if (error == 0)
		kv__merge_result_set(r, NULL, &out, 0);
	return error;
}

static int revert_message(char **out, kv_store *s, const kv_oid *id)
{
	kv_commit *c;
	kv_buf msg = KV_BUF_INIT;
	size_t subject;
	int error;

	if ((error = kv_commit_lookup(&c, s, id)) < 0)
		return error;
	subject = strcspn(c->message, "\n");
	error = kv_buf_printf(&msg,
	                      "Revert \"%.*s\"\n\nThis reverts commit %s.\n",
	                      (int)subject, c->message, kv__oid_hex(id));
	kv_commit_free(c);
	*out = kv_buf_detach(&msg);
	return error;
}

static int revert_attempt(void *ctx)
{
	return revert_once(ctx);
}

int kv_revert(kv_merge_result **out, kv_store *s, const char *branch,
              const char *rev, const kv_commit_options *o)
{
	struct revert_job j;
	kv_buf ref = KV_BUF_INIT;
	kv_commit *c = NULL;
	int error;

	memset(&j, 0, sizeof(j));
	if (out)
		*out = NULL;
	if ((error = kv__branch_ref(&ref, branch)) < 0)
		return error;
	j.s = s;
	j.ref = ref.ptr;
	j.o = o;
	if ((error = kv_revparse(&j.target, s, rev)) < 0 ||
	    (error = kv_commit_lookup(&c, s, &j.target)) < 0)
		goto done;
	j.target_tree = c->tree;
	j.parent_tree = kv__empty_tree_id;
	if ((c->nparents &&
	     (error = tree_of(&j.parent_tree, s, &c->parents[0])) < 0) ||
	    (error = revert_message(&j.message, s, &j.target)) < 0)
		goto done;
	error = in_batch_retrying(s, revert_attempt, &j);
done:
	kv_commit_free(c);
	free(j.message);
	kv_buf_dispose(&ref);
	if (out && (error >= 0 || error == KV_ECONFLICT))
		*out = j.res;
	else
		kv_merge_result_free(j.res);
	return error;
}
