/* stages/write/exact_dup.c: see exact_dup.h. */
#include "stages/write/exact_dup.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_SLOTS 4096u

/* A 32-bit hash of a type's bytes (a multiple of 4 bytes, at least 12). */
static uint32_t bytes_hash(const unsigned char *p, uint32_t size)
{
	uint64_t h = size;
	uint32_t i = 0;

	for (; i + 8 <= size; i += 8) {
		uint64_t v;

		memcpy(&v, p + i, sizeof(v));
		h = (h ^ v) * 0x9E3779B97F4A7C15ull;
		h ^= h >> 29;
	}
	if (i < size) {
		uint32_t v;

		memcpy(&v, p + i, sizeof(v));
		h = (h ^ v) * 0x9E3779B97F4A7C15ull;
	}
	h ^= h >> 32;
	return (uint32_t)h;
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

/* Whether the slot holds the size bytes at p (a multiple of 4, at least
 * 12): its head first, the rest in the image. */
static bool same(const struct exact_slot *s, const unsigned char *types, const unsigned char *p, uint32_t size)
{
	uint32_t head = size < EXACT_INLINE ? size : EXACT_INLINE, diff = 0;

	for (uint32_t i = 0; i < head / 4; i++) {
		uint32_t v;

		memcpy(&v, p + 4 * i, sizeof(v));
		diff |= v ^ s->head[i];
	}
	return !diff && (size == head || !memcmp(types + s->off + head, p + head, size - head));
}

/* The slot of the type with the size bytes at p, or the empty slot where
 * it would go. */
static struct exact_slot *slot_of(const struct exact_dup *d, const unsigned char *types, const void *p,
				  uint32_t size, uint32_t h)
{
	size_t at = h & d->mask;

	for (; d->slots[at].id; at = (at + 1) & d->mask) {
		const struct exact_slot *s = &d->slots[at];

		if (s->hash == h && s->size == size && same(s, types, p, size))
			break;
	}
	return &d->slots[at];
}

uint32_t exact_dup__find(const struct exact_dup *d, const unsigned char *types, const void *p, uint32_t size)
{
	return d->n ? slot_of(d, types, p, size, bytes_hash(p, size))->id : 0;
}

int exact_dup__add(struct exact_dup *d, const unsigned char *types, uint32_t off, uint32_t size, uint32_t id)
{
	uint32_t h = bytes_hash(types + off, size);
	struct exact_slot *s;

	if ((d->n + 1) * 2 > d->mask + 1 && grow(d))
		return -ENOMEM;
	s = slot_of(d, types, types + off, size, h);
	if (!s->id) {
		*s = (struct exact_slot){ .hash = h, .id = id, .off = off, .size = size };
		memcpy(s->head, types + off, size < EXACT_INLINE ? size : EXACT_INLINE);
		d->n++;
	}
	return 0;
}

void exact_dup__reset(struct exact_dup *d)
{
	if (d->n)
		memset(d->slots, 0, (d->mask + 1) * sizeof(*d->slots));
	d->n = 0;
}

void exact_dup__fini(struct exact_dup *d)
{
	free(d->slots);
	memset(d, 0, sizeof(*d));
}
