/*
 * object.c: the strict codec for git trees and commits.
 *
 * Tree payload: a sequence of entries "<mode in octal, no leading zero>
 * SP <name> NUL <20-byte id>", sorted in git order (a directory sorts as
 * if its name ended in '/'), with no two entries of the same name.
 * Commit payload: "tree <hex>\n", "parent <hex>\n"*, "author <sig>\n",
 * "committer <sig>\n", optional further headers (with continuation lines
 * starting with a space), "\n", the message. A signature is
 * "Name <email> <seconds> <+|-HHMM>".
 *
 * The parsers accept exactly what `git fsck --strict` accepts for these
 * fields and report the first problem as KV_ECORRUPT naming the object,
 * the entry or line, and what broke.
 */
#include <stdio.h>

#include "object.h"

/* 4b825dc642cb6eb9a060e54bf8d69288fbee4904 */
const kv_oid kv__empty_tree_id = {{0x4b, 0x82, 0x5d, 0xc6, 0x42, 0xcb, 0x6e,
                                   0xb9, 0xa0, 0x60, 0xe5, 0x4b, 0xf8, 0xd6,
                                   0x92, 0x88, 0xfb, 0xee, 0x49, 0x04}};

int kv__entry_cmp(const char *a, size_t alen, int adir, const char *b,
                  size_t blen, int bdir)
{
	size_t n = alen < blen ? alen : blen;
	unsigned char ca, cb;
	int c;

	/* Most comparisons in a binary search differ in the first byte. */
	if (n && a[0] != b[0])
		return (int)(unsigned char)a[0] - (int)(unsigned char)b[0];
	if ((c = kv__name_memcmp(a, b, n)) != 0)
		return c;
	ca = alen > n ? (unsigned char)a[n] : (adir ? '/' : 0);
	cb = blen > n ? (unsigned char)b[n] : (bdir ? '/' : 0);
	return (int)ca - (int)cb;
}

kv_entry_kind kv__mode_kind(unsigned int mode)
{
	switch (mode) {
	case KV_MODE_TREE:
		return KV_ENTRY_DIR;
	case KV_MODE_EXEC:
		return KV_ENTRY_EXEC;
	case KV_MODE_LINK:
		return KV_ENTRY_SYMLINK;
	case KV_MODE_GITLINK:
		return KV_ENTRY_SUBMODULE;
	default:
		return KV_ENTRY_VALUE;
	}
}

static int valid_mode(unsigned int mode)
{
	return mode == KV_MODE_BLOB || mode == KV_MODE_EXEC ||
	       mode == KV_MODE_LINK || mode == KV_MODE_TREE ||
	       mode == KV_MODE_GITLINK;
}

static int tree_error(const kv_oid *id, size_t n, const char *name,
                      size_t namelen, const char *what)
{
	if (name)
		return kv__error(KV_ECORRUPT, "tree %s: entry %zu '%.*s': %s",
		                 kv__oid_hex(id), n, (int)namelen, name, what);
	return kv__error(KV_ECORRUPT, "tree %s: entry %zu: %s", kv__oid_hex(id),
	                 n, what);
}

/* Parse one entry at *p; advance *p. */
static int parse_entry(kv_tree_entry *e, const char **p, const char *end,
                       const kv_oid *id, size_t n)
{
	const char *s = *p, *nul, *why;
	unsigned int mode = 0;

	if (*s == '0')
		return tree_error(id, n, NULL, 0, "mode has a leading zero");
	while (s < end && *s >= '0' && *s <= '7' && mode < 01000000)
		mode = mode * 8 + (unsigned int)(*s++ - '0');
	if (s == *p || s >= end || *s != ' ')
		return tree_error(id, n, NULL, 0, "malformed mode");
	if (!valid_mode(mode))
		return tree_error(id, n, NULL, 0, "bad mode");
	s++;
	nul = memchr(s, '\0', (size_t)(end - s));
	if (!nul)
		return tree_error(id, n, NULL, 0, "truncated name");
	if ((size_t)(end - nul - 1) < 20)
		return tree_error(id, n, s, (size_t)(nul - s),
		                  "truncated object id");
	if ((why = kv__step_problem(s, (size_t)(nul - s))))
		return tree_error(id, n, s, (size_t)(nul - s), why);
	e->name = s;
	e->namelen = (size_t)(nul - s);
	e->mode = mode;
	e->id = (const kv_oid *)(nul + 1);
	*p = nul + 21;
	return 0;
}

