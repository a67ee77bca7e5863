/*
 * cmd_revert.c: `kvctl revert REV`: a new commit on the branch that
 * undoes what commit REV changed (against its first parent).
 *
 * kv_revert() merges the inverse of REV three-way onto the branch head,
 * so later changes to other keys stay; if a later commit changed a key
 * REV changed, that is a conflict: nothing is committed, the conflicts
 * are listed as `merge` lists them, and kvctl exits 3. Output as for
 * `set`: "[BRANCH ID12] Revert "SUBJECT"", nothing more when the branch
 * already lacks REV's changes. JSON: {"commit","changed"}, with
 * "conflicts" after a conflict.
 */
#include "cli.h"

static const cli_option options[] = {CLI_COMMIT_OPTIONS, {0, NULL, NULL, NULL}};

/* Nothing was committed: list the conflicts of `r`; exit 3. */
static int report_conflicts(const cli_ctx *ctx, int rc,
                            const kv_merge_result *r, const char *rev)
{
	if (ctx->json) {
		fputs("{\"commit\":null,\"changed\":false,\"conflicts\":",
		      stdout);
		cli_conflicts_json(r);
		fputs("}\n", stdout);
	} else {
		cli_conflicts_print(r);
	}
	cli_fail(rc);
	return cli_error(CLI_EXIT_CONFLICT,
	                 "nothing changed: revert %s by hand", rev);
}

static int run(cli_ctx *ctx, const cli_args *args)
{
	kv_merge_result *r = NULL;
	cli_commit c;
	int rc;

	if ((rc = cli_commit_init(&c, args)) == CLI_EXIT_OK &&
	    (rc = cli_check_branch(ctx)) == CLI_EXIT_OK) {
		rc = kv_revert(&r, ctx->store, ctx->branch, args->argv[0],
		               &c.opts);
		if (rc == KV_ECONFLICT)
			rc = report_conflicts(ctx, rc, r, args->argv[0]);
		else
			rc = cli_report_write(
			        ctx, rc, r ? kv_merge_result_commit(r) : NULL);
	}
	kv_merge_result_free(r);
	cli_commit_dispose(&c);
	return rc;
}

const cli_command cli_cmd_revert = {
        "revert",
        run,
        "REV",
        "undo a commit with a new commit",
        "Make a commit on the branch that undoes the changes commit REV made "
        "to its first\nparent, merged onto the branch head so that later "
        "changes to other keys stay.\nIf a later commit changed the same "
        "keys, nothing is committed: the conflicts\nare listed and kvctl "
        "exits 3.",
        options,
        1,
        1,
        CLI_NEEDS_STORE | CLI_WRITES};
