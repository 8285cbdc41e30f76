/* stages/read/name_cache.c: see name_cache.h. */
#include "stages/read/name_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int name_cache__init(struct name_cache *c, const char *lo, size_t size)
{
	memset(c, 0, sizeof(*c));
	if (!lo || !size)
		return 0;
	/* calloc'ed pages stay untouched until a name in them is used */
	if (!(c->slots = calloc(size / 4 + 1, sizeof(*c->slots))))
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