/*
 * A file and a directory of the same name are not adjacent in git order
 * ("a" < "a-b" < "a/"): only names that extend "a" with a character below
 * '/' sort between them. So from each directory walk back over such names
 * and look at the first entry that is not one. Each entry is walked over
 * at most once per directory that is a prefix of its name, so this stays
 * linear in practice (the binary search per directory it replaced cost
 * 8% of a small commit on a 256-wide tree).
 */
static int check_dir_twins(const kv_tree *t)
{
	for (size_t i = 1; i < t->nentries; i++) {
		const kv_tree_entry *e = &t->entries[i];
		size_t j = i;
		if (!kv__mode_is_dir(e->mode))
			continue;
		while (j-- > 0) {
			const kv_tree_entry *m = &t->entries[j];
			if (m->namelen < e->namelen ||
			    memcmp(m->name, e->name, e->namelen) != 0)
				break; /* not "a" nor "a" + more: no twin */
			if (m->namelen == e->namelen) {
				if (kv__mode_is_dir(m->mode))
					break; /* sorting already refused it */
				return tree_error(&t->id, i, e->name,
				                  e->namelen,
				                  "duplicate entry name");
			}
		}
	}
	return 0;
}

/* How many entries `data` holds if it is well formed: each ends at the
 * first NUL after its start, plus 20 bytes of id. The strict parse finds
 * the same ends, so it never needs more slots than this counts. */
static size_t count_entries(const char *data, size_t len)
{
	const char *p = data, *end = data + len, *nul;
	size_t n = 0;

	while (p < end && (nul = memchr(p, '\0', (size_t)(end - p))) &&
	       (size_t)(end - nul - 1) >= 20) {
		p = nul + 21;
		n++;
	}
	return n;
}

/* A tree with room for the entries of `data` and a copy of its bytes, in
 * one allocation: a point read loads a leaf tree per get, and three
 * mallocs and frees were a tenth of a get's time. */
static kv_tree *tree_alloc(const kv_oid *id, const char *data, size_t len,
                           size_t cap)
{
	kv_tree *t;

	if (cap > (SIZE_MAX - sizeof(*t) - len - 1) / sizeof(*t->entries) ||
	    !(t = kv__malloc(sizeof(*t) + cap * sizeof(*t->entries) + len + 1)))
		return NULL;
	memset(t, 0, sizeof(*t));
	t->id = *id;
	t->refcount = 1;
	t->entries = (kv_tree_entry *)(t + 1);
	t->raw = (char *)(t->entries + cap);
	memcpy(t->raw, data, len);
	t->raw[len] = '\0';
	t->rawlen = len;
	return t;
}

int kv_tree__parse(kv_tree **out, const kv_oid *id, const char *data,
                   size_t len)
{
	const char *p, *end;
	size_t cap = count_entries(data, len) + 1;
	kv_tree *t;
	int error;

	if (!(t = tree_alloc(id, data, len, cap)))
		return KV_ENOMEM;
	p = t->raw;
	end = t->raw + len;
	while (p < end) {
		kv_tree_entry *e = &t->entries[t->nentries];
		if (t->nentries == cap) { /* cannot happen; see count_entries */
			error = tree_error(id, t->nentries, NULL, 0,
			                   "more entries than counted");
			goto fail;
		}
		if ((error = parse_entry(e, &p, end, id, t->nentries)) < 0)
			goto fail;
		if (t->nentries) {
			const kv_tree_entry *prev = e - 1;
			int c = kv__entry_cmp(prev->name, prev->namelen,
			                      kv__mode_is_dir(prev->mode),
			                      e->name, e->namelen,
			                      kv__mode_is_dir(e->mode));
			if (c >= 0) {
				error = tree_error(id, t->nentries, e->name,
				                   e->namelen,
				                   c ? "entries not sorted"
				                     : "duplicate entry name");
				goto fail;
			}
		}
		t->nentries++;
	}
	if ((error = check_dir_twins(t)) < 0)
		goto fail;
	*out = t;
	return 0;
fail:
	kv_tree__free(t);
	return error;
}

