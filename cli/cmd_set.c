/*
 * cmd_set.c: `kvctl set KEY (VALUE | --file F | -)`: one commit.
 *
 * The value is the operand's bytes, the content of file F, or standard
 * input ("-"), read whole and in binary. Setting the value a key already
 * has makes no commit and exits 0 (kv_set() returns KV_NOCHANGE).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_FILE = CLI_OPT_COMMIT_END };

static const cli_option options[] = {
        CLI_COMMIT_OPTIONS,
        {0, "file", "F", "read the value from file F ('-': standard input)"},
        {0, NULL, NULL, NULL}};

/* Fill `value` from the command line; *data and *len say where it is. */
static int load_value(cli_bytes *value, const char **data, size_t *len,
                      const cli_args *args)
{
	const char *file = args->value[OPT_FILE];
	int rc;

	if (file && args->argc > 1)
		return cli_usage_error(&cli_cmd_set,
		                       "give VALUE or --file, not both");
	if (!file && args->argc < 2)
		return cli_usage_error(&cli_cmd_set, "missing VALUE");
	if (!file && strcmp(args->argv[1], "-") != 0) {
		*data = args->argv[1];
		*len = strlen(args->argv[1]);
		return CLI_EXIT_OK;
	}
	if ((rc = cli_read_file(value, file ? file : "-")) != CLI_EXIT_OK)
		return rc;
	*data = value->ptr ? value->ptr : "";
	*len = value->size;
	return CLI_EXIT_OK;
}

static int run(cli_ctx *ctx, const cli_args *args)
{
	cli_bytes value = {NULL, 0, 0};
	const char *data = NULL;
	size_t len = 0;
	cli_commit c;
	kv_oid id;
	int rc;

	if ((rc = cli_commit_init(&c, args)) == CLI_EXIT_OK &&
	    (rc = load_value(&value, &data, &len, args)) == CLI_EXIT_OK &&
	    (rc = cli_check_branch(ctx)) == CLI_EXIT_OK) {
		memset(&id, 0, sizeof(id));
		rc = kv_set(&id, ctx->store, ctx->branch, args->argv[0], data,
		            len, &c.opts);
		rc = cli_report_write(ctx, rc, &id);
	}
	free(value.ptr);
	cli_commit_dispose(&c);
	return rc;
}

const cli_command cli_cmd_set = {
        "set",
        run,
        "KEY (VALUE | --file F | -)",
        "set a key to a value",
        "Set KEY to VALUE, to the content of file F, or to standard input "
        "('-'), in one\ncommit on the branch. Setting the value a key already "
        "has makes no commit.\nPut '--' before a VALUE that starts with '-'.",
        options,
        1,
        2,
        CLI_NEEDS_STORE | CLI_WRITES};
