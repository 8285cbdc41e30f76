/* stages/write/predup.c: see predup.h. */
#include "stages/write/predup.h"

#include <errno.h>
#include <linux/btf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/mix64.h"
#include "stages/record/rec_refs.h"

#include "stages/record/rec_refs.h"

#define FIRST_IDS 4096
#define FIRST_BUCKETS 4096

static int grow(void **p, size_t *cap, size_t need, size_t elem, size_t first)
{
	size_t n = *cap ? *cap : first;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	if (!(q = realloc(*p, n * elem)))
		return -ENOMEM;
	memset((char *)q + *cap * elem, 0, (n - *cap) * elem);
	*p = q;
	*cap = n;
	return 0;
}


/* ---- the batch's tables ---- */

static void chain_in(struct id_table *t, uint32_t id)
{
	size_t b = t->key[id] & (t->nbuckets - 1);

	t->next[id] = t->buckets[b];
	t->buckets[b] = id;
}

static int table_put(struct id_table *t, uint32_t id, uint64_t key, size_t ids_cap)
{
	t->key[id] = key;
	if (++t->nentries * 2 > t->nbuckets) {
		size_t nb = t->nbuckets ? t->nbuckets * 2 : FIRST_BUCKETS;
		uint32_t *b = calloc(nb, sizeof(*b));

		if (!b)
			return -ENOMEM;
		free(t->buckets);
		t->buckets = b;
		t->nbuckets = nb;
		/* in id order, as they were added: chains keep their order */
		for (size_t k = 1; k < ids_cap; k++)
			if (t->key[k])
				chain_in(t, (uint32_t)k);
		return 0;
	}
	chain_in(t, id);
	return 0;
}

static uint32_t table_first(const struct id_table *t, uint64_t key)
{
	return t->nbuckets ? t->buckets[key & (t->nbuckets - 1)] : 0;
}

static void table_reset(struct id_table *t, size_t ids_cap)
{
	if (t->key)
		memset(t->key, 0, ids_cap * sizeof(*t->key));
	if (t->buckets)
		memset(t->buckets, 0, t->nbuckets * sizeof(*t->buckets));
	t->nentries = 0;
}

static void table_free(struct id_table *t)
{
	free(t->buckets);
	free(t->key);
	free(t->next);
	memset(t, 0, sizeof(*t));
}


/* The id a reference of the CU stands for, or UINT32_MAX while unknown. */
static uint32_t ref_id(const struct predup_cu *cu, uint32_t ref)
{
	if (ref == REF_VOID)
		return 0;
	if (ref == REF_INDEX_TYPE)
		return cu->index_type ? cu->index_type : UINT32_MAX;
	return ref <= cu->n && cu->map[ref - 1] ? cu->map[ref - 1] : UINT32_MAX;
}

/* Record r's own fields and the ids of what it refers to; 0 while one of
 * those ids is unknown (the key is never 0 otherwise). */
static uint64_t shallow_key(const struct predup_cu *cu, const struct type_rec *r)
{
	uint64_t h = mix64(mix64(mix64(mix64(0, r->kind), (uint64_t)r->kflag << 16 | r->vlen), r->name), r->extra);
	uint32_t id;

	if (rec__has_size(r->kind))
		h = mix64(h, r->size_type);
	else if ((id = ref_id(cu, r->size_type)) == UINT32_MAX)
		return 0;
	else
		h = mix64(h, id);
	if (r->kind == BTF_KIND_ARRAY) {
		uint32_t e = ref_id(cu, r->elem), x = ref_id(cu, r->index);

		if (e == UINT32_MAX || x == UINT32_MAX)
			return 0;
		h = mix64(mix64(h, e), x);
	}
	for (uint32_t k = 0; r->payload && k < r->vlen; k++) {
		if (r->kind == BTF_KIND_STRUCT || r->kind == BTF_KIND_UNION) {
			const struct rec_member *m = (const struct rec_member *)r->payload + k;

			if ((id = ref_id(cu, m->type)) == UINT32_MAX)
				return 0;
			h = mix64(mix64(mix64(h, m->name), m->offset), id);
		} else if (r->kind == BTF_KIND_ENUM || r->kind == BTF_KIND_ENUM64) {
			const struct rec_enum_val *v = (const struct rec_enum_val *)r->payload + k;

			h = mix64(mix64(mix64(h, v->name), v->val_lo), v->val_hi);
		} else if (r->kind == BTF_KIND_FUNC_PROTO) {
			const struct rec_param *a = (const struct rec_param *)r->payload + k;

			if ((id = ref_id(cu, a->type)) == UINT32_MAX)
				return 0;
			h = mix64(mix64(h, a->name), id);
		}
	}
	return h ? h : 1;
}

