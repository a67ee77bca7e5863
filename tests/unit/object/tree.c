/* The strict tree parser: what git accepts, and every malformed form. */
#include "object.h"
#include "test.h"

static kv_oid some_id;

static size_t entry(char *out, const char *mode, const char *name)
{
	size_t n = (size_t)sprintf(out, "%s %s", mode, name) + 1;
	memcpy(out + n, some_id.id, 20);
	return n + 20;
}

static int parse(const char *data, size_t len)
{
	kv_tree *t = NULL;
	kv_oid id;
	int error;
	kv_error_clear();
	kv_object_hash(&id, KV_OBJ_TREE, data, len);
	error = kv_tree__parse(&t, &id, data, len);
	kv_tree__free(t);
	return error;
}

void test_object_tree__initialize(void)
{
	memset(some_id.id, 0xab, 20);
}

void test_object_tree__accepts_sorted_entries(void)
{
	char buf[512];
	size_t n = 0;
	n += entry(buf + n, "100644", "a");
	n += entry(buf + n, "100644", "a-b");
	n += entry(buf + n, "40000", "a0"); /* dir "a0/" sorts after "a-b" */
	n += entry(buf + n, "100755", "b");
	n += entry(buf + n, "120000", "c");
	n += entry(buf + n, "160000", "d");
	assert_ok(parse(buf, n));
	assert_ok(parse("", 0));
}

void test_object_tree__dir_sorts_as_if_ending_in_slash(void)
{
	char buf[512];
	size_t n = 0;
	/* "a.b" (0x2e) < "a/" (0x2f) < "a0": a dir "a" between them. */
	n += entry(buf + n, "100644", "a.b");
	n += entry(buf + n, "40000", "a");
	n += entry(buf + n, "100644", "a0");
	assert_ok(parse(buf, n));
}

void test_object_tree__rejects_unsorted_entries(void)
{
	char buf[512];
	size_t n = 0;
	n += entry(buf + n, "100644", "b");
	n += entry(buf + n, "100644", "a");
	assert_int_equal(KV_ECORRUPT, parse(buf, n));
	assert_error_contains("entry 1 'a': entries not sorted");
}

void test_object_tree__rejects_duplicate_entries(void)
{
	char buf[512];
	size_t n = 0;
	n += entry(buf + n, "100644", "a");
	n += entry(buf + n, "100644", "a");
	assert_int_equal(KV_ECORRUPT, parse(buf, n));
	assert_error_contains("duplicate entry name");
}

void test_object_tree__rejects_file_and_dir_of_same_name(void)
{
	char buf[512];
	size_t n = 0;
	n += entry(buf + n, "100644", "a");
	n += entry(buf + n, "100644", "a-b");
	n += entry(buf + n, "40000", "a");
	assert_int_equal(KV_ECORRUPT, parse(buf, n));
	assert_error_contains("duplicate entry name");
}

void test_object_tree__finds_twins_past_longer_names(void)
{
	char buf[512];
	size_t n = 0;
	/* the file "a" and the directory "a" are three entries apart */
	n += entry(buf + n, "100644", "a");
	n += entry(buf + n, "40000", "a!x");
	n += entry(buf + n, "100644", "a-b");
	n += entry(buf + n, "100644", "a.c");
	n += entry(buf + n, "40000", "a");
	assert_int_equal(KV_ECORRUPT, parse(buf, n));
	assert_error_contains("entry 4 'a': duplicate entry name");

	/* names that extend "a", and a twin-free "a" directory */
	n = 0;
	n += entry(buf + n, "100644", "A");
	n += entry(buf + n, "40000", "a!x");
	n += entry(buf + n, "100644", "a-b");
	n += entry(buf + n, "40000", "a");
	n += entry(buf + n, "100644", "ab");
	assert_ok(parse(buf, n));
}

void test_object_tree__rejects_bad_modes(void)
{
	const char *modes[] = {"100664", "040000",  "100000", "777777",
	                       "12",     "1006440", "abc"};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char buf[128];
		size_t n = entry(buf, modes[i], "a");
		if (parse(buf, n) != KV_ECORRUPT)
			test__fail(__FILE__, __LINE__, "accepted mode %s",
			           modes[i]);
		assert_error_contains("mode");
	}
}

void test_object_tree__rejects_truncated_input(void)
{
	char buf[128];
	size_t n = entry(buf, "100644", "name");
	for (size_t cut = 1; cut < n; cut++) {
		if (parse(buf, cut) != KV_ECORRUPT)
			test__fail(__FILE__, __LINE__,
			           "accepted %zu of %zu bytes", cut, n);
	}
}

void test_object_tree__rejects_hostile_names(void)
{
	const char *names[] = {"..", ".", ".git", ".GIT", ".gIt"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char buf[128];
		size_t n = entry(buf, "100644", names[i]);
		assert_int_equal(KV_ECORRUPT, parse(buf, n));
		assert_error_contains(names[i]);
	}
	{
		/* An empty name, and a name with '/'. */
		char buf[128];
		size_t n = (size_t)sprintf(buf, "100644 ") + 1;
		memcpy(buf + n, some_id.id, 20);
		assert_int_equal(KV_ECORRUPT, parse(buf, n + 20));
		assert_error_contains("empty step");
		n = entry(buf, "100644", "a/b");
		assert_int_equal(KV_ECORRUPT, parse(buf, n));
		assert_error_contains("contains '/'");
	}
}

