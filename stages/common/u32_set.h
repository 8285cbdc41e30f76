/* stages/common/u32_set.h: a sorted array of distinct uint32_t as a set.
 *
 * The writer's per-batch anchors and the merge thread's compaction both turn
 * a list of type ids into a sorted set and look ids up in it. Plain
 * functions on caller-owned arrays; no state, any thread.
 */
#ifndef BTFSTREAM_U32_SET_H
#define BTFSTREAM_U32_SET_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

static inline int u32_set__cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts v[0..n) and moves each value's first copy to the front; returns how
 * many distinct values there are (stages/common/u32_set.c: a radix sort). */
size_t u32_set__sort_unique(uint32_t *v, size_t n);

/* The index of x in the set v[0..n) (as u32_set__sort_unique leaves it), or
 * -1 if x is not in it. */
static inline long u32_set__find(const uint32_t *v, size_t n, uint32_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < x)
			lo = mid + 1;
		else if (v[mid] > x)
			hi = mid;
		else
			return (long)mid;
	}
	return -1;
}

#endif
