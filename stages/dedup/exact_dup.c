/* stages/dedup/exact_dup.c: see exact_dup.h. */
#include "stages/dedup/exact_dup.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/grow.h"
#include "stages/common/str_hash.h"

#define FIRST_SLOTS 4096u
#define BYTES_FIRST (64u << 10)

/* A 32-bit hash of a type's bytes (the project's byte hash). */
static uint32_t bytes_hash(const void *p, uint32_t size)
{
	return (uint32_t)str_hash(p, size);
}

static int grow(struct exact_dup *d)
{
	size_t cap = d->mask ? (d->mask + 1) * 2 : FIRST_SLOTS;
	struct exact_slot *n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; d->mask && i <= d->mask; i++) {
		const struct exact_slot *s = &d->slots[i];
		size_t at = s->hash & (cap - 1);

		if (!s->id)
			continue;
		while (n[at].id)
			at = (at + 1) & (cap - 1);
		n[at] = *s;
	}
	free(d->slots);
	d->slots = n;
	d->mask = cap - 1;
	return 0;
}

/* Whether the slot's type (at bytes + its offset) has the size bytes at p
 * (a multiple of 4, at least 12), word by word: most types are 12 to 64
 * bytes. */
static bool same(const unsigned char *bytes, const struct exact_slot *s, const unsigned char *p, uint32_t size)
{
	const unsigned char *q = bytes + s->off;
	uint32_t diff = 0;

	for (uint32_t i = 0; i < size; i += 4) {
		uint32_t a, b;

		memcpy(&a, p + i, sizeof(a));
		memcpy(&b, q + i, sizeof(b));
		diff |= a ^ b;
	}
	return !diff;
}

/* The slot of the type with the size bytes at p, or the empty slot where
 * it would go; the types' bytes at bytes + their offsets. */
static struct exact_slot *slot_of(const struct exact_dup *d, const unsigned char *bytes, const void *p,
				  uint32_t size, uint32_t h)
{
	size_t at = h & d->mask;

	for (; d->slots[at].id; at = (at + 1) & d->mask) {
		const struct exact_slot *s = &d->slots[at];

		if (s->hash == h && s->size == size && same(bytes, s, p, size))
			break;
	}
	return &d->slots[at];
}

uint32_t exact_dup__find(const struct exact_dup *d, const void *p, uint32_t size)
{
	return d->n ? slot_of(d, d->bytes, p, size, bytes_hash(p, size))->id : 0;
}

uint32_t exact_dup__find_in(const struct exact_dup *d, const unsigned char *bytes, const void *p, uint32_t size)
{
	return d->n ? slot_of(d, bytes, p, size, bytes_hash(p, size))->id : 0;
}

/* The slot for the size bytes at p (hash h), the table grown first if need
 * be: NULL (out of memory), or a slot whose id is set if they are there. */
static struct exact_slot *slot_for_add(struct exact_dup *d, const unsigned char *bytes, const void *p,
				       uint32_t size, uint32_t h)
{
	if ((d->n + 1) * 2 > d->mask + 1 && grow(d))
		return NULL;
	return slot_of(d, bytes, p, size, h);
}

int exact_dup__add_in(struct exact_dup *d, const unsigned char *bytes, uint32_t off, uint32_t size, uint32_t id)
{
	uint32_t h = bytes_hash(bytes + off, size);
	struct exact_slot *s = slot_for_add(d, bytes, bytes + off, size, h);

	if (!s)
		return -ENOMEM;
	if (!s->id) {
		*s = (struct exact_slot){ .hash = h, .id = id, .off = off, .size = size };
		d->n++;
	}
	return 0;
}

int exact_dup__add(struct exact_dup *d, const void *p, uint32_t size, uint32_t id)
{
	uint32_t h = bytes_hash(p, size);
	struct exact_slot *s = slot_for_add(d, d->bytes, p, size, h);

	if (!s)
		return -ENOMEM;
	if (s->id)
		return 0;
	if (d->len + size > UINT32_MAX || GROW(d->bytes, d->cap, d->len + size, BYTES_FIRST))
		return -ENOMEM;
	memcpy(d->bytes + d->len, p, size);
	*s = (struct exact_slot){ .hash = h, .id = id, .off = (uint32_t)d->len, .size = size };
	d->len += size;
	d->n++;
	return 0;
}

void exact_dup__reset(struct exact_dup *d)
{
	if (d->n)
		memset(d->slots, 0, (d->mask + 1) * sizeof(*d->slots));
	d->n = 0;
	d->len = 0;
}

void exact_dup__fini(struct exact_dup *d)
{
	free(d->slots);
	free(d->bytes);
	memset(d, 0, sizeof(*d));
}
