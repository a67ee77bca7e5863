/*
 * output.c: errors, exit codes, JSON text, base64 and dates for kvctl.
 *
 * Errors go to stderr as "kvctl: MESSAGE" in every mode, --json included;
 * the message is the library's (kv_error_last()), which names the key,
 * object or ref. JSON is written straight to the stream, one value per
 * command, so that a log of a million commits needs no memory.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "cli.h"

int cli_exit_code(int kv_code)
{
	if (kv_code >= 0)
		return CLI_EXIT_OK;
	if (kv_code == KV_ENOTFOUND)
		return CLI_EXIT_NOTFOUND;
	if (kv_code == KV_ECONFLICT)
		return CLI_EXIT_CONFLICT;
	return CLI_EXIT_ERROR;
}

int cli_fail(int kv_code)
{
	const kv_error *e = kv_error_last();
	const char *msg = e && e->message && *e->message ? e->message
	                                                 : kv_strerror(kv_code);

	fprintf(stderr, "kvctl: %s\n", msg);
	return cli_exit_code(kv_code);
}

int cli_error(int exit_code, const char *fmt, ...)
{
	va_list ap;

	fputs("kvctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return exit_code;
}

/*
 * Length of the valid UTF-8 sequence at `p` (at most `len` bytes), or 0
 * if it is not one: overlong forms, surrogates and code points past
 * U+10FFFF are invalid (RFC 3629).
 */
static size_t utf8_seq(const unsigned char *p, size_t len)
{
	size_t n, i;
	unsigned long cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int cli_utf8_valid(const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t i = 0, n;

	while (i < len) {
		if (s[i] == 0 || (n = utf8_seq(s + i, len - i)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* Length of the run at `p` of bytes that JSON takes as they are: ASCII
 * printable characters other than '"' and '\\'. */
static size_t plain_run(const unsigned char *p, size_t len)
{
	size_t n = 0;

	while (n < len && p[n] >= 0x20 && p[n] < 0x7f && p[n] != '"' &&
	       p[n] != '\\')
		n++;
	return n;
}

void cli_json_string(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	fputc('"', f);
	while (i < len) {
		unsigned char c = p[i];

		if ((n = plain_run(p + i, len - i)) > 0) {
			fwrite(p + i, 1, n, f);
			i += n;
			continue;
		}
		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
		} else if (c == '\n') {
			fputs("\\n", f);
		} else if (c == '\t') {
			fputs("\\t", f);
		} else if (c < 0x80) {
			fprintf(f, "\\u%04x", c);
		} else if ((n = utf8_seq(p + i, len - i)) == 0) {
			fputs("\\ufffd", f);
		} else {
			fwrite(p + i, 1, n, f);
			i += n;
			continue;
		}
		i++;
	}
	fputc('"', f);
}

void cli_json_cstr(FILE *f, const char *s)
{
	if (s)
		cli_json_string(f, s, strlen(s));
	else
		fputs("null", f);
}

void cli_json_oid(FILE *f, const kv_oid *id)
{
	char hex[KV_OID_HEXSZ + 1];

	if (!id || kv_oid_is_zero(id))
		fputs("null", f);
	else
		fprintf(f, "\"%s\"", kv_oid_tostr(hex, id));
}

static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void cli_base64_write(FILE *f, const void *p, size_t len)
{
	const unsigned char *s = p;
	char out[4 * 1024];
	size_t i, o = 0;

	for (i = 0; i < len; i += 3) {
		unsigned long v = (unsigned long)s[i] << 16;

		if (i + 1 < len)
			v |= (unsigned long)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? b64[v & 63] : '=';
		if (o == sizeof(out)) {
			fwrite(out, 1, o, f);
			o = 0;
		}
	}
	fwrite(out, 1, o, f);
}

/* The value of base64 digit `c`, or -1. */
static int b64_value(char c)
{
	const char *at = c ? strchr(b64, c) : NULL;

	return at ? (int)(at - b64) : -1;
}

int cli_base64_decode(unsigned char *out, size_t *out_len, const char *in,
                      size_t len)
{
	unsigned long acc = 0;
	size_t i, o = 0, bits = 0;

	while (len > 0 && in[len - 1] == '=')
		len--;
	if (len % 4 == 1)
		return -1;
	for (i = 0; i < len; i++) {
		int v = b64_value(in[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits & 0xff);
		}
	}
	*out_len = o;
	return 0;
}

const char *cli_kind_name(kv_entry_kind kind)
{
	switch (kind) {
	case KV_ENTRY_VALUE:
		return "value";
	case KV_ENTRY_DIR:
		return "dir";
	case KV_ENTRY_EXEC:
		return "exec";
	case KV_ENTRY_SYMLINK:
		return "symlink";
	case KV_ENTRY_SUBMODULE:
		return "submodule";
	}
	return "unknown";
}

void cli_format_date(char out[64], int64_t when, int offset)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
	                                   "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
	                                     "May", "Jun", "Jul", "Aug",
	                                     "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)(when + (int64_t)offset * 60);
	int off = offset < 0 ? -offset : offset;
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		snprintf(out, 64, "@%lld", (long long)when);
		return;
	}
	snprintf(out, 64, "%s %s %d %02d:%02d:%02d %d %c%02d%02d",
	         days[tm.tm_wday % 7], months[tm.tm_mon % 12], tm.tm_mday,
	         tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900,
	         offset < 0 ? '-' : '+', off / 60 % 100, off % 60);
}

int cli_flush(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		return cli_error(CLI_EXIT_ERROR, "write error: %s",
		                 strerror(errno));
	return CLI_EXIT_OK;
}
