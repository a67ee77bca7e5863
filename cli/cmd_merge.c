/*
 * cmd_merge.c: `kvctl merge REV [--into BRANCH] [--strategy S]
 * [--no-ff | --ff-only]`: merge a revision into a branch.
 *
 * One call to kv_merge(), which does everything (merge bases, the
 * three-way tree merge by each key's strategy, the fast-forward or the
 * merge commit, the compare-and-swap of the branch); this file reports
 * its outcome. A merge with conflicts changes nothing: the conflicts are
 * listed one per line on stdout, the library's summary goes to stderr,
 * and the exit code is 3. JSON: one object whatever the outcome, conflicts
 * included (docs/kvctl.md); only a failure that is not a merge outcome
 * (an absent REV, a bad strategy) prints no JSON.
 */
#include <string.h>

#include "cli.h"

enum { OPT_INTO = CLI_OPT_COMMIT_END, OPT_STRATEGY, OPT_NO_FF, OPT_FF_ONLY };

static const cli_option options[] = {
        CLI_COMMIT_OPTIONS,
        {0, "into", "BRANCH",
         "the branch to merge into (default: -b, else "
         "main)"},
        {0, "strategy", "S",
         "merge every key by strategy S, not by "
         ".kvattributes"},
        {0, "no-ff", NULL,
         "make a merge commit even if a fast-forward would "
         "do"},
        {0, "ff-only", NULL, "only fast-forward; refuse (exit 3) otherwise"},
        {0, NULL, NULL, NULL}};

/* What happened, as the JSON "status" says it. */
typedef enum {
	MERGED,
	FAST_FORWARD,
	UP_TO_DATE,
	CONFLICT,
	NOT_FAST_FORWARD
} outcome;

static const char *const outcome_names[] = {
        "merged", "fast-forward", "up-to-date", "conflict", "not-fast-forward"};

/* Print the outcome `what` of a merge whose result is `r` (may be NULL)
 * as JSON: {"status","commit","tree","conflicts"}. */
static void report_json(outcome what, const kv_merge_result *r)
{
	int done = r && what != CONFLICT && what != NOT_FAST_FORWARD;

	printf("{\"status\":\"%s\",\"commit\":", outcome_names[what]);
	cli_json_oid(stdout, done ? kv_merge_result_commit(r) : NULL);
	fputs(",\"tree\":", stdout);
	cli_json_oid(stdout, done ? kv_merge_result_tree(r) : NULL);
	fputs(",\"conflicts\":", stdout);
	cli_conflicts_json(r);
	printf("}\n");
}

/* The outcome of kv_merge() returning `rc` with result `r`, or -1 for a
 * failure that is not a merge outcome. */
static int classify(int rc, const kv_merge_result *r)
{
	if (rc == KV_NOCHANGE)
		return UP_TO_DATE;
	if (rc == 0)
		return kv_merge_result_fastforward(r) ? FAST_FORWARD : MERGED;
	if (rc == KV_ECONFLICT && r)
		return kv_merge_result_conflictcount(r) ? CONFLICT
		                                        : NOT_FAST_FORWARD;
	return -1;
}

/* Report the outcome of merging `rev` into `into`; returns the exit
 * code. */
static int report(const cli_ctx *ctx, int rc, const kv_merge_result *r,
                  const char *rev, const char *into)
{
	char hex[KV_OID_HEXSZ + 1];
	int what = classify(rc, r);

	if (what < 0)
		return cli_fail(rc);
	if (ctx->json)
		report_json((outcome)what, r);
	switch ((outcome)what) {
	case UP_TO_DATE:
		if (!ctx->json)
			printf("Already up to date.\n");
		break;
	case FAST_FORWARD:
		if (!ctx->json)
			printf("Fast-forward to %.12s\n",
			       kv_oid_tostr(hex, kv_merge_result_commit(r)));
		break;
	case MERGED:
		if (!ctx->json)
			printf("Merged %s into %s: %.12s\n", rev, into,
			       kv_oid_tostr(hex, kv_merge_result_commit(r)));
		break;
	case CONFLICT:
		if (!ctx->json)
			cli_conflicts_print(r);
		cli_fail(rc);
		return cli_error(CLI_EXIT_CONFLICT,
		                 "nothing changed: %s is where it was", into);
	case NOT_FAST_FORWARD:
		return cli_fail(rc);
	}
	return CLI_EXIT_OK;
}

static int run(cli_ctx *ctx, const cli_args *args)
{
	const char *into = args->value[OPT_INTO] ? args->value[OPT_INTO]
	                                         : cli_branch_name(ctx);
	kv_merge_result *r = NULL;
	kv_merge_options opts;
	cli_commit c;
	int rc;

	if (args->count[OPT_NO_FF] && args->count[OPT_FF_ONLY])
		return cli_usage_error(
		        &cli_cmd_merge,
		        "--no-ff and --ff-only exclude each other");
	if ((rc = cli_commit_init(&c, args)) != CLI_EXIT_OK)
		goto done;
	kv_merge_options_init(&opts, KV_MERGE_OPTIONS_VERSION);
	if (args->count[OPT_NO_FF])
		opts.flags |= KV_MERGE_NO_FF;
	if (args->count[OPT_FF_ONLY])
		opts.flags |= KV_MERGE_FF_ONLY;
	opts.strategy = args->value[OPT_STRATEGY];
	opts.message = c.opts.message;
	opts.author = c.opts.author;
	rc = kv_merge(&r, ctx->store, into, args->argv[0], &opts);
	rc = report(ctx, rc, r, args->argv[0], into);
done:
	kv_merge_result_free(r);
	cli_commit_dispose(&c);
	return rc;
}

const cli_command cli_cmd_merge = {
        "merge",
        run,
        "REV",
        "merge a revision into a branch",
        "Merge revision REV (a branch, tag or commit) into BRANCH (--into, "
        "else -b, else\nmain): a fast-forward when BRANCH is behind REV, else "
        "a three-way merge of\nevery key by its strategy (.kvattributes, or "
        "--strategy) and a commit with two\nparents, BRANCH first. A merge "
        "with conflicts changes nothing: each conflict is\nlisted as "
        "\"CONFLICT (KIND): KEY [STRATEGY] REASON\" and kvctl exits 3.\n"
        "Strategies: default, ours, theirs, counter, lines, cbor, lww.",
        options,
        1,
        1,
        CLI_NEEDS_STORE | CLI_WRITES};
