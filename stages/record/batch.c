/* stages/record/batch.c: see batch.h. */
#include "stages/record/batch.h"

#include <stdlib.h>
#include <sys/mman.h>

#include "stages/common/grow.h"
#include "stages/record/image_pool.h"

void btf_batch__free_raw(struct btf_batch *b)
{
	if (b->raw && b->raw_heap)
		free(b->raw);
	else if (b->raw && b->pool)
		image_pool__give(b->pool, b->raw, b->raw_cap);
	else if (b->raw)
		munmap(b->raw, b->raw_cap);
	b->raw = NULL;
	b->raw_heap = false;
}

void btf_batch__free_cus(struct btf_batch *b)
{
	free(b->cus);
	free(b->orders);
	b->cus = NULL;
	b->orders = NULL;
	b->ncus = 0;
	b->norders = 0;
}

void btf_batch__free(struct btf_batch *b)
{
	if (!b)
		return;
	btf_batch__free_raw(b);
	btf_batch__free_cus(b);
	free(b);
}

uint32_t *anchor_ids__add(struct anchor_ids *a, uint32_t index, uint32_t n)
{
	if (index >= a->nbatches) {
		if (GROW(a->ids, a->cap, (size_t)index + 1, 64) ||
		    GROW(a->counts, a->counts_cap, (size_t)index + 1, 64))
			return NULL;
		for (uint32_t i = a->nbatches; i <= index; i++)
			a->ids[i] = NULL, a->counts[i] = 0;
		a->nbatches = index + 1;
	}
	free(a->ids[index]);
	a->ids[index] = calloc(n + 1, sizeof(**a->ids));
	a->counts[index] = a->ids[index] ? n : 0;
	return a->ids[index];
}

void anchor_ids__free(struct anchor_ids *a)
{
	for (uint32_t i = 0; i < a->nbatches; i++)
		free(a->ids[i]);
	free(a->ids);
	free(a->counts);
	a->ids = NULL;
	a->counts = NULL;
	a->counts_cap = 0;
	a->nbatches = 0;
	a->cap = 0;
}
