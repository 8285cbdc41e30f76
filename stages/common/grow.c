/* stages/common/grow.c: see grow.h. */
#include "stages/common/grow.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int grow__to(void **arr, size_t *cap, size_t need, size_t elem, size_t first)
{
	size_t ncap = *cap ? *cap : (first ? first : 16);
	void *n;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -ENOMEM;
		ncap *= 2;
	}
	if (elem && ncap > SIZE_MAX / elem)
		return -ENOMEM;
	if (!(n = realloc(*arr, ncap * elem)))
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

int grow__to_zeroed(void **arr, size_t *cap, size_t need, size_t elem, size_t first)
{
	size_t old = *cap;
	int err = grow__to(arr, cap, need, elem, first);

	if (!err && *cap > old)
		memset((char *)*arr + old * elem, 0, (*cap - old) * elem);
	return err;
}
