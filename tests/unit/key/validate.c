/* Key and ref-name validation: every bad form from DESIGN.md. */
#include "test.h"

static void refuse(const char *key, const char *why)
{
	kv_error_clear();
	assert_int_equal(KV_EINVALID, kv_key_validate(key));
	assert_error_contains(why);
}

void test_key_validate__accepts_normal_keys(void)
{
	assert_ok(kv_key_validate("a"));
	assert_ok(kv_key_validate("users/42/name"));
	assert_ok(kv_key_validate("caf\xc3\xa9/\xe2\x82\xac"));
	assert_ok(kv_key_validate(".hidden/..x/x.."));
	assert_ok(kv_key_validate(".gitignore"));
}

void test_key_validate__rejects_empty_and_slashes(void)
{
	refuse("", "empty key");
	refuse("/a", "step 1 '': empty step");
	refuse("a/", "step 2 '': empty step");
	refuse("a//b", "step 2 '': empty step");
}

void test_key_validate__rejects_dot_steps(void)
{
	refuse(".", "step 1 '.'");
	refuse("a/..", "step 2 '..'");
	refuse("a/../b", "is '.' or '..'");
}

void test_key_validate__rejects_dot_git_in_any_case(void)
{
	refuse(".git", "step is '.git'");
	refuse("x/.GIT/y", "step 2 '.GIT'");
	refuse("x/.Git", "'.git'");
}

void test_key_validate__rejects_bad_utf8(void)
{
	refuse("a/\xff", "not valid UTF-8");
	refuse("\xc0\xaf", "not valid UTF-8");     /* overlong '/' */
	refuse("\xed\xa0\x80", "not valid UTF-8"); /* surrogate */
	refuse("\xe2\x82", "not valid UTF-8");     /* truncated */
}

void test_key_validate__rejects_long_steps_and_keys(void)
{
	char step[300], key[5000];
	memset(step, 'a', 256);
	step[256] = '\0';
	refuse(step, "longer than 255");
	step[255] = '\0';
	assert_ok(kv_key_validate(step));
	for (size_t i = 0; i < sizeof(key) - 1; i++)
		key[i] = i % 2 ? '/' : 'k';
	key[4097] = '\0'; /* 4097 bytes */
	refuse(key, "longer than 4096");
	key[4095] = '\0';
	assert_ok(kv_key_validate(key));
}

void test_key_validate__refname_rules(void)
{
	const char *bad[] = {"",     "a..b",   "-x",         "a b",   "a~1",
	                     "a^",   "a:b",    "a?",         "a*",    "a[",
	                     "a\\b", "a/",     "/a",         "a//b",  ".a",
	                     "a/.b", "a.lock", "a/b.lock/c", "a@{1}", "@",
	                     "a.",   "a\x01"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (kv_refname_validate(bad[i]) != KV_EINVALID)
			test__fail(__FILE__, __LINE__, "accepted '%s'", bad[i]);
	}
	assert_ok(kv_refname_validate("main"));
	assert_ok(kv_refname_validate("feature/x-1.2"));
	assert_ok(kv_refname_validate("v1.0"));
}
