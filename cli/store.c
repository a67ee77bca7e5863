/*
 * store.c: finding and opening the store, as git finds a repository.
 *
 * Order: --store URI (a store folder, or a URI such as "lmdb:PATH"), then
 * $KV_STORE, then a folder ".kv" in the current folder or the nearest
 * parent that has one. -C DIR has already changed the current folder (in
 * kvctl.c), so relative paths are taken from DIR, as in git.
 *
 * The store is opened with default options: commits are durable (fsync)
 * when the command returns.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define STORE_DIR ".kv"

/* 1 if `path` is a folder. */
static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Look for ".kv" in the current folder and its parents. On success
 * `out` (PATH_MAX + 8 bytes) holds the store's absolute path.
 * @return 0 if found, -1 if not
 */
static int discover(char *out, size_t size)
{
	char dir[PATH_MAX];
	size_t len;

	if (!getcwd(dir, sizeof(dir)))
		return -1;
	for (len = strlen(dir); len > 0;) {
		snprintf(out, size, "%.*s/%s", len == 1 ? 0 : (int)len, dir,
		         STORE_DIR);
		if (is_dir(out))
			return 0;
		if (len == 1)
			break;
		while (len > 1 && dir[len - 1] != '/')
			len--; /* strip the last component */
		if (len > 1)
			len--; /* and its slash, unless it is the root */
	}
	return -1;
}

int cli_store_open(cli_ctx *ctx)
{
	char found[PATH_MAX + 8];
	const char *uri = ctx->store_uri;
	int rc;

	if (!uri || !*uri)
		uri = getenv("KV_STORE");
	if (!uri || !*uri) {
		if (discover(found, sizeof(found)) != 0)
			return cli_error(CLI_EXIT_ERROR,
			                 "not in a kv store (nor in any parent "
			                 "folder): no %s found; run 'kvctl "
			                 "init' or use --store",
			                 STORE_DIR);
		uri = found;
	}
	rc = kv_store_open(&ctx->store, uri, NULL);
	if (rc < 0) {
		/* A missing store is an error (4), not an absent key (1). */
		cli_fail(rc);
		return CLI_EXIT_ERROR;
	}
	return CLI_EXIT_OK;
}

const char *cli_branch_name(const cli_ctx *ctx)
{
	return ctx->branch ? ctx->branch : KV_DEFAULT_BRANCH;
}

int cli_check_branch(const cli_ctx *ctx)
{
	const char *name = cli_branch_name(ctx);
	char ref[512];
	kv_oid id;
	int rc;

	if (strcmp(name, KV_DEFAULT_BRANCH) == 0)
		return CLI_EXIT_OK;
	if ((rc = kv_refname_validate(name)) < 0)
		return cli_fail(rc);
	if (snprintf(ref, sizeof(ref), "refs/heads/%s", name) >=
	    (int)sizeof(ref))
		return cli_error(CLI_EXIT_ERROR, "branch name too long: %s",
		                 name);
	rc = kv_ref_read(&id, ctx->store, ref);
	if (rc == KV_ENOTFOUND)
		return cli_error(CLI_EXIT_NOTFOUND,
		                 "branch '%s' does not exist (create it with "
		                 "'kvctl branch %s')",
		                 name, name);
	return rc < 0 ? cli_fail(rc) : CLI_EXIT_OK;
}

int cli_branch_unborn(const cli_ctx *ctx)
{
	kv_oid id;

	if (ctx->branch)
		return 0;
	if (kv_ref_read(&id, ctx->store, "refs/heads/" KV_DEFAULT_BRANCH) ==
	    KV_ENOTFOUND) {
		kv_error_clear();
		return 1;
	}
	return 0;
}
