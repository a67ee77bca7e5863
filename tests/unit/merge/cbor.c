/* The cbor strategy: key-by-key map merges, canonical output, and
 * hostile input that must conflict without crashing or allocating big. */
#include "merge.h"
#include "test.h"

static kv_buf out;

void test_merge_cbor__cleanup(void)
{
	kv_buf_dispose(&out);
}

static kv_buf hex(const char *h)
{
	kv_buf b = KV_BUF_INIT;
	for (; h[0] && h[1]; h += 2) {
		unsigned v;
		if (h[0] == ' ') {
			h--;
			continue;
		}
		sscanf(h, "%2x", &v);
		kv_buf_put(&b, &(char){(char)v}, 1);
	}
	return b;
}

static int merge3(const char *b, const char *o, const char *t)
{
	kv_buf kb = hex(b ? b : ""), ko = hex(o), kt = hex(t);
	const char *reason = NULL;
	int error = kv__cbor_merge(&out, &reason, b ? &kb : NULL, &ko, &kt);
	kv_buf_dispose(&kb);
	kv_buf_dispose(&ko);
	kv_buf_dispose(&kt);
	return error;
}

static void expect_hex(const char *want)
{
	kv_buf w = hex(want);
	assert_mem_equal(w.ptr, w.size, out.ptr, out.size);
	kv_buf_dispose(&w);
}

void test_merge_cbor__maps_merge_key_by_key(void)
{
	/* base {a:1,b:2}; ours {a:1,b:3,c:4}; theirs {a:5,b:2} */
	assert_ok(merge3("a2616101616202", "a3616101616203616304",
	                 "a2616105616202"));
	expect_hex("a3616105616203616304"); /* {a:5,b:3,c:4} */
}

void test_merge_cbor__nested_maps_and_removals(void)
{
	/* base {m:{x:1},r:0}; ours {m:{x:1,y:2}}; theirs {m:{x:3},r:0} */
	assert_ok(merge3("a2616da16178016172 00", "a1616da2617801617902",
	                 "a2616da16178036172 00"));
	expect_hex("a1616da2617803617902"); /* {m:{x:3,y:2}}, r removed */
}

void test_merge_cbor__output_is_canonical(void)
{
	/* ours: keys out of order and an 8-byte uint; theirs adds "aa". */
	assert_ok(merge3("a0", "a261621b000000000000000161610a", "a162616101"));
	/* keys sorted by encoded length then bytes: "a","b","aa" */
	expect_hex("a361610a616201626161 01");
}

void test_merge_cbor__add_add_without_base(void)
{
	assert_ok(merge3(NULL, "a1616101", "a1616202"));
	expect_hex("a2616101616202");
}

void test_merge_cbor__same_key_changed_both_sides_conflicts(void)
{
	assert_int_equal(KV_ECONFLICT,
	                 merge3("a1616101", "a1616102", "a1616103"));
	/* not maps: the default rule */
	assert_int_equal(KV_ECONFLICT, merge3("01", "02", "03"));
	assert_ok(merge3("01", "01", "03"));
	expect_hex("03");
}

void test_merge_cbor__invalid_input_conflicts(void)
{
	const char *bad[] = {
	        "ff",                    /* break without a start */
	        "1c",                    /* reserved */
	        "a1616101 00",           /* trailing byte */
	        "a2616101616102",        /* duplicate key */
	        "9a10000000 00",         /* array claiming 2^28 items */
	        "9b1000000000000000 00", /* array claiming 2^60 items */
	        "bb1000000000000000",    /* map claiming 2^60 pairs */
	        "5b1000000000000000",    /* bytes claiming 2^60 bytes */
	        "5bffffffffffffffff",    /* bytes claiming 2^64-1 bytes */
	        "",                      /* empty */
	        "a1",                    /* truncated */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (merge3("a0", bad[i], "a1616101") != KV_ECONFLICT)
			test__fail(__FILE__, __LINE__, "accepted %s", bad[i]);
		if (merge3("a0", "a1616101", bad[i]) != KV_ECONFLICT)
			test__fail(__FILE__, __LINE__, "accepted %s", bad[i]);
	}
}

void test_merge_cbor__deep_nesting_conflicts(void)
{
	char deep[2 * 300 + 3];
	size_t n = 0;
	for (int i = 0; i < 300; i++)
		deep[n++] = '8', deep[n++] = '1'; /* [[[[...]]]] */
	deep[n++] = '0', deep[n++] = '1', deep[n] = '\0';
	assert_int_equal(KV_ECONFLICT, merge3("a0", deep, "a1616101"));
}
