/*
 * refs.c: refs, branches, tags, and revision parsing.
 *
 * Branches are refs/heads/NAME and tags refs/tags/NAME (lightweight: they
 * point at commits). A revision is resolved as git resolves it: a full
 * ref, refs/heads/X, refs/tags/X, refs/remotes/X, a full id, a unique id
 * prefix of at least 4 hex digits; then "~N", "^N" steps; "^{tree}" at the
 * end asks for the commit's tree.
 */
#include <stdio.h>

#include "store.h"

int kv_ref_read(kv_oid *out, kv_store *s, const char *name)
{
	return s->be->ref_read(out, s->be, name);
}

int kv_ref_foreach(kv_store *s, const char *prefix, kv_ref_cb cb, void *payload)
{
	return s->be->ref_foreach(s->be, prefix, cb, payload);
}

/* 0 if `id` is a stored commit, else an error naming it. */
static int check_commit(kv_store *s, const kv_oid *id)
{
	kv_otype type;
	int error = kv__odb_read(&s->scratch, &type, s, id, KV_OBJ_COMMIT);
	if (error == KV_EINVALID)
		return kv__error(KV_EINVALID, "%s is not a commit",
		                 kv__oid_hex(id));
	return error;
}

int kv_ref_cas(kv_store *s, const char *name, const kv_oid *new_id,
               const kv_oid *expected)
{
	int error;
	if (!name || strncmp(name, "refs/", 5))
		return kv__error(KV_EINVALID,
		                 "ref name '%s' does not start with refs/",
		                 name ? name : "");
	if ((error = kv_refname_validate(name)) < 0)
		return error;
	if (new_id && (error = check_commit(s, new_id)) < 0)
		return error;
	if (new_id && !expected && (error = kv__ref_check_new(s, name)) < 0)
		return error;
	return s->be->ref_update(s->be, name, new_id, expected, 0);
}

/* Remember the first ref found (names are borrowed: copy it). */
static int df_cb(const char *name, const kv_oid *id, void *payload)
{
	KV_UNUSED(id);
	kv_buf_set(payload, name, strlen(name));
	return 1;
}

/*
 * git cannot hold "refs/heads/a" and "refs/heads/a/x" together (one would
 * be a file, the other a folder), so no backend may: a store must stay
 * copyable into a git repository. Checked before creating `name`.
 */
int kv__ref_check_new(kv_store *s, const char *name)
{
	kv_buf prefix = KV_BUF_INIT, below = KV_BUF_INIT;
	const char *p;
	kv_oid id;
	int error;

	if ((error = kv_buf_printf(&prefix, "%s/", name)) < 0)
		return error;
	error = s->be->ref_foreach(s->be, prefix.ptr, df_cb, &below);
	if (error == KV_EUSER && below.size)
		error = kv__error(
		        KV_EEXISTS,
		        "cannot create ref %s: ref %s exists below it", name,
		        below.ptr);
	for (p = strchr(name + 5, '/'); !error && p; p = strchr(p + 1, '/')) {
		prefix.size = 0;
		if ((error = kv_buf_put(&prefix, name, (size_t)(p - name))) < 0)
			break;
		if (s->be->ref_read(&id, s->be, prefix.ptr) == 0)
			error = kv__error(KV_EEXISTS,
			                  "cannot create ref %s: ref %s exists",
			                  name, prefix.ptr);
	}
	if (!error)
		kv_error_clear();
	kv_buf_dispose(&prefix);
	kv_buf_dispose(&below);
	return error;
}

static int create_ref(kv_store *s, const char *kind, const char *name,
                      const char *rev, int force)
{
	kv_buf ref = KV_BUF_INIT;
	kv_oid id, tree;
	int error;

	if ((error = kv_refname_validate(name)) < 0)
		return error;
	if ((error = kv__rev_commit(&id, &tree, s, rev)) < 0)
		return error;
	if ((error = kv_buf_printf(&ref, "refs/%s/%s", kind, name)) < 0)
		return error;
	error = kv__ref_check_new(s, ref.ptr);
	if (!error)
		error = s->be->ref_update(s->be, ref.ptr, &id, NULL,
		                          force ? KV_REF_FORCE : 0);
	if (error == KV_EMODIFIED)
		error = kv__error(KV_EEXISTS, "%s %s already exists",
		                  !strcmp(kind, "heads") ? "branch" : "tag",
		                  name);
	kv_buf_dispose(&ref);
	return error;
}

