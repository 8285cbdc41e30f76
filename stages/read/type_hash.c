/* stages/read/type_hash.c: see type_hash.h. */
#include "stages/read/type_hash.h"

#include <errno.h>
#include <linux/btf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/mix64.h"
#include "stages/record/rec_refs.h"




/* Round 0: the record's own fields, no references. */
static uint64_t own(const struct type_rec *r)
{
	uint64_t h = mix64(mix64(mix64(0, r->kind), (uint64_t)r->kflag << 16 | r->vlen), r->name);

	if (rec__has_size(r->kind))
		h = mix64(h, r->size_type);
	h = mix64(h, r->extra);
	for (uint32_t i = 0; r->payload && i < r->vlen; i++) {
		if (r->kind == BTF_KIND_STRUCT || r->kind == BTF_KIND_UNION) {
			const struct rec_member *m = (const struct rec_member *)r->payload + i;

			h = mix64(mix64(h, m->name), m->offset);
		} else if (r->kind == BTF_KIND_ENUM || r->kind == BTF_KIND_ENUM64) {
			const struct rec_enum_val *v = (const struct rec_enum_val *)r->payload + i;

			h = mix64(mix64(mix64(h, v->name), v->val_lo), v->val_hi);
		} else if (r->kind == BTF_KIND_FUNC_PROTO) {
			h = mix64(h, ((const struct rec_param *)r->payload)[i].name);
		}
	}
	return h;
}

static inline uint64_t ref_hash(const uint64_t *prev, size_t n, uint32_t ref)
{
	if (ref == REF_VOID)
		return 1;
	if (ref == REF_INDEX_TYPE || ref > n)
		return 2;
	return prev[ref - 1];
}

/* One refinement round: next[i] from base[i] and prev[] of the references. */
static void round_once(const struct type_rec *recs, size_t n, const uint64_t *base, const uint64_t *prev,
		       uint64_t *next)
{
	for (size_t i = 0; i < n; i++) {
		const struct type_rec *r = &recs[i];
		uint64_t h = base[i];

		if (!rec__has_size(r->kind))
			h = mix64(h, ref_hash(prev, n, r->size_type));
		if (r->kind == BTF_KIND_ARRAY)
			h = mix64(mix64(h, ref_hash(prev, n, r->elem)), ref_hash(prev, n, r->index));
		for (uint32_t k = 0; r->payload && k < r->vlen; k++) {
			if (r->kind == BTF_KIND_STRUCT || r->kind == BTF_KIND_UNION)
				h = mix64(h, ref_hash(prev, n, ((const struct rec_member *)r->payload)[k].type));
			else if (r->kind == BTF_KIND_FUNC_PROTO)
				h = mix64(h, ref_hash(prev, n, ((const struct rec_param *)r->payload)[k].type));
		}
		next[i] = h ? h : 3;
	}
}

void type_hash__cu(const struct type_rec *recs, size_t n, uint64_t *out, uint64_t *tmp)
{
	uint64_t *base = tmp, *other = tmp + n, *prev = base;
	/* rounds write out and other in turn, ending on out */
	uint64_t *next = TYPE_HASH_ROUNDS % 2 ? out : other;

	for (size_t i = 0; i < n; i++)
		base[i] = own(&recs[i]);
	for (int round = 0; round < TYPE_HASH_ROUNDS; round++) {
		round_once(recs, n, base, prev, next);
		prev = next;
		next = next == out ? other : out;
	}
}

/* ---- the closure: what a record reaches, all the way down ---- */

/* The distinct values of v[0..k), mixed each and summed (an order-free
 * set hash), deduplicated in set (slots words, a power of two >= 2k). */
static uint64_t mix_set(uint64_t h, const uint64_t *v, size_t k, uint64_t *set, size_t slots)
{
	uint64_t sum = 0;

	memset(set, 0, slots * sizeof(*set));
	for (size_t i = 0; i < k; i++) {
		uint64_t x = v[i] ? v[i] : 7;
		size_t b = (size_t)(x ^ x >> 31) & (slots - 1);

		while (set[b] && set[b] != x)
			b = (b + 1) & (slots - 1);
		if (!set[b]) {
			set[b] = x;
			sum += mix64(x, 0x5e7);
		}
	}
	return mix64(h, sum);
}

static int reserve(uint64_t **buf, size_t *cap, size_t need)
{
	uint64_t *nb;

	if (need <= *cap)
		return 0;
	if (!(nb = realloc(*buf, need * 2 * sizeof(*nb))))
		return -ENOMEM;
	*buf = nb;
	*cap = need * 2;
	return 0;
}

int type_hash__closure(size_t n, uint64_t *hash, const uint32_t *order, const uint32_t *comp,
		       const struct type_order_scratch *g, uint64_t *closure, struct type_hash_scratch *s)
{
	for (size_t a = 0, b; a < n; a = b) {
		uint32_t first = order[a], self = comp[first];
		size_t slots = 16, nrefs = 0, next = 0;
		uint64_t *ext;

		for (b = a + 1; b < n && comp[order[b]] == self; b++)
			;
		if (b == a + 1) {	/* one record: what it refers to, in order */
			uint64_t h = mix64(hash[first], 0x51);

			for (uint32_t k = g->first[first]; k < g->first[first + 1]; k++)
				h = mix64(h, comp[g->edges[k]] == self ? 0x5e1f : closure[comp[g->edges[k]]]);
			closure[self] = h;
			continue;
		}
		for (size_t k = a; k < b; k++)
			nrefs += g->first[order[k] + 1] - g->first[order[k]];
		while (slots < 2 * (b - a + nrefs))
			slots *= 2;
		if (reserve(&s->buf, &s->cap, (b - a) + nrefs) || reserve(&s->set, &s->set_cap, slots))
			return -ENOMEM;
		ext = s->buf + (b - a);
		for (size_t k = a; k < b; k++) {
			uint32_t i = order[k];

			s->buf[k - a] = hash[i];
			for (uint32_t e = g->first[i]; e < g->first[i + 1]; e++)
				if (comp[g->edges[e]] != self)
					ext[next++] = closure[comp[g->edges[e]]];
		}
		closure[self] = mix_set(mix_set(0x5cc, s->buf, b - a, s->set, slots), ext, next, s->set, slots);
	}
	for (size_t i = 0; i < n; i++)
		if (hash[i]) {
			uint64_t h = mix64(hash[i], closure[comp[i]]);

			hash[i] = h ? h : 3;
		}
	return 0;
}

void type_hash__free(struct type_hash_scratch *s)
{
	free(s->buf);
	free(s->set);
	memset(s, 0, sizeof(*s));
}
