/* The strict commit parser and the commit encoder. */
#include "object.h"
#include "test.h"

#define TREE "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
#define SIG  "A U Thor <a@example.com> 1700000000 +0100"

static int parse(const char *text, kv_commit **out)
{
	kv_oid id;
	kv_commit *c = NULL;
	int error;
	kv_error_clear();
	kv_object_hash(&id, KV_OBJ_COMMIT, text, strlen(text));
	error = kv_commit__parse(&c, &id, text, strlen(text));
	if (out)
		*out = c;
	else
		kv_commit_free(c);
	return error;
}

void test_object_commit__parses_fields(void)
{
	kv_commit *c;
	assert_ok(parse(TREE "parent 1111111111111111111111111111111111111111\n"
	                     "parent 2222222222222222222222222222222222222222\n"
	                     "author " SIG
	                     "\ncommitter C O Mitter <c@x> 5 -0230\n"
	                     "gpgsig -----BEGIN-----\n continued\n\nhello\n",
	                &c));
	assert_int_equal(2, kv_commit_parentcount(c));
	assert_str_equal("A U Thor", kv_commit_author(c)->name);
	assert_str_equal("a@example.com", kv_commit_author(c)->email);
	assert_int_equal(1700000000, kv_commit_author(c)->time);
	assert_int_equal(60, kv_commit_author(c)->offset);
	assert_int_equal(-150, kv_commit_committer(c)->offset);
	assert_str_equal("hello\n", kv_commit_message(c));
	kv_commit_free(c);
}

void test_object_commit__rejects_malformed(void)
{
	const char *bad[][2] = {
	        {"", "tree line"},
	        {"tree 4b825dc642cb6eb9a060e54bf8d69288fbee490\n", "tree line"},
	        {TREE "parent xyz\n", "bad parent"},
	        {TREE "committer " SIG "\n\n", "missing author"},
	        {TREE "author " SIG "\n\n", "missing committer"},
	        {TREE "author A <a> x +0000\ncommitter " SIG "\n\n",
	         "bad date"},
	        {TREE "author A <a> 1 0000\ncommitter " SIG "\n\n",
	         "time zone"},
	        /* found by fuzzing: +9960 was written back as +10000 */
	        {TREE "author A <a> 1 +9960\ncommitter " SIG "\n\n",
	         "time zone minutes"},
	        {TREE "author A a> 1 +0000\ncommitter " SIG "\n\n", "author"},
	        {TREE "author " SIG "\ncommitter " SIG "\n", "no blank line"},
	        {TREE "author " SIG "\ncommitter " SIG, "truncated"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i][0], NULL) != KV_ECORRUPT)
			test__fail(__FILE__, __LINE__, "accepted case %zu", i);
		assert_error_contains(bad[i][1]);
	}
}

void test_object_commit__encode_then_parse_roundtrips(void)
{
	kv_signature a = {"Ann", "ann@x", 1234567890, -330};
	kv_buf buf = KV_BUF_INIT;
	kv_oid tree = kv__empty_tree_id, parent, id;
	kv_commit *c;
	memset(parent.id, 7, 20);
	assert_ok(kv_commit__encode(&buf, &tree, &parent, 1, &a, &a, "msg"));
	assert_str_equal(TREE
	                 "parent 0707070707070707070707070707070707070707\n"
	                 "author Ann <ann@x> 1234567890 -0530\n"
	                 "committer Ann <ann@x> 1234567890 -0530\n\nmsg\n",
	                 buf.ptr);
	kv_object_hash(&id, KV_OBJ_COMMIT, buf.ptr, buf.size);
	assert_ok(kv_commit__parse(&c, &id, buf.ptr, buf.size));
	assert_int_equal(-330, c->author.offset);
	kv_commit_free(c);
	kv_buf_dispose(&buf);
}