int kv_tree__index_own(kv_tree **out, const kv_oid *id, const char *data,
                       size_t len, size_t nentries)
{
	const char *p;
	kv_tree *t;

	if (!(t = tree_alloc(id, data, len, nentries)))
		return KV_ENOMEM;
	p = t->raw;
	for (; t->nentries < nentries && p < t->raw + len; t->nentries++) {
		kv_tree_entry *e = &t->entries[t->nentries];
		unsigned int mode = 0;
		while (*p && *p != ' ') /* (the NUL after the bytes stops it) */
			mode = mode * 8 + (unsigned int)(*p++ - '0');
		if (*p != ' ')
			break; /* not ours after all: reported below */
		e->name = ++p; /* past the space */
		while (*p)     /* names are short: no memchr call */
			p++;
		e->namelen = (size_t)(p - e->name);
		e->mode = mode;
		e->id = (const kv_oid *)(p + 1);
		p += 21;
	}
	if (t->nentries != nentries || p != t->raw + len) { /* a bug of ours */
		kv_tree__free(t);
		return kv__error(KV_ERROR,
		                 "tree %s: %zu entries do not fill its %zu "
		                 "bytes",
		                 kv__oid_hex(id), nentries, len);
	}
	*out = t;
	return 0;
}

void kv_tree__free(kv_tree *t)
{
	free(t); /* entries and bytes live in the same block */
}

/*
 * One binary search for the first entry not below `name` as a file; the
 * entry is then there, or (a directory sorts as "name/") a few entries
 * later, past names that extend `name` with a character below '/'
 * ("name-x", "name.x").
 */
long kv_tree__find(const kv_tree *t, const char *name, size_t len)
{
	size_t lo = 0, hi = t->nentries;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const kv_tree_entry *e = &t->entries[mid];
		if (kv__entry_cmp(e->name, e->namelen, kv__mode_is_dir(e->mode),
		                  name, len, 0) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < t->nentries; lo++) {
		const kv_tree_entry *e = &t->entries[lo];
		if (e->namelen < len || memcmp(e->name, name, len))
			break;
		if (e->namelen == len)
			return (long)lo;
		if ((unsigned char)e->name[len] >= '/')
			break;
	}
	return -1;
}

/* The octal text of a valid mode, with its trailing space. */
static const char *mode_text(unsigned int mode, size_t *len)
{
	switch (mode) {
	case KV_MODE_TREE:
		return *len = 6, "40000 ";
	case KV_MODE_EXEC:
		return *len = 7, "100755 ";
	case KV_MODE_LINK:
		return *len = 7, "120000 ";
	case KV_MODE_GITLINK:
		return *len = 7, "160000 ";
	default:
		return *len = 7, "100644 ";
	}
}

int kv_tree__put_entry(kv_buf *out, unsigned int mode, const char *name,
                       size_t namelen, const kv_oid *id)
{
	size_t n;
	const char *m = mode_text(mode, &n);
	char *p;

	if (kv_buf_grow(out, out->size + n + namelen + 21) < 0)
		return KV_ENOMEM;
	p = out->ptr + out->size;
	memcpy(p, m, n);
	memcpy(p + n, name, namelen);
	p[n + namelen] = '\0';
	memcpy(p + n + namelen + 1, id->id, 20);
	out->size += n + namelen + 21;
	return 0;
}

/* ---- commits ---- */

static int commit_error(const kv_oid *id, size_t line, const char *what)
{
	return kv__error(KV_ECORRUPT, "commit %s: line %zu: %s",
	                 kv__oid_hex(id), line, what);
}

/* Read "<prefix><40 hex>\n" at *p into `out`. 1 if matched, 0 if the
 * prefix is absent, -1 if malformed. */
static int parse_oid_line(kv_oid *out, const char **p, const char *end,
                          const char *prefix)
{
	size_t plen = strlen(prefix);
	if ((size_t)(end - *p) < plen || memcmp(*p, prefix, plen))
		return 0;
	if ((size_t)(end - *p) < plen + 41 || (*p)[plen + 40] != '\n' ||
	    kv__oid_fromhexn(out, *p + plen, 40) < 0)
		return -1;
	*p += plen + 41;
	return 1;
}

