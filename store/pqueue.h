/*
 * pqueue.h: a priority queue (binary max-heap) of pointers, for history
 * walks: newest commit first (log), highest generation first (merge
 * bases).
 */
#ifndef KV_PQUEUE_H
#define KV_PQUEUE_H

#include "common.h"

/** Non-zero if `a` must come out before `b`. */
typedef int (*kv_pqueue_above)(const void *a, const void *b);

typedef struct {
	void **items;
	size_t n, cap;
	kv_pqueue_above above;
} kv_pqueue;

#define KV_PQUEUE_INIT(above)                                                  \
	{                                                                      \
		NULL, 0, 0, (above)                                            \
	}

/** 0 or KV_ENOMEM. */
int kv_pqueue_push(kv_pqueue *q, void *item);
/** The first item, removed; NULL if the queue is empty. */
void *kv_pqueue_pop(kv_pqueue *q);
void kv_pqueue_dispose(kv_pqueue *q);

#endif
