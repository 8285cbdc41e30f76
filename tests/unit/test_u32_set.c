/* tests/unit/test_u32_set.c: u32_set__sort_unique against qsort and a
 * plain dedup, on arrays of every size class it treats apart (empty, one,
 * the insertion sort's, the radix sort's) and value ranges (small ids, the
 * full 32 bits, one value repeated); and u32_set__find on the result. */
#include "stages/common/u32_set.h"
#include "tests/tap.h"
#include "tests/unit/xorshift.h"

#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t next(void)
{
	return (uint32_t)(xorshift64(&rng) >> 16);
}

/* The expected set: qsort, then each value once. */
static size_t reference(uint32_t *v, size_t n)
{
	size_t k = 0;

	qsort(v, n, sizeof(*v), u32_set__cmp);
	for (size_t i = 0; i < n; i++)
		if (!k || v[k - 1] != v[i])
			v[k++] = v[i];
	return k;
}

static void check(const char *what, size_t n, uint32_t mask)
{
	uint32_t *a = malloc((n + 1) * sizeof(*a)), *b = malloc((n + 1) * sizeof(*b));
	size_t ka, kb, missing = 0;

	for (size_t i = 0; i < n; i++)
		a[i] = b[i] = next() & mask;
	ka = u32_set__sort_unique(a, n);
	kb = reference(b, n);
	ok(ka == kb && !memcmp(a, b, ka * sizeof(*a)), "%s, %zu values: the same set as qsort's (%zu distinct)",
	   what, n, kb);
	for (size_t i = 0; i < kb; i++)
		missing += u32_set__find(a, ka, b[i]) != (long)i;
	is_int((int)missing, 0, "%s, %zu values: each found at its place", what, n);
	free(a);
	free(b);
}

int main(void)
{
	static const size_t sizes[] = { 0, 1, 2, 63, 64, 65, 1000, 100000 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		check("ids below 2^17", sizes[i], (1u << 17) - 1);
		check("any 32 bits", sizes[i], UINT32_MAX);
		check("few values", sizes[i], 7);
	}
	ok(u32_set__find(NULL, 0, 5) == -1, "nothing is found in an empty set");
	done_testing();
	return exit_status();
}
