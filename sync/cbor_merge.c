/*
 * cbor_merge.c: the "cbor" merge strategy.
 *
 * Values are CBOR. Maps are merged key by key, recursively; anything else
 * follows the default rule (equal sides agree, an unchanged side takes the
 * other, otherwise a conflict). The result is written in canonical CBOR
 * (RFC 7049 section 3.9: shortest integer and length forms, definite
 * lengths, map keys sorted by encoded length then bytes), so equal maps
 * give equal bytes and equal blob ids, whatever order the sides used.
 *
 * Values come from other replicas, so they are untrusted: before
 * cbor_load() (which allocates by the count a header claims, see
 * LIBRARY-FACTS.md) every array and map header is checked against the
 * bytes that remain; nesting is bounded; duplicate map keys and trailing
 * bytes make the value invalid, and an invalid value is a conflict.
 */
#include <cbor.h>

#include "merge.h"

#define MAX_DEPTH 64

/* ---- validation before cbor_load ---- */

struct check {
	size_t remaining; /* bytes after the current header */
	int bad;
};

static void on_array(void *ctx, size_t n)
{
	struct check *c = ctx;
	if (n > c->remaining)
		c->bad = 1;
}

static void on_map(void *ctx, size_t n)
{
	struct check *c = ctx;
	if (n > c->remaining / 2)
		c->bad = 1;
}

/* Walk the headers of `len` bytes; 0 if every claimed count fits. */
static int prevalidate(const unsigned char *data, size_t len)
{
	struct cbor_callbacks cb = cbor_empty_callbacks;
	struct check c = {0, 0};
	size_t off = 0;

	cb.array_start = on_array;
	cb.map_start = on_map;
	while (off < len) {
		struct cbor_decoder_result r;
		c.remaining = len - off;
		r = cbor_stream_decode(data + off, len - off, &cb, &c);
		if (r.status != CBOR_DECODER_FINISHED || r.read == 0 || c.bad)
			return -1;
		off += r.read;
		c.remaining = len - off;
		if (c.bad)
			return -1;
	}
	return 0;
}

static cbor_item_t *load(const kv_buf *b)
{
	struct cbor_load_result res;
	cbor_item_t *it;
	if (!b->size || prevalidate((const unsigned char *)b->ptr, b->size))
		return NULL;
	it = cbor_load((const unsigned char *)b->ptr, b->size, &res);
	if (it && (res.error.code != CBOR_ERR_NONE || res.read != b->size)) {
		cbor_decref(&it);
		return NULL;
	}
	return it;
}

/* ---- canonical encoding ---- */

static int put_head(kv_buf *out, unsigned major, uint64_t v)
{
	unsigned char h[9];
	size_t n;
	if (v < 24) {
		h[0] = (unsigned char)(major << 5 | v);
		n = 1;
	} else if (v <= 0xff) {
		h[0] = (unsigned char)(major << 5 | 24);
		h[1] = (unsigned char)v;
		n = 2;
	} else if (v <= 0xffff) {
		h[0] = (unsigned char)(major << 5 | 25);
		h[1] = (unsigned char)(v >> 8), h[2] = (unsigned char)v;
		n = 3;
	} else if (v <= 0xffffffffu) {
		h[0] = (unsigned char)(major << 5 | 26);
		for (int i = 0; i < 4; i++)
			h[1 + i] = (unsigned char)(v >> (24 - 8 * i));
		n = 5;
	} else {
		h[0] = (unsigned char)(major << 5 | 27);
		for (int i = 0; i < 8; i++)
			h[1 + i] = (unsigned char)(v >> (56 - 8 * i));
		n = 9;
	}
	return kv_buf_put(out, h, n);
}

static int enc(kv_buf *out, const cbor_item_t *it, int depth);

/* A string, definite or chunked, as one definite string. */
static int enc_string(kv_buf *out, const cbor_item_t *it, unsigned major)
{
	size_t total = 0, n;
	cbor_item_t **chunks;
	int error;

	if (major == 2 ? !cbor_bytestring_is_indefinite(it)
	               : !cbor_string_is_indefinite(it)) {
		n = major == 2 ? cbor_bytestring_length(it)
		               : cbor_string_length(it);
		if ((error = put_head(out, major, n)) < 0)
			return error;
		return kv_buf_put(
		        out,
		        major == 2 ? (const char *)cbor_bytestring_handle(it)
		                   : (const char *)cbor_string_handle(it),
		        n);
	}
	n = major == 2 ? cbor_bytestring_chunk_count(it)
	               : cbor_string_chunk_count(it);
	chunks = major == 2 ? cbor_bytestring_chunks_handle(it)
	                    : cbor_string_chunks_handle(it);
	for (size_t i = 0; i < n; i++)
		total += major == 2 ? cbor_bytestring_length(chunks[i])
		                    : cbor_string_length(chunks[i]);
	if ((error = put_head(out, major, total)) < 0)
		return error;
	for (size_t i = 0; i < n && !error; i++)
		error = kv_buf_put(
		        out,
		        major == 2
		                ? (const char *)cbor_bytestring_handle(
		                          chunks[i])
		                : (const char *)cbor_string_handle(chunks[i]),
		        major == 2 ? cbor_bytestring_length(chunks[i])
		                   : cbor_string_length(chunks[i]));
	return error;
}

