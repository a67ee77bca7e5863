/*
 * log.c: history walks, newest first.
 *
 * All parents: a max-heap by committer time with a set of seen commits
 * (git's default order, without topological fix-ups). First parent: a
 * straight walk. With a key, a commit is shown when the key's entry
 * differs from every parent's (git's default history simplification
 * shows a merge only if it is not the same as one of its parents).
 */
#include "oidset.h"
#include "pqueue.h"
#include "store.h"

static int later(const void *a, const void *b)
{
	return ((const kv_commit *)a)->committer.time >
	       ((const kv_commit *)b)->committer.time;
}

/* The entry for `key` in tree `tree` (zero id and mode 0 if absent). */
static int key_state(unsigned int *mode, kv_oid *id, kv_store *s,
                     const kv_oid *tree, const char *key)
{
	int error = kv__tree_lookup(mode, id, s, tree, key);
	if (error == KV_ENOTFOUND) {
		*mode = 0;
		memset(id, 0, sizeof(*id));
		return 0;
	}
	return error;
}

/* 1 if commit `c` changed `key` relative to all its parents. */
static int touches_key(kv_store *s, const kv_commit *c, const char *key)
{
	unsigned int mode, pmode;
	kv_oid id, pid, ptree;
	int error;

	if ((error = key_state(&mode, &id, s, &c->tree, key)) < 0)
		return error;
	if (!c->nparents)
		return mode != 0;
	for (size_t i = 0; i < c->nparents; i++) {
		if ((error = kv__commit_tree(&ptree, s, &c->parents[i])) < 0 ||
		    (error = key_state(&pmode, &pid, s, &ptree, key)) < 0)
			return error;
		if (pmode == mode && kv_oid_equal(&pid, &id))
			return 0;
	}
	return 1;
}

static int push_commit(kv_pqueue *h, kv_oidset *seen, kv_store *s,
                       const kv_oid *id)
{
	kv_commit *c;
	int error = kv_oidset_add(seen, id);
	if (error <= 0)
		return error;
	if ((error = kv_commit_lookup(&c, s, id)) < 0)
		return error;
	if ((error = kv_pqueue_push(h, c)) < 0)
		kv_commit_free(c);
	return error;
}

int kv_log(kv_store *s, const kv_log_options *o, kv_commit_cb cb, void *payload)
{
	kv_log_options def;
	kv_pqueue h = KV_PQUEUE_INIT(later);
	kv_oidset seen = KV_OIDSET_INIT;
	kv_oid start, tree;
	size_t shown = 0;
	int error;

	if (!o) {
		kv_log_options_init(&def, KV_LOG_OPTIONS_VERSION);
		o = &def;
	}
	if (o->key && (error = kv_key_validate(o->key)) < 0)
		return error;
	if ((error = kv__rev_commit(&start, &tree, s, o->rev)) < 0 ||
	    (error = push_commit(&h, &seen, s, &start)) < 0)
		goto done;
	while (h.n && (!o->limit || shown < o->limit)) {
		kv_commit *c = kv_pqueue_pop(&h);
		int show = 1;
		size_t np = (o->flags & KV_LOG_FIRST_PARENT) && c->nparents
		                    ? 1
		                    : c->nparents;
		for (size_t i = 0; i < np && !error; i++)
			error = push_commit(&h, &seen, s, &c->parents[i]);
		if (!error && o->key && (show = touches_key(s, c, o->key)) < 0)
			error = show;
		if (!error && show) {
			shown++;
			if (cb(c, payload))
				error = kv__error(KV_EUSER,
				                  "stopped by callback");
		}
		kv_commit_free(c);
		if (error)
			break;
	}
done:
	while (h.n)
		kv_commit_free(kv_pqueue_pop(&h));
	kv_pqueue_dispose(&h);
	kv_oidset_dispose(&seen);
	return error;
}
