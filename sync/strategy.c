/*
 * strategy.c: merging one value whose two sides both changed.
 *
 * The structural rules (equal sides agree, an unchanged side takes the
 * other) run before any strategy, in merge.c; a strategy sees only real
 * disagreements. Each returns the merged bytes, a removal, or
 * KV_ECONFLICT with a reason.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "merge.h"

static const char *const names[] = {"default", "ours", "theirs", "counter",
                                    "lines",   "cbor", "lww"};

int kv__strategy_from_name(const char *name)
{
	for (size_t i = 0; i < KV_ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i]))
			return (int)i;
	return -1;
}

const char *kv__strategy_name(kv_strategy st)
{
	return names[st];
}

/* ---- counter ---- */

/* Parse a whole buffer as a decimal int64 (surrounding whitespace and
 * one final newline allowed). */
static int parse_int64(int64_t *out, const kv_buf *b)
{
	char text[32], *end;
	size_t n = b ? b->size : 0;
	long long v;

	if (!b) {
		*out = 0;
		return 0;
	}
	if (n == 0 || n >= sizeof(text))
		return -1;
	memcpy(text, b->ptr, n);
	text[n] = '\0';
	errno = 0;
	v = strtoll(text, &end, 10);
	while (*end == ' ' || *end == '\n' || *end == '\t' || *end == '\r')
		end++;
	if (errno || *end || end == text || text[0] == ' ')
		return -1;
	*out = (int64_t)v;
	return 0;
}

static int merge_counter(kv_buf *out, const char **reason, const kv_buf *base,
                         const kv_buf *ours, const kv_buf *theirs)
{
	int64_t b, o, t, d1, d2, r;
	char text[32];

	if (!ours || !theirs) {
		*reason =
		        "counter removed on one side and changed on the other";
		return KV_ECONFLICT;
	}
	if (parse_int64(&b, base) || parse_int64(&o, ours) ||
	    parse_int64(&t, theirs)) {
		*reason = "counter value is not a decimal int64";
		return KV_ECONFLICT;
	}
	if (__builtin_sub_overflow(o, b, &d1) ||
	    __builtin_sub_overflow(t, b, &d2) ||
	    __builtin_add_overflow(b, d1, &r) ||
	    __builtin_add_overflow(r, d2, &r)) {
		*reason = "counter overflows int64";
		return KV_ECONFLICT;
	}
	snprintf(text, sizeof(text), "%" PRId64, r);
	return kv_buf_set(out, text, strlen(text));
}

/* ---- lines ---- */

struct line {
	const char *p;
	size_t n;
};

static int line_cmp(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->p, y->p, n);
	return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* Split into sorted unique lines (without their newlines). */
static int split_lines(struct line **out, size_t *count, const kv_buf *b)
{
	size_t n = 0, cap = 16, k = 0;
	struct line *v;
	const char *p = b ? b->ptr : NULL, *end = p ? p + b->size : NULL;

	*out = NULL;
	*count = 0;
	if (!(v = kv__calloc(cap, sizeof(*v))))
		return KV_ENOMEM;
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n == cap) {
			struct line *nv = kv__realloc(v, 2 * cap * sizeof(*v));
			if (!nv) {
				free(v);
				return KV_ENOMEM;
			}
			v = nv;
			cap *= 2;
		}
		v[n].p = p;
		v[n++].n = len;
		p += len + (nl != NULL);
	}
	qsort(v, n, sizeof(*v), line_cmp);
	for (size_t i = 0; i < n; i++)
		if (!k || line_cmp(&v[k - 1], &v[i]))
			v[k++] = v[i];
	*out = v;
	*count = k;
	return 0;
}

static int has_line(const struct line *v, size_t n, const struct line *l)
{
	return n && bsearch(l, v, n, sizeof(*v), line_cmp) != NULL;
}

static int merge_lines(kv_buf *out, int *removed, const kv_buf *base,
                       const kv_buf *ours, const kv_buf *theirs)
{
	struct line *b = NULL, *o = NULL, *t = NULL;
	size_t nb, no, nt, i = 0, j = 0;
	int error;

	if ((error = split_lines(&b, &nb, base)) < 0 ||
	    (error = split_lines(&o, &no, ours)) < 0 ||
	    (error = split_lines(&t, &nt, theirs)) < 0)
		goto done;
	out->size = 0;
	/* Walk the sorted union; keep a line unless one side removed it. */
	while (!error && (i < no || j < nt)) {
		int c = i >= no ? 1 : j >= nt ? -1 : line_cmp(&o[i], &t[j]);
		const struct line *l = c <= 0 ? &o[i] : &t[j];
		int in_base = has_line(b, nb, l);
		int keep = c == 0 || !in_base;
		if (keep && ((error = kv_buf_put(out, l->p, l->n)) < 0 ||
		             (error = kv_buf_put(out, "\n", 1)) < 0))
			break;
		i += c <= 0;
		j += c >= 0;
	}
	*removed = !error && out->size == 0 && (!ours || !theirs);
done:
	free(b);
	free(o);
	free(t);
	return error;
}

/* ---- dispatch ---- */

int kv__strategy_merge(kv_buf *out, int *removed, const char **reason,
                       kv_strategy st, const kv_buf *base, const kv_buf *ours,
                       const kv_buf *theirs, int ours_later)
{
	const kv_buf *pick = NULL;

	*removed = 0;
	*reason = NULL;
	switch (st) {
	case KV_STRATEGY_OURS:
		pick = ours;
		break;
	case KV_STRATEGY_THEIRS:
		pick = theirs;
		break;
	case KV_STRATEGY_LWW:
		pick = ours_later ? ours : theirs;
		break;
	case KV_STRATEGY_COUNTER:
		return merge_counter(out, reason, base, ours, theirs);
	case KV_STRATEGY_LINES:
		return merge_lines(out, removed, base, ours, theirs);
	case KV_STRATEGY_CBOR:
		if (!ours || !theirs) {
			*reason = "removed on one side and changed on the "
			          "other";
			return KV_ECONFLICT;
		}
		return kv__cbor_merge(out, reason, base, ours, theirs);
	case KV_STRATEGY_DEFAULT:
	default:
		*reason = !base && ours && theirs
		                  ? "both sides added different values"
		          : !ours || !theirs
		                  ? "one side changed the value, the other "
		                    "removed it"
		                  : "both sides changed the value";
		return KV_ECONFLICT;
	}
	if (!pick) {
		*removed = 1;
		return 0;
	}
	return kv_buf_set(out, pick->ptr ? pick->ptr : "", pick->size);
}
