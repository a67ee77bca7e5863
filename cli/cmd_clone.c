/*
 * cmd_clone.c: `kvctl clone SRC [DIR] [--backend lmdb|git]`: copy a store.
 *
 * SRC is a local store of any backend: a store folder or URI ("lmdb:PATH",
 * "git:PATH"), a folder holding .kv, a git repository, or file://PATH. The
 * copy is created in DIR/.kv as `kvctl init` creates a store (DIR: the
 * last name of SRC without ".git" or ".kv", as git clone chooses it) and
 * gets every ref of SRC with every object they reach (kv_store_copy()),
 * so commit ids are the same in both. A clone that fails removes what it
 * created. Progress goes to stderr when it is a terminal.
 *
 * Text: "Cloned SRC into PATH (BACKEND): N objects, M refs". JSON:
 * {"store","backend","objects","refs"}.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

extern const cli_command cli_cmd_clone;

enum { OPT_BACKEND };

static const cli_option options[] = {
        {0, "backend", "NAME", "lmdb (the default) or git"},
        {0, NULL, NULL, NULL}};

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* 1 if `uri` starts with a scheme such as "lmdb:". */
static int has_scheme(const char *uri)
{
	size_t n = 0;
	while (uri[n] >= 'a' && uri[n] <= 'z')
		n++;
	return n > 0 && uri[n] == ':';
}

/* The source URI of operand `src` into `out`. */
static int source_uri(char *out, size_t size, const char *src)
{
	char probe[PATH_MAX + 8];
	int n;

	if (!strncmp(src, "file://", 7))
		src += 7;
	if (has_scheme(src) || !*src)
		n = snprintf(out, size, "%s", src);
	else if (snprintf(probe, sizeof(probe), "%s/.kv", src) <
	                 (int)sizeof(probe) &&
	         is_dir(probe))
		n = snprintf(out, size, "%s", probe);
	else
		n = snprintf(out, size, "%s", src);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

/* The folder git clone would pick for `uri`: its last name without a
 * trailing "/.kv", ".git" or ".kv". */
static int default_dir(char *out, size_t size, const char *uri)
{
	const char *p = has_scheme(uri) ? strchr(uri, ':') + 1 : uri;
	size_t len = strlen(p), start;

	while (len > 1 && p[len - 1] == '/')
		len--;
	if (len >= 4 && !strncmp(p + len - 4, "/.kv", 4))
		len -= 4;
	while (len > 1 && p[len - 1] == '/')
		len--;
	for (start = len; start > 0 && p[start - 1] != '/'; start--)
		;
	if (len - start > 4 && (!strncmp(p + len - 4, ".git", 4)))
		len -= 4;
	else if (len - start > 3 && !strncmp(p + len - 3, ".kv", 3))
		len -= 3;
	if (len <= start || (len - start == 1 && p[start] == '.') ||
	    (len - start == 2 && !strncmp(p + start, "..", 2)) ||
	    len - start >= size)
		return -1;
	memcpy(out, p + start, len - start);
	out[len - start] = '\0';
	return 0;
}

/* mkdir -p `path`; *created says whether its last folder is new. */
static int mkdirs(const char *path, int *created)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	*created = 0;
	if (len == 0 || len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0777) == 0)
			*created = i == len;
		else if (errno != EEXIST)
			return -1;
		buf[i] = path[i];
	}
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