int predup__add(struct predup *p, const struct predup_cu *cu, uint32_t i, uint32_t id, uint32_t off)
{
	uint64_t hash = cu->hash[i], key;
	size_t cap = p->ids_cap;

	if (!hash || !(key = shallow_key(cu, &cu->recs[i])))
		return 0;
	if (id + 1 > cap) {
		size_t c[7] = { cap, cap, cap, cap, cap, cap, cap };

		if (grow((void **)&p->by_hash.key, &c[0], id + 1, sizeof(uint64_t), FIRST_IDS) ||
		    grow((void **)&p->by_hash.next, &c[1], id + 1, sizeof(uint32_t), FIRST_IDS) ||
		    grow((void **)&p->by_key.key, &c[2], id + 1, sizeof(uint64_t), FIRST_IDS) ||
		    grow((void **)&p->by_key.next, &c[3], id + 1, sizeof(uint32_t), FIRST_IDS) ||
		    grow((void **)&p->off, &c[4], id + 1, sizeof(*p->off), FIRST_IDS) ||
		    grow((void **)&p->claim, &c[5], id + 1, sizeof(*p->claim), FIRST_IDS) ||
		    grow((void **)&p->tclaim, &c[6], id + 1, sizeof(*p->tclaim), FIRST_IDS))
			return -ENOMEM;
		p->ids_cap = c[0];
	}
	p->off[id] = off;
	return table_put(&p->by_hash, id, hash, p->ids_cap) ?: table_put(&p->by_key, id, key, p->ids_cap);
}

void predup__reset(struct predup *p)
{
	table_reset(&p->by_hash, p->ids_cap);
	table_reset(&p->by_key, p->ids_cap);
}

/* ---- one check: does record i match batch type id? ---- */

static bool name_eq(const struct predup_cu *cu, uint32_t name, uint32_t name_off)
{
	if (!name)
		return name_off == 0;
	return name < cu->str_off_cap && cu->str_off[name] && cu->str_off[name] == name_off;
}

/* Record ref of the CU against batch id: known already, or a new pair of
 * the check (tentatively mapped, to be compared from the work list). */
static bool pair(struct predup *p, const struct predup_cu *cu, uint32_t ref, uint32_t id)
{
	uint32_t j;

	if (ref == REF_VOID)
		return id == 0;
	if (ref == REF_INDEX_TYPE)
		return cu->index_type && id == cu->index_type;
	if (ref > cu->n || !id || id >= p->ids_cap || !p->by_hash.key[id])
		return false;
	j = ref - 1;
	if (cu->map[j])
		return cu->map[j] == id;
	if (p->tmap[j])
		return p->tmap[j] == id;
	/* a record no type matched, or one the reader kept out (hash 0); a
	 * type another record of this CU stands for already (the map must be
	 * one-to-one on a CU: libbpf's hypothetical map is) */
	if (p->fresh[j] || !cu->hash[j] || p->by_hash.key[id] != cu->hash[j] || p->claim[id] == p->cu_stamp ||
	    p->tclaim[id] == p->check_stamp)
		return false;
	if (grow((void **)&p->touched, &p->touched_cap, p->ntouched + 1, sizeof(*p->touched), 256) ||
	    grow((void **)&p->work, &p->work_cap, p->nwork + 2, sizeof(*p->work), 512)) {
		p->oom = true;
		return false;
	}
	p->tmap[j] = id;
	p->tclaim[id] = p->check_stamp;
	p->touched[p->ntouched++] = j;
	p->work[p->nwork++] = j;
	p->work[p->nwork++] = id;
	return true;
}

/* The members, values or parameters of record r against those of t. */
static bool same_vlen(struct predup *p, const struct predup_cu *cu, const struct type_rec *r, const void *q)
{
	for (uint32_t k = 0; k < r->vlen; k++) {
		if (r->kind == BTF_KIND_STRUCT || r->kind == BTF_KIND_UNION) {
			const struct rec_member *m = (const struct rec_member *)r->payload + k;
			const struct btf_member *b = (const struct btf_member *)q + k;

			if (b->offset != m->offset || !name_eq(cu, m->name, b->name_off) || !pair(p, cu, m->type, b->type))
				return false;
		} else if (r->kind == BTF_KIND_ENUM) {
			const struct rec_enum_val *v = (const struct rec_enum_val *)r->payload + k;
			const struct btf_enum *b = (const struct btf_enum *)q + k;

			if (b->val != (int32_t)v->val_lo || !name_eq(cu, v->name, b->name_off))
				return false;
		} else if (r->kind == BTF_KIND_ENUM64) {
			const struct rec_enum_val *v = (const struct rec_enum_val *)r->payload + k;
			const struct btf_enum64 *b = (const struct btf_enum64 *)q + k;

			if (b->val_lo32 != v->val_lo || b->val_hi32 != v->val_hi || !name_eq(cu, v->name, b->name_off))
				return false;
		} else if (r->kind == BTF_KIND_FUNC_PROTO) {
			const struct rec_param *a = (const struct rec_param *)r->payload + k;
			const struct btf_param *b = (const struct btf_param *)q + k;

			if (!name_eq(cu, a->name, b->name_off) || !pair(p, cu, a->type, b->type))
				return false;
		} else {
			return false;
		}
	}
	return true;
}

