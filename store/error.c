/*
 * error.c: the per-thread last error (kv_error_last) and kv_strerror.
 *
 * As in libgit2, a failing call returns a code and leaves a message here
 * saying what failed and on which key, object or ref.
 */
#include <stdio.h>

#include "common.h"

static _Thread_local kv_error last_error;
static _Thread_local char last_message[1024];

const kv_error *kv_error_last(void)
{
	return last_error.code ? &last_error : NULL;
}

void kv_error_clear(void)
{
	last_error.code = 0;
	last_message[0] = '\0';
}

__attribute__((format(printf, 2, 0))) static int
set_message(int code, const char *fmt, va_list ap)
{
	vsnprintf(last_message, sizeof(last_message), fmt, ap);
	last_error.code = code;
	last_error.message = last_message;
	return code;
}

int kv__error(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_message(code, fmt, ap);
	va_end(ap);
	return code;
}

int kv_backend_error(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_message(code, fmt, ap);
	va_end(ap);
	return code;
}

int kv__error_nomem(void)
{
	return kv__error(KV_ENOMEM, "out of memory");
}

const char *kv_strerror(int code)
{
	switch (code) {
	case KV_OK:
		return "success";
	case KV_NOCHANGE:
		return "nothing changed";
	case KV_ERROR:
		return "error";
	case KV_ENOTFOUND:
		return "not found";
	case KV_EEXISTS:
		return "already exists";
	case KV_EINVALID:
		return "invalid argument";
	case KV_ECONFLICT:
		return "conflict";
	case KV_EMODIFIED:
		return "modified concurrently";
	case KV_ECORRUPT:
		return "corrupt data";
	case KV_ELOCKED:
		return "locked";
	case KV_EFULL:
		return "storage full";
	case KV_ENOTSUPPORTED:
		return "not supported";
	case KV_EUSER:
		return "stopped by callback";
	case KV_ENOMEM:
		return "out of memory";
	case KV_EAMBIGUOUS:
		return "ambiguous";
	case KV_EIO:
		return "I/O error";
	case KV_ITEROVER:
		return "iteration over";
	default:
		return "unknown error";
	}
}

const char *kv_version(void)
{
	return KV_VERSION_STRING;
}
