/* stages/record/arena.c: see arena.h. */
#include "stages/record/arena.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK_MIN (64 * 1024)

struct arena_block {
	struct arena_block *next;
	size_t size;
	char data[];
};

void *arena__alloc_raw(struct arena *a, size_t size)
{
	struct arena_block *b;
	void *p;

	size = (size + 7) & ~(size_t)7;
	if (!a->head || a->used + size > a->head->size) {
		size_t bsize = size > ARENA_BLOCK_MIN ? size : ARENA_BLOCK_MIN;

		b = malloc(sizeof(*b) + bsize);
		if (!b) {
			errno = ENOMEM;
			return NULL;
		}
		b->next = a->head;
		b->size = bsize;
		a->head = b;
		a->used = 0;
		a->total += bsize;
	}
	p = a->head->data + a->used;
	a->used += size;
	if (size)	/* the padding past the caller's bytes is zero, as in arena__alloc */
		((uint64_t *)p)[size / 8 - 1] = 0;
	return p;
}

void *arena__alloc(struct arena *a, size_t size)
{
	void *p = arena__alloc_raw(a, size);

	if (p)
		memset(p, 0, (size + 7) & ~(size_t)7);
	return p;
}

void arena__free(struct arena *a)
{
	struct arena_block *b = a->head, *next;

	for (; b; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
	a->used = 0;
	a->total = 0;
}

void arena__reset(struct arena *a)
{
	struct arena_block *b = a->head;
	size_t total = a->total;

	a->used = 0;
	if (!b || !b->next)
		return;
	arena__free(a);
	if (!(b = malloc(sizeof(*b) + total)))
		return;	/* the next allocation mallocs again */
	b->next = NULL;
	b->size = total;
	a->head = b;
	a->total = total;
}
