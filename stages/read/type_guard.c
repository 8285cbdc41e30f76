/* stages/read/type_guard.c: see type_guard.h. */
#include "stages/read/type_guard.h"

#include <errno.h>
#include <linux/btf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>


static size_t payload_bytes(const struct type_rec *r)
{
	switch (r->kind) {
	case BTF_KIND_STRUCT: case BTF_KIND_UNION: return r->vlen * sizeof(struct rec_member);
	case BTF_KIND_ENUM: case BTF_KIND_ENUM64: return r->vlen * sizeof(struct rec_enum_val);
	case BTF_KIND_FUNC_PROTO: return r->vlen * sizeof(struct rec_param);
	default: return 0;
	}
}

/* The same fields and the same referenced records: libbpf's "identical". */
static bool identical(const struct type_rec *a, const struct type_rec *b)
{
	size_t n = payload_bytes(a);

	if (a->kind != b->kind || a->kflag != b->kflag || a->vlen != b->vlen || a->name != b->name ||
	    a->size_type != b->size_type || a->extra != b->extra || a->elem != b->elem || a->index != b->index)
		return false;
	return !n || (a->payload && b->payload && !memcmp(a->payload, b->payload, n));
}

/* FWD/struct/union/enum name keys: (name, struct 0 | union 1 | enum 2). */
static uint64_t name_key(const struct type_rec *r, bool *full)
{
	uint64_t cls;

	switch (r->kind) {
	case BTF_KIND_FWD: cls = r->kflag; *full = false; break;
	case BTF_KIND_STRUCT: cls = 0; *full = true; break;
	case BTF_KIND_UNION: cls = 1; *full = true; break;
	case BTF_KIND_ENUM: case BTF_KIND_ENUM64: cls = 2; *full = r->vlen != 0; break;
	default: return 0;
	}
	return r->name ? (uint64_t)r->name << 2 | cls : 0;
}

/* Marks (hash 0) every record that reaches a marked one: over the
 * components in reverse topological order (stages/read/type_order.h), a
 * component is marked when a member is or an edge leads to a marked one. */
static void mark_ancestors(size_t n, uint64_t *hash, const uint32_t *order, const uint32_t *comp,
			   const struct type_order_scratch *g, uint8_t *cmark)
{
	memset(cmark, 0, n);
	for (size_t a = 0, b; a < n; a = b) {
		uint32_t c = comp[order[a]];
		bool m = false;

		for (b = a; b < n && comp[order[b]] == c; b++) {
			uint32_t i = order[b];

			m |= !hash[i];
			for (uint32_t k = g->first[i]; !m && k < g->first[i + 1]; k++)
				m = cmark[comp[g->edges[k]]];
		}
		if (!m)
			continue;
		cmark[c] = 1;
		for (size_t k = a; k < b; k++)
			hash[order[k]] = 0;
	}
}

/* Groups by key (0: not in any group) in an open-addressing table of
 * representatives; flag[rep] |= what(i, rep) for each member i. Then every
 * member of a group whose flags equal want gets mark. */
static void group_and_mark(const struct type_rec *recs, size_t n, const uint64_t *key, struct type_guard_scratch *s,
			   uint8_t (*what)(const struct type_rec *, uint32_t, uint32_t), uint8_t want, uint8_t *mark)
{
	size_t mask = s->slots - 1;

	memset(s->table, 0, s->slots * sizeof(*s->table));
	memset(s->flag, 0, n);
	for (size_t i = 0; i < n; i++) {
		size_t h = (size_t)(key[i] ^ key[i] >> 29) & mask;

		if (!key[i])
			continue;
		while (s->table[h] && key[s->table[h] - 1] != key[i])
			h = (h + 1) & mask;
		if (!s->table[h])
			s->table[h] = (uint32_t)i + 1;
		s->rep[i] = s->table[h] - 1;
		s->flag[s->rep[i]] |= what(recs, (uint32_t)i, s->rep[i]);
	}
	for (size_t i = 0; i < n; i++)
		if (key[i] && (s->flag[s->rep[i]] & want) == want)
			mark[i] = 1;
}

/* ---- twins: are two records of the CU the same type, reference for
 * reference (the same unrolled tree)? A map from the one's records to the
 * other's, checked pair by pair from a work list (no recursion). ---- */

struct iso {
	const struct type_rec *recs;
	size_t n;
	uint32_t *map;		/* record -> record + 1, 0: none (s->rep's room is not used: own array) */
	uint32_t *touched, *work;
	size_t ntouched, nwork, cap;
	bool oom;
};

static bool iso_pair(struct iso *c, uint32_t a, uint32_t b)
{
	if (a == b)
		return true;
	if (!a || !b || a > c->n || b > c->n)
		return false;	/* void against a type, or the array index type */
	if (c->map[a - 1])
		return c->map[a - 1] == b;
	if (c->ntouched + 1 > c->cap || c->nwork + 2 > 2 * c->cap) {
		c->oom = true;
		return false;
	}
	c->map[a - 1] = b;
	c->touched[c->ntouched++] = a - 1;
	c->work[c->nwork++] = a - 1;
	c->work[c->nwork++] = b - 1;
	return true;
}

