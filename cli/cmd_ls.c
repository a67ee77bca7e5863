/*
 * cmd_ls.c: `kvctl ls [-l] [PREFIX]`: the children of a directory.
 *
 * Text: one name per line, directories with a trailing '/'; -l adds the
 * git mode, the kind and the object id, as `git ls-tree` does. JSON: an
 * array of {"name","kind","id"}. PREFIX absent, or not a directory,
 * exits 1.
 */
#include "cli.h"

enum { OPT_LONG };

static const cli_option options[] = {
        {'l', "long", NULL, "show mode, kind and id"}, {0, NULL, NULL, NULL}};

/* What the listing callback needs. */
typedef struct {
	const cli_ctx *ctx; /* --json */
	int longform;       /* -l */
	size_t count;       /* entries printed so far */
} ls_state;

static int print_entry(const kv_entry *e, void *payload)
{
	ls_state *st = payload;
	char hex[KV_OID_HEXSZ + 1];

	if (st->ctx->json) {
		printf("%s{\"name\":", st->count ? "," : "[");
		cli_json_cstr(stdout, e->path);
		printf(",\"kind\":\"%s\",\"id\":", cli_kind_name(e->kind));
		cli_json_oid(stdout, &e->id);
		putchar('}');
	} else if (st->longform) {
		printf("%06o %-9s %s\t%s%s\n", e->mode, cli_kind_name(e->kind),
		       kv_oid_tostr(hex, &e->id), e->path,
		       e->kind == KV_ENTRY_DIR ? "/" : "");
	} else {
		printf("%s%s\n", e->path, e->kind == KV_ENTRY_DIR ? "/" : "");
	}
	st->count++;
	return 0;
}

static int run(cli_ctx *ctx, const cli_args *args)
{
	ls_state st = {ctx, args->count[OPT_LONG] > 0, 0};
	const char *prefix = cli_path_operand(args, 0);
	int rc;

	if (!prefix && cli_branch_unborn(ctx))
		rc = 0; /* a new store: an empty root */
	else
		rc = kv_list(ctx->store, ctx->branch, prefix, print_entry, &st);
	if (rc < 0)
		return cli_fail(rc);
	if (ctx->json)
		printf("%s]\n", st.count ? "" : "[");
	return CLI_EXIT_OK;
}

const cli_command cli_cmd_ls = {
        "ls",
        run,
        "[PREFIX]",
        "list the children of a directory",
        "List the keys and directories directly under PREFIX (default: the "
        "root);\ndirectories end with '/'.",
        options,
        0,
        1,
        CLI_NEEDS_STORE};