struct encoded_pair {
	kv_buf key, value;
};

static int pair_cmp(const void *a, const void *b)
{
	const kv_buf *x = &((const struct encoded_pair *)a)->key;
	const kv_buf *y = &((const struct encoded_pair *)b)->key;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return memcmp(x->ptr, y->ptr, x->size);
}

static void free_pairs(struct encoded_pair *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		kv_buf_dispose(&p[i].key);
		kv_buf_dispose(&p[i].value);
	}
	free(p);
}

/* Write sorted pairs as a map; duplicate keys make the value invalid. */
static int put_map(kv_buf *out, struct encoded_pair *p, size_t n)
{
	int error;
	qsort(p, n, sizeof(*p), pair_cmp);
	for (size_t i = 1; i < n; i++)
		if (!pair_cmp(&p[i - 1], &p[i]))
			return KV_ECONFLICT;
	if ((error = put_head(out, 5, n)) < 0)
		return error;
	for (size_t i = 0; i < n && !error; i++)
		if ((error = kv_buf_put(out, p[i].key.ptr, p[i].key.size)) == 0)
			error = kv_buf_put(out, p[i].value.ptr,
			                   p[i].value.size);
	return error;
}

static int enc_map(kv_buf *out, const cbor_item_t *it, int depth)
{
	size_t n = cbor_map_size(it);
	struct cbor_pair *h = cbor_map_handle(it);
	struct encoded_pair *p = kv__calloc(n ? n : 1, sizeof(*p));
	int error = 0;

	if (!p)
		return KV_ENOMEM;
	for (size_t i = 0; i < n && !error; i++)
		if ((error = enc(&p[i].key, h[i].key, depth + 1)) == 0)
			error = enc(&p[i].value, h[i].value, depth + 1);
	if (!error)
		error = put_map(out, p, n);
	free_pairs(p, n);
	return error;
}

static int enc(kv_buf *out, const cbor_item_t *it, int depth)
{
	int error = 0;
	unsigned char tmp[16];
	size_t n;

	if (depth > MAX_DEPTH)
		return KV_ECONFLICT;
	switch (cbor_typeof(it)) {
	case CBOR_TYPE_UINT:
		return put_head(out, 0, cbor_get_int(it));
	case CBOR_TYPE_NEGINT:
		return put_head(out, 1, cbor_get_int(it));
	case CBOR_TYPE_BYTESTRING:
		return enc_string(out, it, 2);
	case CBOR_TYPE_STRING:
		return enc_string(out, it, 3);
	case CBOR_TYPE_ARRAY:
		n = cbor_array_size(it);
		if ((error = put_head(out, 4, n)) < 0)
			return error;
		for (size_t i = 0; i < n && !error; i++)
			error = enc(out, cbor_array_handle(it)[i], depth + 1);
		return error;
	case CBOR_TYPE_MAP:
		return enc_map(out, it, depth);
	case CBOR_TYPE_TAG: {
		cbor_item_t *inner = cbor_tag_item(it);
		if ((error = put_head(out, 6, cbor_tag_value(it))) == 0)
			error = enc(out, inner, depth + 1);
		cbor_decref(&inner);
		return error;
	}
	case CBOR_TYPE_FLOAT_CTRL:
	default:
		n = cbor_serialize(it, tmp, sizeof(tmp));
		if (!n)
			return KV_ECONFLICT;
		return kv_buf_put(out, tmp, n);
	}
}

/* ---- merging ---- */

static int same(const kv_buf *a, const kv_buf *b)
{
	if (!a || !b)
		return a == b;
	return a->size == b->size && !memcmp(a->ptr, b->ptr, a->size);
}

/* The value of `key` (canonical bytes) in map `m`, or NULL. */
static cbor_item_t *map_get(const cbor_item_t *m, const kv_buf *key)
{
	struct cbor_pair *h;
	if (!m || !cbor_isa_map(m))
		return NULL;
	h = cbor_map_handle(m);
	for (size_t i = 0; i < cbor_map_size(m); i++) {
		kv_buf k = KV_BUF_INIT;
		int eq = enc(&k, h[i].key, 0) == 0 && same(&k, key);
		kv_buf_dispose(&k);
		if (eq)
			return h[i].value;
	}
	return NULL;
}

static int merge_item(kv_buf *out, int *absent, const cbor_item_t *b,
                      const cbor_item_t *o, const cbor_item_t *t, int depth,
                      const char **reason);