static int delete_ref(kv_store *s, const char *kind, const char *name)
{
	kv_buf ref = KV_BUF_INIT;
	int error;

	if ((error = kv_refname_validate(name)) < 0 ||
	    (error = kv_buf_printf(&ref, "refs/%s/%s", kind, name)) < 0)
		return error;
	error = s->be->ref_update(s->be, ref.ptr, NULL, NULL, KV_REF_FORCE);
	if (error == KV_ENOTFOUND)
		error = kv__error(KV_ENOTFOUND, "%s %s not found",
		                  !strcmp(kind, "heads") ? "branch" : "tag",
		                  name);
	kv_buf_dispose(&ref);
	return error;
}

int kv_branch_create(kv_store *s, const char *name, const char *rev, int force)
{
	return create_ref(s, "heads", name, rev, force);
}

int kv_branch_delete(kv_store *s, const char *name)
{
	return delete_ref(s, "heads", name);
}

int kv_tag_create(kv_store *s, const char *name, const char *rev, int force)
{
	return create_ref(s, "tags", name, rev, force);
}

int kv_tag_delete(kv_store *s, const char *name)
{
	return delete_ref(s, "tags", name);
}

/* ---- revisions ---- */

struct prefix_scan {
	kv_oid prefix, found;
	size_t hexlen, matches;
};

static int scan_cb(const kv_oid *id, kv_otype type, size_t size, size_t stored,
                   void *payload)
{
	struct prefix_scan *p = payload;
	KV_UNUSED(type), KV_UNUSED(size), KV_UNUSED(stored);
	if (kv__oid_has_prefix(id, &p->prefix, p->hexlen)) {
		p->found = *id;
		p->matches++;
	}
	return 0;
}

/* Resolve an abbreviated object id. */
static int lookup_prefix(kv_oid *out, kv_store *s, const char *hex, size_t n)
{
	struct prefix_scan p = {{{0}}, {{0}}, n, 0};
	int error;

	kv__oid_fromhexn(&p.prefix, hex, n);
	if (s->be->lookup_prefix)
		return s->be->lookup_prefix(out, s->be, &p.prefix, n);
	if (!s->be->object_foreach)
		return KV_ENOTFOUND;
	if ((error = s->be->object_foreach(s->be, scan_cb, &p)) < 0)
		return error;
	if (p.matches > 1)
		return kv__error(KV_EAMBIGUOUS,
		                 "object id prefix %.*s is "
		                 "ambiguous",
		                 (int)n, hex);
	if (!p.matches)
		return KV_ENOTFOUND;
	*out = p.found;
	return 0;
}

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return 0;
	return 1;
}

/* Resolve the base name of a revision (no ~ or ^ steps). */
static int resolve_name(kv_oid *out, kv_store *s, const char *name, size_t n)
{
	static const char *const forms[] = {"", "refs/heads/", "refs/tags/",
	                                    "refs/remotes/"};
	char ref[1200];
	int error;

	if (n == 4 && !memcmp(name, "HEAD", 4))
		name = KV_DEFAULT_BRANCH, n = strlen(KV_DEFAULT_BRANCH);
	if (n == 0 || n > 1024)
		return KV_ENOTFOUND;
	for (size_t i = 0; i < KV_ARRAY_SIZE(forms); i++) {
		if (i == 0 && strncmp(name, "refs/", 5))
			continue;
		snprintf(ref, sizeof(ref), "%s%.*s", forms[i], (int)n, name);
		error = s->be->ref_read(out, s->be, ref);
		if (error != KV_ENOTFOUND)
			return error;
	}
	if (n == KV_OID_HEXSZ && is_hex(name, n)) {
		kv__oid_fromhexn(out, name, n);
		return s->be->exists(s->be, out) > 0 ? 0 : KV_ENOTFOUND;
	}
	if (n >= 4 && n < KV_OID_HEXSZ && is_hex(name, n))
		return lookup_prefix(out, s, name, n);
	return KV_ENOTFOUND;
}

/* The n-th parent (1-based) of commit `id`. */
static int nth_parent(kv_oid *out, kv_store *s, const kv_oid *id,
                      unsigned long n)
{
	kv_commit *c;
	int error;
	if ((error = kv_commit_lookup(&c, s, id)) < 0)
		return error;
	if (n == 0 || n > c->nparents)
		error = KV_ENOTFOUND;
	else
		*out = c->parents[n - 1];
	kv_commit_free(c);
	return error;
}