static bool iso_fields(struct iso *c, uint32_t i, uint32_t j)
{
	const struct type_rec *a = &c->recs[i], *b = &c->recs[j];

	if (a->kind != b->kind || a->kflag != b->kflag || a->vlen != b->vlen || a->name != b->name ||
	    a->extra != b->extra || (!!a->payload != !!b->payload && a->vlen))
		return false;
	switch (a->kind) {
	case BTF_KIND_INT: case BTF_KIND_FLOAT: case BTF_KIND_ENUM: case BTF_KIND_ENUM64: case BTF_KIND_FWD:
		return a->size_type == b->size_type && (!payload_bytes(a) || !memcmp(a->payload, b->payload, payload_bytes(a)));
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		if (a->size_type != b->size_type)
			return false;
		for (uint32_t k = 0; k < a->vlen; k++) {
			const struct rec_member *x = (const struct rec_member *)a->payload + k;
			const struct rec_member *y = (const struct rec_member *)b->payload + k;

			if (x->name != y->name || x->offset != y->offset || !iso_pair(c, x->type, y->type))
				return false;
		}
		return true;
	case BTF_KIND_ARRAY:
		return iso_pair(c, a->elem, b->elem) && iso_pair(c, a->index, b->index);
	case BTF_KIND_FUNC_PROTO:
		for (uint32_t k = 0; k < a->vlen; k++) {
			const struct rec_param *x = (const struct rec_param *)a->payload + k;
			const struct rec_param *y = (const struct rec_param *)b->payload + k;

			if (x->name != y->name || !iso_pair(c, x->type, y->type))
				return false;
		}
		return iso_pair(c, a->size_type, b->size_type);
	default:
		return a->elem == b->elem && a->index == b->index && iso_pair(c, a->size_type, b->size_type);
	}
}

static bool isomorphic(struct iso *c, uint32_t i, uint32_t j)
{
	bool ok;

	c->ntouched = c->nwork = 0;
	ok = iso_pair(c, i + 1, j + 1);
	while (ok && c->nwork) {
		uint32_t b = c->work[--c->nwork], a = c->work[--c->nwork];

		ok = iso_fields(c, a, b);
	}
	for (size_t k = 0; k < c->ntouched; k++)
		c->map[c->touched[k]] = 0;
	return ok;
}

static __thread struct iso *tls_iso;	/* the check differs() uses: type_guard__mark's, on its thread */

/* twins: 1 if i is a different record of the same type as its group's first */
static uint8_t differs(const struct type_rec *recs, uint32_t i, uint32_t rep)
{
	return i != rep && !identical(&recs[i], &recs[rep]) && isomorphic(tls_iso, i, rep);
}

/* names: 1 for a FWD (or an enum without values), 2 for a full type */
static uint8_t fwd_or_full(const struct type_rec *recs, uint32_t i, uint32_t rep)
{
	bool full = false;

	name_key(&recs[i], &full);
	return full ? 2 : 1;
}

static int reserve(struct type_guard_scratch *s, size_t n)
{
	size_t slots = 16;

	while (slots < 2 * n)
		slots *= 2;
	if (n > s->cap) {
		size_t cap = n + 1024;

		free(s->rep); free(s->flag); free(s->mark); free(s->keys);
		free(s->iso_map); free(s->iso_touched); free(s->iso_work);
		s->iso_map = malloc(cap * sizeof(*s->iso_map));
		s->iso_touched = malloc(cap * sizeof(*s->iso_touched));
		s->iso_work = malloc(2 * cap * sizeof(*s->iso_work));
		s->rep = malloc(cap * sizeof(*s->rep));
		s->flag = malloc(cap);
		s->mark = malloc(cap);
		s->keys = malloc(cap * sizeof(*s->keys));
		s->cap = cap;
		if (!s->rep || !s->flag || !s->mark || !s->keys || !s->iso_map ||
		    !s->iso_touched || !s->iso_work)
			return s->cap = 0, -ENOMEM;
	}
	if (slots > s->slots) {
		free(s->table);
		if (!(s->table = malloc(slots * sizeof(*s->table))))
			return s->slots = 0, -ENOMEM;
		s->slots = slots;
	}
	return 0;
}

long type_guard__mark(const struct type_rec *recs, size_t n, uint64_t *hash, const uint32_t *order,
		      const uint32_t *comp, const struct type_order_scratch *g, struct type_guard_scratch *s)
{
	struct iso c;
	long marked = 0;

	if (n < 2)
		return 0;
	if (reserve(s, n))
		return -ENOMEM;
	memset(s->mark, 0, n);
	c = (struct iso){ .recs = recs, .n = n, .map = s->iso_map, .touched = s->iso_touched, .work = s->iso_work,
			  .cap = n };
	memset(c.map, 0, n * sizeof(*c.map));
	tls_iso = &c;
	group_and_mark(recs, n, hash, s, differs, 1, s->mark);
	tls_iso = NULL;
	if (c.oom)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		bool full;

		s->keys[i] = name_key(&recs[i], &full);
	}
	group_and_mark(recs, n, s->keys, s, fwd_or_full, 3, s->mark);
	for (size_t i = 0; i < n; i++)
		if (s->mark[i] && hash[i]) {
			hash[i] = 0;
			marked++;
		}
	if (marked)
		mark_ancestors(n, hash, order, comp, g, s->flag);
	return marked;
}

void type_guard__free(struct type_guard_scratch *s)
{
	free(s->rep);
	free(s->flag);
	free(s->mark);
	free(s->keys);
	free(s->table);
	free(s->iso_map);
	free(s->iso_touched);
	free(s->iso_work);
	memset(s, 0, sizeof(*s));
}
