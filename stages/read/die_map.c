/* stages/read/die_map.c: see die_map.h. Open addressing, linear probing. */
#include "stages/read/die_map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static inline uint32_t slot_of(uint32_t key, uint32_t cap)
{
	return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

void die_map__reset(struct die_map *m)
{
	m->count = 0;
	if (++m->gen == 0) {	/* wrapped: stale stamps could match again */
		if (m->slots)
			memset(m->slots, 0, (size_t)m->cap * sizeof(*m->slots));
		m->gen = 1;
	}
}

static int grow(struct die_map *m)
{
	uint32_t ncap = m->cap ? m->cap * 2 : 4096;
	struct die_map_slot *old = m->slots, *n;
	uint32_t ocap = m->cap;

	n = calloc(ncap, sizeof(*n));
	if (!n)
		return -ENOMEM;
	m->slots = n;
	m->cap = ncap;
	m->count = 0;
	for (uint32_t i = 0; i < ocap; i++)
		if (old[i].gen == m->gen)
			die_map__set(m, old[i].key, old[i].val);
	free(old);
	return 0;
}

int die_map__set(struct die_map *m, uint32_t key, uint32_t val)
{
	uint32_t i;

	if (!m->gen)
		m->gen = 1;
	if ((m->count + 1) * 2 > m->cap && grow(m))
		return -ENOMEM;
	for (i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		struct die_map_slot *s = &m->slots[i];

		if (s->gen != m->gen) {
			s->gen = m->gen;
			s->key = key;
			s->val = val;
			m->count++;
			return 0;
		}
		if (s->key == key) {
			s->val = val;
			return 0;
		}
	}
}

bool die_map__get(const struct die_map *m, uint32_t key, uint32_t *val)
{
	if (!m->cap)
		return false;
	for (uint32_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		const struct die_map_slot *s = &m->slots[i];

		if (s->gen != m->gen)
			return false;
		if (s->key == key) {
			*val = s->val;
			return true;
		}
	}
}

void die_map__free(struct die_map *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
