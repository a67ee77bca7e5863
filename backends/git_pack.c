/*
 * git_pack.c: the git backend's object files: loose objects, write
 * batches turned into packs, and pack index reading.
 *
 * Formats, all git's own (git's Documentation/gitformat-pack.txt):
 *
 * | file             | content                                             |
 * |------------------|-----------------------------------------------------|
 * | objects/xx/y{38} | zlib("<type> <size>\0" + payload), mode 0444         |
 * | pack-H.pack      | "PACK", be32 2, be32 count; per object a header      |
 * |                  | (type in bits 4-6 of the first byte, size in 4, then |
 * |                  | 7 bits a byte, MSB = more) and zlib(payload); then   |
 * |                  | the SHA-1 of everything before (H is its hex)        |
 * | pack-H.idx (v2)  | ff 't' 'O' 'c', be32 2, be32 fanout[256] (count of   |
 * |                  | ids whose first byte <= i), ids[n] sorted, be32      |
 * |                  | crc32[n] of each pack entry, be32 offset[n] (MSB     |
 * |                  | set: index into the be64 table that follows), the    |
 * |                  | pack's SHA-1, the SHA-1 of the index                 |
 *
 * We write no deltas: objects come one at a time from the store, which
 * has already hashed them; `kvctl gc` (libgit2's packbuilder) deltifies.
 * Payloads under 1 KiB go in as a "stored" (uncompressed) zlib stream:
 * measured here, deflate made 100-byte values larger (117 bytes) and took
 * 7-18 us each with a reused stream, which alone would cost 7-18 s on a
 * 1M-key load. Larger payloads use deflate level 1, as git's loose
 * objects do.
 *
 * Crash safety: a pack is written under a temporary name, fsynced (in
 * sync mode), renamed to pack-H.pack, then its index is written and
 * renamed into place: git and libgit2 only see a pack through its .idx,
 * so a crash leaves either nothing visible or a complete pack. A loose
 * object is likewise written to a temporary file and renamed. Refs are
 * moved only after this (backends/git.c).
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "git_pack.h"

#define STORED_MAX    1024u      /* payloads below this are not deflated */
#define WBUF_SIZE     (1u << 20) /* pack write buffer */
#define MEM_MAX_BYTES (8u << 20) /* memory mode holds at most this */
#define ZCHUNK        65536u

static const char hexdigits[] = "0123456789abcdef";

/* Report errno for `what` on `path`: KV_EFULL for a full disk. */
static int io_error(const char *what, const char *path)
{
	int e = errno;
	return kv__error(e == ENOSPC || e == EDQUOT ? KV_EFULL : KV_EIO,
	                 "git: %s %s: %s", what, path, strerror(e));
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

int gp_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY), rc;
	if (fd < 0)
		return io_error("opening", dir);
	rc = fsync(fd);
	close(fd);
	return rc < 0 ? io_error("fsync of", dir) : 0;
}

int gp_fsync_file(const char *path)
{
	int fd = open(path, O_RDONLY), rc;
	if (fd < 0)
		return io_error("opening", path);
	rc = fsync(fd);
	close(fd);
	return rc < 0 ? io_error("fsync of", path) : 0;
}

/* ---- zlib streams ---- */

/* Where compressed bytes go; non-zero stops (errno tells why). */
typedef int (*emit_fn)(void *ctx, const void *p, size_t n);

/* Emit zlib(pre + data): stored below STORED_MAX, else deflate level 1
 * on the reused stream `z`. */
