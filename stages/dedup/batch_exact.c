/* stages/dedup/batch_exact.c: see batch_exact.h. */
#include "stages/dedup/batch_exact.h"

#include <errno.h>
#include <linux/btf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/btf_refs.h"
#include "stages/common/grow.h"
#include "stages/record/record.h"

#define ARRAY_FIRST 4096	/* elements of the growable arrays to start with */
#define CHUNK_MADE_FIRST (64u << 10)	/* a batch's image made: bytes more than half its first chunk's */

/* What becomes of each type of a listed CU (cu_pass.cls). */
enum exact_class {
	EXACT_UNDECIDED,	/* a ref leads to a type not decided yet */
	EXACT_NEW,		/* kept; not in the batch before, nor leading to a cycle */
	EXACT_NEW_FIXED,	/* ... and its refs were made final to look it up */
	EXACT_DROPPED,		/* an earlier type of the batch stands for it */
	EXACT_CYCLIC,		/* kept; leading to a component never looked up (or
				   undecided in its turn), or a kind never looked up: no
				   later type can equal it exactly */
	EXACT_COMP_KEPT,	/* kept, on a cycle: its component is recorded for the
				   CUs after (batch_exact.h) */
	EXACT_IN_COMP,		/* of the component being decided or recorded */
};

/* In a component's key: a ref to its record at place p is COMP_PLACE | p. */
#define COMP_PLACE 0x80000000u

/* The image being made, in a copy of the writer's (the writer has its own
 * back at once): its type section read at `in` and written at `out` (never
 * past `in`: types are only left out), and the ids. */
struct image_walk {
	unsigned char *types;
	unsigned char *dst;
	unsigned char *made;	/* a batch in chunks: the image made, its header
				   first, dst its types (NULL: dst is types) */
	size_t cap;		/* bytes at made */
	size_t str_len;		/* the strings the image made ends with */
	size_t len;		/* bytes of the type section as the writer cut it */
	size_t in, out;
	uint32_t id;		/* the writer's id of the type at in */
	uint32_t next;		/* the id the next type kept gets */
	uint32_t ntypes;	/* the writer's ids are 1..ntypes */
};

/* A listed CU being decided: its bytes in the image (refs CU-local until
 * its types are kept), where each begins (off[0..n]) and the order. */
struct cu_pass {
	unsigned char *blk;
	const unsigned char *image;	/* the image made's types: those of earlier CUs kept, final */
	const uint32_t *off, *order;
	uint32_t n;
	uint32_t *map;		/* its types' ids in the image made (x->map + its first id) */
	uint8_t *cls;
	uint32_t index_new;	/* the id REF_INDEX_TYPE becomes, 0: none (an error) */
};

/* The refs of type t of CU c made ids of the image made (in line: it runs
 * for ~3 M types on the vmlinux). Every ref lies within t: the CU's offsets
 * come from each type's kind and vlen (cu_order). */
static inline __attribute__((always_inline)) int fix_local(const struct cu_pass *c, struct btf_type *t)
{
	struct rec_refs refs = rec_order__refs(t);
	uint32_t *r;

	for (uint32_t k = 0; (r = rec_order__ref(&refs, k)) != NULL; k++) {
		uint32_t at = *r - 1u;

		if (at < c->n)
			*r = c->map[at];
		else if (*r == REF_INDEX_TYPE && c->index_new)
			*r = c->index_new;
		else if (*r != REF_VOID)
			return -EPROTO;
	}
	return 0;
}

/* Type i, undecided: decided if every type it refers to is, and looked up
 * by its bytes if every ref leads to a type before the CU. Returns 1 if
 * decided, 0 if not, or -errno. */
