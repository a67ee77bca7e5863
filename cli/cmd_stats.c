/*
 * cmd_stats.c: `kvctl stats`: figures about the store (kv_store_stats()).
 *
 * Text: one "name: value" line per figure. JSON: {"backend","objects",
 * "blobs","trees","commits","object_bytes","stored_bytes","refs",
 * "disk_bytes"}, all numbers but the backend's name.
 */
#include "cli.h"

static const cli_option options[] = {{0, NULL, NULL, NULL}};

static int run(cli_ctx *ctx, const cli_args *args)
{
	const char *backend = kv_store_backend_name(ctx->store);
	kv_stats s;
	int rc;

	(void)args;
	if ((rc = kv_store_stats(&s, ctx->store)) < 0)
		return cli_fail(rc);
	if (ctx->json) {
		printf("{\"backend\":");
		cli_json_cstr(stdout, backend);
		printf(",\"objects\":%llu,\"blobs\":%llu,\"trees\":%llu,"
		       "\"commits\":%llu,\"object_bytes\":%llu,"
		       "\"stored_bytes\":%llu,\"refs\":%llu,"
		       "\"disk_bytes\":%llu}\n",
		       (unsigned long long)s.objects,
		       (unsigned long long)s.blobs, (unsigned long long)s.trees,
		       (unsigned long long)s.commits,
		       (unsigned long long)s.object_bytes,
		       (unsigned long long)s.stored_bytes,
		       (unsigned long long)s.refs,
		       (unsigned long long)s.disk_bytes);
		return CLI_EXIT_OK;
	}
	printf("backend:       %s\n", backend ? backend : "?");
	printf("objects:       %llu (%llu blobs, %llu trees, %llu commits)\n",
	       (unsigned long long)s.objects, (unsigned long long)s.blobs,
	       (unsigned long long)s.trees, (unsigned long long)s.commits);
	printf("object bytes:  %llu\n", (unsigned long long)s.object_bytes);
	printf("stored bytes:  %llu\n", (unsigned long long)s.stored_bytes);
	printf("refs:          %llu\n", (unsigned long long)s.refs);
	printf("disk bytes:    %llu\n", (unsigned long long)s.disk_bytes);
	return CLI_EXIT_OK;
}

const cli_command cli_cmd_stats = {
        "stats",
        run,
        "",
        "show figures about the store",
        "Count the objects (by type), their bytes before and after "
        "compression, the\nrefs, and the size of the store on disk.",
        options,
        0,
        0,
        CLI_NEEDS_STORE};
