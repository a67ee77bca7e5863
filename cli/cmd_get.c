/*
 * cmd_get.c: `kvctl get KEY`: write the value of KEY.
 *
 * Text mode writes the exact bytes, with nothing added (no newline), so
 * `kvctl get k > f` round-trips any value. -b names the branch or any
 * revision to read at. An absent key (or a directory) exits 1.
 * JSON: {"key":K,"size":N,"encoding":"utf-8"|"base64","value":V}.
 */
#include "cli.h"

static const cli_option options[] = {{0, NULL, NULL, NULL}};

/* Print the value as JSON: as a string if it is UTF-8, else base64. */
static void print_json(const char *key, const kv_buf *value)
{
	int text = cli_utf8_valid(value->ptr, value->size);

	printf("{\"key\":");
	cli_json_cstr(stdout, key);
	printf(",\"size\":%zu,\"encoding\":\"%s\",\"value\":", value->size,
	       text ? "utf-8" : "base64");
	if (text) {
		cli_json_string(stdout, value->ptr, value->size);
	} else {
		putchar('"');
		cli_base64_write(stdout, value->ptr, value->size);
		putchar('"');
	}
	printf("}\n");
}

static int run(cli_ctx *ctx, const cli_args *args)
{
	kv_buf value = KV_BUF_INIT;
	int rc = kv_get(&value, ctx->store, ctx->branch, args->argv[0]);

	if (rc < 0) {
		kv_buf_dispose(&value);
		return cli_fail(rc);
	}
	if (ctx->json)
		print_json(args->argv[0], &value);
	else
		rc = cli_write_stdout(value.ptr, value.size);
	kv_buf_dispose(&value);
	return rc;
}

const cli_command cli_cmd_get = {
        "get",
        run,
        "KEY",
        "print the value of a key",
        "Write the value of KEY, byte for byte, to standard output. Exits 1 "
        "if KEY is\nabsent. -b reads at a branch, tag or commit.",
        options,
        1,
        1,
        CLI_NEEDS_STORE};
