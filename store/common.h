/*
 * common.h: internal declarations shared by the library's files.
 *
 * Nothing here is public API: applications see only include/kv.h. Internal
 * functions shared between files use a double underscore
 * (kv_tree__parse); static helpers have no prefix.
 */
#ifndef KV_COMMON_H
#define KV_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kv.h"
#include "kv_backend.h"

#define KV_UNUSED(x)     ((void)(x))
#define KV_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- errors (error.c) ---- */

/** Set this thread's last error; returns `code` so callers can
 * `return kv__error(KV_EINVALID, "...")`. */
int kv__error(int code, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/** Report an allocation failure; returns KV_ENOMEM. */
int kv__error_nomem(void);

/* ---- memory (buf.c) ---- */

void *kv__malloc(size_t n);           /* sets KV_ENOMEM on failure */
void *kv__calloc(size_t n, size_t m); /* overflow-checked */
void *kv__realloc(void *p, size_t n);
char *kv__strdup(const char *s);
char *kv__strndup(const char *s, size_t n);
int kv_buf_printf(kv_buf *buf, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/** Take the buffer's memory (caller frees with free()); buf is zeroed. */
char *kv_buf_detach(kv_buf *buf);

/* ---- files (fileio.c): 0, or -1 with errno (EIO at an early end) ---- */

int kv__write_all(int fd, const void *p, size_t n);
int kv__pread_all(int fd, void *p, size_t n, uint64_t off);

/* ---- object ids (oid.c) ---- */

/** Hex of `id` into a static per-thread buffer: for messages only. */
const char *kv__oid_hex(const kv_oid *id);
int kv__oid_cmp(const kv_oid *a, const kv_oid *b);

/** kv_oid_equal, inlined for hash-table probes on hot paths. */
static inline int kv__oid_eq(const kv_oid *a, const kv_oid *b)
{
	uint64_t a0, a1, b0, b1;
	uint32_t a2, b2;
	memcpy(&a0, a->id, 8), memcpy(&b0, b->id, 8);
	memcpy(&a1, a->id + 8, 8), memcpy(&b1, b->id + 8, 8);
	memcpy(&a2, a->id + 16, 4), memcpy(&b2, b->id + 16, 4);
	return a0 == b0 && a1 == b1 && a2 == b2;
}
/** 1 if the first `hexlen` hex digits of `id` and `prefix` agree. */
int kv__oid_has_prefix(const kv_oid *id, const kv_oid *prefix, size_t hexlen);
/** Parse `n` hex digits of `hex` into `out` (rest zeroed). 0 or -1. */
int kv__oid_fromhexn(kv_oid *out, const char *hex, size_t n);
/** Object id with SHA-1 collision detection (SHA1DC, libgit2): for fsck.
 * KV_ECORRUPT if a collision attack is detected. */
int kv__object_hash_checked(kv_oid *out, kv_otype type, const void *data,
                            size_t len);

/* ---- commit facts for the commit-graph cache (commit.c) ---- */

/** Fill tree, parents, nparents and time of `out` from a commit payload;
 * generation is left 0. KV_ECORRUPT if the payload is malformed. */
int kv_commit__parse_info(kv_commit_info *out, const kv_oid *id,
                          const char *data, size_t len);

#endif