/* rm -rf `path`. */
static void remove_all(const char *path)
{
	nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int progress(const kv_copy_progress *p, void *payload)
{
	(void)payload;
	fprintf(stderr, "\rCopying objects: %llu (%.1f MiB)%s",
	        (unsigned long long)p->objects, (double)p->bytes / 1048576.0,
	        p->done ? ", done.\n" : "");
	return 0;
}

/* Counts the copy's objects, and shows its progress on a terminal. */
struct tally {
	int show;
	kv_copy_progress last;
};

static int on_progress(const kv_copy_progress *p, void *payload)
{
	struct tally *t = payload;
	t->last = *p;
	return t->show ? progress(p, NULL) : 0;
}

static int run(cli_ctx *ctx, const cli_args *args)
{
	const char *backend = args->value[OPT_BACKEND];
	char src[PATH_MAX + 16], dir[PATH_MAX], path[PATH_MAX + 8];
	char uri[PATH_MAX + 16], abs[PATH_MAX + 8];
	kv_store_options opts;
	kv_store *from = NULL, *to = NULL;
	struct tally t = {0, {0, 0, 0, 0, 0, 0}};
	int rc, created = 0;

	if (!backend)
		backend = "lmdb";
	if (strcmp(backend, "lmdb") != 0 && strcmp(backend, "git") != 0)
		return cli_usage_error(&cli_cmd_clone, "unknown backend '%s'",
		                       backend);
	if (source_uri(src, sizeof(src), args->argv[0]) < 0 ||
	    !strncmp(src, "mem:", 4))
		return cli_usage_error(&cli_cmd_clone,
		                       "'%s' is not a store to clone",
		                       args->argv[0]);
	if (args->argc > 1)
		snprintf(dir, sizeof(dir), "%s", args->argv[1]);
	else if (default_dir(dir, sizeof(dir), src) < 0)
		return cli_usage_error(&cli_cmd_clone,
		                       "cannot choose a folder name for '%s'; "
		                       "give DIR",
		                       args->argv[0]);
	if (snprintf(path, sizeof(path), "%s/.kv", dir) >= (int)sizeof(path) ||
	    snprintf(uri, sizeof(uri), "%s:%s", backend, path) >=
	            (int)sizeof(uri))
		return cli_error(CLI_EXIT_ERROR, "path too long");

	kv_store_options_init(&opts, KV_STORE_OPTIONS_VERSION);
	opts.flags = KV_OPEN_RDONLY;
	if ((rc = kv_store_open(&from, src, &opts)) < 0) {
		cli_fail(rc);
		return CLI_EXIT_ERROR; /* a missing store, not a missing key */
	}
	if (access(path, F_OK) == 0) {
		kv_store_free(from);
		return cli_error(CLI_EXIT_ERROR, "'%s' already exists", path);
	}
	if (mkdirs(dir, &created) < 0) {
		kv_store_free(from);
		return cli_error(CLI_EXIT_ERROR, "cannot create '%s': %s", dir,
		                 strerror(errno));
	}
	opts.flags = KV_OPEN_CREATE | KV_OPEN_EXCL;
	if ((rc = kv_store_open(&to, uri, &opts)) == 0) {
		t.show = !ctx->json && isatty(2);
		rc = kv_store_copy(to, from, on_progress, &t);
	}
	if (rc < 0) {
		cli_fail(rc);
		kv_store_free(to);
		kv_store_free(from);
		remove_all(created ? dir : path);
		return CLI_EXIT_ERROR;
	}
	if (!realpath(path, abs))
		snprintf(abs, sizeof(abs), "%s", path);
	if (ctx->json) {
		printf("{\"store\":");
		cli_json_cstr(stdout, abs);
		printf(",\"backend\":");
		cli_json_cstr(stdout, kv_store_backend_name(to));
		printf(",\"objects\":%llu,\"refs\":%zu}\n",
		       (unsigned long long)t.last.objects, t.last.refs);
	} else {
		printf("Cloned %s into %s (%s): %llu objects, %zu refs\n", src,
		       abs, kv_store_backend_name(to),
		       (unsigned long long)t.last.objects, t.last.refs);
	}
	kv_store_free(to);
	kv_store_free(from);
	return CLI_EXIT_OK;
}

const cli_command cli_cmd_clone = {
        "clone",
        run,
        "SRC [DIR]",
        "copy a store, with all its history, into a new one",
        "Copy the store SRC (a store folder or URI, a folder holding .kv, "
        "or a git\nrepository) into a new store DIR/.kv, created as init "
        "creates one (DIR: the\nname of SRC). Every branch, tag and object "
        "is copied; commit ids stay the\nsame, so a store moves between "
        "the lmdb and git backends without change.",
        options,
        1,
        2,
        0};
