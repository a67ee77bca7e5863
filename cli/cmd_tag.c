/*
 * cmd_tag.c: `kvctl tag`: list, create (`tag NAME [REV]`) and delete
 * (`tag -d NAME`) tags.
 *
 * Tags are lightweight refs (refs/tags/NAME) naming a commit; REV
 * defaults to the branch head (-b, else main). An existing tag is moved
 * only with -f. JSON: the list is an array of {"name","id"}; create and
 * delete print {"name","id"}.
 */
#include <stdio.h>

#include "cli.h"

enum { OPT_DELETE, OPT_FORCE };

static const cli_option options[] = {
        {'d', "delete", NULL, "delete tag NAME"},
        {'f', "force", NULL, "move NAME to REV even if it exists"},
        {0, NULL, NULL, NULL}};

/* Create (or with `del`, delete) tag `name`; `rev` is where it goes. */
static int change_tag(const cli_ctx *ctx, const char *name, const char *rev,
                      int force, int del)
{
	char ref[512];
	kv_oid id;
	int rc;

	snprintf(ref, sizeof(ref), "refs/tags/%s", name);
	if (del) {
		if ((rc = kv_ref_read(&id, ctx->store, ref)) == 0)
			rc = kv_tag_delete(ctx->store, name);
	} else if ((rc = kv_tag_create(ctx->store, name, rev, force)) == 0)
		rc = kv_ref_read(&id, ctx->store, ref);
	if (rc < 0)
		return cli_fail(rc);
	return cli_report_ref(ctx, "tag", name, del, &id);
}

static int run(cli_ctx *ctx, const cli_args *args)
{
	if (args->count[OPT_DELETE]) {
		if (args->argc != 1)
			return cli_usage_error(&cli_cmd_tag,
			                       "-d takes one NAME");
		return change_tag(ctx, args->argv[0], NULL, 0, 1);
	}
	if (args->argc == 0)
		return cli_list_refs(ctx, "refs/tags/", NULL, 0);
	return change_tag(ctx, args->argv[0],
	                  args->argc > 1 ? args->argv[1] : ctx->branch,
	                  args->count[OPT_FORCE] > 0, 0);
}

const cli_command cli_cmd_tag = {
        "tag",
        run,
        "[NAME [REV]] | -d NAME",
        "list, create or delete tags",
        "Without NAME, list the tags. With NAME, create tag NAME at REV "
        "(default: the\nbranch head). With -d, delete tag NAME.",
        options,
        0,
        2,
        CLI_NEEDS_STORE};