static int exact_decide(struct batch_exact *x, const struct cu_pass *c, uint32_t i)
{
	struct btf_type *t = (struct btf_type *)(c->blk + c->off[i]);
	uint32_t size = c->off[i + 1] - c->off[i], *r, found;
	struct rec_refs refs = rec_order__refs(t);
	uint8_t cls = EXACT_DROPPED;

	if (!exact_dup__kind(BTF_INFO_KIND(t->info)))
		return c->cls[i] = EXACT_CYCLIC, 1;
	for (uint32_t k = 0; (r = rec_order__ref(&refs, k)) != NULL; k++) {
		uint32_t at = *r - 1u;

		if (at >= c->n || c->cls[at] == EXACT_DROPPED)
			continue;
		if (c->cls[at] == EXACT_UNDECIDED)
			return 0;
		if (c->cls[at] == EXACT_CYCLIC)
			return c->cls[i] = EXACT_CYCLIC, 1;
		cls = EXACT_NEW;	/* a ref to a type of the CU kept */
	}
	if (cls == EXACT_NEW)
		return c->cls[i] = EXACT_NEW, 1;
	if (fix_local(c, t))	/* in place: left out, or kept as it is now */
		return -EPROTO;
	found = exact_dup__find(&x->xd, t, size);
	c->cls[i] = found ? EXACT_DROPPED : EXACT_NEW_FIXED;
	c->map[i] = found;
	return 1;
}

/* The place in the CU's order of the last record of the component whose
 * first is at k: the first without REC_ORDER_SCC_MORE, or n if none. */
static inline uint32_t comp_last(const struct cu_pass *c, uint32_t k)
{
	while (k < c->n && (c->order[k] & REC_ORDER_SCC_MORE))
		k++;
	return k;
}

/* A ref word v of a record of the component being decided or recorded, as
 * its key has it (cand NULL: a record of the component by its place) or as
 * the candidate cand's bytes would (its record's id there); any other type
 * by its id in the image made (the CU's refs are all decided). */
static inline uint32_t comp_ref(const struct batch_exact *x, const struct cu_pass *c, uint32_t v,
				const struct comp_member *cand)
{
	uint32_t at = v - 1u;

	if (at < c->n) {
		if (c->cls[at] != EXACT_IN_COMP)
			return c->map[at];
		return cand ? cand[x->place[at]].id : COMP_PLACE | x->place[at];
	}
	return v == REF_INDEX_TYPE ? c->index_new : v;
}

/* Record i of the component copied to x->key at koff, its refs as comp_ref
 * makes them: its size, or 0 (out of memory). */
static uint32_t comp_bytes(struct batch_exact *x, const struct cu_pass *c, uint32_t i, const struct comp_member *cand,
			   size_t koff)
{
	uint32_t size = c->off[i + 1] - c->off[i], *r;
	struct rec_refs refs;
	struct btf_type *t;

	if (GROW(x->key, x->key_cap, koff + size + sizeof(uint32_t), 256))
		return 0;
	t = memcpy(x->key + koff, c->blk + c->off[i], size);
	refs = rec_order__refs(t);
	for (uint32_t k = 0; (r = rec_order__ref(&refs, k)) != NULL; k++)
		*r = comp_ref(x, c, *r, cand);
	return size;
}

/* The component's key in x->key: its count of records, then its records'
 * bytes (comp_bytes) up to the first struct or union (a cycle in C's types
 * goes through one; before it mostly pointers, which say little). Its
 * length, or 0 (out of memory). */
static uint32_t comp_key(struct batch_exact *x, const struct cu_pass *c, const uint32_t *order, uint32_t count)
{
	uint32_t len = sizeof(count);

	if (GROW(x->key, x->key_cap, len, 256))
		return 0;
	memcpy(x->key, &count, sizeof(count));
	for (uint32_t j = 0; j < count; j++) {
		uint32_t i = order[j] & REC_ORDER_INDEX, size = comp_bytes(x, c, i, NULL, len), kind;

		if (!size)
			return 0;
		kind = BTF_INFO_KIND(((const struct btf_type *)(x->key + len))->info);
		len += size;
		if (kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION)
			break;
	}
	return len;
}

/* Whether the component's records have, their refs made the candidate's,
 * the very bytes of the candidate's records (never for a kind looked up
 * by neither table); -ENOMEM. */
static int comp_same(struct batch_exact *x, const struct cu_pass *c, const uint32_t *order, uint32_t count,
		     const struct comp_member *cand)
{
	for (uint32_t j = 0; j < count; j++) {
		uint32_t size = comp_bytes(x, c, order[j] & REC_ORDER_INDEX, cand, 0);

		if (!size)
			return -ENOMEM;
		if (size != cand[j].size || memcmp(x->key, c->image + cand[j].at, size) ||
		    !exact_dup__kind(BTF_INFO_KIND(((const struct btf_type *)x->key)->info)))
			return 0;
	}
	return 1;
}

