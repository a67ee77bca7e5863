/*
 * cmd_tree.c: `kvctl tree [PREFIX]`: every key under PREFIX, as a tree.
 *
 * Text: names relative to PREFIX, indented two spaces per level, each
 * directory on its own line with a trailing '/' before its contents.
 * JSON: a flat array of {"key","kind","id"} with full keys, in key order.
 * Built on kv_walk(), which visits keys depth first, so the contents of a
 * directory are contiguous and one previous path is enough to know which
 * directory lines to print.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_option options[] = {{0, NULL, NULL, NULL}};

typedef struct {
	const cli_ctx *ctx;        /* --json */
	size_t skip;               /* bytes of "PREFIX/" to strip from keys */
	char prev[KV_KEY_MAX + 2]; /* directory part of the previous key,
	                              ending with '/', or "" */
	size_t count;              /* entries printed */
} tree_state;

/* Number of leading whole directories ("a/b/") that `a` and `b` share,
 * and the byte length of that common part in *len. */
static size_t common_dirs(const char *a, const char *b, size_t *len)
{
	size_t i, depth = 0;

	*len = 0;
	for (i = 0; a[i] && a[i] == b[i]; i++)
		if (a[i] == '/') {
			depth++;
			*len = i + 1;
		}
	return depth;
}

/* Print `rel` (a key relative to PREFIX) with the directory lines it
 * opens. */
static void print_rel(tree_state *st, const char *rel)
{
	const char *name = strrchr(rel, '/');
	size_t dirlen = name ? (size_t)(name - rel) + 1 : 0, len, depth;
	char dir[KV_KEY_MAX + 2];

	memcpy(dir, rel, dirlen);
	dir[dirlen] = '\0';
	depth = common_dirs(st->prev, dir, &len);
	while (len < dirlen) {
		const char *slash = strchr(dir + len, '/');
		size_t n = (size_t)(slash - (dir + len)) + 1;

		printf("%*s%.*s\n", (int)(2 * depth), "", (int)n, dir + len);
		len += n;
		depth++;
	}
	printf("%*s%s\n", (int)(2 * depth), "", rel + dirlen);
	memcpy(st->prev, dir, dirlen + 1);
}

static int print_entry(const kv_entry *e, void *payload)
{
	tree_state *st = payload;

	if (st->ctx->json) {
		printf("%s{\"key\":", st->count ? "," : "[");
		cli_json_cstr(stdout, e->path);
		printf(",\"kind\":\"%s\",\"id\":", cli_kind_name(e->kind));
		cli_json_oid(stdout, &e->id);
		putchar('}');
	} else if (strlen(e->path) <= KV_KEY_MAX) {
		/* PREFIX itself, when it names a value, shows as it is */
		print_rel(st, strlen(e->path) >= st->skip ? e->path + st->skip
		                                          : e->path);
	}
	st->count++;
	return 0;
}

static int run(cli_ctx *ctx, const cli_args *args)
{
	const char *prefix = cli_path_operand(args, 0);
	tree_state *st = calloc(1, sizeof(*st));
	int rc;

	if (!st)
		return cli_error(CLI_EXIT_ERROR, "out of memory");
	st->ctx = ctx;
	st->skip = prefix && *prefix ? strlen(prefix) + 1 : 0;
	if (!prefix && cli_branch_unborn(ctx))
		rc = 0; /* a new store: an empty root */
	else
		rc = kv_walk(ctx->store, ctx->branch, prefix, print_entry, st);
	if (rc >= 0 && ctx->json)
		printf("%s]\n", st->count ? "" : "[");
	free(st);
	return rc < 0 ? cli_fail(rc) : CLI_EXIT_OK;
}

const cli_command cli_cmd_tree = {
        "tree",
        run,
        "[PREFIX]",
        "show every key under a directory",
        "Show every key under PREFIX (default: the root) as an indented "
        "tree.",
        options,
        0,
        1,
        CLI_NEEDS_STORE};