/* Record j against batch type id, field by field as write_type writes it. */
static bool same_fields(struct predup *p, const struct predup_cu *cu, uint32_t j, uint32_t id)
{
	const struct type_rec *r = &cu->recs[j];
	const struct btf_type *t = (const struct btf_type *)(cu->types + p->off[id]);
	const void *q = t + 1;

	if (r->kind == BTF_KIND_VAR || t->info != ((uint32_t)r->kflag << 31 | (uint32_t)r->kind << 24 | r->vlen) ||
	    !name_eq(cu, r->name, t->name_off))
		return false;
	if (rec__has_size(r->kind) ? t->size != r->size_type : !pair(p, cu, r->size_type, t->type))
		return false;
	switch (r->kind) {
	case BTF_KIND_INT:
	case BTF_KIND_DECL_TAG:
		return *(const uint32_t *)q == r->extra;
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = q;

		return a->nelems == r->extra && pair(p, cu, r->elem, a->type) && pair(p, cu, r->index, a->index_type);
	}
	default:
		return !r->vlen || (r->payload && same_vlen(p, cu, r, q));
	}
}

struct fresh_ctx {
	const struct predup *p;
	const struct predup_cu *cu;
	bool found;
};

static void fresh_ref(void *c, uint32_t ref)
{
	struct fresh_ctx *f = c;

	f->found |= ref != REF_VOID && ref <= f->cu->n && f->p->fresh[ref - 1];
}

/* Does r refer to a record no batch type matched? Then r cannot match. */
static bool refers_to_fresh(const struct predup *p, const struct predup_cu *cu, const struct type_rec *r)
{
	struct fresh_ctx f = { p, cu, false };

	rec_refs__each(r, fresh_ref, &f);
	return f.found;
}

static bool check(struct predup *p, const struct predup_cu *cu, uint32_t i, uint32_t id)
{
	bool ok;

	p->check_stamp++;
	p->ntouched = p->nwork = 0;
	ok = pair(p, cu, i + 1, id);
	while (ok && p->nwork) {
		uint32_t bid = p->work[--p->nwork], j = p->work[--p->nwork];

		ok = same_fields(p, cu, j, bid);
	}
	for (size_t k = 0; k < p->ntouched; k++) {
		uint32_t j = p->touched[k];

		if (ok) {
			cu->map[j] = p->tmap[j];
			p->claim[p->tmap[j]] = p->cu_stamp;
		}
		p->tmap[j] = 0;
	}
	return ok;
}

/* Record i against its candidates: by shallow key when everything it
 * refers to is decided (one exact lookup; a reference to a record no type
 * matched rules it out at once), else (it is in a cycle) by structural
 * hash, each checked in full. */
static bool match_one(struct predup *p, const struct predup_cu *cu, uint32_t i)
{
	uint64_t key = shallow_key(cu, &cu->recs[i]), want = key ? key : cu->hash[i];
	const struct id_table *t = key ? &p->by_key : &p->by_hash;

	if (!key && refers_to_fresh(p, cu, &cu->recs[i]))
		return false;
	for (uint32_t id = table_first(t, want); id; id = t->next[id]) {
		if (t->key[id] != want || p->by_hash.key[id] != cu->hash[i])
			continue;
		p->checks++;
		if (check(p, cu, i, id))
			return true;
		p->failed++;
	}
	return false;
}

int predup__match(struct predup *p, const struct predup_cu *cu)
{
	if (grow((void **)&p->tmap, &p->rec_cap, cu->n, sizeof(*p->tmap), 1024) ||
	    grow((void **)&p->fresh, &p->fresh_cap, cu->n, 1, 1024))
		return -ENOMEM;
	memset(p->fresh, 0, cu->n);
	p->cu_stamp++;
	p->oom = false;
	for (uint32_t k = 0; k < cu->n; k++) {
		uint32_t i = cu->order[k];

		if (cu->map[i] || !cu->hash[i])
			continue;
		p->fresh[i] = !match_one(p, cu, i);
		if (p->oom)
			return -ENOMEM;
	}
	for (uint32_t i = 0; i < cu->n; i++)
		p->matched += cu->map[i] != 0;
	return 0;
}

void predup__fini(struct predup *p)
{
	table_free(&p->by_hash);
	table_free(&p->by_key);
	free(p->off);
	free(p->claim);
	free(p->tclaim);
	free(p->tmap);
	free(p->fresh);
	free(p->touched);
	free(p->work);
	memset(p, 0, sizeof(*p));
}
