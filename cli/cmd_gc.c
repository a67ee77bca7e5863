/*
 * cmd_gc.c: `kvctl gc`: compact the store on disk (kv_store_gc()).
 *
 * On a git store: one pack of everything the refs reach, loose objects
 * and old packs it makes redundant removed, refs packed; git reads the
 * repository as after `git gc`. A backend without gc is an error (exit 4).
 *
 * Text: "size before: N bytes (X MiB)" and "size after: ..."; JSON:
 * {"backend","before","after"}.
 */
#include "cli.h"

extern const cli_command cli_cmd_gc;

static const cli_option options[] = {{0, NULL, NULL, NULL}};

static int run(cli_ctx *ctx, const cli_args *args)
{
	const char *backend = kv_store_backend_name(ctx->store);
	kv_gc_result r;
	int rc;

	(void)args;
	if ((rc = kv_store_gc(&r, ctx->store)) < 0) {
		cli_fail(rc);
		return CLI_EXIT_ERROR;
	}
	if (ctx->json) {
		printf("{\"backend\":");
		cli_json_cstr(stdout, backend);
		printf(",\"before\":%llu,\"after\":%llu}\n",
		       (unsigned long long)r.bytes_before,
		       (unsigned long long)r.bytes_after);
		return CLI_EXIT_OK;
	}
	printf("size before: %llu bytes (%.1f MiB)\n",
	       (unsigned long long)r.bytes_before,
	       (double)r.bytes_before / 1048576.0);
	printf("size after:  %llu bytes (%.1f MiB)\n",
	       (unsigned long long)r.bytes_after,
	       (double)r.bytes_after / 1048576.0);
	return CLI_EXIT_OK;
}

const cli_command cli_cmd_gc = {
        "gc",
        run,
        "",
        "compact the store on disk",
        "Compact the store without losing anything a branch or tag "
        "reaches. On a git\nstore: pack every reachable object into one "
        "pack, remove the loose objects\nand old packs it makes redundant, "
        "and pack the refs, as git gc does (nothing\nis pruned). Prints "
        "the size of the store before and after.",
        options,
        0,
        0,
        CLI_NEEDS_STORE};
