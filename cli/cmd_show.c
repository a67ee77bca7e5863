/*
 * cmd_show.c: `kvctl show [REV]`: a commit and the keys it changed.
 *
 * REV defaults to the branch head. The changes are against the first
 * parent (a root commit: against the empty tree), so a merge shows what
 * it brought to its first parent. Text: the commit as in `kvctl log`, a
 * blank line, then "A\tKEY" lines. JSON: the log's commit object with a
 * "changes" array as in `kvctl diff --json`.
 */
#include <string.h>

#include "cli.h"

static const cli_option options[] = {{0, NULL, NULL, NULL}};

/* Diff `commit` against its first parent, printing each delta. */
static int show_changes(const cli_ctx *ctx, const kv_commit *commit)
{
	cli_delta_list list = {ctx->json, 0};
	kv_commit *parent = NULL;
	kv_oid empty;
	const kv_oid *old_tree = &empty;
	int rc;

	memset(&empty, 0, sizeof(empty));
	if (kv_commit_parentcount(commit) > 0) {
		rc = kv_commit_lookup(&parent, ctx->store,
		                      kv_commit_parent_id(commit, 0));
		if (rc < 0)
			return rc;
		old_tree = kv_commit_tree_id(parent);
	}
	rc = kv_diff_trees(ctx->store, old_tree, kv_commit_tree_id(commit),
	                   cli_print_delta, &list);
	kv_commit_free(parent);
	return rc;
}

static int run(cli_ctx *ctx, const cli_args *args)
{
	const char *rev = args->argc ? args->argv[0] : ctx->branch;
	kv_commit *commit = NULL;
	kv_oid id;
	int rc;

	if ((rc = kv_revparse(&id, ctx->store, rev ? rev : KV_DEFAULT_BRANCH)) <
	            0 ||
	    (rc = kv_commit_lookup(&commit, ctx->store, &id)) < 0)
		return cli_fail(rc);
	if (ctx->json) {
		cli_commit_json_open(stdout, commit);
		fputs(",\"changes\":[", stdout);
	} else {
		cli_commit_print(stdout, commit);
		putchar('\n');
	}
	rc = show_changes(ctx, commit);
	if (ctx->json)
		printf("]}\n");
	kv_commit_free(commit);
	return rc < 0 ? cli_fail(rc) : CLI_EXIT_OK;
}

const cli_command cli_cmd_show = {
        "show",
        run,
        "[REV]",
        "show a commit and the keys it changed",
        "Show commit REV (default: the branch head): its author, date and "
        "message, and\nthe keys it added (A), removed (D) or modified (M) "
        "against its first parent.",
        options,
        0,
        1,
        CLI_NEEDS_STORE};
