/* stages/record/arena.h: a bump allocator for one CU's record payloads.
 *
 * Owned by one thread at a time: the reader that fills it, then (handed over
 * through the queue inside the CU_END record) the writer that frees it; or
 * a reader's own, emptied for each CU (arena__reset). Not thread-safe; never
 * shared. Allocations live until arena__free or arena__reset.
 */
#ifndef BTFSTREAM_ARENA_H
#define BTFSTREAM_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
	size_t used;	/* bytes handed out in the head block */
	size_t total;	/* bytes reserved in all blocks */
};

/* Returns zeroed memory aligned to 8 bytes, or NULL (errno ENOMEM). */
void *arena__alloc(struct arena *a, size_t size);
/* The same, not zeroed (but for the padding up to 8 bytes): for a caller
 * that fills all of it at once. */
void *arena__alloc_raw(struct arena *a, size_t size);
/* Frees every block; the arena is empty and reusable afterwards. */
void arena__free(struct arena *a);
/* Empties the arena but keeps its memory for the next use: one block of
 * all the blocks' size (so an arena reused per CU soon needs one malloc
 * for none). Allocations made before are gone. */
void arena__reset(struct arena *a);

#endif