/* The component of count records at order (each marked EXACT_IN_COMP, its
 * place set): left out if a component recorded from an earlier CU has its
 * key and, refs for refs, its bytes (each record's id then the one it
 * stands for). 1 if left out, 0 if not, -ENOMEM. */
static int comp_lookup(struct batch_exact *x, const struct cu_pass *c, const uint32_t *order, uint32_t count)
{
	uint32_t len = comp_key(x, c, order, count), k;
	const struct comp_member *cand = NULL;
	int same = 0;

	if (!len)
		return -ENOMEM;
	for (k = exact_dup__find(&x->keys, x->key, len); k && !same; k = x->comps[k - 1].next) {
		cand = x->members + x->comps[k - 1].first;
		if ((same = comp_same(x, c, order, count, cand)) < 0)
			return same;
	}
	if (!same)
		return 0;
	for (uint32_t j = 0; j < count; j++) {
		uint32_t i = order[j] & REC_ORDER_INDEX;

		c->cls[i] = EXACT_DROPPED;
		c->map[i] = cand[j].id;
	}
	x->dropped_cyclic += count;
	return 1;
}

/* What the component's refs out of it lead to: EXACT_DROPPED if all to
 * types left out (or void): it may be looked up; EXACT_COMP_KEPT at the
 * first to a type of the CU kept (a later component cannot have its ids);
 * EXACT_CYCLIC at the first to one not decided (which rec_order's order
 * rules out) or to no type (then fix_local refuses it). */
static int comp_refs_out(const struct cu_pass *c, const uint32_t *order, uint32_t count)
{
	for (uint32_t j = 0; j < count; j++) {
		const struct btf_type *t = (const struct btf_type *)(c->blk + c->off[order[j] & REC_ORDER_INDEX]);
		struct rec_refs refs = rec_order__refs(t);
		uint32_t *r;

		for (uint32_t k = 0; (r = rec_order__ref(&refs, k)) != NULL; k++) {
			uint32_t at = *r - 1u;

			if (at >= c->n) {
				if (*r != REF_VOID && (*r != REF_INDEX_TYPE || !c->index_new))
					return EXACT_CYCLIC;
				continue;
			}
			if (c->cls[at] == EXACT_DROPPED || c->cls[at] == EXACT_IN_COMP)
				continue;
			return c->cls[at] == EXACT_UNDECIDED ? EXACT_CYCLIC : EXACT_COMP_KEPT;
		}
	}
	return EXACT_DROPPED;
}

/* Marks the component's records cls, each with its place in it. */
static void comp_mark(struct batch_exact *x, const struct cu_pass *c, const uint32_t *order, uint32_t count,
		      uint8_t cls)
{
	for (uint32_t j = 0; j < count; j++) {
		c->cls[order[j] & REC_ORDER_INDEX] = cls;
		x->place[order[j] & REC_ORDER_INDEX] = j;
	}
}

/* A component of two or more records (on a cycle), decided as one: left out
 * if all its refs out of it lead to types left out and an earlier CU's
 * component is its exact copy; otherwise kept, and recorded for the CUs
 * after (comp_record) unless it leads to a type that may not stand for
 * later ones. */
static int comp_decide(struct batch_exact *x, const struct cu_pass *c, const uint32_t *order, uint32_t count)
{
	int out, got;

	for (uint32_t j = 0; j < count; j++)
		if ((order[j] & REC_ORDER_INDEX) >= c->n || c->cls[order[j] & REC_ORDER_INDEX] != EXACT_UNDECIDED)
			return -EPROTO;
	comp_mark(x, c, order, count, EXACT_IN_COMP);
	out = x->no_cycles ? EXACT_CYCLIC : comp_refs_out(c, order, count);
	if (out == EXACT_DROPPED && x->ncomps && (got = comp_lookup(x, c, order, count)))
		return got < 0 ? got : 0;
	comp_mark(x, c, order, count, out == EXACT_CYCLIC ? EXACT_CYCLIC : EXACT_COMP_KEPT);
	return 0;
}