/* Parse "Name <email> 123 +0100" (without the newline) into `sig`,
 * copying strings into *strings. */
static const char *parse_signature(kv_signature *sig, const char *s,
                                   const char *end, char **strings)
{
	const char *lt = memchr(s, '<', (size_t)(end - s)), *gt, *p;
	int64_t t = 0;
	int sign, hh, mm;

	if (!lt || lt == s || lt[-1] != ' ')
		return "bad name or missing '<'";
	if (!(gt = memchr(lt, '>', (size_t)(end - lt))))
		return "missing '>'";
	if (memchr(s, '>', (size_t)(lt - s)) ||
	    memchr(lt + 1, '<', (size_t)(gt - lt - 1)))
		return "bad name or email";
	p = gt + 1;
	if (p >= end || *p++ != ' ' || p >= end || *p < '0' || *p > '9')
		return "bad date";
	if (*p == '0' && p + 1 < end && p[1] != ' ')
		return "date has a leading zero";
	while (p < end && *p >= '0' && *p <= '9') {
		if (t > (INT64_MAX - 9) / 10)
			return "date out of range";
		t = t * 10 + (*p++ - '0');
	}
	if (end - p != 6 || p[0] != ' ' || (p[1] != '+' && p[1] != '-'))
		return "bad time zone";
	for (int i = 2; i < 6; i++)
		if (p[i] < '0' || p[i] > '9')
			return "bad time zone";
	sign = p[1] == '-' ? -1 : 1;
	hh = (p[2] - '0') * 10 + (p[3] - '0');
	mm = (p[4] - '0') * 10 + (p[5] - '0');
	if (mm > 59) /* git accepts it, but no zone can be written so */
		return "bad time zone minutes";
	sig->name = *strings;
	memcpy(*strings, s, (size_t)(lt - 1 - s));
	*strings += lt - 1 - s;
	*(*strings)++ = '\0';
	sig->email = *strings;
	memcpy(*strings, lt + 1, (size_t)(gt - lt - 1));
	*strings += gt - lt - 1;
	*(*strings)++ = '\0';
	sig->time = t;
	sig->offset = sign * (hh * 60 + mm);
	return NULL;
}

static int parse_sig_line(kv_signature *sig, const char **p, const char *end,
                          const char *prefix, char **strings, const kv_oid *id,
                          size_t line)
{
	size_t plen = strlen(prefix);
	const char *nl, *why;
	char what[128];

	if ((size_t)(end - *p) < plen || memcmp(*p, prefix, plen))
		return commit_error(id, line,
		                    prefix[0] == 'a' ? "missing author"
		                                     : "missing committer");
	if (!(nl = memchr(*p, '\n', (size_t)(end - *p))))
		return commit_error(id, line, "truncated header");
	if ((why = parse_signature(sig, *p + plen, nl, strings))) {
		snprintf(what, sizeof(what), "%.*s: %s", (int)plen - 1, prefix,
		         why);
		return commit_error(id, line, what);
	}
	*p = nl + 1;
	return 0;
}

/* Skip further headers (gpgsig, encoding, mergetag, ...) up to the blank
 * line that ends the header. */
static int skip_extra_headers(const char **p, const char *end, const kv_oid *id,
                              size_t *line)
{
	while (*p < end && **p != '\n') {
		const char *nl = memchr(*p, '\n', (size_t)(end - *p));
		if (!nl)
			return commit_error(id, *line, "truncated header");
		*p = nl + 1;
		(*line)++;
	}
	if (*p >= end)
		return commit_error(id, *line, "no blank line before message");
	(*p)++;
	return 0;
}

