/*
 * cmd_rev_parse.c: `kvctl rev-parse [--short] REV`: the id REV names.
 *
 * REV is a branch, tag, full ref, full or abbreviated commit id, with
 * optional ~N, ^N suffixes; REV^{tree} names the commit's tree. Text: 40
 * hex digits (12 with --short). JSON: {"rev":REV,"id":ID}. Exits 1 if
 * REV does not resolve.
 */
#include "cli.h"

enum { OPT_SHORT };

static const cli_option options[] = {
        {0, "short", NULL, "print the first 12 hex digits only"},
        {0, NULL, NULL, NULL}};

static int run(cli_ctx *ctx, const cli_args *args)
{
	char hex[KV_OID_HEXSZ + 1];
	kv_oid id;
	int rc = kv_revparse(&id, ctx->store, args->argv[0]);

	if (rc < 0)
		return cli_fail(rc);
	if (ctx->json) {
		printf("{\"rev\":");
		cli_json_cstr(stdout, args->argv[0]);
		printf(",\"id\":");
		cli_json_oid(stdout, &id);
		printf("}\n");
	} else {
		printf("%.*s\n", args->count[OPT_SHORT] ? 12 : KV_OID_HEXSZ,
		       kv_oid_tostr(hex, &id));
	}
	return CLI_EXIT_OK;
}

const cli_command cli_cmd_rev_parse = {
        "rev-parse",
        run,
        "REV",
        "print the id a revision names",
        "Print the commit id that REV names (a branch, tag, commit id or "
        "prefix, REV~N,\nREV^N), or the tree id for REV^{tree}.",
        options,
        1,
        1,
        CLI_NEEDS_STORE};
