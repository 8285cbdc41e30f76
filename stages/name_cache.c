/* stages/name_cache.c: see name_cache.h. */
#include "stages/name_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int name_cache__init(struct name_cache *c, const char *lo, size_t size)
{
	memset(c, 0, sizeof(*c));
	/* offsets + 1 must fit the slot's upper 32 bits */
	if (!lo || !size || size >= UINT32_MAX)
		return 0;
	/* calloc'ed pages stay untouched until a name in them is used */
	if (!(c->slots = calloc(size / 8 + 1, sizeof(*c->slots))))
		return -ENOMEM;
	c->lo = lo;
	c->size = size;
	return 0;
}

void name_cache__fini(struct name_cache *c)
{
	free(c->slots);
	memset(c, 0, sizeof(*c));
}
