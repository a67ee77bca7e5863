/*
 * cmd_branch.c: `kvctl branch`: list, create (`branch NAME [REV]`) and
 * delete (`branch -d NAME`) branches. Also the ref listing that `kvctl
 * tag` shares.
 *
 * The listing marks with '*' the branch kvctl works on: -b, else main.
 * A new branch starts at REV, else at the head of that same branch.
 * JSON: the list is an array of {"name","id","current"}; create and
 * delete print {"name","id"}.
 */
#include <string.h>

#include "cli.h"

enum { OPT_DELETE, OPT_FORCE, OPT_VERBOSE };

static const cli_option options[] = {
        {'d', "delete", NULL, "delete branch NAME"},
        {'f', "force", NULL, "move NAME to REV even if it exists"},
        {'v', "verbose", NULL, "show the id and subject of each head"},
        {0, NULL, NULL, NULL}};

/* What the ref listing callback needs. */
typedef struct {
	const cli_ctx *ctx;  /* --json, the store */
	size_t skip;         /* length of the prefix to strip */
	const char *current; /* the name to mark with '*', or NULL */
	int verbose;         /* add id and subject */
	size_t count;        /* refs printed */
} ref_list;

/* Print " 1a2b3c4d5e6f SUBJECT" for the commit `id`. */
static void print_verbose(kv_store *store, const kv_oid *id)
{
	char hex[KV_OID_HEXSZ + 1];
	kv_commit *commit = NULL;
	const char *subject = "";
	size_t len = 0;

	if (kv_commit_lookup(&commit, store, id) == 0)
		subject = cli_commit_subject(commit, &len);
	else
		kv_error_clear();
	printf(" %.12s %.*s", kv_oid_tostr(hex, id), (int)len, subject);
	kv_commit_free(commit);
}

static int print_ref(const char *name, const kv_oid *id, void *payload)
{
	ref_list *l = payload;
	const char *shortname = name + l->skip;
	int current = l->current && strcmp(shortname, l->current) == 0;

	if (l->ctx->json) {
		fputs(l->count ? "," : "", stdout);
		fputs("{\"name\":", stdout);
		cli_json_cstr(stdout, shortname);
		fputs(",\"id\":", stdout);
		cli_json_oid(stdout, id);
		if (l->current)
			printf(",\"current\":%s", current ? "true" : "false");
		putchar('}');
	} else {
		printf("%s%s", l->current ? (current ? "* " : "  ") : "",
		       shortname);
		if (l->verbose)
			print_verbose(l->ctx->store, id);
		putchar('\n');
	}
	l->count++;
	return 0;
}

int cli_list_refs(const cli_ctx *ctx, const char *prefix, const char *current,
                  int verbose)
{
	ref_list l = {ctx, strlen(prefix), current, verbose, 0};
	int rc;

	if (ctx->json)
		putchar('[');
	rc = kv_ref_foreach(ctx->store, prefix, print_ref, &l);
	if (ctx->json)
		printf("]\n");
	return rc < 0 ? cli_fail(rc) : CLI_EXIT_OK;
}

int cli_report_ref(const cli_ctx *ctx, const char *what, const char *name,
                   int deleted, const kv_oid *id)
{
	char hex[KV_OID_HEXSZ + 1];

	if (ctx->json) {
		printf("{\"name\":");
		cli_json_cstr(stdout, name);
		printf(",\"id\":");
		cli_json_oid(stdout, id);
		printf("}\n");
	} else if (deleted) {
		printf("Deleted %s %s (was %.12s)\n", what, name,
		       kv_oid_tostr(hex, id));
	} else {
		printf("Created %s %s at %.12s\n", what, name,
		       kv_oid_tostr(hex, id));
	}
	return CLI_EXIT_OK;
}

/* `branch -d NAME`. */
static int delete_branch(const cli_ctx *ctx, const char *name)
{
	char ref[512];
	kv_oid id;
	int rc;

	snprintf(ref, sizeof(ref), "refs/heads/%s", name);
	if ((rc = kv_ref_read(&id, ctx->store, ref)) < 0 ||
	    (rc = kv_branch_delete(ctx->store, name)) < 0)
		return cli_fail(rc);
	return cli_report_ref(ctx, "branch", name, 1, &id);
}

/* `branch [-f] NAME [REV]`. */
static int create_branch(const cli_ctx *ctx, const char *name, const char *rev,
                         int force)
{
	char ref[512];
	kv_oid id;
	int rc;

	snprintf(ref, sizeof(ref), "refs/heads/%s", name);
	if ((rc = kv_branch_create(ctx->store, name, rev, force)) < 0 ||
	    (rc = kv_ref_read(&id, ctx->store, ref)) < 0)
		return cli_fail(rc);
	return cli_report_ref(ctx, "branch", name, 0, &id);
}

static int run(cli_ctx *ctx, const cli_args *args)
{
	if (args->count[OPT_DELETE]) {
		if (args->argc != 1)
			return cli_usage_error(&cli_cmd_branch,
			                       "-d takes one NAME");
		return delete_branch(ctx, args->argv[0]);
	}
	if (args->argc == 0)
		return cli_list_refs(ctx, "refs/heads/", cli_branch_name(ctx),
		                     args->count[OPT_VERBOSE] > 0);
	return create_branch(ctx, args->argv[0],
	                     args->argc > 1 ? args->argv[1] : ctx->branch,
	                     args->count[OPT_FORCE] > 0);
}

const cli_command cli_cmd_branch = {
        "branch",
        run,
        "[NAME [REV]] | -d NAME",
        "list, create or delete branches",
        "Without NAME, list the branches, marking the current one (-b, else "
        "main)\nwith '*'. With NAME, create branch NAME at REV (default: the "
        "current branch's\nhead). With -d, delete branch NAME.",
        options,
        0,
        2,
        CLI_NEEDS_STORE};
