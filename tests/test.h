/*
 * test.h: the unit test framework (tests/runner.c runs it).
 *
 * A test is a function `void test_<module>_<topic>__<case>(void)` in a file
 * under tests/unit/<module>/ or tests/conformance/; tests/gen-tests.sh finds
 * them. A file may define `test_<module>_<topic>__initialize` and
 * `__cleanup`, run around each of its tests.
 *
 * Conformance tests (test_conformance_*) run once per backend; they get
 * their store from test_store_open(), which opens a fresh store of the
 * backend under test.
 *
 * Assertions stop the current test on failure and report file and line.
 */
#ifndef KV_TEST_H
#define KV_TEST_H

#include <stdio.h>
#include <string.h>
#include "kv.h"

void test__fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

/** Name of the backend under test ("mem", "lmdb"). */
extern const char *test_backend;

/** A new temporary folder, removed after the test. Borrowed path. */
const char *test_tmpdir(void);

/** A fresh, empty store of the backend under test; freed after the test. */
kv_store *test_store_open(void);

/** Open the store at `uri` with `flags`, asserting success; freed after
 * the test unless you free it yourself first (then call with NULL). */
kv_store *test_store_open_uri(const char *uri, unsigned int flags);

/** A fixed signature (time 1700000000 +0000) for reproducible commits. */
const kv_commit_options *test_commit_opts(const char *message);

/** Run a shell command, return its exit status (asserts it ran). */
int test_system(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define assert_true(c)                                                        \
	do {                                                                  \
		if (!(c))                                                     \
			test__fail(__FILE__, __LINE__, "expected %s", #c);    \
	} while (0)

#define assert_int_equal(want, got)                                           \
	do {                                                                  \
		long long w_ = (long long)(want), g_ = (long long)(got);     \
		if (w_ != g_)                                                 \
			test__fail(__FILE__, __LINE__,                        \
				   "%s: expected %lld, got %lld (%s)", #got,  \
				   w_, g_,                                    \
				   kv_error_last() ? kv_error_last()->message \
						   : "no error set");         \
	} while (0)

/** Assert that a kv call returned 0, showing the error message if not. */
#define assert_ok(expr) assert_int_equal(0, (expr))

#define assert_str_equal(want, got)                                           \
	do {                                                                  \
		const char *w_ = (want), *g_ = (got);                         \
		if (!w_ || !g_ || strcmp(w_, g_))                             \
			test__fail(__FILE__, __LINE__,                        \
				   "%s: expected \"%s\", got \"%s\"", #got,   \
				   w_ ? w_ : "(null)", g_ ? g_ : "(null)");   \
	} while (0)

#define assert_mem_equal(want, wlen, got, glen)                               \
	do {                                                                  \
		size_t wl_ = (wlen), gl_ = (glen);                            \
		if (wl_ != gl_ || (wl_ && memcmp((want), (got), wl_)))        \
			test__fail(__FILE__, __LINE__,                        \
				   "%s: bytes differ (%zu vs %zu bytes)",     \
				   #got, wl_, gl_);                           \
	} while (0)

/** Assert the last error message contains `needle`. */
#define assert_error_contains(needle)                                         \
	do {                                                                  \
		const kv_error *e_ = kv_error_last();                         \
		if (!e_ || !strstr(e_->message, (needle)))                    \
			test__fail(__FILE__, __LINE__,                        \
				   "error message \"%s\" lacks \"%s\"",       \
				   e_ ? e_->message : "(none)", (needle));    \
	} while (0)

#endif
