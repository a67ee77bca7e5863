/*
 * buf.c: kv_buf, the caller-owned growable byte buffer, and checked
 * allocation helpers that record KV_ENOMEM as the last error.
 */
#include <stdio.h>

#include "common.h"

void *kv__malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		kv__error_nomem();
	return p;
}

void *kv__calloc(size_t n, size_t m)
{
	void *p;
	if (m && n > SIZE_MAX / m) {
		kv__error_nomem();
		return NULL;
	}
	p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		kv__error_nomem();
	return p;
}

void *kv__realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		kv__error_nomem();
	return q;
}

char *kv__strndup(const char *s, size_t n)
{
	char *d = kv__malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

char *kv__strdup(const char *s)
{
	return kv__strndup(s, strlen(s));
}

void kv_buf_dispose(kv_buf *buf)
{
	if (!buf)
		return;
	free(buf->ptr);
	buf->ptr = NULL;
	buf->size = buf->asize = 0;
}

/* Make room for `target_size` bytes plus a terminating NUL. */
int kv_buf_grow(kv_buf *buf, size_t target_size)
{
	size_t want;
	char *p;

	if (target_size == SIZE_MAX)
		return kv__error_nomem();
	if (target_size + 1 <= buf->asize)
		return 0;
	want = buf->asize ? buf->asize : 64;
	while (want < target_size + 1)
		want = want > SIZE_MAX / 2 ? target_size + 1 : want * 2;
	p = realloc(buf->ptr, want);
	if (!p)
		return kv__error(KV_ENOMEM,
		                 "out of memory growing a buffer to %zu bytes",
		                 target_size);
	buf->ptr = p;
	buf->asize = want;
	return 0;
}

int kv_buf_set(kv_buf *buf, const void *data, size_t len)
{
	buf->size = 0;
	return kv_buf_put(buf, data, len);
}

int kv_buf_put(kv_buf *buf, const void *data, size_t len)
{
	if (len > SIZE_MAX - buf->size - 1)
		return kv__error_nomem();
	if (kv_buf_grow(buf, buf->size + len) < 0)
		return KV_ENOMEM;
	if (len)
		memcpy(buf->ptr + buf->size, data, len);
	buf->size += len;
	buf->ptr[buf->size] = '\0';
	return 0;
}

int kv_buf_printf(kv_buf *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return kv__error(KV_ERROR, "bad format");
	if (kv_buf_grow(buf, buf->size + (size_t)n) < 0)
		return KV_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(buf->ptr + buf->size, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf->size += (size_t)n;
	return 0;
}

char *kv_buf_detach(kv_buf *buf)
{
	char *p = buf->ptr;
	buf->ptr = NULL;
	buf->size = buf->asize = 0;
	return p;
}
