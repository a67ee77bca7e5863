/*
 * git_pack.h: the git backend's objects on disk (private to backends/).
 *
 * Writing: loose objects (one zlib file each, as git writes them) and the
 * write batch, which holds a small batch in memory and streams a large one
 * into a temporary pack file; committing the batch installs that pack with
 * its index, or writes the small batch's objects loose. Reading: pack
 * index files, for object iteration and gc. libgit2 reads the objects
 * themselves (backends/git.c).
 */
#ifndef KV_GIT_PACK_H
#define KV_GIT_PACK_H

#include <zlib.h>

#include "common.h"

/* One object written in the open batch. */
struct gp_obj {
	kv_oid id;
	uint8_t type;    /* kv_otype */
	uint8_t hdrlen;  /* pack mode: bytes of the entry's header */
	uint32_t crc;    /* pack mode: crc32 of the entry (header + zlib) */
	uint64_t size;   /* payload bytes */
	uint64_t offset; /* pack mode: where the entry starts in the pack */
	char *data;      /* memory mode: the payload (owned); else NULL */
};

/* The objects of one write batch. */
typedef struct {
	const char *objdir;    /* the repository's objects folder (borrowed) */
	int sync;              /* fsync what is written */
	unsigned int pack_min; /* more objects than this: pack mode */
	struct gp_obj *objs;   /* in write order */
	size_t n, cap;
	uint32_t *slots;     /* hash index into objs: i + 1; 0 is empty */
	size_t nslots;       /* a power of two */
	uint64_t mem_bytes;  /* memory mode: payload bytes held */
	int fd;              /* pack mode: the temporary pack; else -1 */
	char *tmp_path;      /* its path */
	unsigned char *wbuf; /* pack bytes not yet written to fd */
	size_t wlen;
	uint64_t flushed; /* pack bytes written to fd */
	z_stream z;       /* deflate stream, reused */
	int zready;
} gp_batch;

/** Start an empty batch writing under `objdir` (kept, not copied). */
void gp_batch_init(gp_batch *b, const char *objdir, int sync,
                   unsigned int pack_min);

/** The object `id` if the batch holds it, else NULL. */
const struct gp_obj *gp_batch_find(const gp_batch *b, const kv_oid *id);

/** Add an object (the caller checked it is not already stored). */
int gp_batch_add(gp_batch *b, const kv_oid *id, kv_otype type, const void *data,
                 size_t len);

/** Read back the payload of `o`, one of the batch's objects. */
int gp_batch_read(kv_buf *out, gp_batch *b, const struct gp_obj *o);

/**
 * Make the batch's objects part of the repository: install the pack and
 * its index (*packed = 1), or write the objects loose (*packed = 0). The
 * batch is empty afterwards, whatever the outcome.
 */
int gp_batch_commit(gp_batch *b, int *packed);

/** Forget the batch's objects and remove its temporary file. */
void gp_batch_drop(gp_batch *b);

/** Write one loose object objdir/xx/yyyy... (no-op if it exists). */
int gp_write_loose(const char *objdir, const kv_oid *id, kv_otype type,
                   const void *data, size_t len, int sync);

/** fsync folder `dir`. */
int gp_fsync_dir(const char *dir);

/** fsync file `path`. */
int gp_fsync_file(const char *path);

/* A pack index (.idx, version 1 or 2), read whole into memory. */
typedef struct {
	unsigned char *raw; /* the file */
	size_t len;
	int version;   /* 1 or 2 */
	size_t n;      /* number of objects */
	uint64_t nbig; /* version 2: entries of the 64-bit offset table */
} gp_idx;

/** Read and check the index file `path`. KV_ECORRUPT if malformed. */
int gp_idx_open(gp_idx *out, const char *path);
void gp_idx_close(gp_idx *idx);

/** The id of entry `i` (ids are sorted). */
void gp_idx_oid(kv_oid *out, const gp_idx *idx, size_t i);

/** 1 if the index lists `id`, else 0. */
int gp_idx_contains(const gp_idx *idx, const kv_oid *id);

/** Called for each object of a pack with its size in the pack. */
typedef int (*gp_idx_cb)(const kv_oid *id, uint64_t stored, void *payload);

/**
 * Call `cb` for each entry of `idx`, whose pack file is `pack_size` bytes
 * long, with the entry's size in the pack. A non-zero return stops and is
 * returned.
 */
int gp_idx_foreach(const gp_idx *idx, uint64_t pack_size, gp_idx_cb cb,
                   void *payload);

#endif
