/*
 * signature.c: who made a commit and when.
 *
 * Defaults, in order: the commit options, $KV_AUTHOR ("Name <email>"),
 * git's user.name and user.email (read with libgit2, so every git config
 * file counts as it does for git), then "kv <kv@localhost>". The time is
 * $KV_DATE if set, else now, in the local time zone.
 */
#define _XOPEN_SOURCE 700 /* strptime */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include <git2.h>

#include "store.h"

/* Parse "+HHMM", "-HH:MM" or "Z" at `s`; minutes east of UTC in *off. */
static const char *parse_zone(const char *s, int *off)
{
	int hh, mm, sign = *s == '-' ? -1 : 1;
	if (*s == 'Z')
		return *off = 0, s + 1;
	if ((*s != '+' && *s != '-') || !isdigit((unsigned char)s[1]) ||
	    !isdigit((unsigned char)s[2]))
		return NULL;
	hh = (s[1] - '0') * 10 + (s[2] - '0');
	s += 3;
	if (*s == ':')
		s++;
	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
		return NULL;
	mm = (s[0] - '0') * 10 + (s[1] - '0');
	if (hh > 23 || mm > 59)
		return NULL;
	*off = sign * (hh * 60 + mm);
	return s + 2;
}

static int local_offset(time_t t)
{
	struct tm tm;
	localtime_r(&t, &tm);
	return (int)(tm.tm_gmtoff / 60);
}

/* "@123 +0100", "123 +0100", "123", "2024-05-01", "2024-05-01T10:00:00Z" */
static int parse_when(int64_t *t, int *off, const char *when)
{
	const char *s = when;
	char *end;
	struct tm tm;
	long long v;

	if (*s == '@')
		s++;
	if (strlen(s) >= 5 && s[4] == '-') {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%d", &tm);
		if (end && (*end == 'T' || *end == ' '))
			end = strptime(end + 1, "%H:%M:%S", &tm);
		if (!end)
			return -1;
		*off = 0;
		if (*end && !(end = (char *)parse_zone(end, off)))
			return -1;
		if (*end)
			return -1;
		*t = (int64_t)timegm(&tm) - (int64_t)*off * 60;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtoll(s, &end, 10);
	*t = v;
	*off = local_offset((time_t)v);
	if (*end == ' ') {
		if (!(end = (char *)parse_zone(end + 1, off)))
			return -1;
	}
	return *end ? -1 : 0;
}

int kv_signature_parse(kv_signature *out, kv_buf *buf, const char *ident,
                       const char *when)
{
	const char *lt, *gt;
	size_t namelen;

	if (!ident || !(lt = strchr(ident, '<')) || !(gt = strchr(lt, '>')) ||
	    gt[1] != '\0')
		return kv__error(KV_EINVALID,
		                 "invalid identity '%s': expected 'Name "
		                 "<email>'",
		                 ident ? ident : "");
	namelen = (size_t)(lt - ident);
	while (namelen && ident[namelen - 1] == ' ')
		namelen--;
	buf->size = 0;
	if (kv_buf_grow(buf, strlen(ident) + 2) < 0)
		return KV_ENOMEM;
	memcpy(buf->ptr, ident, namelen);
	buf->ptr[namelen] = '\0';
	memcpy(buf->ptr + namelen + 1, lt + 1, (size_t)(gt - lt - 1));
	buf->ptr[namelen + 1 + (gt - lt - 1)] = '\0';
	buf->size = namelen + 1 + (size_t)(gt - lt - 1) + 1;
	out->name = buf->ptr;
	out->email = buf->ptr + namelen + 1;
	if (when) {
		if (parse_when(&out->time, &out->offset, when) < 0)
			return kv__error(KV_EINVALID,
			                 "invalid date '%s': expected @SECONDS "
			                 "[+HHMM] or YYYY-MM-DD[THH:MM:SS][Z]",
			                 when);
	} else {
		out->time = (int64_t)time(NULL);
		out->offset = local_offset((time_t)out->time);
	}
	return kv_signature__check(out, "identity");
}

static pthread_once_t identity_once = PTHREAD_ONCE_INIT;
static char git_ident[512]; /* "" if git has no identity */

/* user.name and user.email from git's config files, read once per
 * process: reading config files on every commit would dominate small
 * commits. */
static void read_git_identity(void)
{
	git_config *cfg = NULL;
	git_buf name = {0}, email = {0};

	git_libgit2_init();
	if (git_config_open_default(&cfg) == 0 &&
	    git_config_get_string_buf(&name, cfg, "user.name") == 0 &&
	    git_config_get_string_buf(&email, cfg, "user.email") == 0)
		snprintf(git_ident, sizeof(git_ident), "%s <%s>", name.ptr,
		         email.ptr);
	git_buf_dispose(&name);
	git_buf_dispose(&email);
	git_config_free(cfg);
	git_error_clear();
}

int kv__default_signature(kv_signature *out, kv_buf *buf)
{
	const char *env = getenv("KV_AUTHOR"), *when = getenv("KV_DATE");

	if (when && !*when)
		when = NULL;
	if (env && *env)
		return kv_signature_parse(out, buf, env, when);
	pthread_once(&identity_once, read_git_identity);
	if (git_ident[0] && kv_signature_parse(out, buf, git_ident, when) == 0)
		return 0;
	return kv_signature_parse(out, buf, "kv <kv@localhost>", when);
}

int kv__signatures(kv_signature *author, kv_signature *committer, kv_buf *buf,
                   const kv_signature *a, const kv_signature *c)
{
	int error;
	if (a)
		*author = *a;
	else if ((error = kv__default_signature(author, buf)) < 0)
		return error;
	*committer = c ? *c : *author;
	if ((error = kv_signature__check(author, "author")) < 0 ||
	    (error = kv_signature__check(committer, "committer")) < 0)
		return error;
	return 0;
}