/* Every type of the CU decided, in rec_order's order: a component of two or
 * more records as one (comp_decide), any other type alone; one whose refs
 * are not decided before it (which that order rules out but for a type
 * referring to itself) is kept as a cyclic one is. */
static int exact_pass(struct batch_exact *x, struct cu_pass *c)
{
	uint32_t n = c->n;

	memset(c->cls, EXACT_UNDECIDED, n);
	for (uint32_t k = 0; k < n;) {
		uint32_t i = c->order[k] & REC_ORDER_INDEX, end = comp_last(c, k);
		int got;

		if (end == n)
			return -EPROTO;
		if (end > k) {
			if ((got = comp_decide(x, c, c->order + k, end + 1 - k)))
				return got;
			k = end + 1;
			continue;
		}
		if (i >= n || c->cls[i] != EXACT_UNDECIDED)
			return -EPROTO;
		if ((c->order[k] & REC_ORDER_CYCLIC) && x->no_cycles)
			got = 0;
		else if ((got = exact_decide(x, c, i)) < 0)
			return got;
		if (!got)
			c->cls[i] = EXACT_CYCLIC;
		k++;
	}
	return 0;
}

/* A kept component recorded under the key in x->key (len bytes): the
 * first under it, or chained after the first. */
static int comp_add(struct batch_exact *x, const struct cu_pass *c, const uint32_t *order, uint32_t count,
		    uint32_t len)
{
	uint32_t head = exact_dup__find(&x->keys, x->key, len), k = (uint32_t)x->ncomps + 1;

	if (GROW(x->comps, x->comps_cap, x->ncomps + 1, ARRAY_FIRST) ||
	    GROW(x->members, x->members_cap, x->nmembers + count, ARRAY_FIRST) ||
	    (!head && exact_dup__add(&x->keys, x->key, len, k)))
		return -ENOMEM;
	x->comps[x->ncomps++] = (struct comp_cand){ (uint32_t)x->nmembers, count, head ? x->comps[head - 1].next : 0 };
	if (head)
		x->comps[head - 1].next = k;
	for (uint32_t j = 0; j < count; j++) {
		uint32_t i = order[j] & REC_ORDER_INDEX;

		x->members[x->nmembers++] = (struct comp_member){ c->map[i], x->out_at[i], c->off[i + 1] - c->off[i] };
	}
	return 0;
}

/* The CU's kept components that may stand for later ones recorded, each
 * under its key, with where its records' final bytes will lie in the image
 * made (x->out_at) and their ids. After the CU's ids are given, before its
 * refs are made them. */
static int comp_record(struct batch_exact *x, const struct cu_pass *c)
{
	for (uint32_t k = 0, end; k < c->n; k = end + 1) {
		const uint32_t *order = c->order + k;
		uint32_t count, len;

		end = comp_last(c, k);	/* < n: exact_pass checked it */
		count = end + 1 - k;
		if (count < 2 || c->cls[order[0] & REC_ORDER_INDEX] != EXACT_COMP_KEPT)
			continue;
		comp_mark(x, c, order, count, EXACT_IN_COMP);
		len = comp_key(x, c, order, count);
		comp_mark(x, c, order, count, EXACT_COMP_KEPT);
		if (!len || comp_add(x, c, order, count, len))
			return -ENOMEM;
	}
	return 0;
}

/* Room in a batch's image made (w->made) for need more bytes of types and
 * then its strings, grown by half (realloc may move it: the walk reaches it
 * through w->dst and offsets only). Nothing to do in place (made NULL). 0,
 * -ENOMEM, or -E2BIG past what a BTF header can say. */
static int made_room(struct image_walk *w, size_t need)
{
	size_t want = sizeof(struct btf_header) + w->out + need + w->str_len, cap = w->cap + w->cap / 2;
	unsigned char *p;

	if (!w->made || want <= w->cap)
		return 0;
	if (w->out + need > UINT32_MAX)
		return -E2BIG;
	if (!(p = realloc(w->made, cap > want ? cap : want)))
		return -ENOMEM;
	w->made = p;
	w->dst = p + sizeof(struct btf_header);
	w->cap = cap > want ? cap : want;
	return 0;
}