static int zlib_emit(z_stream *z, int *zready, const void *pre, size_t prelen,
                     const void *data, size_t len, emit_fn emit, void *ctx)
{
	unsigned char out[ZCHUNK];
	size_t total = prelen + len;
	int rc;

	if (total < STORED_MAX) {
		/* 78 01: zlib header; 01: final stored block; LEN, NLEN;
		 * the bytes; adler32. */
		size_t k = 0;
		out[k++] = 0x78, out[k++] = 0x01, out[k++] = 0x01;
		out[k++] = (unsigned char)(total & 0xff);
		out[k++] = (unsigned char)(total >> 8);
		out[k++] = (unsigned char)(~total & 0xff);
		out[k++] = (unsigned char)((~total >> 8) & 0xff);
		if (prelen)
			memcpy(out + k, pre, prelen);
		if (len)
			memcpy(out + k + prelen, data, len);
		put_be32(out + k + total,
		         (uint32_t)adler32(adler32(0L, NULL, 0), out + k,
		                           (uInt)total));
		return emit(ctx, out, k + total + 4) ? -1 : 0;
	}
	if (!*zready) {
		memset(z, 0, sizeof(*z));
		if (deflateInit(z, 1) != Z_OK) {
			errno = ENOMEM;
			return -1;
		}
		*zready = 1;
	} else if (deflateReset(z) != Z_OK) {
		errno = EINVAL;
		return -1;
	}
	for (int part = 0; part < 2; part++) {
		const unsigned char *in = part ? data : pre;
		size_t left = part ? len : prelen;
		do {
			uInt chunk = left > (1u << 30) ? 1u << 30 : (uInt)left;
			int flush =
			        part && chunk == left ? Z_FINISH : Z_NO_FLUSH;
			z->next_in = (unsigned char *)(uintptr_t)in;
			z->avail_in = chunk;
			do {
				z->next_out = out;
				z->avail_out = sizeof(out);
				rc = deflate(z, flush);
				if (rc == Z_STREAM_ERROR) {
					errno = EINVAL;
					return -1;
				}
				if (sizeof(out) - z->avail_out &&
				    emit(ctx, out, sizeof(out) - z->avail_out))
					return -1;
			} while (z->avail_out == 0 ||
			         (flush == Z_FINISH && rc != Z_STREAM_END));
			in += chunk;
			left -= chunk;
		} while (left);
	}
	return 0;
}

static int emit_fd(void *ctx, const void *p, size_t n)
{
	return kv__write_all(*(int *)ctx, p, n);
}

/* ---- loose objects ---- */

/* objdir/xx/<38 hex> into `path`; the folder's length into *dirlen. */
static int loose_path(kv_buf *path, size_t *dirlen, const char *objdir,
                      const kv_oid *id)
{
	char hex[KV_OID_HEXSZ + 1];
	kv_oid_tostr(hex, id);
	path->size = 0;
	if (kv_buf_printf(path, "%s/%.2s", objdir, hex) < 0)
		return KV_ENOMEM;
	*dirlen = path->size;
	return kv_buf_printf(path, "/%s", hex + 2);
}

/* Write one loose object file (not its folder's fsync). */
static int write_loose(const char *objdir, const kv_oid *id, kv_otype type,
                       const void *data, size_t len, int sync, z_stream *z,
                       int *zready)
{
	kv_buf path = KV_BUF_INIT, tmp = KV_BUF_INIT;
	char pre[64];
	size_t dirlen;
	int fd = -1, error, prelen;

	prelen =
	        snprintf(pre, sizeof(pre), "%s %zu", kv_otype_name(type), len) +
	        1;
	if ((error = loose_path(&path, &dirlen, objdir, id)) < 0 ||
	    (error = kv_buf_set(&tmp, path.ptr, dirlen)) < 0 ||
	    (error = kv_buf_put(&tmp, "/tmp_obj_XXXXXX", 15)) < 0)
		goto done;
	path.ptr[dirlen] = '\0';
	if (mkdir(path.ptr, 0755) < 0 && errno != EEXIST) {
		error = io_error("creating", path.ptr);
		goto done;
	}
	path.ptr[dirlen] = '/';
	if ((fd = mkstemp(tmp.ptr)) < 0) {
		error = io_error("creating", tmp.ptr);
		goto done;
	}
	if (zlib_emit(z, zready, pre, (size_t)prelen, data, len, emit_fd, &fd) <
	            0 ||
	    (sync && fsync(fd) < 0) || fchmod(fd, 0444) < 0) {
		error = io_error("writing", tmp.ptr);
		goto done;
	}
	if (close(fd) < 0) {
		fd = -1;
		error = io_error("writing", tmp.ptr);
		goto done;
	}
	fd = -1;
	if (rename(tmp.ptr, path.ptr) < 0)
		error = io_error("renaming", tmp.ptr);
done:
	if (fd >= 0)
		close(fd);
	if (error < 0 && tmp.ptr && tmp.size)
		unlink(tmp.ptr);
	kv_buf_dispose(&path);
	kv_buf_dispose(&tmp);
	return error;
}

