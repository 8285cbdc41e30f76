/* stages/write/name_order.c: see name_order.h. */
#include "stages/write/name_order.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/grow.h"
#include "strtab/strtab.h"

void name_order__init(struct name_order *o, const struct strtab *strtab)
{
	memset(o, 0, sizeof(*o));
	o->strtab = strtab;
}

static void pack_prefix(const char *s, uint64_t *p0, uint64_t *p1)
{
	uint64_t v[2] = { 0, 0 };
	bool end = false;

	for (int i = 0; i < 16; i++) {
		unsigned char c = end ? 0 : (unsigned char)s[i];

		end |= c == 0;
		v[i / 8] = v[i / 8] << 8 | c;
	}
	*p0 = v[0];
	*p1 = v[1];
}

static int cmp_key(const struct name_key *a, const struct name_key *b)
{
	int c;

	if (a->p0 != b->p0)
		return a->p0 < b->p0 ? -1 : 1;
	if (a->p1 != b->p1)
		return a->p1 < b->p1 ? -1 : 1;
	if ((a->p1 & 0xff) && (c = strcmp(a->name + 16, b->name + 16)))	/* 16 bytes alike, no NUL */
		return c;
	return a->id < b->id ? -1 : a->id > b->id;	/* (one string is one id: not reached) */
}

static int cmp_key_q(const void *x, const void *y)
{
	return cmp_key(x, y);
}

int name_order__note(struct name_order *o, uint32_t id)
{
	size_t word = id / 64;
	uint64_t bit = 1ull << (id % 64);

	if (word < o->seen_words && (o->seen[word] & bit))
		return 0;
	if (GROW_ZEROED(o->seen, o->seen_words, word + 1, 1024) || GROW(o->ids, o->ids_cap, o->nids + 1, 4096))
		return -ENOMEM;
	o->seen[word] |= bit;
	o->ids[o->nids++] = id;
	return 0;
}

/* keys[i] for ids[from + i], i < n. */
static void make_keys(const struct name_order *o, size_t from, size_t n, struct name_key *keys)
{
	for (size_t i = 0; i < n; i++) {
		const char *name = strtab__str(o->strtab, o->ids[from + i], NULL);

		keys[i].name = name ? name : "";
		keys[i].id = o->ids[from + i];
		pack_prefix(keys[i].name, &keys[i].p0, &keys[i].p1);
	}
}

int name_order__cut(struct name_order *o)
{
	size_t n = o->nids - o->sorted;
	struct name_key *keys;

	if (!n)
		return 0;
	if (GROW(o->run_end, o->runs_cap, o->nruns + 1, 64) || !(keys = malloc(n * sizeof(*keys))))
		return -ENOMEM;
	make_keys(o, o->sorted, n, keys);
	qsort(keys, n, sizeof(*keys), cmp_key_q);
	for (size_t i = 0; i < n; i++)
		o->ids[o->sorted + i] = keys[i].id;
	free(keys);
	o->sorted = o->nids;
	o->run_end[o->nruns++] = o->nids;
	return 0;
}

/* ---- the runs merged: a binary min-heap of runs by their next key ---- */

struct merge {
	const struct name_key *keys;
	const size_t *end;	/* per run: its end (the order's run_end) */
	size_t *at;		/* per run: its next key */
	uint32_t *heap;		/* run numbers */
	size_t n;
};

static bool heap_less(const struct merge *m, uint32_t a, uint32_t b)
{
	return cmp_key(&m->keys[m->at[a]], &m->keys[m->at[b]]) < 0;
}

static void sift_down(struct merge *m, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, min = i;
		uint32_t t;

		if (l < m->n && heap_less(m, m->heap[l], m->heap[min]))
			min = l;
		if (r < m->n && heap_less(m, m->heap[r], m->heap[min]))
			min = r;
		if (min == i)
			return;
		t = m->heap[i];
		m->heap[i] = m->heap[min];
		m->heap[min] = t;
		i = min;
	}
}

/* The noted ids in name order into ids[0..nids), the runs' keys made
 * again for the merge. 0 or -ENOMEM. */
static int merge_runs(const struct name_order *o, uint32_t *ids)
{
	struct name_key *keys = malloc((o->nids ? o->nids : 1) * sizeof(*keys));
	struct merge m = { .keys = keys, .end = o->run_end };
	size_t out = 0;
	int err = -ENOMEM;

	if (!keys)
		return -ENOMEM;
	make_keys(o, 0, o->nids, keys);
	m.at = malloc((o->nruns + 1) * sizeof(*m.at));
	m.heap = malloc((o->nruns + 1) * sizeof(*m.heap));
	if (m.at && m.heap) {
		for (size_t r = 0; r < o->nruns; r++) {
			m.at[r] = r ? o->run_end[r - 1] : 0;
			if (m.at[r] < m.end[r])
				m.heap[m.n++] = (uint32_t)r;
		}
		for (size_t i = m.n; i-- > 0;)
			sift_down(&m, i);
		while (m.n) {
			uint32_t r = m.heap[0];

			ids[out++] = keys[m.at[r]++].id;
			if (m.at[r] == m.end[r])
				m.heap[0] = m.heap[--m.n];
			sift_down(&m, 0);
		}
		err = 0;
	}
	free(m.at);
	free(m.heap);
	free(keys);
	return err;
}

/* order[]: cands by the names in ids[0..nids), each name's in index order
 * (a counting sort by name: where each name's candidates begin). */
static int lay_out(const uint32_t *ids, size_t nids, const struct func_cand *cands, size_t n, uint32_t *order)
{
	uint32_t limit = 0, at = 0, *start;

	for (size_t i = 0; i < n; i++)
		if (cands[i].name >= limit)
			limit = cands[i].name + 1;
	if (!(start = calloc((size_t)limit + 1, sizeof(*start))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		start[cands[i].name]++;
	for (size_t k = 0; k < nids; k++) {
		uint32_t id = ids[k], count = id < limit ? start[id] : 0;

		if (id < limit)
			start[id] = at;
		at += count;
	}
	for (size_t i = 0; i < n; i++)
		order[start[cands[i].name]++] = (uint32_t)i;
	free(start);
	return 0;
}

uint32_t *name_order__finish(struct name_order *o, const struct func_cand *cands, size_t n)
{
	uint32_t *order = malloc((n ? n : 1) * sizeof(*order)), *ids = NULL;
	int err = order ? 0 : -ENOMEM;

	for (size_t i = 0; i < n && !err; i++)
		err = name_order__note(o, cands[i].name);
	if (!err)
		err = name_order__cut(o);
	if (!err && !(ids = malloc((o->nids ? o->nids : 1) * sizeof(*ids))))
		err = -ENOMEM;
	if (!err)
		err = merge_runs(o, ids);
	if (!err)
		err = lay_out(ids, o->nids, cands, n, order);
	free(ids);
	if (err) {
		free(order);
		return NULL;
	}
	return order;
}

void name_order__fini(struct name_order *o)
{
	free(o->seen);
	free(o->ids);
	free(o->run_end);
	memset(o, 0, sizeof(*o));
}
