/*
 * cmd_init.c: `kvctl init [--backend lmdb|git] [DIR]`: create a store.
 *
 * The store is DIR/.kv (DIR defaults to the current folder and is created
 * if needed, as `git init DIR` does), or exactly the --store URI when one
 * is given without DIR. $KV_STORE is not used: init creates where it is
 * told. A store already there is an error (exit 4): init never touches
 * existing data. "mem" is refused: a memory store ends with the process.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

enum { OPT_BACKEND };

static const cli_option options[] = {
        {0, "backend", "NAME", "lmdb (the default) or git"},
        {0, NULL, NULL, NULL}};

/* mkdir -p `path`. @return 0, or -1 with errno set */
static int mkdirs(const char *path)
{
	char buf[PATH_MAX];
	size_t i, len = strlen(path);

	if (len == 0 || len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return -1;
		buf[i] = path[i];
	}
	return 0;
}

/* 1 if `uri` starts with a scheme such as "lmdb:". */
static int has_scheme(const char *uri)
{
	size_t n = 0;

	while ((uri[n] >= 'a' && uri[n] <= 'z') ||
	       (uri[n] >= '0' && uri[n] <= '9'))
		n++;
	return n > 0 && uri[n] == ':';
}

/* Work out the URI to create into `uri`; the plain path into `path`. */
static int target(char *uri, char *path, size_t size, const cli_ctx *ctx,
                  const cli_args *args, const char *backend)
{
	const char *dir = args->argc ? args->argv[0] : NULL;
	int n;

	if (!dir && ctx->store_uri && has_scheme(ctx->store_uri)) {
		n = snprintf(uri, size, "%s", ctx->store_uri);
		snprintf(path, size, "%s", strchr(ctx->store_uri, ':') + 1);
		return n > 0 && (size_t)n < size ? 0 : -1;
	}
	if (!dir && ctx->store_uri)
		n = snprintf(path, size, "%s", ctx->store_uri);
	else
		n = snprintf(path, size, "%s/.kv", dir ? dir : ".");
	if (n <= 0 || (size_t)n >= size)
		return -1;
	if (dir && mkdirs(dir) != 0)
		return cli_error(CLI_EXIT_ERROR, "cannot create '%s': %s", dir,
		                 strerror(errno));
	n = snprintf(uri, size, "%s:%s", backend, path);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

static int run(cli_ctx *ctx, const cli_args *args)
{
	const char *backend = args->value[OPT_BACKEND];
	char uri[PATH_MAX + 16], path[PATH_MAX + 16], abs[PATH_MAX + 16];
	kv_store_options opts;
	kv_store *store = NULL;
	int rc;

	if (!backend)
		backend = "lmdb";
	if (strcmp(backend, "mem") == 0)
		return cli_usage_error(&cli_cmd_init,
		                       "a mem store lives only as long as "
		                       "its process; use lmdb");
	if (strcmp(backend, "lmdb") != 0 && strcmp(backend, "git") != 0)
		return cli_usage_error(&cli_cmd_init, "unknown backend '%s'",
		                       backend);
	if (!args->argc && ctx->store_uri &&
	    strncmp(ctx->store_uri, "mem:", 4) == 0)
		return cli_usage_error(&cli_cmd_init,
		                       "a mem store cannot be created on disk");
	if ((rc = target(uri, path, sizeof(uri), ctx, args, backend)) != 0)
		return rc < 0 ? cli_error(CLI_EXIT_ERROR, "path too long") : rc;
	kv_store_options_init(&opts, KV_STORE_OPTIONS_VERSION);
	opts.flags = KV_OPEN_CREATE | KV_OPEN_EXCL;
	if ((rc = kv_store_open(&store, uri, &opts)) < 0) {
		cli_fail(rc);
		return CLI_EXIT_ERROR; /* even KV_ENOTFOUND: no key is involved
		                        */
	}
	if (!realpath(path, abs))
		snprintf(abs, sizeof(abs), "%s", path);
	if (ctx->json) {
		printf("{\"store\":");
		cli_json_cstr(stdout, abs);
		printf(",\"backend\":");
		cli_json_cstr(stdout, kv_store_backend_name(store));
		printf("}\n");
	} else {
		printf("Initialized empty kv store in %s\n", abs);
	}
	kv_store_free(store);
	return CLI_EXIT_OK;
}

const cli_command cli_cmd_init = {
        "init",
        run,
        "[DIR]",
        "create a store",
        "Create a new, empty store in DIR/.kv (DIR: the current folder, "
        "created if\nneeded), or at the --store URI. Refuses to touch an "
        "existing store.",
        options,
        0,
        1,
        0};
