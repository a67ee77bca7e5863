/*
 * cmd_merge_base.c: `kvctl merge-base [--all] REV REV`: the lowest common
 * ancestors of two commits, as kv_merge_bases() finds them.
 *
 * As git merge-base: one base by default (the first the library gives),
 * every one with --all (a criss-cross history has several), and exit 1
 * with no output on stdout when there is none (unrelated histories).
 * JSON: {"bases":[...]} with the same ids as the text would show.
 */
#include <stdlib.h>

#include "cli.h"

enum { OPT_ALL };

static const cli_option options[] = {
        {0, "all", NULL, "print every merge base, not only the first"},
        {0, NULL, NULL, NULL}};

static int run(cli_ctx *ctx, const cli_args *args)
{
	char hex[KV_OID_HEXSZ + 1];
	kv_oid a, b, *bases = NULL;
	size_t i, n = 0;
	int rc;

	if ((rc = kv_revparse(&a, ctx->store, args->argv[0])) < 0 ||
	    (rc = kv_revparse(&b, ctx->store, args->argv[1])) < 0 ||
	    (rc = kv_merge_bases(&bases, &n, ctx->store, &a, &b)) < 0)
		return cli_fail(rc);
	if (n > 1 && !args->count[OPT_ALL])
		n = 1;
	if (ctx->json) {
		fputs("{\"bases\":[", stdout);
		for (i = 0; i < n; i++) {
			if (i)
				putchar(',');
			cli_json_oid(stdout, &bases[i]);
		}
		printf("]}\n");
	} else {
		for (i = 0; i < n; i++)
			printf("%s\n", kv_oid_tostr(hex, &bases[i]));
	}
	free(bases);
	if (n == 0)
		return cli_error(CLI_EXIT_NOTFOUND,
		                 "%s and %s have no common ancestor",
		                 args->argv[0], args->argv[1]);
	return CLI_EXIT_OK;
}

const cli_command cli_cmd_merge_base = {
        "merge-base",
        run,
        "REV REV",
        "find the common ancestors of two revisions",
        "Print the merge base of the two revisions: a commit that both "
        "descend from and\nthat no other such commit descends from. A "
        "criss-cross history has several:\n--all prints each, one per line. "
        "Exits 1 if the histories are unrelated.",
        options,
        2,
        2,
        CLI_NEEDS_STORE};
