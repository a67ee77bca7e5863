/*
 * cmd_log.c: `kvctl log [-n N] [--first-parent] [--oneline] [KEY]`.
 *
 * History from the branch head (-b: any revision), newest first, over
 * all parents as git log does; --first-parent follows first parents only.
 * With KEY, only the commits that changed KEY or anything under it.
 * Text: git's medium format, or one "ID12 SUBJECT" line per commit with
 * --oneline. JSON: an array of commit objects (docs/kvctl.md).
 */
#include "cli.h"

enum { OPT_COUNT, OPT_FIRST_PARENT, OPT_ONELINE };

static const cli_option options[] = {
        {'n', "max-count", "N", "show at most N commits"},
        {0, "first-parent", NULL, "follow only the first parent of merges"},
        {0, "oneline", NULL, "one line per commit: short id and subject"},
        {0, NULL, NULL, NULL}};

typedef struct {
	const cli_ctx *ctx; /* --json */
	int oneline;        /* --oneline */
	size_t count;       /* commits printed */
} log_state;

static int print_commit(const kv_commit *commit, void *payload)
{
	log_state *st = payload;
	char hex[KV_OID_HEXSZ + 1];
	const char *subject;
	size_t len;

	if (st->ctx->json) {
		fputs(st->count ? "," : "[", stdout);
		cli_commit_json_open(stdout, commit);
		putchar('}');
	} else if (st->oneline) {
		subject = cli_commit_subject(commit, &len);
		printf("%.12s %.*s\n", kv_oid_tostr(hex, kv_commit_id(commit)),
		       (int)len, subject);
	} else {
		if (st->count)
			putchar('\n');
		cli_commit_print(stdout, commit);
	}
	st->count++;
	return 0;
}

static int run(cli_ctx *ctx, const cli_args *args)
{
	log_state st = {ctx, args->count[OPT_ONELINE] > 0, 0};
	kv_log_options opts;
	int rc;

	kv_log_options_init(&opts, KV_LOG_OPTIONS_VERSION);
	if (args->value[OPT_COUNT] &&
	    cli_parse_count(&opts.limit, args->value[OPT_COUNT]) != 0)
		return cli_usage_error(&cli_cmd_log, "bad count '%s'",
		                       args->value[OPT_COUNT]);
	if (args->value[OPT_COUNT] && opts.limit == 0) {
		/* -n 0 shows nothing; to kv_log() a 0 limit means none */
		if (ctx->json)
			printf("[]\n");
		return CLI_EXIT_OK;
	}
	if (args->count[OPT_FIRST_PARENT])
		opts.flags |= KV_LOG_FIRST_PARENT;
	opts.rev = ctx->branch;
	opts.key = cli_path_operand(args, 0);
	/* A new store has no history yet: show none rather than fail. */
	rc = cli_branch_unborn(ctx)
	             ? 0
	             : kv_log(ctx->store, &opts, print_commit, &st);
	if (rc < 0)
		return cli_fail(rc);
	if (ctx->json)
		printf("%s]\n", st.count ? "" : "[");
	return CLI_EXIT_OK;
}

const cli_command cli_cmd_log = {
        "log",
        run,
        "[KEY]",
        "show the history",
        "Show the commits of the branch, newest first (all parents, as git "
        "log does).\nWith KEY, only the commits that changed KEY or anything "
        "under it.",
        options,
        0,
        1,
        CLI_NEEDS_STORE};
