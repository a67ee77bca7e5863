/*
 * cmd_rm.c: `kvctl rm [-r] KEY`: remove a key, or with -r a directory.
 *
 * Removing a directory without -r is refused (exit 4), as rm(1) and
 * git rm do, so that a typo cannot drop a whole subtree. An absent key
 * exits 1.
 */
#include <string.h>

#include "cli.h"

enum { OPT_RECURSIVE = CLI_OPT_COMMIT_END };

static const cli_option options[] = {
        CLI_COMMIT_OPTIONS,
        {'r', "recursive", NULL, "remove a directory and everything under it"},
        {0, NULL, NULL, NULL}};

/* Stops kv_list() at the first entry: we only ask whether it is a
 * directory. */
static int stop(const kv_entry *entry, void *payload)
{
	(void)entry;
	(void)payload;
	return 1;
}

/* 1 if `key` is a directory on the branch, else 0. */
static int is_directory(const cli_ctx *ctx, const char *key)
{
	int rc = kv_list(ctx->store, ctx->branch, key, stop, NULL);

	kv_error_clear();
	return rc == 0 || rc == KV_EUSER;
}

static int run(cli_ctx *ctx, const cli_args *args)
{
	const char *key = cli_path_operand(args, 0);
	cli_commit c;
	kv_oid id;
	int rc;

	if ((rc = cli_commit_init(&c, args)) != CLI_EXIT_OK ||
	    (rc = cli_check_branch(ctx)) != CLI_EXIT_OK)
		goto done;
	if (!args->count[OPT_RECURSIVE] && is_directory(ctx, key)) {
		rc = cli_error(CLI_EXIT_ERROR,
		               "'%s' is a directory; use 'rm -r' to remove it",
		               key);
		goto done;
	}
	memset(&id, 0, sizeof(id));
	rc = kv_remove(&id, ctx->store, ctx->branch, key, &c.opts);
	rc = cli_report_write(ctx, rc, &id);
done:
	cli_commit_dispose(&c);
	return rc;
}

const cli_command cli_cmd_rm = {
        "rm",
        run,
        "KEY",
        "remove a key (-r: a directory)",
        "Remove KEY in one commit on the branch. KEY may be a directory only "
        "with -r,\nwhich removes everything under it. Exits 1 if KEY is "
        "absent.",
        options,
        1,
        1,
        CLI_NEEDS_STORE | CLI_WRITES};
