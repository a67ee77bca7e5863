/*
 * git_graph.c: reading git's commit-graph file (see git_graph.h).
 *
 * | part        | bytes                                                  |
 * |-------------|--------------------------------------------------------|
 * | header      | "CGPH", version 1, hash version 1 (SHA-1), number of   |
 * |             | chunks C, number of base graphs (0: not in a chain)    |
 * | chunk table | C + 1 entries of a 4-byte id and a be64 offset; the    |
 * |             | last has id 0 and marks where the last chunk ends      |
 * | OIDF        | be32 fanout[256]: commits whose id's first byte <= i   |
 * | OIDL        | the N commit ids, sorted                               |
 * | CDAT        | per commit: root tree id (20), be32 first and second   |
 * |             | parent (an index into OIDL; 0x70000000: none; high bit |
 * |             | set on the second: more than two, in EDGE), be32 with  |
 * |             | the generation in its top 30 bits and bits 33-32 of    |
 * |             | the time in its low 2, be32 low 32 bits of the time    |
 * | (others)    | EDGE, GDAT, BIDX, ...: not needed here                 |
 * | trailer     | SHA-1 of everything before it                          |
 *
 * Everything is checked once at open (checksum, chunk bounds, sizes, the
 * fanout), so lookups only need to check parent indexes. The generation
 * is git's "topological level": 1 for a root commit, else 1 + the largest
 * of the parents', which is exactly the generation kv_commit_info means.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include "git_graph.h"

#define HEADER_LEN 8
#define CHUNK_ROW  12
#define CDAT_ROW   36
#define NO_PARENT  0x70000000u
#define OCTOPUS    0x80000000u
#define GEN_V1_MAX 0x3fffffffu
#define MAX_FILE   ((uint64_t)1 << 32) /* 60M+ commits: not ours */

struct gg_graph {
	unsigned char *raw; /* the whole file */
	size_t len;
	const unsigned char *fanout, *oids, *cdat;
	uint32_t n;
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* The whole file into *raw: 1, or 0 if it is missing, odd or unreadable
 * (no graph then), or KV_ENOMEM. */
static int read_file(unsigned char **raw, size_t *len, const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok = 0;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size < MAX_FILE) {
		*len = (size_t)st.st_size;
		if (!(*raw = kv__malloc(*len ? *len : 1)))
			ok = KV_ENOMEM;
		else if (!(ok = kv__pread_all(fd, *raw, *len, 0) == 0)) {
			free(*raw);
			*raw = NULL;
		}
	}
	close(fd);
	return ok;
}

/* Find the chunks we need; 1 if the file is sound, 0 if not. */
static int map_chunks(gg_graph *g)
{
	const unsigned char *p = g->raw;
	uint64_t end = g->len - 20, oidl = 0, cdat = 0, fan = 0;
	uint64_t oidl_len = 0, cdat_len = 0, fan_len = 0;
	unsigned int nchunks = p[6];
	unsigned char sum[20];

	if (memcmp(p, "CGPH", 4) || p[4] != 1 || p[5] != 1 || p[7] != 0)
		return 0; /* another version, another hash, or a chain */
	if (HEADER_LEN + (uint64_t)(nchunks + 1) * CHUNK_ROW > end)
		return 0;
	SHA1(g->raw, (size_t)end, sum);
	if (memcmp(sum, g->raw + end, 20))
		return 0;
	for (unsigned int i = 0; i < nchunks; i++) {
		const unsigned char *row = p + HEADER_LEN + i * CHUNK_ROW;
		uint64_t at = be64(row + 4), next = be64(row + CHUNK_ROW + 4);
		if (at > next || next > end)
			return 0;
		if (!memcmp(row, "OIDF", 4))
			fan = at, fan_len = next - at;
		else if (!memcmp(row, "OIDL", 4))
			oidl = at, oidl_len = next - at;
		else if (!memcmp(row, "CDAT", 4))
			cdat = at, cdat_len = next - at;
	}
	if (fan_len != 256 * 4)
		return 0;
	g->fanout = p + fan;
	for (int i = 1; i < 256; i++)
		if (be32(g->fanout + 4 * i) < be32(g->fanout + 4 * (i - 1)))
			return 0;
	g->n = be32(g->fanout + 4 * 255);
	if (oidl_len != (uint64_t)g->n * 20 ||
	    cdat_len != (uint64_t)g->n * CDAT_ROW)
		return 0;
	g->oids = p + oidl;
	g->cdat = p + cdat;
	return 1;
}

int gg_parse(gg_graph **out, unsigned char *raw, size_t len)
{
	gg_graph *g;

	*out = NULL;
	if (!(g = kv__calloc(1, sizeof(*g)))) {
		free(raw);
		return KV_ENOMEM;
	}
	g->raw = raw;
	g->len = len;
	if (len < HEADER_LEN + CHUNK_ROW + 20 || !map_chunks(g)) {
		gg_free(g);
		return 0;
	}
	*out = g;
	return 0;
}

int gg_open(gg_graph **out, const char *objdir)
{
	kv_buf path = KV_BUF_INIT;
	unsigned char *raw = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((rc = kv_buf_printf(&path, "%s/info/commit-graph", objdir)) == 0 &&
	    (rc = read_file(&raw, &len, path.ptr)) > 0)
		rc = gg_parse(out, raw, len);
	kv_buf_dispose(&path);
	return rc < 0 ? rc : 0;
}

/* Index of commit `id` in the graph, or -1. */
static long find(const gg_graph *g, const kv_oid *id)
{
	unsigned int first = id->id[0];
	uint32_t lo = first ? be32(g->fanout + 4 * (first - 1)) : 0;
	uint32_t hi = be32(g->fanout + 4 * first);

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = memcmp(g->oids + (size_t)mid * 20, id->id, 20);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int gg_commit_info(kv_commit_info *out, const gg_graph *g, const kv_oid *id)
{
	const unsigned char *row;
	uint32_t parent[2], word;
	long at;

	if (!g || (at = find(g, id)) < 0)
		return KV_ENOTFOUND;
	row = g->cdat + (size_t)at * CDAT_ROW;
	parent[0] = be32(row + 20);
	parent[1] = be32(row + 24);
	if (parent[1] != NO_PARENT && (parent[1] & OCTOPUS))
		return KV_ENOTFOUND; /* the core reads the commit */
	memset(out, 0, sizeof(*out));
	memcpy(out->tree.id, row, 20);
	for (int i = 0; i < 2; i++) {
		if (parent[i] == NO_PARENT)
			break;
		if (parent[i] >= g->n)
			return KV_ENOTFOUND; /* a bad index: do not trust it */
		memcpy(out->parents[i].id, g->oids + (size_t)parent[i] * 20,
		       20);
		out->nparents++;
	}
	word = be32(row + 28);
	out->time = (int64_t)((uint64_t)(word & 3) << 32 | be32(row + 32));
	/* 0: written without generations; the cap: no longer exact. Either
	 * way the core computes it from the parents. */
	out->generation = (word >> 2) == GEN_V1_MAX ? 0 : word >> 2;
	return 0;
}

size_t gg_count(const gg_graph *g)
{
	return g ? g->n : 0;
}

void gg_free(gg_graph *g)
{
	if (!g)
		return;
	free(g->raw);
	free(g);
}