int gp_write_loose(const char *objdir, const kv_oid *id, kv_otype type,
                   const void *data, size_t len, int sync)
{
	z_stream z;
	int zready = 0, error;
	char dir[4096];

	error = write_loose(objdir, id, type, data, len, sync, &z, &zready);
	if (zready)
		deflateEnd(&z);
	if (error == 0 && sync) {
		snprintf(dir, sizeof(dir), "%s/%02x", objdir, id->id[0]);
		error = gp_fsync_dir(dir);
	}
	return error;
}

/* ---- the write batch ---- */

void gp_batch_init(gp_batch *b, const char *objdir, int sync,
                   unsigned int pack_min)
{
	memset(b, 0, sizeof(*b));
	b->objdir = objdir;
	b->sync = sync;
	b->pack_min = pack_min;
	b->fd = -1;
}

static size_t slot_of(const gp_batch *b, const kv_oid *id)
{
	size_t h;
	memcpy(&h, id->id, sizeof(h));
	return h & (b->nslots - 1);
}

const struct gp_obj *gp_batch_find(const gp_batch *b, const kv_oid *id)
{
	if (!b->n)
		return NULL;
	for (size_t i = slot_of(b, id);; i = (i + 1) & (b->nslots - 1)) {
		uint32_t k = b->slots[i];
		if (!k)
			return NULL;
		if (kv__oid_eq(&b->objs[k - 1].id, id))
			return &b->objs[k - 1];
	}
}

static void slot_insert(gp_batch *b, size_t k)
{
	size_t i = slot_of(b, &b->objs[k].id);
	while (b->slots[i])
		i = (i + 1) & (b->nslots - 1);
	b->slots[i] = (uint32_t)(k + 1);
}

static int grow(gp_batch *b)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		struct gp_obj *p;
		if (cap > UINT32_MAX - 1)
			return kv__error(KV_EFULL,
			                 "git: too many objects in one batch");
		if (!(p = kv__realloc(b->objs, cap * sizeof(*p))))
			return KV_ENOMEM;
		b->objs = p;
		b->cap = cap;
	}
	if ((b->n + 1) * 2 > b->nslots) {
		size_t n = b->nslots ? b->nslots * 2 : 512;
		uint32_t *s = kv__calloc(n, sizeof(*s));
		if (!s)
			return KV_ENOMEM;
		free(b->slots);
		b->slots = s;
		b->nslots = n;
		for (size_t k = 0; k < b->n; k++)
			slot_insert(b, k);
	}
	return 0;
}

static int flush(gp_batch *b)
{
	if (b->wlen && kv__write_all(b->fd, b->wbuf, b->wlen) < 0)
		return io_error("writing", b->tmp_path);
	b->flushed += b->wlen;
	b->wlen = 0;
	return 0;
}

struct pack_sink {
	gp_batch *b;
	uLong crc;
};

static int emit_pack(void *ctx, const void *p, size_t n)
{
	struct pack_sink *s = ctx;
	gp_batch *b = s->b;

	s->crc = crc32(s->crc, p, (uInt)n);
	if (b->wlen + n > WBUF_SIZE) {
		if (kv__write_all(b->fd, b->wbuf, b->wlen) < 0)
			return -1;
		b->flushed += b->wlen;
		b->wlen = 0;
	}
	if (n >= WBUF_SIZE) {
		if (kv__write_all(b->fd, p, n) < 0)
			return -1;
		b->flushed += n;
		return 0;
	}
	memcpy(b->wbuf + b->wlen, p, n);
	b->wlen += n;
	return 0;
}

/* Append object `o` with its payload to the pack. */
static int pack_append(gp_batch *b, struct gp_obj *o, const void *data)
{
	struct pack_sink sink = {b, crc32(0L, NULL, 0)};
	unsigned char hdr[16];
	uint64_t s = o->size;
	unsigned int c = (unsigned int)o->type << 4 | (unsigned int)(s & 15);
	size_t h = 0;

	for (s >>= 4; s; s >>= 7) {
		hdr[h++] = (unsigned char)(c | 0x80);
		c = (unsigned int)(s & 0x7f);
	}
	hdr[h++] = (unsigned char)c;
	o->offset = b->flushed + b->wlen;
	o->hdrlen = (uint8_t)h;
	if (emit_pack(&sink, hdr, h) < 0 ||
	    zlib_emit(&b->z, &b->zready, NULL, 0, data, (size_t)o->size,
	              emit_pack, &sink) < 0)
		return io_error("writing", b->tmp_path);
	o->crc = (uint32_t)sink.crc;
	return 0;
}

