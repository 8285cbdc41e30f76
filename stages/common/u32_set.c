/* stages/common/u32_set.c: see u32_set.h.
 *
 * The writer makes a set of each batch's anchors (tens of thousands of type
 * ids, on the serial path) and glibc's qsort, a merge sort calling the
 * comparison through a pointer, was most of the ~35 ms that batch cuts
 * spent sorting on the Debian vmlinux. Type ids are small integers: a
 * least-significant-digit radix sort, 11 bits a pass and only as many
 * passes as the largest value needs (two for a batch's ids), is linear.
 */
#include "stages/common/u32_set.h"

#include <stdbool.h>
#include <string.h>

#define DIGIT_BITS 11
#define DIGITS (1u << DIGIT_BITS)
#define SMALL 64	/* fewer values: insertion sort */

static void insertion_sort(uint32_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint32_t x = v[i];
		size_t j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* v sorted through tmp (n values each); false if tmp could not be had. */
static bool radix_sort(uint32_t *v, size_t n)
{
	uint32_t *tmp = malloc(n * sizeof(*tmp)), *from = v, *to = tmp, *swap, all = 0;
	size_t count[DIGITS];

	if (!tmp)
		return false;
	for (size_t i = 0; i < n; i++)
		all |= v[i];
	for (unsigned int shift = 0; shift < 32 && (shift == 0 || all >> shift); shift += DIGIT_BITS) {
		size_t sum = 0;

		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < n; i++)
			count[(from[i] >> shift) & (DIGITS - 1)]++;
		for (size_t d = 0; d < DIGITS; d++) {
			size_t c = count[d];

			count[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			to[count[(from[i] >> shift) & (DIGITS - 1)]++] = from[i];
		swap = from;
		from = to;
		to = swap;
	}
	if (from != v)
		memcpy(v, from, n * sizeof(*v));
	free(tmp);
	return true;
}

size_t u32_set__sort_unique(uint32_t *v, size_t n)
{
	size_t k = 0;

	if (n <= SMALL)
		insertion_sort(v, n);
	else if (!radix_sort(v, n))
		qsort(v, n, sizeof(*v), u32_set__cmp);
	for (size_t i = 0; i < n; i++)
		if (!k || v[k - 1] != v[i])
			v[k++] = v[i];
	return k;
}