/* The kept bytes at src, *run of them, moved down to the image made's end
 * (which src may overlap in place: it is never past src). */
static void flush_run(struct image_walk *w, const unsigned char *src, size_t *run)
{
	if (*run && w->dst + w->out != src)
		memmove(w->dst + w->out, src, *run);
	w->out += *run;
	*run = 0;
}

/* The CU's types kept, their refs made final (in place), copied a run at
 * a time past those left out; those not cyclic put in the table for the
 * CUs after (the table copies their bytes). */
static int write_cu(struct batch_exact *x, const struct cu_pass *c, struct image_walk *w)
{
	size_t run_from = 0, run = 0;	/* kept bytes at blk + run_from, not yet moved */

	for (uint32_t i = 0; i < c->n; i++) {
		uint32_t size = c->off[i + 1] - c->off[i];
		struct btf_type *t = (struct btf_type *)(c->blk + c->off[i]);
		uint8_t cls = c->cls[i];

		if (cls == EXACT_DROPPED) {
			flush_run(w, c->blk + run_from, &run);
			continue;
		}
		if (cls != EXACT_NEW_FIXED && fix_local(c, t))
			return -EPROTO;
		if (!run)
			run_from = c->off[i];
		run += size;
		if ((cls == EXACT_NEW || cls == EXACT_NEW_FIXED) && exact_dup__add(&x->xd, t, size, c->map[i]))
			return -ENOMEM;
	}
	flush_run(w, c->blk + run_from, &run);
	return 0;
}

/* Where each of the CU's types begins, found by walking its bytes (which
 * this core has not seen yet: its lines are asked for first, or the walk
 * waits for each in turn), then its order: the reader's, or made here
 * (one reader: its thread is then the run's path). The offsets come from
 * each type's kind and vlen, so every ref rec_order__refs finds lies
 * within its type. */
static int cu_order(struct batch_exact *x, const struct btf_batch *b, const struct batch_cu *cu, struct cu_pass *c)
{
	uint32_t n = cu->n;
	int err;

	if (GROW(x->own, x->own_cap, 2 * (size_t)n + 1, ARRAY_FIRST))
		return -ENOMEM;
	for (size_t at = 0; at < cu->len; at += 64)
		__builtin_prefetch(c->blk + at, 1);
	if ((err = rec_order__offsets(c->blk, cu->len, n, x->own)))
		return err;
	c->off = x->own;
	if (cu->order == BATCH_CU_NO_ORDER) {
		if ((err = rec_order__cu(c->blk, x->own, n, x->own + n + 1, &x->scratch)))
			return err;
		c->order = x->own + n + 1;
		x->ordered++;
		return 0;
	}
	if (cu->order > b->norders || b->norders - cu->order < n)
		return -EPROTO;
	c->order = b->orders + cu->order;
	return 0;
}

/* A listed CU: decided, its kept types given the next ids, written. */
static int exact_cu(struct batch_exact *x, const struct btf_batch *b, const struct batch_cu *cu, struct image_walk *w)
{
	struct cu_pass c = { .blk = w->types + w->in, .image = w->dst, .n = cu->n, .map = x->map + w->id };
	int err;

	if (cu->first != w->id || cu->n > w->ntypes + 1 - w->id || cu->len > w->len - w->in)
		return -EPROTO;
	if ((err = made_room(w, cu->len)))
		return err;
	c.image = w->dst;
	if (GROW(x->cls, x->cls_cap, (size_t)cu->n + 1, ARRAY_FIRST) ||
	    GROW(x->place, x->place_cap, (size_t)cu->n + 1, ARRAY_FIRST) ||
	    GROW(x->out_at, x->out_at_cap, (size_t)cu->n + 1, ARRAY_FIRST))
		return -ENOMEM;
	c.cls = x->cls;
	if (b->index_type && b->index_type < w->id)
		c.index_new = x->map[b->index_type];
	if ((err = cu_order(x, b, cu, &c)) || (err = exact_pass(x, &c)))
		return err;
	for (uint32_t i = 0, out = (uint32_t)w->out; i < c.n; i++)
		if (c.cls[i] != EXACT_DROPPED) {
			c.map[i] = w->next++;
			x->out_at[i] = out;
			out += c.off[i + 1] - c.off[i];
		} else {
			x->dropped++;
		}
	if ((err = comp_record(x, &c)) || (err = write_cu(x, &c, w)))
		return err;
	w->in += cu->len;
	w->id += cu->n;
	return 0;
}

