/*
 * key.c: validation of keys (paths of steps) and of branch and tag names.
 *
 * The same step rules apply to every tree entry that arrives from outside
 * (see object.c), so a hostile tree cannot smuggle a path such as "..",
 * ".git" or "a/b" into the store.
 */
#include <stdio.h>

#include "object.h"

/* Length of the valid UTF-8 sequence at `s` (at most `n` bytes), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

const char *kv__step_problem(const char *s, size_t len)
{
	unsigned char high = 0, slash = 0, nul = 0;

	if (len == 0)
		return "empty step";
	if (len > KV_STEP_MAX)
		return "step longer than 255 bytes";
	/* One pass over the bytes: every tree entry read is checked here,
	 * and two memchr calls and a UTF-8 walk per name were a tenth of
	 * parsing a tree. */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		slash |= c == '/';
		nul |= c == '\0';
		high |= c & 0x80; /* not ASCII: check the UTF-8 below */
	}
	if (slash)
		return "step contains '/'";
	if (nul)
		return "step contains a NUL byte";
	if ((len == 1 && s[0] == '.') || (len == 2 && !memcmp(s, "..", 2)))
		return "step is '.' or '..'";
	if (len == 4 && s[0] == '.' && (s[1] | 0x20) == 'g' &&
	    (s[2] | 0x20) == 'i' && (s[3] | 0x20) == 't')
		return "step is '.git'";
	for (size_t i = 0; high && i < len;) {
		size_t n = utf8_seq((const unsigned char *)s + i, len - i);
		if (!n)
			return "step is not valid UTF-8";
		i += n;
	}
	return NULL;
}

int kv_key_validate(const char *key)
{
	const char *step, *end, *why;
	size_t len;

	if (!key)
		return kv__error(KV_EINVALID, "invalid key: NULL");
	len = strlen(key);
	if (len == 0)
		return kv__error(KV_EINVALID, "invalid key '': empty key");
	if (len > KV_KEY_MAX)
		return kv__error(KV_EINVALID,
		                 "invalid key: %zu bytes, longer than %d", len,
		                 KV_KEY_MAX);
	for (step = key, len = 1;; step = end + 1, len++) {
		end = strchr(step, '/');
		if (!end)
			end = step + strlen(step);
		if ((why = kv__step_problem(step, (size_t)(end - step))))
			return kv__error(
			        KV_EINVALID,
			        "invalid key '%s': step %zu '%.*s': %s", key,
			        len, (int)(end - step), step, why);
		if (!*end)
			return 0;
	}
}

/* git check-ref-format rules for one component. */
static const char *refname_component_problem(const char *s, size_t len)
{
	if (len == 0)
		return "empty component (\"//\" or a leading or trailing '/')";
	if (s[0] == '.')
		return "a component starts with '.'";
	if (len >= 5 && !memcmp(s + len - 5, ".lock", 5))
		return "a component ends with '.lock'";
	return NULL;
}

int kv_refname_validate(const char *name)
{
	const char *p, *why = NULL;
	size_t len;

	if (!name || !*name)
		return kv__error(KV_EINVALID, "invalid ref name: empty");
	len = strlen(name);
	if (len > 1024)
		why = "longer than 1024 bytes";
	else if (name[0] == '-')
		why = "starts with '-'";
	else if (!strcmp(name, "@"))
		why = "is '@'";
	else if (strstr(name, ".."))
		why = "contains '..'";
	else if (strstr(name, "@{"))
		why = "contains '@{'";
	else if (name[len - 1] == '.')
		why = "ends with '.'";
	for (p = name; !why && *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f || strchr(" ~^:?*[\\", c))
			why = "contains a control character, space, or one "
			      "of ~^:?*[\\";
	}
	for (p = name; !why;) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		why = refname_component_problem(p, n);
		if (!end)
			break;
		p = end + 1;
	}
	if (why)
		return kv__error(KV_EINVALID, "invalid ref name '%s': %s", name,
		                 why);
	return 0;
}
