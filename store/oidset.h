/*
 * oidset.h: a set of object ids (open addressing), for walks that must
 * visit each commit or tree once.
 */
#ifndef KV_OIDSET_H
#define KV_OIDSET_H

#include "common.h"

typedef struct {
	kv_oid *ids;
	unsigned char *used;
	size_t cap, count;
} kv_oidset;

#define KV_OIDSET_INIT                                                         \
	{                                                                      \
		NULL, NULL, 0, 0                                               \
	}

/** Add `id`: 1 if it was new, 0 if already present, KV_ENOMEM. */
int kv_oidset_add(kv_oidset *set, const kv_oid *id);
int kv_oidset_contains(const kv_oidset *set, const kv_oid *id);
void kv_oidset_dispose(kv_oidset *set);

#endif
