/* stages/write/proto_memo.c: see proto_memo.h. */
#include "stages/write/proto_memo.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static uint32_t proto_hash(uint32_t ret, const struct func_param *params, uint32_t n)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ ((uint64_t)ret << 16 | n);

	for (uint32_t i = 0; i < n; i++) {
		h ^= (uint64_t)params[i].name << 32 | params[i].type;
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	return (uint32_t)(h ^ h >> 32);
}

static bool same(const struct proto_memo_slot *s, uint32_t hash, uint32_t ret, const struct func_param *params,
		 uint32_t n)
{
	if (s->hash != hash || s->ret != ret || s->n != n)
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (s->params[i].name != params[i].name || s->params[i].type != params[i].type)
			return false;
	return true;
}

int proto_memo__init(struct proto_memo *m, size_t n)
{
	memset(m, 0, sizeof(*m));
	m->cap = 64;
	while (m->cap < 2 * n)
		m->cap *= 2;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	return m->slots ? 0 : -ENOMEM;
}

void proto_memo__fini(struct proto_memo *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

int proto_memo__find(const struct proto_memo *m, uint32_t ret, const struct func_param *params, uint32_t n)
{
	uint32_t h = proto_hash(ret, params, n);

	for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		const struct proto_memo_slot *s = &m->slots[i];

		if (!s->id)
			return 0;
		if (same(s, h, ret, params, n))
			return s->id;
	}
}

static int grow(struct proto_memo *m)
{
	struct proto_memo old = *m;

	m->cap *= 2;
	if (!(m->slots = calloc(m->cap, sizeof(*m->slots)))) {
		*m = old;
		return -ENOMEM;
	}
	for (size_t i = 0; i < old.cap; i++) {
		const struct proto_memo_slot *s = &old.slots[i];
		size_t j;

		if (!s->id)
			continue;
		for (j = s->hash & (m->cap - 1); m->slots[j].id; j = (j + 1) & (m->cap - 1))
			;
		m->slots[j] = *s;
	}
	free(old.slots);
	return 0;
}

int proto_memo__add(struct proto_memo *m, uint32_t ret, const struct func_param *params, uint32_t n, int id)
{
	uint32_t h = proto_hash(ret, params, n);
	size_t i;

	if ((m->used + 1) * 2 > m->cap && grow(m))
		return -ENOMEM;
	for (i = h & (m->cap - 1); m->slots[i].id; i = (i + 1) & (m->cap - 1))
		;
	m->slots[i] = (struct proto_memo_slot){ .params = params, .ret = ret, .n = n, .hash = h, .id = id };
	m->used++;
	return 0;
}