/* Apply "~N" and "^N" steps in `s`..`end` to `id`. */
static int apply_steps(kv_oid *id, kv_store *s, const char *p, const char *end)
{
	int error;
	while (p < end) {
		char op = *p++;
		unsigned long n = 0, i;
		int digits = 0;
		if (op != '~' && op != '^')
			return KV_EINVALID;
		while (p < end && *p >= '0' && *p <= '9' && n < 1000000000) {
			n = n * 10 + (unsigned long)(*p++ - '0');
			digits = 1;
		}
		if (!digits)
			n = 1;
		if (op == '^') {
			if (n == 0)
				continue;
			if ((error = nth_parent(id, s, id, n)) < 0)
				return error;
			continue;
		}
		for (i = 0; i < n; i++)
			if ((error = nth_parent(id, s, id, 1)) < 0)
				return error;
	}
	return 0;
}

static int revparse(kv_oid *out, int *want_tree, kv_store *s, const char *rev)
{
	const char *end, *steps;
	kv_otype type;
	int error;

	if (!rev)
		rev = KV_DEFAULT_BRANCH;
	end = rev + strlen(rev);
	*want_tree = end - rev >= 7 && !strcmp(end - 7, "^{tree}");
	if (*want_tree)
		end -= 7;
	/* The base name ends at the first '~', or at a '^' not part of a
	 * ref name (refs cannot contain either). */
	steps = rev;
	while (steps < end && *steps != '~' && *steps != '^')
		steps++;
	error = resolve_name(out, s, rev, (size_t)(steps - rev));
	if (error == 0)
		error = kv__odb_read(&s->scratch, &type, s, out, KV_OBJ_ANY);
	/* An annotated tag (git tag -a) names the object on its first
	 * line, "object <hex>". */
	for (int depth = 0; error == 0 && type == KV_OBJ_TAG; depth++) {
		if (depth == 16 || s->scratch.size < 48 ||
		    memcmp(s->scratch.ptr, "object ", 7) ||
		    s->scratch.ptr[47] != '\n' ||
		    kv__oid_fromhexn(out, s->scratch.ptr + 7, KV_OID_HEXSZ) < 0)
			return kv__error(KV_ECORRUPT,
			                 "revision '%s': malformed tag %s", rev,
			                 kv__oid_hex(out));
		error = kv__odb_read(&s->scratch, &type, s, out, KV_OBJ_ANY);
	}
	if (error == 0 && type != KV_OBJ_COMMIT) {
		if (type == KV_OBJ_TREE && *want_tree && steps == end)
			return 0;
		return kv__error(KV_EINVALID,
		                 "revision '%s' is a %s, not a "
		                 "commit",
		                 rev, kv_otype_name(type));
	}
	if (error == 0)
		error = apply_steps(out, s, steps, end);
	if (error == KV_ENOTFOUND)
		return kv__error(KV_ENOTFOUND, "unknown revision '%s'", rev);
	if (error == KV_EINVALID && !kv_error_last())
		return kv__error(KV_EINVALID, "bad revision syntax '%s'", rev);
	return error;
}

int kv_revparse(kv_oid *out, kv_store *s, const char *rev)
{
	kv_oid id;
	int want_tree, error;
	kv_otype type;

	kv_error_clear();
	if ((error = revparse(&id, &want_tree, s, rev)) < 0)
		return error;
	if (want_tree &&
	    kv__odb_read(&s->scratch, &type, s, &id, KV_OBJ_ANY) == 0 &&
	    type == KV_OBJ_COMMIT)
		return kv__commit_tree(out, s, &id);
	*out = id;
	return 0;
}

int kv__rev_commit(kv_oid *commit_out, kv_oid *tree_out, kv_store *s,
                   const char *rev)
{
	int error, want_tree;

	/* Fast path for reads at a branch: one ref read. */
	if (!rev || (!strchr(rev, '~') && !strchr(rev, '^'))) {
		static const char heads[] = "refs/heads/";
		const char *name = rev ? rev : KV_DEFAULT_BRANCH;
		size_t len = strlen(name);
		char ref[sizeof(heads) + 250];
		if (len < 250) { /* (no snprintf: this runs on every get) */
			memcpy(ref, heads, sizeof(heads) - 1);
			memcpy(ref + sizeof(heads) - 1, name, len + 1);
			if (s->be->ref_read(commit_out, s->be, ref) == 0)
				return kv__commit_tree(tree_out, s, commit_out);
		}
	}
	kv_error_clear();
	if ((error = revparse(commit_out, &want_tree, s, rev)) < 0)
		return error;
	if (want_tree)
		return kv__error(KV_EINVALID, "'%s' names a tree, not a commit",
		                 rev);
	return kv__commit_tree(tree_out, s, commit_out);
}