/* Switch from memory mode to streaming into a temporary pack. */
static int start_pack(gp_batch *b)
{
	kv_buf path = KV_BUF_INIT;
	int error;

	if ((error = kv_buf_printf(&path, "%s/pack", b->objdir)) < 0)
		return error;
	if (mkdir(path.ptr, 0755) < 0 && errno != EEXIST) {
		error = io_error("creating", path.ptr);
		kv_buf_dispose(&path);
		return error;
	}
	if ((error = kv_buf_put(&path, "/tmp_pack_XXXXXX", 16)) < 0 ||
	    !(b->wbuf = kv__malloc(WBUF_SIZE))) {
		kv_buf_dispose(&path);
		return KV_ENOMEM;
	}
	if ((b->fd = mkstemp(path.ptr)) < 0) {
		error = io_error("creating", path.ptr);
		kv_buf_dispose(&path);
		return error;
	}
	b->tmp_path = kv_buf_detach(&path);
	memcpy(b->wbuf, "PACK\0\0\0\2\0\0\0\0", 12);
	b->wlen = 12;
	for (size_t k = 0; k < b->n; k++) {
		struct gp_obj *o = &b->objs[k];
		if ((error = pack_append(b, o, o->data)) < 0)
			return error;
		free(o->data);
		o->data = NULL;
	}
	b->mem_bytes = 0;
	return 0;
}

int gp_batch_add(gp_batch *b, const kv_oid *id, kv_otype type, const void *data,
                 size_t len)
{
	struct gp_obj *o;
	int error;

	if ((error = grow(b)) < 0)
		return error;
	if (b->fd < 0 &&
	    (b->n + 1 > b->pack_min || b->mem_bytes + len > MEM_MAX_BYTES) &&
	    (error = start_pack(b)) < 0)
		return error;
	o = &b->objs[b->n];
	memset(o, 0, sizeof(*o));
	o->id = *id;
	o->type = (uint8_t)type;
	o->size = len;
	if (b->fd < 0) {
		if (!(o->data = kv__malloc(len ? len : 1)))
			return KV_ENOMEM;
		if (len)
			memcpy(o->data, data, len);
		b->mem_bytes += len;
	} else if ((error = pack_append(b, o, data)) < 0) {
		return error;
	}
	slot_insert(b, b->n++);
	return 0;
}

int gp_batch_read(kv_buf *out, gp_batch *b, const struct gp_obj *o)
{
	size_t k = (size_t)(o - b->objs);
	uint64_t start, end;
	unsigned char *in = NULL;
	z_stream z;
	int error = 0, rc;

	if (o->data)
		return kv_buf_set(out, o->data, (size_t)o->size);
	start = o->offset + o->hdrlen;
	end = k + 1 < b->n ? b->objs[k + 1].offset : b->flushed + b->wlen;
	if (end > b->flushed && (error = flush(b)) < 0)
		return error;
	if ((error = kv_buf_grow(out, (size_t)o->size)) < 0 ||
	    !(in = kv__malloc((size_t)(end - start))))
		return KV_ENOMEM;
	if (kv__pread_all(b->fd, in, (size_t)(end - start), start) < 0) {
		free(in);
		return io_error("reading", b->tmp_path);
	}
	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK) {
		free(in);
		return kv__error(KV_ENOMEM, "git: inflateInit failed");
	}
	z.next_in = in;
	z.avail_in = (uInt)(end - start);
	z.next_out = (unsigned char *)out->ptr;
	z.avail_out = (uInt)o->size;
	rc = inflate(&z, Z_FINISH);
	if (rc != Z_STREAM_END || z.total_out != o->size)
		error = kv__error(KV_ECORRUPT,
		                  "git: object %s in the open batch does not "
		                  "inflate",
		                  kv__oid_hex(&o->id));
	inflateEnd(&z);
	free(in);
	if (error == 0) {
		out->size = (size_t)o->size;
		out->ptr[out->size] = '\0';
	}
	return error;
}