/* Types already holding the writer's ids, from w->in to end: the next ids
 * first (a CU written whole refers to its own types both ways), then their
 * refs made those ids, then copied. */
static int fixed_region(struct batch_exact *x, struct image_walk *w, size_t end)
{
	size_t size;
	int err;

	if ((err = made_room(w, end - w->in)))
		return err;

	for (size_t at = w->in; at < end; at += size) {
		const struct btf_type *t = (const struct btf_type *)(w->types + at);

		if (end - at < sizeof(*t) || !(size = btf_refs__type_bytes(t)) || size > end - at || w->id > w->ntypes)
			return -EPROTO;
		x->map[w->id++] = w->next++;
	}
	for (size_t at = w->in; at < end; at += size) {
		struct btf_type *t = (struct btf_type *)(w->types + at);
		struct btf_refs it;
		uint32_t *r;

		size = btf_refs__type_bytes(t);
		btf_refs__init(&it, t);
		while ((r = btf_refs__next(&it)) != NULL) {
			if (*r >= w->id)	/* past the region: no type yet */
				return -EPROTO;
			*r = x->map[*r];
		}
	}
	size = end - w->in;
	flush_run(w, w->types + w->in, &size);
	w->in = end;
	return 0;
}

/* The image's header, checked: types first, the strings right after. */
static struct btf_header *image_header(const struct btf_batch *b)
{
	struct btf_header *h = (struct btf_header *)b->raw;

	if (!b->raw || b->size < sizeof(*h) || h->magic != BTF_MAGIC || h->hdr_len != sizeof(*h) || h->type_off ||
	    h->str_off != h->type_len || sizeof(*h) + (size_t)h->type_len + h->str_len > b->size)
		return NULL;
	return h;
}

/* The writer's image copied to the heap, and given back to it at once (it
 * waits for one to make the next batch: stages/record/image_pool.h); b->raw
 * is then the copy. 0 or -ENOMEM. */
static int own_copy(struct btf_batch *b, const struct btf_header *h)
{
	size_t size = sizeof(*h) + (size_t)h->type_len + h->str_len;
	char *copy = malloc(size);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, b->raw, size);
	btf_batch__free_raw(b);
	b->raw = copy;
	b->raw_heap = true;
	b->size = b->raw_cap = size;
	return 0;
}

/* The image made: the types kept so far, the strings moved down after
 * them, the header saying so. */
static void finish_image(struct image_walk *w, struct btf_batch *b)
{
	struct btf_header *h = (struct btf_header *)b->raw;

	memmove(w->dst + w->out, w->types + w->len, h->str_len);
	h->type_len = h->str_off = (uint32_t)w->out;
	btf_batch__free_cus(b);
	b->size = sizeof(*h) + w->out + h->str_len;
}

/* Every region and listed CU of the image at w, in order. */
static int walk_image(struct batch_exact *x, struct btf_batch *b, struct image_walk *w)
{
	int err = -EPROTO;

	for (uint32_t k = 0; k <= b->ncus; k++) {
		size_t end = k < b->ncus ? b->cus[k].off : w->len;

		if (end < w->in || end > w->len ||
		    (end > w->in && (err = fixed_region(x, w, end))) ||
		    (k < b->ncus && (err = exact_cu(x, b, &b->cus[k], w))))
			return err < 0 ? err : -EPROTO;
	}
	return w->id == b->ntypes + 1 ? 0 : -EPROTO;
}

/* The tables emptied for a new batch. */
static void begin_batch(struct batch_exact *x)
{
	x->map[0] = 0;
	exact_dup__reset(&x->xd);
	exact_dup__reset(&x->keys);
	x->ncomps = 0;
	x->nmembers = 0;
}

