/*
 * attributes.c: .kvattributes, the per-key choice of merge strategy.
 *
 * The syntax is gitattributes': one "PATTERN attr attr=value ..." per
 * line, '#' starts a comment, later lines win. kv reads one attribute,
 * merge=STRATEGY. A pattern without '/' matches the last step of a key at
 * any depth; a pattern with '/' matches the whole key from the root (a
 * leading '/' is dropped). '*' matches within a step, '**' across steps,
 * '?' one character, and [a-z] / [!a-z] a character class.
 */
#include <stdio.h>

#include "merge.h"

struct rule {
	char *pattern;
	char *strategy; /* NULL: the line unsets merge (-merge or !merge) */
	int anchored;   /* the pattern has a '/' */
};

struct kv_attributes {
	struct rule *rules;
	size_t n;
};

/* Match a character class at p (just after '['); *end gets the ']' .*/
static int match_class(const char *p, char c, const char **end)
{
	int negate = *p == '!' || *p == '^', hit = 0;
	if (negate)
		p++;
	for (int first = 1; *p && (first || *p != ']'); first = 0, p++) {
		if (p[1] == '-' && p[2] && p[2] != ']') {
			hit |= (unsigned char)c >= (unsigned char)p[0] &&
			       (unsigned char)c <= (unsigned char)p[2];
			p += 2;
		} else {
			hit |= *p == c;
		}
	}
	*end = *p ? p : NULL;
	return hit != negate;
}

static int glob(const char *p, const char *s, int depth)
{
	if (depth > 64)
		return 0;
	for (; *p; p++, s++) {
		const char *end;
		switch (*p) {
		case '*':
			if (p[1] == '*') {
				/* "**": any run of characters, '/' included;
				 * "**" followed by '/' also matches nothing. */
				p += 2;
				if (*p == '/' && glob(p + 1, s, depth + 1))
					return 1;
				for (;; s++) {
					if (glob(p, s, depth + 1))
						return 1;
					if (!*s)
						return 0;
				}
			}
			for (p++;; s++) {
				if (glob(p, s, depth + 1))
					return 1;
				if (!*s || *s == '/')
					return 0;
			}
		case '?':
			if (!*s || *s == '/')
				return 0;
			break;
		case '[':
			if (!*s || *s == '/' || !match_class(p + 1, *s, &end))
				return 0;
			if (!end)
				return 0;
			p = end;
			break;
		case '\\':
			if (p[1])
				p++;
			/* fall through */
		default:
			if (*p != *s)
				return 0;
		}
	}
	return *s == '\0';
}

int kv__attr_match(const char *pattern, const char *path)
{
	const char *base;
	if (strchr(pattern, '/'))
		return glob(pattern[0] == '/' ? pattern + 1 : pattern, path, 0);
	base = strrchr(path, '/');
	return glob(pattern, base ? base + 1 : path, 0);
}

static void free_rules(struct rule *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].pattern);
		free(r[i].strategy);
	}
	free(r);
}

void kv__attributes_free(kv_attributes *a)
{
	if (!a)
		return;
	free_rules(a->rules, a->n);
	free(a);
}

/* Parse one line into `r`; 1 if it says something about merge. */
static int parse_line(struct rule *r, char *line)
{
	char *save = NULL, *tok = strtok_r(line, " \t\r", &save);
	int found = 0;

	if (!tok || tok[0] == '#')
		return 0;
	if (!(r->pattern = kv__strdup(tok)))
		return KV_ENOMEM;
	r->anchored = strchr(tok, '/') != NULL;
	r->strategy = NULL;
	while ((tok = strtok_r(NULL, " \t\r", &save))) {
		if (!strncmp(tok, "merge=", 6)) {
			free(r->strategy);
			if (!(r->strategy = kv__strdup(tok + 6)))
				return KV_ENOMEM;
			found = 1;
		} else if (!strcmp(tok, "-merge") || !strcmp(tok, "!merge")) {
			free(r->strategy);
			r->strategy = NULL;
			found = 1;
		}
	}
	if (!found) {
		free(r->pattern);
		r->pattern = NULL;
	}
	return found;
}

int kv__attributes_parse(kv_attributes **out, const char *text, size_t len)
{
	kv_attributes *a = kv__calloc(1, sizeof(*a));
	char *copy = kv__strndup(text, len), *save = NULL, *line;
	size_t cap = 0;
	int error = 0;

	if (!a || !copy) {
		free(a);
		free(copy);
		return KV_ENOMEM;
	}
	for (line = strtok_r(copy, "\n", &save); line && !error;
	     line = strtok_r(NULL, "\n", &save)) {
		struct rule r = {NULL, NULL, 0};
		int found = parse_line(&r, line);
		if (found < 0) {
			error = found;
			free(r.pattern);
			free(r.strategy);
			break;
		}
		if (!found)
			continue;
		if (a->n == cap) {
			struct rule *nr;
			cap = cap ? cap * 2 : 8;
			if (!(nr = kv__realloc(a->rules, cap * sizeof(*nr)))) {
				free(r.pattern);
				free(r.strategy);
				error = KV_ENOMEM;
				break;
			}
			a->rules = nr;
		}
		a->rules[a->n++] = r;
	}
	free(copy);
	if (error) {
		kv__attributes_free(a);
		return error;
	}
	*out = a;
	return 0;
}

const char *kv__attributes_merge(const kv_attributes *a, const char *key)
{
	if (!a)
		return NULL;
	for (size_t i = a->n; i-- > 0;)
		if (kv__attr_match(a->rules[i].pattern, key))
			return a->rules[i].strategy;
	return NULL;
}

int kv__attributes_uses(const kv_attributes *a, const char *strategy)
{
	for (size_t i = 0; a && i < a->n; i++)
		if (a->rules[i].strategy &&
		    !strcmp(a->rules[i].strategy, strategy))
			return 1;
	return 0;
}