void gp_batch_drop(gp_batch *b)
{
	for (size_t k = 0; k < b->n; k++)
		free(b->objs[k].data);
	if (b->fd >= 0) {
		close(b->fd);
		unlink(b->tmp_path);
	}
	if (b->zready)
		deflateEnd(&b->z);
	free(b->objs);
	free(b->slots);
	free(b->wbuf);
	free(b->tmp_path);
	gp_batch_init(b, b->objdir, b->sync, b->pack_min);
}

/* Memory mode: write each object loose, then fsync their folders. */
static int commit_loose(gp_batch *b)
{
	unsigned char touched[256] = {0};
	char dir[4096];
	int error = 0;

	for (size_t k = 0; k < b->n && !error; k++) {
		struct gp_obj *o = &b->objs[k];
		error = write_loose(b->objdir, &o->id, (kv_otype)o->type,
		                    o->data, (size_t)o->size, b->sync, &b->z,
		                    &b->zready);
		touched[o->id.id[0]] = 1;
	}
	for (int i = 0; i < 256 && !error && b->sync; i++) {
		if (!touched[i])
			continue;
		snprintf(dir, sizeof(dir), "%s/%02x", b->objdir, i);
		error = gp_fsync_dir(dir);
	}
	return error;
}

static int obj_ptr_cmp(const void *a, const void *b)
{
	return memcmp((*(struct gp_obj *const *)a)->id.id,
	              (*(struct gp_obj *const *)b)->id.id, 20);
}

/* The batch's objects sorted by id: a counting sort on the first two
 * bytes, then a sort of each (small) bucket. */
static struct gp_obj **sorted_objects(gp_batch *b)
{
	struct gp_obj **out = kv__calloc(b->n, sizeof(*out));
	size_t *start = kv__calloc(65537, sizeof(*start));

	if (!out || !start) {
		free(out);
		free(start);
		return NULL;
	}
	for (size_t k = 0; k < b->n; k++)
		start[(b->objs[k].id.id[0] << 8 | b->objs[k].id.id[1]) + 1]++;
	for (size_t i = 1; i <= 65536; i++)
		start[i] += start[i - 1];
	for (size_t k = 0; k < b->n; k++) {
		unsigned int key =
		        b->objs[k].id.id[0] << 8 | b->objs[k].id.id[1];
		out[start[key]++] = &b->objs[k];
	}
	/* start[i] is now the end of bucket i */
	for (size_t i = 0, from = 0; i < 65536; from = start[i++])
		if (start[i] - from > 1)
			qsort(out + from, start[i] - from, sizeof(*out),
			      obj_ptr_cmp);
	free(start);
	return out;
}

/* Build the version 2 index of the batch's pack. */
static int build_idx(kv_buf *idx, gp_batch *b, const unsigned char sum[20])
{
	struct gp_obj **sorted = sorted_objects(b);
	unsigned char *p;
	size_t nbig = 0, size, k;
	uint32_t fanout[256] = {0};
	uint64_t big_at;

	if (!sorted)
		return KV_ENOMEM;
	for (k = 0; k < b->n; k++) {
		fanout[sorted[k]->id.id[0]]++;
		nbig += sorted[k]->offset >= 0x80000000u;
	}
	size = 8 + 1024 + b->n * 28 + nbig * 8 + 40;
	if (kv_buf_grow(idx, size) < 0) {
		free(sorted);
		return KV_ENOMEM;
	}
	p = (unsigned char *)idx->ptr;
	memcpy(p, "\377tOc\0\0\0\2", 8);
	for (int i = 0, sum_n = 0; i < 256; i++) {
		sum_n += (int)fanout[i];
		put_be32(p + 8 + 4 * i, (uint32_t)sum_n);
	}
	p += 1032;
	big_at = 0;
	for (k = 0; k < b->n; k++) {
		const struct gp_obj *o = sorted[k];
		unsigned char *off = p + b->n * 24 + 4 * k;
		memcpy(p + 20 * k, o->id.id, 20);
		put_be32(p + b->n * 20 + 4 * k, o->crc);
		if (o->offset < 0x80000000u) {
			put_be32(off, (uint32_t)o->offset);
		} else {
			unsigned char *q = p + b->n * 28 + 8 * big_at;
			put_be32(off, (uint32_t)(0x80000000u | big_at++));
			put_be32(q, (uint32_t)(o->offset >> 32));
			put_be32(q + 4, (uint32_t)o->offset);
		}
	}
	p += b->n * 28 + nbig * 8;
	memcpy(p, sum, 20);
	SHA1((unsigned char *)idx->ptr, size - 20, p + 20);
	idx->size = size;
	free(sorted);
	return 0;
}