void test_object_tree__find_distinguishes_file_and_dir(void)
{
	char buf[512];
	size_t n = 0;
	kv_tree *t;
	kv_oid id;
	n += entry(buf + n, "100644", "a.b");
	n += entry(buf + n, "40000", "a");
	n += entry(buf + n, "100644", "b");
	kv_object_hash(&id, KV_OBJ_TREE, buf, n);
	assert_ok(kv_tree__parse(&t, &id, buf, n));
	assert_int_equal(1, kv_tree__find(t, "a", 1));
	assert_int_equal(0, kv_tree__find(t, "a.b", 3));
	assert_int_equal(2, kv_tree__find(t, "b", 1));
	assert_int_equal(-1, kv_tree__find(t, "c", 1));
	kv_tree__free(t);
}

/* The unchecked indexer for a process's own trees sees what the strict
 * parser sees. */
void test_object_tree__index_own_agrees_with_parse(void)
{
	char buf[512];
	size_t n = 0;
	kv_tree *a, *b;
	n += entry(buf + n, "100644", "a.b");
	n += entry(buf + n, "40000", "a");
	n += entry(buf + n, "100755", "a0");
	n += entry(buf + n, "120000", "link");
	n += entry(buf + n, "160000", "sub");
	assert_ok(kv_tree__parse(&a, &some_id, buf, n));
	assert_ok(kv_tree__index_own(&b, &some_id, buf, n, 5));
	assert_int_equal(5, (int)b->nentries);
	assert_int_equal((int)a->nentries, (int)b->nentries);
	for (size_t i = 0; i < a->nentries; i++) {
		assert_int_equal((int)a->entries[i].mode,
		                 (int)b->entries[i].mode);
		assert_mem_equal(a->entries[i].name, a->entries[i].namelen,
		                 b->entries[i].name, b->entries[i].namelen);
		assert_true(kv_oid_equal(a->entries[i].id, b->entries[i].id));
	}
	kv_tree__free(a);
	kv_tree__free(b);
	assert_int_equal(KV_ERROR, kv_tree__index_own(&b, &some_id, buf, n, 4));
	assert_error_contains("4 entries do not fill");
	assert_ok(kv_tree__index_own(&b, &some_id, "", 0, 0));
	assert_int_equal(0, (int)b->nentries);
	kv_tree__free(b);
}

/* Bytes that are not a tree this process encoded are reported, not read
 * past: a mode without its space, a name without its NUL. */
void test_object_tree__index_own_refuses_what_it_did_not_encode(void)
{
	kv_tree *t;
	assert_int_equal(KV_ERROR,
	                 kv_tree__index_own(&t, &some_id, "100644", 6, 1));
	assert_int_equal(KV_ERROR,
	                 kv_tree__index_own(&t, &some_id, "100644 abc", 10, 1));
	assert_error_contains("1 entries do not fill its 10 bytes");
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

/* Plain byte order: memcmp of the common part, then the shorter first. */
static int byte_order(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c)
		return sign(c);
	return alen == blen ? 0 : alen < blen ? -1 : 1;
}

/* The comparison loops over short names itself and calls memcmp past 16
 * bytes: both must agree with byte order, high bytes included. */
void test_object_tree__entry_cmp_is_byte_order_at_every_length(void)
{
	char a[64], b[64];
	for (size_t len = 1; len <= 40; len++)
		for (size_t at = 0; at < len; at++) {
			memset(a, 'k', len);
			memcpy(b, a, len);
			b[at] = (char)0xc3; /* above 'k' only when unsigned */
			assert_int_equal(
			        byte_order(a, len, b, len),
			        sign(kv__entry_cmp(a, len, 0, b, len, 0)));
			assert_int_equal(
			        byte_order(b, len, a, len),
			        sign(kv__entry_cmp(b, len, 0, a, len, 0)));
			/* a prefix sorts first */
			assert_int_equal(
			        -1, sign(kv__entry_cmp(a, at, 0, a, len, 0)));
		}
}

/* The one-pass step check finds each problem wherever it is. */
void test_object_tree__step_problems_anywhere_in_the_name(void)
{
	assert_true(kv__step_problem("h\xc3\xa9llo", 6) == NULL);
	assert_str_equal("step contains '/'",
	                 kv__step_problem("h\xc3\xa9/", 4));
	assert_str_equal("step contains a NUL byte",
	                 kv__step_problem("ab\0cd", 5));
	assert_str_equal("step is not valid UTF-8",
	                 kv__step_problem("abcdefghijklmnopq\xff", 18));
	assert_str_equal("step is '.git'", kv__step_problem(".GiT", 4));
}
