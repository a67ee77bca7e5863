/*
 * cmd_fsck.c: `kvctl fsck`: check the whole store.
 *
 * Every object is re-hashed and parsed, and every ref's history checked
 * (kv_fsck()). Text: one "error: OBJECT: MESSAGE" (or "error: ref REF:
 * MESSAGE"; the object is not repeated when the message names it) line
 * per problem, then "no problems found" or "N problems
 * found". JSON: {"errors":[{"id","ref","message"}],"problems":N}.
 * Exit 0 if clean, 4 if any problem was found.
 */
#include <string.h>

#include "cli.h"

static const cli_option options[] = {{0, NULL, NULL, NULL}};

typedef struct {
	int json;     /* --json */
	size_t count; /* problems printed */
} fsck_state;

static int print_problem(const kv_fsck_problem *p, void *payload)
{
	fsck_state *st = payload;
	char hex[KV_OID_HEXSZ + 1];

	if (st->json) {
		fputs(st->count ? ",{\"id\":" : "{\"errors\":[{\"id\":",
		      stdout);
		cli_json_oid(stdout, &p->id);
		fputs(",\"ref\":", stdout);
		cli_json_cstr(stdout, p->ref);
		fputs(",\"message\":", stdout);
		cli_json_cstr(stdout, p->message);
		putchar('}');
	} else if (p->ref) {
		printf("error: ref %s: %s\n", p->ref, p->message);
	} else if (strstr(p->message, kv_oid_tostr(hex, &p->id))) {
		printf("error: %s\n", p->message); /* it names the object */
	} else {
		printf("error: %s: %s\n", hex, p->message);
	}
	st->count++;
	return 0;
}

static int run(cli_ctx *ctx, const cli_args *args)
{
	fsck_state st = {ctx->json, 0};
	size_t problems = 0;
	int rc;

	(void)args;
	rc = kv_fsck(&problems, ctx->store, print_problem, &st);
	if (rc < 0 && st.count == 0)
		return cli_fail(rc);
	if (ctx->json) /* the array opens at the first problem */
		printf("%s],\"problems\":%zu}\n",
		       st.count ? "" : "{\"errors\":[", problems);
	if (rc < 0)
		return cli_fail(rc);
	if (!ctx->json && problems == 0)
		printf("no problems found\n");
	else if (!ctx->json)
		printf("%zu problem%s found\n", problems,
		       problems == 1 ? "" : "s");
	return problems ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}

const cli_command cli_cmd_fsck = {
        "fsck",
        run,
        "",
        "check the integrity of the store",
        "Re-hash every object, parse every tree and commit, and check that "
        "every\nbranch and tag reaches a complete history. Exits 4 if a "
        "problem is found.",
        options,
        0,
        0,
        CLI_NEEDS_STORE};