/* Pack mode: finish the pack, write its index, rename both into place. */
static int commit_pack(gp_batch *b)
{
	unsigned char count[4], sum[20];
	kv_buf idx = KV_BUF_INIT, path = KV_BUF_INIT, tmp = KV_BUF_INIT;
	char hex[KV_OID_HEXSZ + 1];
	SHA_CTX ctx;
	int error, fd = -1;

	if ((error = flush(b)) < 0)
		return error;
	put_be32(count, (uint32_t)b->n);
	if (pwrite(b->fd, count, 4, 8) != 4)
		return io_error("writing", b->tmp_path);
	SHA1_Init(&ctx);
	for (uint64_t off = 0; off < b->flushed;) {
		size_t n = b->flushed - off > WBUF_SIZE
		                   ? WBUF_SIZE
		                   : (size_t)(b->flushed - off);
		if (kv__pread_all(b->fd, b->wbuf, n, off) < 0)
			return io_error("reading", b->tmp_path);
		SHA1_Update(&ctx, b->wbuf, n);
		off += n;
	}
	SHA1_Final(sum, &ctx);
	if (kv__write_all(b->fd, sum, 20) < 0 ||
	    (b->sync && fsync(b->fd) < 0) || fchmod(b->fd, 0444) < 0)
		return io_error("writing", b->tmp_path);
	for (int i = 0; i < 20; i++) {
		hex[2 * i] = hexdigits[sum[i] >> 4];
		hex[2 * i + 1] = hexdigits[sum[i] & 15];
	}
	hex[40] = '\0';
	if ((error = build_idx(&idx, b, sum)) < 0 ||
	    (error = kv_buf_printf(&path, "%s/pack/pack-%s.pack", b->objdir,
	                           hex)) < 0 ||
	    (error = kv_buf_printf(&tmp, "%s/pack/tmp_idx_XXXXXX", b->objdir)) <
	            0)
		goto done;
	if (rename(b->tmp_path, path.ptr) < 0) {
		error = io_error("renaming", b->tmp_path);
		goto done;
	}
	close(b->fd);
	b->fd = -1;
	if ((fd = mkstemp(tmp.ptr)) < 0) {
		error = io_error("creating", tmp.ptr);
		goto done;
	}
	if (kv__write_all(fd, idx.ptr, idx.size) < 0 ||
	    (b->sync && fsync(fd) < 0) || fchmod(fd, 0444) < 0 ||
	    close(fd) < 0) {
		fd = -1;
		error = io_error("writing", tmp.ptr);
		unlink(tmp.ptr);
		goto done;
	}
	fd = -1;
	memcpy(path.ptr + path.size - 4, "idx", 4);
	path.size--;
	if (rename(tmp.ptr, path.ptr) < 0) {
		error = io_error("renaming", tmp.ptr);
		unlink(tmp.ptr);
		goto done;
	}
	if (b->sync) {
		path.size = 0;
		if ((error = kv_buf_printf(&path, "%s/pack", b->objdir)) == 0)
			error = gp_fsync_dir(path.ptr);
	}
done:
	if (fd >= 0)
		close(fd);
	kv_buf_dispose(&idx);
	kv_buf_dispose(&path);
	kv_buf_dispose(&tmp);
	return error;
}

int gp_batch_commit(gp_batch *b, int *packed)
{
	int error = 0;

	*packed = b->fd >= 0 && b->n > 0;
	if (*packed)
		error = commit_pack(b);
	else if (b->n)
		error = commit_loose(b);
	gp_batch_drop(b);
	return error;
}

/* ---- pack indexes ---- */

void gp_idx_close(gp_idx *idx)
{
	free(idx->raw);
	memset(idx, 0, sizeof(*idx));
}

