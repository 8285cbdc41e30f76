/* tests/unit/test_exact_dup.c: a merge thread's table of a batch's types by
 * their exact bytes (stages/dedup/exact_dup.h): a type is found by a copy
 * of its bytes anywhere, also once the bytes it was added from are gone
 * (the table keeps its own copy), not by bytes differing in any one word,
 * nor by a shorter type with the same start; adding the same bytes again
 * keeps the first id; 20,000 types through the table's growth; reset
 * empties it. */
#include "stages/dedup/exact_dup.h"
#include "tests/tap.h"

#include <stdlib.h>
#include <string.h>

/* A type section of n types of 3..10 words each, type i's words made from i. */
static unsigned char *section(uint32_t n, uint32_t *off, uint32_t *size)
{
	unsigned char *types = malloc((size_t)n * 40 + 4);
	uint32_t at = 0;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t words = 3 + i % 8;

		off[i] = at;
		size[i] = words * 4;
		for (uint32_t w = 0; w < words; w++) {
			uint32_t v = i * 2654435761u + w;

			memcpy(types + at + 4 * w, &v, 4);
		}
		at += size[i];
	}
	return types;
}

int main(void)
{
	enum { N = 20000 };
	uint32_t *off = malloc(N * sizeof(*off)), *size = malloc(N * sizeof(*size));
	unsigned char *types = section(N, off, size), copy[64];
	struct exact_dup d = { 0 };
	int faults = 0;

	ok(exact_dup__find(&d, types, size[0]) == 0, "an empty table finds nothing");
	for (uint32_t i = 0; i < N; i++)
		faults += exact_dup__add(&d, types + off[i], size[i], i + 1) != 0;
	is_int(faults, 0, "%d types added", N);
	is_int((int)d.n, N, "... all of them held");
	faults = 0;
	for (uint32_t i = 0; i < N; i++) {
		memcpy(copy, types + off[i], size[i]);
		faults += exact_dup__find(&d, copy, size[i]) != i + 1;
	}
	is_int(faults, 0, "each found by a copy of its bytes");
	memcpy(copy, types + off[7], size[7]);
	memset(types + off[7], 0xa5, size[7]);
	faults = exact_dup__find(&d, copy, size[7]) != 8;
	memcpy(types + off[7], copy, size[7]);
	is_int(faults, 0, "... also once the bytes it was added from changed");
	faults = 0;
	for (uint32_t i = 0; i < N; i += 7)
		for (uint32_t w = 0; w < size[i] / 4; w++) {
			memcpy(copy, types + off[i], size[i]);
			copy[4 * w] ^= 1;
			faults += exact_dup__find(&d, copy, size[i]) != 0;
		}
	is_int(faults, 0, "none found with any one word changed");
	faults = 0;
	for (uint32_t i = 0; i < N; i += 7)
		if (size[i] > 12) {
			memcpy(copy, types + off[i], size[i]);
			faults += exact_dup__find(&d, copy, size[i] - 4) != 0;
		}
	is_int(faults, 0, "none found by its bytes less the last word");
	exact_dup__add(&d, types + off[5], size[5], 99999);
	ok(exact_dup__find(&d, types + off[5], size[5]) == 6 && d.n == N, "the same bytes again keep the first id");
	exact_dup__reset(&d);
	ok(d.n == 0 && exact_dup__find(&d, types + off[3], size[3]) == 0, "reset: nothing found");
	ok(exact_dup__add(&d, types + off[3], size[3], 4) == 0 && exact_dup__find(&d, types + off[3], size[3]) == 4,
	   "... and it takes types again");
	exact_dup__fini(&d);
	free(types);
	free(off);
	free(size);
	done_testing();
	return exit_status();
}
