/*
 * runner.c: runs the unit and conformance tests.
 *
 *   runner [-s PATTERN]... [-B BACKEND]... [-v]
 *
 * -s runs the tests whose name ("object::tree::rejects_unsorted") starts
 * with PATTERN; -B limits conformance tests to the given backends (default:
 * every backend, or $KV_TEST_BACKENDS, space-separated). Each test runs in
 * its own process so that a crash or a hang (60 s) fails that test alone;
 * each gets a fresh temporary folder. The last line is
 * "unit: N passed, N failed".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kv_backend.h"
#include "test.h"

typedef void (*test_fn)(void);
struct test {
	const char *name;
	test_fn fn, init, cleanup;
};

#define DECL(fn) void fn(void);
#define TEST(fn, init, cleanup)
#include "tests.inc"
#undef TEST
#undef DECL

static const struct test tests[] = {
#define DECL(fn)
#define TEST(fn, init, cleanup) {#fn, fn, init, cleanup},
#include "tests.inc"
#undef TEST
#undef DECL
	{NULL, NULL, NULL, NULL}};

static const char *all_backends[] = {"mem", "lmdb", "git", NULL};

const char *test_backend = "mem";
static char tmpdir[256];
static kv_store *stores[16];
static size_t nstores;
static int verbose;

void test__fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	_exit(1);
}

const char *test_tmpdir(void)
{
	return tmpdir;
}

kv_store *test_store_open_uri(const char *uri, unsigned int flags)
{
	kv_store_options opts = KV_STORE_OPTIONS_INIT;
	kv_store *s = NULL;
	opts.flags = flags;
	if (kv_store_open(&s, uri, &opts) < 0)
		test__fail(__FILE__, __LINE__, "cannot open %s: %s", uri,
			   kv_error_last() ? kv_error_last()->message : "?");
	if (nstores < sizeof(stores) / sizeof(stores[0]))
		stores[nstores++] = s;
	return s;
}

kv_store *test_store_open(void)
{
	char uri[512];
	if (!strcmp(test_backend, "mem"))
		return test_store_open_uri("mem:", 0);
	snprintf(uri, sizeof(uri), "%s:%s/store%zu", test_backend, tmpdir,
		 nstores);
	return test_store_open_uri(uri, KV_OPEN_CREATE | KV_OPEN_NOSYNC);
}

const kv_commit_options *test_commit_opts(const char *message)
{
	static kv_signature sig = {"Test", "test@example.com", 1700000000, 0};
	static kv_commit_options opts;
	kv_commit_options_init(&opts, KV_COMMIT_OPTIONS_VERSION);
	opts.author = &sig;
	opts.message = message;
	return &opts;
}

int test_system(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st == -1)
		test__fail(__FILE__, __LINE__, "cannot run %s", cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* "test_object_tree__rejects_unsorted" -> "object::tree::rejects_unsorted"
 * (the first '_' after the module becomes "::", "__" becomes "::"). */
static void display_name(char *out, size_t n, const char *fn)
{
	const char *p = fn + 5, *sep = strstr(p, "__");
	const char *us = strchr(p, '_');
	if (us && sep && us < sep)
		snprintf(out, n, "%.*s::%.*s::%s", (int)(us - p), p,
			 (int)(sep - us - 1), us + 1, sep + 2);
	else
		snprintf(out, n, "%s", p);
}

static int matches(const char *name, char **pats, int npats)
{
	if (!npats)
		return 1;
	for (int i = 0; i < npats; i++)
		if (!strncmp(name, pats[i], strlen(pats[i])))
			return 1;
	return 0;
}

static void run_in_child(const struct test *t)
{
	if (t->init)
		t->init();
	t->fn();
	if (t->cleanup)
		t->cleanup();
	for (size_t i = 0; i < nstores; i++)
		kv_store_free(stores[i]);
	_exit(0);
}

/* Run one test in a child process; returns 1 if it passed. */
static int run_one(const struct test *t, const char *label)
{
	pid_t pid;
	int st, ok;
	char cmd[512];

	snprintf(tmpdir, sizeof(tmpdir), "%s/kvtest.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 0;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		alarm(120);
		run_in_child(t);
	}
	ok = pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	     WEXITSTATUS(st) == 0;
	if (!ok && pid > 0 && WIFSIGNALED(st))
		fprintf(stderr, "    killed by signal %d%s\n", WTERMSIG(st),
			WTERMSIG(st) == SIGALRM ? " (timeout)" : "");
	printf("%s - %s\n", ok ? "ok" : "FAIL", label);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	return ok;
}

int main(int argc, char **argv)
{
	char *pats[64], *backends[8], label[512], name[400];
	int npats = 0, nbackends = 0, passed = 0, failed = 0, opt;

	while ((opt = getopt(argc, argv, "s:B:v")) != -1) {
		if (opt == 's' && npats < 64)
			pats[npats++] = optarg;
		else if (opt == 'B' && nbackends < 8)
			backends[nbackends++] = optarg;
		else if (opt == 'v')
			verbose = 1;
		else {
			fprintf(stderr, "usage: runner [-s PATTERN] [-B BACKEND] [-v]\n");
			return 2;
		}
	}
	if (!nbackends) {
		char *env = getenv("KV_TEST_BACKENDS");
		if (env && *env) {
			for (char *tok = strtok(env, " ,"); tok && nbackends < 8;
			     tok = strtok(NULL, " ,"))
				backends[nbackends++] = tok;
		} else {
			for (int i = 0; all_backends[i]; i++)
				backends[nbackends++] = (char *)all_backends[i];
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (const struct test *t = tests; t->name; t++) {
		display_name(name, sizeof(name), t->name);
		if (!matches(name, pats, npats))
			continue;
		if (strncmp(t->name, "test_conformance_", 17)) {
			test_backend = "mem";
			run_one(t, name) ? passed++ : failed++;
			continue;
		}
		for (int b = 0; b < nbackends; b++) {
			test_backend = backends[b];
			snprintf(label, sizeof(label), "%s [%s]", name,
				 backends[b]);
			run_one(t, label) ? passed++ : failed++;
		}
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