int gp_idx_open(gp_idx *out, const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY), error = 0;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return io_error("opening", path);
	if (fstat(fd, &st) < 0) {
		error = io_error("reading", path);
		goto done;
	}
	out->len = (size_t)st.st_size;
	if (!(out->raw = kv__malloc(out->len ? out->len : 1))) {
		error = KV_ENOMEM;
		goto done;
	}
	if (kv__pread_all(fd, out->raw, out->len, 0) < 0) {
		error = io_error("reading", path);
		goto done;
	}
	out->version = out->len >= 8 && !memcmp(out->raw, "\377tOc", 4) ? 2 : 1;
	if (out->version == 2) {
		if (get_be32(out->raw + 4) != 2 || out->len < 1032 + 40) {
			error = KV_ECORRUPT;
			goto done;
		}
		n = get_be32(out->raw + 8 + 1020);
		if ((out->len - 1072) / 28 < n ||
		    (out->len - 1072 - 28 * n) % 8) {
			error = KV_ECORRUPT;
			goto done;
		}
		out->nbig = (out->len - 1072 - 28 * n) / 8;
	} else {
		if (out->len < 1024 + 40) {
			error = KV_ECORRUPT;
			goto done;
		}
		n = get_be32(out->raw + 1020);
		if ((out->len - 1064) / 24 != n || (out->len - 1064) % 24) {
			error = KV_ECORRUPT;
			goto done;
		}
	}
	out->n = n;
done:
	close(fd);
	if (error == KV_ECORRUPT)
		error = kv__error(KV_ECORRUPT,
		                  "git: pack index %s is malformed", path);
	if (error < 0)
		gp_idx_close(out);
	return error;
}

static const unsigned char *idx_id(const gp_idx *idx, size_t i)
{
	return idx->version == 2 ? idx->raw + 1032 + 20 * i
	                         : idx->raw + 1024 + 24 * i + 4;
}

static uint64_t idx_offset(const gp_idx *idx, size_t i)
{
	const unsigned char *p;
	uint32_t off;

	if (idx->version == 1)
		return get_be32(idx->raw + 1024 + 24 * i);
	off = get_be32(idx->raw + 1032 + 24 * idx->n + 4 * i);
	if (!(off & 0x80000000u))
		return off;
	off &= 0x7fffffffu;
	if (off >= idx->nbig)
		return UINT64_MAX;
	p = idx->raw + 1032 + 28 * idx->n + 8 * (size_t)off;
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

void gp_idx_oid(kv_oid *out, const gp_idx *idx, size_t i)
{
	memcpy(out->id, idx_id(idx, i), 20);
}

int gp_idx_contains(const gp_idx *idx, const kv_oid *id)
{
	const unsigned char *fan = idx->raw + (idx->version == 2 ? 8 : 0);
	size_t lo = id->id[0] ? get_be32(fan + 4 * (id->id[0] - 1)) : 0;
	size_t hi = get_be32(fan + 4 * id->id[0]);

	if (hi > idx->n)
		hi = idx->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(idx_id(idx, mid), id->id, 20);
		if (!c)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

struct off_ent {
	uint64_t off;
	size_t i;
};

static int off_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct off_ent *)a)->off;
	uint64_t y = ((const struct off_ent *)b)->off;
	return x < y ? -1 : x > y;
}

int gp_idx_foreach(const gp_idx *idx, uint64_t pack_size, gp_idx_cb cb,
                   void *payload)
{
	struct off_ent *e = kv__calloc(idx->n, sizeof(*e));
	int rc = 0;

	if (!e)
		return KV_ENOMEM;
	for (size_t i = 0; i < idx->n; i++) {
		e[i].off = idx_offset(idx, i);
		e[i].i = i;
	}
	qsort(e, idx->n, sizeof(*e), off_cmp);
	for (size_t k = 0; k < idx->n && !rc; k++) {
		uint64_t end = k + 1 < idx->n
		                       ? e[k + 1].off
		                       : (pack_size >= 20 ? pack_size - 20 : 0);
		kv_oid id;
		memcpy(id.id, idx_id(idx, e[k].i), 20);
		rc = cb(&id, end > e[k].off ? end - e[k].off : 0, payload);
	}
	free(e);
	return rc;
}
