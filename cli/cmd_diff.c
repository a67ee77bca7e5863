/*
 * cmd_diff.c: `kvctl diff OLD [NEW]` or `kvctl diff OLD..NEW`: the keys
 * that differ between two revisions.
 *
 * NEW defaults to the branch head (-b, else main). Text: one line per
 * key, "A", "D" or "M", a tab and the key, as `git diff --name-status`.
 * JSON: an array of {"status","key","old","new"} where old and new are
 * the value ids (null when absent). Both revisions are resolved before
 * anything is printed, so a bad one prints only the error.
 *
 * --stat prints only the counts, as the summary line of git diff --stat:
 * "3 keys changed, 1 added, 1 removed, 1 modified"; JSON:
 * {"keys":3,"added":1,"removed":1,"modified":1}.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_STAT };

static const cli_option options[] = {
        {0, "stat", NULL,
         "print only the numbers of added, removed and "
         "modified keys"},
        {0, NULL, NULL, NULL}};

/* The counts of --stat, by kv_delta_status. */
typedef struct {
	size_t added, removed, modified;
} diff_stat;

/* A kv_delta_cb counting deltas into the diff_stat `payload`. */
static int count_delta(const kv_delta *d, void *payload)
{
	diff_stat *st = payload;

	if (d->status == KV_DELTA_ADDED)
		st->added++;
	else if (d->status == KV_DELTA_REMOVED)
		st->removed++;
	else
		st->modified++;
	return 0;
}

/* --stat: count the deltas, then print the counts. */
static int show_stat(const cli_ctx *ctx, const char *old, const char *new_rev)
{
	diff_stat st = {0, 0, 0};
	size_t n;
	int rc = kv_diff(ctx->store, old, new_rev, count_delta, &st);

	if (rc < 0)
		return cli_fail(rc);
	n = st.added + st.removed + st.modified;
	if (ctx->json)
		printf("{\"keys\":%zu,\"added\":%zu,\"removed\":%zu,"
		       "\"modified\":%zu}\n",
		       n, st.added, st.removed, st.modified);
	else
		printf("%zu key%s changed, %zu added, %zu removed, %zu "
		       "modified\n",
		       n, n == 1 ? "" : "s", st.added, st.removed, st.modified);
	return CLI_EXIT_OK;
}

int cli_print_delta(const kv_delta *d, void *payload)
{
	cli_delta_list *list = payload;

	if (list->json) {
		printf("%s{\"status\":\"%c\",\"key\":", list->count ? "," : "",
		       (char)d->status);
		cli_json_cstr(stdout, d->key);
		fputs(",\"old\":", stdout);
		cli_json_oid(stdout, &d->old_id);
		fputs(",\"new\":", stdout);
		cli_json_oid(stdout, &d->new_id);
		putchar('}');
	} else {
		printf("%c\t%s\n", (char)d->status, d->key);
	}
	list->count++;
	return 0;
}

/* Check that `rev` resolves; prints the error. */
static int check_rev(const cli_ctx *ctx, const char *rev)
{
	kv_oid id;
	int rc = kv_revparse(&id, ctx->store, rev ? rev : KV_DEFAULT_BRANCH);

	return rc < 0 ? cli_fail(rc) : CLI_EXIT_OK;
}

static int run(cli_ctx *ctx, const cli_args *args)
{
	cli_delta_list list = {ctx->json, 0};
	char *old = strdup(args->argv[0]), *dots;
	const char *new_rev = args->argc > 1 ? args->argv[1] : ctx->branch;
	int rc;

	if (!old)
		return cli_error(CLI_EXIT_ERROR, "out of memory");
	if ((dots = strstr(old, "..")) && args->argc == 1) {
		*dots = '\0';
		new_rev = dots[2] ? args->argv[0] + (dots + 2 - old)
		                  : ctx->branch;
	}
	if ((rc = check_rev(ctx, old)) != CLI_EXIT_OK ||
	    (rc = check_rev(ctx, new_rev)) != CLI_EXIT_OK)
		goto done;
	if (args->count[OPT_STAT]) {
		rc = show_stat(ctx, old, new_rev);
		goto done;
	}
	if (ctx->json)
		putchar('[');
	rc = kv_diff(ctx->store, old, new_rev, cli_print_delta, &list);
	if (ctx->json)
		printf("]\n");
	rc = rc < 0 ? cli_fail(rc) : CLI_EXIT_OK;
done:
	free(old);
	return rc;
}

const cli_command cli_cmd_diff = {
        "diff",
        run,
        "OLD [NEW] | OLD..NEW",
        "list the keys that differ between two revisions",
        "List the keys added (A), removed (D) or modified (M) from revision "
        "OLD to\nrevision NEW (default: the branch head). Revisions are "
        "branches, tags, commit\nids, REV~N, REV^N, or REV^{tree}. --stat "
        "prints only how many keys were added,\nremoved and modified.",
        options,
        1,
        2,
        CLI_NEEDS_STORE};
