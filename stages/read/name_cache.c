/* stages/read/name_cache.c: see name_cache.h. */
#include "stages/read/name_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static size_t slots_bytes(size_t size)
{
	return (size / 4 + 1) * sizeof(uint32_t);
}

int name_cache__init(struct name_cache *c, const char *lo, size_t size)
{
	void *p;

	memset(c, 0, sizeof(*c));
	if (!lo || !size)
		return 0;
	/* Faulted in here, written: the readers' first access to a slot is a
	 * read, which on untouched anonymous memory maps the shared zero page,
	 * and the write after it then copies the page and flushes every other
	 * reader's TLB (an interrupt to each CPU; 1.4% of a -j2 run's samples
	 * on the vmlinux). Nearly every page is used anyway. */
	p = mmap(NULL, slots_bytes(size), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	/* the spill: one entry per 64 slots, at least 1024 (16K entries, 128
	 * KiB, for the vmlinux's ~2,300 names in a shared slot) */
	c->spill_mask = 1023;
	while (c->spill_mask + 1 < size / 4 / 64)
		c->spill_mask = c->spill_mask * 2 + 1;
	if (!(c->spill = calloc(c->spill_mask + 1, sizeof(*c->spill)))) {
		munmap(p, slots_bytes(size));
		return -ENOMEM;
	}
	c->slots = p;
	c->lo = lo;
	c->size = size;
	return 0;
}

void name_cache__fini(struct name_cache *c)
{
	if (c->slots)
		munmap((void *)c->slots, slots_bytes(c->size));
	free((void *)c->spill);
	memset(c, 0, sizeof(*c));
}