/* A batch in one piece: made in a copy of its image, in place. */
static int run_whole(struct batch_exact *x, struct btf_batch *b, const struct btf_header *h)
{
	struct image_walk w;
	int err;

	if (own_copy(b, h))
		return -ENOMEM;
	h = (const struct btf_header *)b->raw;
	w = (struct image_walk){ .types = (unsigned char *)b->raw + sizeof(*h), .dst = (unsigned char *)b->raw + sizeof(*h),
				 .len = h->type_len, .id = 1, .next = 1, .ntypes = b->ntypes };
	begin_batch(x);
	if ((err = walk_image(x, b, &w)))
		return err;
	finish_image(&w, b);
	return 0;
}

/* The last chunk walked: the image made ends with its strings and becomes
 * b->raw (the chunk's image goes back to the writer). */
static void finish_chunks(struct batch_exact *x, struct image_walk *w, struct btf_batch *b)
{
	struct btf_header *h = (struct btf_header *)w->made;

	memcpy(h, b->raw, sizeof(*h));
	memcpy(w->dst + w->out, w->types + w->len, w->str_len);	/* (made_room left room) */
	h->type_len = h->str_off = (uint32_t)w->out;
	btf_batch__free_raw(b);
	btf_batch__free_cus(b);
	b->size = b->raw_cap = sizeof(*h) + w->out + h->str_len;
	/* what the growth left over goes back to the heap, for libbpf's copy */
	b->raw = realloc(w->made, b->size) ?: (char *)w->made;
	b->raw_heap = true;
	x->walk.made = NULL;
	x->walk.on = false;
}

/* A chunk of a batch (btf_batch.more), walked in its own image where the
 * writer wrote it, the types kept appended to the batch's image made
 * (x->walk.made): the walk goes on where the chunk before left it. */
static int run_chunk(struct batch_exact *x, struct btf_batch *b, const struct btf_header *h)
{
	struct batch_walk *bw = &x->walk;
	struct image_walk w = { .types = (unsigned char *)b->raw + sizeof(*h), .len = h->type_len,
				.str_len = h->str_len, .ntypes = b->ntypes };
	int err;

	if (!b->chunk) {
		free(bw->made);
		*bw = (struct batch_walk){ .on = true, .batch = b->index, .id = 1, .next = 1,
					   .cap = sizeof(*h) + h->type_len / 2 + h->str_len + CHUNK_MADE_FIRST };
		if (!(bw->made = malloc(bw->cap)))
			return -ENOMEM;
		begin_batch(x);
	} else if (!bw->on || bw->batch != b->index || bw->chunk != b->chunk) {
		return -EPROTO;
	}
	w.made = bw->made;
	w.cap = bw->cap;
	w.dst = w.made + sizeof(*h);
	w.out = bw->out;
	w.id = bw->id;
	w.next = bw->next;
	err = walk_image(x, b, &w);
	bw->made = w.made;
	bw->cap = w.cap;
	bw->out = w.out;
	bw->id = w.id;
	bw->next = w.next;
	bw->chunk++;
	if (err || (err = made_room(&w, 0))) {
		bw->on = false;
		return err;
	}
	if (!b->more) {
		finish_chunks(x, &w, b);
		return 0;
	}
	btf_batch__free_raw(b);	/* back to the writer */
	btf_batch__free_cus(b);
	return 0;
}

int batch_exact__run(struct batch_exact *x, struct btf_batch *b)
{
	struct btf_header *h = image_header(b);
	bool chunked = b->chunk || b->more;

	if (!b->cus && !chunked)
		return 0;
	if (!h)
		return -EPROTO;
	if (GROW(x->map, x->map_cap, (size_t)b->ntypes + 1, ARRAY_FIRST))
		return -ENOMEM;
	return chunked ? run_chunk(x, b, h) : run_whole(x, b, h);
}

void batch_exact__fini(struct batch_exact *x)
{
	exact_dup__fini(&x->xd);
	exact_dup__fini(&x->keys);
	free(x->comps);
	free(x->members);
	free(x->place);
	free(x->out_at);
	free(x->key);
	free(x->map);
	free(x->cls);
	free(x->own);
	free(x->walk.made);
	rec_order__free(&x->scratch);
	memset(x, 0, sizeof(*x));
}