/* Add the keys of map `m` not yet in `p` (canonical bytes). */
static int collect_keys(struct encoded_pair **p, size_t *n, size_t *cap,
                        const cbor_item_t *m)
{
	struct cbor_pair *h;
	int error = 0;
	if (!m)
		return 0;
	h = cbor_map_handle(m);
	for (size_t i = 0; i < cbor_map_size(m) && !error; i++) {
		kv_buf k = KV_BUF_INIT;
		int dup = 0;
		if ((error = enc(&k, h[i].key, 0)) < 0) {
			kv_buf_dispose(&k);
			break;
		}
		for (size_t j = 0; j < *n && !dup; j++)
			dup = same(&(*p)[j].key, &k);
		if (dup) {
			kv_buf_dispose(&k);
			continue;
		}
		if (*n == *cap) {
			struct encoded_pair *np =
			        kv__realloc(*p, (*cap * 2 + 8) * sizeof(*np));
			if (!np) {
				kv_buf_dispose(&k);
				return KV_ENOMEM;
			}
			*p = np;
			*cap = *cap * 2 + 8;
		}
		(*p)[*n].key = k;
		memset(&(*p)[*n].value, 0, sizeof(kv_buf));
		(*n)++;
	}
	return error;
}

static int merge_maps(kv_buf *out, const cbor_item_t *b, const cbor_item_t *o,
                      const cbor_item_t *t, int depth, const char **reason)
{
	struct encoded_pair *p = NULL, *kept;
	size_t n = 0, cap = 0, nk = 0;
	int error;

	if ((error = collect_keys(&p, &n, &cap, b)) < 0 ||
	    (error = collect_keys(&p, &n, &cap, o)) < 0 ||
	    (error = collect_keys(&p, &n, &cap, t)) < 0)
		goto done;
	if (!(kept = kv__calloc(n ? n : 1, sizeof(*kept)))) {
		error = KV_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < n && !error; i++) {
		int absent = 0;
		error = merge_item(&p[i].value, &absent, map_get(b, &p[i].key),
		                   map_get(o, &p[i].key), map_get(t, &p[i].key),
		                   depth + 1, reason);
		if (!error && !absent) {
			kept[nk++] = p[i];
			memset(&p[i], 0, sizeof(p[i]));
		}
	}
	if (!error)
		error = put_map(out, kept, nk);
	free_pairs(kept, nk);
done:
	free_pairs(p, n);
	return error;
}

static int merge_item(kv_buf *out, int *absent, const cbor_item_t *b,
                      const cbor_item_t *o, const cbor_item_t *t, int depth,
                      const char **reason)
{
	kv_buf eb = KV_BUF_INIT, eo = KV_BUF_INIT, et = KV_BUF_INIT;
	const kv_buf *pb = NULL, *po = NULL, *pt = NULL, *pick;
	int error = 0;

	*absent = 0;
	if (depth > MAX_DEPTH) {
		*reason = "CBOR nested too deep";
		return KV_ECONFLICT;
	}
	if ((b && (error = enc(&eb, b, depth))) ||
	    (o && (error = enc(&eo, o, depth))) ||
	    (t && (error = enc(&et, t, depth))))
		goto done;
	pb = b ? &eb : NULL, po = o ? &eo : NULL, pt = t ? &et : NULL;
	if (same(po, pt) || same(pb, pt))
		pick = po;
	else if (same(pb, po))
		pick = pt;
	else if (o && t && cbor_isa_map(o) && cbor_isa_map(t) &&
	         (!b || cbor_isa_map(b))) {
		error = merge_maps(out, b, o, t, depth, reason);
		goto done;
	} else {
		*reason = "both sides changed the same CBOR value";
		error = KV_ECONFLICT;
		goto done;
	}
	if (!pick)
		*absent = 1;
	else
		error = kv_buf_set(out, pick->ptr, pick->size);
done:
	if (error == KV_ECONFLICT && !*reason)
		*reason = "invalid CBOR (duplicate map key or too deep)";
	kv_buf_dispose(&eb);
	kv_buf_dispose(&eo);
	kv_buf_dispose(&et);
	return error;
}

int kv__cbor_merge(kv_buf *out, const char **reason, const kv_buf *base,
                   const kv_buf *ours, const kv_buf *theirs)
{
	cbor_item_t *b = NULL, *o = NULL, *t = NULL;
	int absent = 0, error;

	*reason = NULL;
	o = load(ours);
	t = load(theirs);
	if (base)
		b = load(base);
	if (!o || !t || (base && !b)) {
		*reason = "not valid CBOR";
		error = KV_ECONFLICT;
		goto done;
	}
	out->size = 0;
	error = merge_item(out, &absent, b, o, t, 0, reason);
	if (!error && absent) {
		*reason = "the merged value would be absent";
		error = KV_ECONFLICT;
	}
done:
	if (b)
		cbor_decref(&b);
	if (o)
		cbor_decref(&o);
	if (t)
		cbor_decref(&t);
	return error;
}