int kv_commit__parse(kv_commit **out, const kv_oid *id, const char *data,
                     size_t len)
{
	const char *p = data, *end = data + len;
	kv_commit *c;
	size_t line = 1, cap = 4;
	char *strings;
	int r, error;

	if (memchr(data, '\0', len))
		return commit_error(id, 0, "contains a NUL byte");
	if (!(c = kv__calloc(1, sizeof(*c))))
		return KV_ENOMEM;
	c->id = *id;
	c->strings = strings = kv__malloc(len + 1);
	c->parents = kv__calloc(cap, sizeof(kv_oid));
	if (!strings || !c->parents) {
		error = KV_ENOMEM;
		goto fail;
	}
	if (parse_oid_line(&c->tree, &p, end, "tree ") <= 0) {
		error = commit_error(id, line, "bad or missing tree line");
		goto fail;
	}
	while ((r = parse_oid_line(&c->parents[c->nparents], &p, end,
	                           "parent ")) != 0) {
		line++;
		if (r < 0) {
			error = commit_error(id, line, "bad parent line");
			goto fail;
		}
		if (++c->nparents == cap) {
			kv_oid *np = kv__realloc(c->parents,
			                         2 * cap * sizeof(kv_oid));
			if (!np) {
				error = KV_ENOMEM;
				goto fail;
			}
			c->parents = np;
			cap *= 2;
		}
	}
	line++;
	if ((error = parse_sig_line(&c->author, &p, end, "author ", &strings,
	                            id, line++)) < 0 ||
	    (error = parse_sig_line(&c->committer, &p, end, "committer ",
	                            &strings, id, line++)) < 0 ||
	    (error = skip_extra_headers(&p, end, id, &line)) < 0)
		goto fail;
	c->message = strings;
	memcpy(strings, p, (size_t)(end - p));
	strings[end - p] = '\0';
	*out = c;
	return 0;
fail:
	kv_commit_free(c);
	return error;
}

void kv_commit_free(kv_commit *c)
{
	if (!c)
		return;
	free(c->parents);
	free(c->strings);
	free(c);
}

int kv_signature__check(const kv_signature *sig, const char *what)
{
	const char *bad = "<>\n";
	if (!sig->name || !sig->email || strpbrk(sig->name, bad) ||
	    strpbrk(sig->email, bad))
		return kv__error(KV_EINVALID,
		                 "invalid %s: name and email must not contain "
		                 "'<', '>' or a newline",
		                 what);
	if (sig->offset <= -24 * 60 || sig->offset >= 100 * 60 || sig->time < 0)
		return kv__error(KV_EINVALID, "invalid %s: bad time or zone",
		                 what);
	return 0;
}

static int put_signature(kv_buf *out, const char *field, const kv_signature *s)
{
	int off = s->offset < 0 ? -s->offset : s->offset;
	return kv_buf_printf(out, "%s %s <%s> %lld %c%02d%02d\n", field,
	                     s->name, s->email, (long long)s->time,
	                     s->offset < 0 ? '-' : '+', off / 60, off % 60);
}

int kv_commit__encode(kv_buf *out, const kv_oid *tree, const kv_oid *parents,
                      size_t nparents, const kv_signature *author,
                      const kv_signature *committer, const char *message)
{
	size_t mlen = strlen(message);
	int error;

	out->size = 0;
	if ((error = kv_buf_printf(out, "tree %s\n", kv__oid_hex(tree))) < 0)
		return error;
	for (size_t i = 0; i < nparents; i++)
		if ((error = kv_buf_printf(out, "parent %s\n",
		                           kv__oid_hex(&parents[i]))) < 0)
			return error;
	if ((error = put_signature(out, "author", author)) < 0 ||
	    (error = put_signature(out, "committer", committer)) < 0 ||
	    (error = kv_buf_put(out, "\n", 1)) < 0 ||
	    (error = kv_buf_put(out, message, mlen)) < 0)
		return error;
	if (mlen == 0 || message[mlen - 1] != '\n')
		error = kv_buf_put(out, "\n", 1);
	return error;
}

int kv_commit__parse_info(kv_commit_info *out, const kv_oid *id,
                          const char *data, size_t len)
{
	kv_commit *c;
	int error = kv_commit__parse(&c, id, data, len);
	if (error < 0)
		return error;
	memset(out, 0, sizeof(*out));
	out->tree = c->tree;
	out->nparents = c->nparents;
	for (size_t i = 0; i < c->nparents && i < 2; i++)
		out->parents[i] = c->parents[i];
	out->time = c->committer.time;
	kv_commit_free(c);
	return 0;
}
