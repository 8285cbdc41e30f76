/* stages/record/image_pool.h: the mappings batch images are written into.
 *
 * A batch image (stages/record/batch.h) is an anonymous mapping of its own.
 * Mapping a fresh one for every batch cost a page fault and a cleared page
 * for each of its 4 KiB pages (5 MiB a batch), on the writer's thread: the
 * serial path. The pool keeps the mappings of the batches the merge thread
 * is done with, so the writer's next batch goes into pages already resident.
 *
 * At most `limit` mappings are alive at once (kept or in use). A writer
 * that finds none kept and `limit` in use waits until a merge thread
 * gives one back; the memory of the batches in flight is then bounded by
 * the pool (one image at -j2: 2 MB more peak RSS than unmapping each,
 * docs/design.md; batches in chunks: four images of a chunk each,
 * pipeline/sizing.c).
 *
 * Threads: the writer takes (image_pool__take) and closes; a merge thread
 * (or the writer, for a batch it could not push) gives back through
 * btf_batch__free_raw; a mutex and a condition guard the pool. Once the
 * writer has cut its last batch it closes the pool: what it keeps is
 * unmapped, and so is every image given back after that, so the pool adds
 * nothing to the peak after the stream. The owner (the writer) destroys it
 * once the merge threads have been joined.
 */
#ifndef BTFSTREAM_IMAGE_POOL_H
#define BTFSTREAM_IMAGE_POOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMAGE_POOL_SLOTS 32	/* most mappings alive; a larger limit is cut to it */

struct image_pool {
	pthread_mutex_t lock;
	pthread_cond_t given;
	void *map[IMAGE_POOL_SLOTS];	/* NULL = empty slot */
	size_t cap[IMAGE_POOL_SLOTS];	/* bytes mapped at map[i] */
	unsigned int alive;		/* mappings made and not unmapped */
	unsigned int limit;		/* most alive at once (<= IMAGE_POOL_SLOTS) */
	bool closed;
	/* while waiting: true if the run stopped (nothing will be given) */
	bool (*stopped)(void *arg);
	void *arg;
	/* for --stats: takes that found none (the writer maps one), that
	 * found one kept, that waited; the time waited */
	uint64_t made, reused, waits, wait_ns;
};

/* limit: 1 .. IMAGE_POOL_SLOTS. stopped(arg) is polled while waiting. */
void image_pool__init(struct image_pool *p, unsigned int limit, bool (*stopped)(void *), void *arg);
/*
 * A kept mapping (*cap set to its bytes), waiting for one while `limit`
 * are in use. NULL means: map a fresh one (counted as alive), either
 * because fewer than `limit` are alive, or the pool is closed, or the run
 * stopped.
 */
void *image_pool__take(struct image_pool *p, size_t *cap);
/* Keeps map for a later take, or unmaps it when the pool is closed. */
void image_pool__give(struct image_pool *p, void *map, size_t cap);
/* Unmaps what the pool keeps; gives after this unmap. Idempotent. */
void image_pool__close(struct image_pool *p);
/* After close, once no thread can give any more. A zeroed pool is fine. */
void image_pool__destroy(struct image_pool *p);

#endif
