/*
 * oid.c: object ids: hex conversion and git object hashing.
 *
 * An object id is SHA-1 over "<type> <size>\0" followed by the payload,
 * exactly as git computes it. Ids of objects we create are computed with
 * OpenSSL's SHA-1 (measured 3-5x faster than libgit2's SHA1DC here; see
 * docs/ARCHITECTURE.md). fsck re-hashes with libgit2's SHA1DC, which also
 * detects the known SHA-1 collision attacks, and objects arriving from
 * remotes are verified by libgit2's indexer, which uses SHA1DC too.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>

#include <git2.h>

#include "common.h"

static const char hexdigits[] = "0123456789abcdef";

char *kv_oid_tostr(char out[KV_OID_HEXSZ + 1], const kv_oid *id)
{
	for (int i = 0; i < 20; i++) {
		out[2 * i] = hexdigits[id->id[i] >> 4];
		out[2 * i + 1] = hexdigits[id->id[i] & 15];
	}
	out[KV_OID_HEXSZ] = '\0';
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int kv__oid_fromhexn(kv_oid *out, const char *hex, size_t n)
{
	memset(out, 0, sizeof(*out));
	if (n > KV_OID_HEXSZ)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int v = hexval(hex[i]);
		if (v < 0)
			return -1;
		out->id[i / 2] |= (unsigned char)(i % 2 ? v : v << 4);
	}
	return 0;
}

int kv__oid_has_prefix(const kv_oid *id, const kv_oid *prefix, size_t hexlen)
{
	size_t bytes = hexlen / 2;
	if (memcmp(id->id, prefix->id, bytes))
		return 0;
	return hexlen % 2 == 0 ||
	       (id->id[bytes] & 0xf0) == (prefix->id[bytes] & 0xf0);
}

int kv_oid_fromstr(kv_oid *out, const char *hex)
{
	if (!hex || strlen(hex) != KV_OID_HEXSZ ||
	    kv__oid_fromhexn(out, hex, KV_OID_HEXSZ) < 0)
		return kv__error(KV_EINVALID, "not a 40-digit object id: '%s'",
		                 hex ? hex : "(null)");
	return 0;
}

int kv_oid_equal(const kv_oid *a, const kv_oid *b)
{
	return memcmp(a->id, b->id, 20) == 0;
}

int kv__oid_cmp(const kv_oid *a, const kv_oid *b)
{
	return memcmp(a->id, b->id, 20);
}

int kv_oid_is_zero(const kv_oid *id)
{
	static const kv_oid zero;
	return memcmp(id->id, zero.id, 20) == 0;
}

const char *kv__oid_hex(const kv_oid *id)
{
	static _Thread_local char buf[4][KV_OID_HEXSZ + 1];
	static _Thread_local unsigned n;
	return kv_oid_tostr(buf[n++ % 4], id);
}

const char *kv_otype_name(kv_otype type)
{
	switch (type) {
	case KV_OBJ_COMMIT:
		return "commit";
	case KV_OBJ_TREE:
		return "tree";
	case KV_OBJ_BLOB:
		return "blob";
	case KV_OBJ_TAG:
		return "tag";
	default:
		return NULL;
	}
}

/* Git's object header, "TYPE LEN\0", into `out`; returns its length with
 * the NUL. By hand: snprintf was 3% of a get. */
static size_t object_header(char *out, const char *name, size_t len)
{
	char digits[24];
	size_t n = strlen(name), d = 0;

	memcpy(out, name, n);
	out[n++] = ' ';
	do
		digits[d++] = (char)('0' + len % 10);
	while ((len /= 10) != 0);
	while (d)
		out[n++] = digits[--d];
	out[n++] = '\0';
	return n;
}

int kv_object_hash(kv_oid *out, kv_otype type, const void *data, size_t len)
{
	char header[64];
	const char *name = kv_otype_name(type);
	SHA_CTX ctx;

	if (!name)
		return kv__error(KV_EINVALID, "bad object type %d", (int)type);
	SHA1_Init(&ctx);
	SHA1_Update(&ctx, header, object_header(header, name, len));
	SHA1_Update(&ctx, data, len);
	SHA1_Final(out->id, &ctx);
	return 0;
}

static pthread_once_t git_once = PTHREAD_ONCE_INIT;

static void git_init_once(void)
{
	git_libgit2_init();
}

int kv__object_hash_checked(kv_oid *out, kv_otype type, const void *data,
                            size_t len)
{
	git_oid oid;
	pthread_once(&git_once, git_init_once);
	if (git_odb_hash(&oid, data, len, (git_object_t)type) < 0) {
		const git_error *e = git_error_last();
		return kv__error(KV_ECORRUPT, "hashing a %zu-byte %s: %s", len,
		                 kv_otype_name(type) ? kv_otype_name(type)
		                                     : "?",
		                 e ? e->message : "failed");
	}
	memcpy(out->id, oid.id, 20);
	return 0;
}
