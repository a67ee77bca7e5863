/*
 * commit.c: looking up commits, their accessors, and the tree of a commit
 * (through the backend's commit-graph cache when it has one).
 */
#include "store.h"

int kv_commit_lookup(kv_commit **out, kv_store *s, const kv_oid *id)
{
	int error;
	if ((error = kv__odb_read(&s->scratch, NULL, s, id, KV_OBJ_COMMIT)) < 0)
		return error;
	return kv_commit__parse(out, id, s->scratch.ptr, s->scratch.size);
}

int kv__commit_tree(kv_oid *tree_out, kv_store *s, const kv_oid *id)
{
	kv_commit_info info;
	kv_commit *c;
	int error;

	if (s->has_last && kv__oid_eq(id, &s->last_commit)) {
		*tree_out = s->last_tree;
		return 0;
	}
	if (s->be->commit_info) {
		error = s->be->commit_info(&info, s->be, id);
		if (error == 0) {
			*tree_out = info.tree;
			goto remember;
		}
		if (error != KV_ENOTFOUND)
			return error;
		kv_error_clear();
	}
	if ((error = kv_commit_lookup(&c, s, id)) < 0)
		return error;
	*tree_out = c->tree;
	kv_commit_free(c);
remember:
	s->last_commit = *id;
	s->last_tree = *tree_out;
	s->has_last = 1;
	return 0;
}

const kv_oid *kv_commit_id(const kv_commit *c)
{
	return &c->id;
}

const kv_oid *kv_commit_tree_id(const kv_commit *c)
{
	return &c->tree;
}

size_t kv_commit_parentcount(const kv_commit *c)
{
	return c->nparents;
}

const kv_oid *kv_commit_parent_id(const kv_commit *c, size_t n)
{
	return n < c->nparents ? &c->parents[n] : NULL;
}

const kv_signature *kv_commit_author(const kv_commit *c)
{
	return &c->author;
}

const kv_signature *kv_commit_committer(const kv_commit *c)
{
	return &c->committer;
}

const char *kv_commit_message(const kv_commit *c)
{
	return c->message;
}
