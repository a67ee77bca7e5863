/* pqueue.c: a binary max-heap of pointers; see pqueue.h. */
#include "pqueue.h"

int kv_pqueue_push(kv_pqueue *q, void *x)
{
	size_t i;
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64;
		void **p = kv__realloc(q->items, cap * sizeof(*p));
		if (!p)
			return KV_ENOMEM;
		q->items = p;
		q->cap = cap;
	}
	for (i = q->n++; i && q->above(x, q->items[(i - 1) / 2]);
	     i = (i - 1) / 2)
		q->items[i] = q->items[(i - 1) / 2];
	q->items[i] = x;
	return 0;
}

void *kv_pqueue_pop(kv_pqueue *q)
{
	void *top, *last;
	size_t i = 0;

	if (!q->n)
		return NULL;
	top = q->items[0];
	last = q->items[--q->n];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= q->n)
			break;
		if (c + 1 < q->n && q->above(q->items[c + 1], q->items[c]))
			c++;
		if (!q->above(q->items[c], last))
			break;
		q->items[i] = q->items[c];
		i = c;
	}
	if (q->n)
		q->items[i] = last;
	return top;
}

void kv_pqueue_dispose(kv_pqueue *q)
{
	free(q->items);
	q->items = NULL;
	q->n = q->cap = 0;
}
