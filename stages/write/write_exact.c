/* stages/write/write_exact.c: a CU sent as bytes, without the exact copies
 * of types already in the batch (stages/write/exact_dup.h), decided in
 * the order its reader sent or the writer makes (stages/record/rec_order.h).
 * The writer thread only (write_btf.h). */
#include <errno.h>
#include <linux/btf.h>
#include <string.h>

#include "stages/common/grow.h"
#include "stages/record/rec_order.h"
#include "stages/write/write_fix.h"

/* What write_cu_exact makes of each record of a CU (w->cu_class). */
enum exact_class {
	EXACT_UNDECIDED,	/* a ref leads to a record not decided yet */
	EXACT_NEW,		/* written; not in the batch before, nor leading to a cycle */
	EXACT_NEW_FIXED,	/* ... and its refs were made the batch's to look it up */
	EXACT_DROPPED,		/* an earlier type of the batch stands for it */
	EXACT_CYCLIC,		/* written; on or leading to a cycle (or undecided in its
				   turn), or a kind never looked up: no later record can
				   equal it exactly */
};

/* Kinds whose exact copies libbpf's dedup always merges (VARs and
 * DATASECs it keeps each; a FUNC never comes in a CU's bytes). */
static bool exact_kind(uint32_t kind)
{
	return kind != BTF_KIND_VAR && kind != BTF_KIND_DATASEC && kind != BTF_KIND_FUNC;
}

/* Record i, undecided: decided if every record it refers to is, and looked
 * up by its bytes if every ref leads to a type before the CU (blk: the
 * CU's bytes, copied into the batch, refs still CU-local). Returns 1 if
 * decided, 0 if not, or -errno. */
static int exact_decide(struct btf_writer *w, unsigned char *blk, uint32_t i)
{
	struct btf_type *s = (struct btf_type *)(blk + w->cu_off[i]);
	size_t size = w->cu_off[i + 1] - w->cu_off[i];
	struct rec_refs refs = rec_order__refs(s);
	uint8_t cls = EXACT_DROPPED;
	uint32_t *r, found;

	if (!exact_kind(BTF_INFO_KIND(s->info)))
		return w->cu_class[i] = EXACT_CYCLIC, 1;
	for (uint32_t k = 0; (r = rec_order__ref(&refs, k)) != NULL; k++) {
		uint32_t c = *r - 1u;

		if (c >= w->cu_nrecs || w->cu_class[c] == EXACT_DROPPED)
			continue;
		if (w->cu_class[c] == EXACT_UNDECIDED)
			return 0;
		if (w->cu_class[c] == EXACT_CYCLIC)
			return w->cu_class[i] = EXACT_CYCLIC, 1;
		/* EXACT_NEW or EXACT_NEW_FIXED */
		cls = EXACT_NEW;
	}
	if (cls == EXACT_NEW)
		return w->cu_class[i] = EXACT_NEW, 1;
	if (fix_type(w, s, size, false) != (long)size)	/* in place: dropped, or written as it is */
		return -EPROTO;
	found = exact_dup__find(&w->xd, s, (uint32_t)size);
	w->cu_class[i] = found ? EXACT_DROPPED : EXACT_NEW_FIXED;
	w->cu_map[i] = found;
	return 1;
}

/* Every record of the CU decided, in the order the reader sent: each
 * after those it refers to, those on or leading to a cycle marked
 * (stages/record/rec_order.h); one whose refs are not decided before it
 * (which that order rules out) is written as a cyclic one is. */
static int exact_pass(struct btf_writer *w, unsigned char *blk, const uint32_t *order)
{
	uint32_t n = w->cu_nrecs;

	memset(w->cu_class, EXACT_UNDECIDED, n);
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = order[k] & ~REC_ORDER_CYCLIC;
		int got;

		if (i >= n || w->cu_class[i] != EXACT_UNDECIDED)
			return -EPROTO;
		if (order[k] & REC_ORDER_CYCLIC)
			got = (w->cu_class[i] = EXACT_CYCLIC, 1);
		else if ((got = exact_decide(w, blk, i)) < 0)
			return got;
		if (!got)
			w->cu_class[i] = EXACT_CYCLIC;
	}
	return 0;
}

/* The run of records at run_from, *run bytes, moved down to end at out. */
static void move_run(unsigned char *blk, size_t out, size_t run_from, size_t *run)
{
	if (*run && out - *run != run_from)
		memmove(blk + out - *run, blk + run_from, *run);
	*run = 0;
}

/* The records not dropped, their refs made the batch's, moved down over
 * those dropped (a run at a time: blk is where the CU's bytes begin in the
 * batch's type section), and those not cyclic put in the table for the
 * CUs after. Returns the bytes written or -errno. */
static long exact_write(struct btf_writer *w, unsigned char *blk)
{
	size_t out = 0, run_from = 0, run = 0;	/* records made the batch's, not yet moved down */

	for (uint32_t i = 0; i < w->cu_nrecs; i++) {
		size_t size = w->cu_off[i + 1] - w->cu_off[i];
		struct btf_type *t = (struct btf_type *)(blk + w->cu_off[i]);
		uint8_t c = w->cu_class[i];

		if (c == EXACT_DROPPED) {
			move_run(blk, out, run_from, &run);
			continue;
		}
		if (c != EXACT_NEW_FIXED && fix_type(w, t, size, false) != (long)size)
			return -EPROTO;
		if (!run)
			run_from = w->cu_off[i];
		run += size;
		out += size;
		if (c == EXACT_CYCLIC)
			continue;
		move_run(blk, out, run_from, &run);
		if (exact_dup__add(&w->xd, blk + out - size, (uint32_t)size, w->cu_map[i]))
			return -ENOMEM;
	}
	move_run(blk, out, run_from, &run);
	return (long)out;
}

/* The offsets and order the reader sent after the bytes (record.h,
 * CU_BEGIN's vlen 1), checked to hold types. */
static int sent_order(struct btf_writer *w, const struct type_rec *begin)
{
	uint32_t n = w->cu_nrecs;

	w->cu_off = (const uint32_t *)((const unsigned char *)begin->payload + begin->size_type);
	for (uint32_t i = 0; i < n; i++)
		if (w->cu_off[i + 1] <= w->cu_off[i] || w->cu_off[i + 1] - w->cu_off[i] < sizeof(struct btf_type))
			return -EPROTO;
	return w->cu_off[n] == begin->size_type ? 0 : -EPROTO;
}

/* The offsets and order made here, for a reader that sent none (one
 * reader: its thread is then the run's path, this one has time). */
static int own_order(struct btf_writer *w, const unsigned char *blk, size_t len)
{
	uint32_t n = w->cu_nrecs;
	int err;

	if (GROW(w->own_order, w->own_order_cap, 2 * (size_t)n + 1, ARRAY_FIRST))
		return -ENOMEM;
	if ((err = rec_order__offsets(blk, len, n, w->own_order)) ||
	    (err = rec_order__cu(blk, w->own_order, n, w->own_order + n + 1, &w->order_scratch)))
		return err;
	w->cu_off = w->own_order;
	return 0;
}

/* A CU sent as bytes, without the exact copies of types already in the
 * batch (exact_dup.h): decided in rec_order's order (a type after those it
 * refers to; the reader's, or made here), then written in the CU's order
 * without the copies. Only where names stay strtab ids and the index
 * type is decided (begin_cu). */
int btf_writer__write_cu_exact(struct btf_writer *w, const struct type_rec *begin)
{
	size_t len = begin->size_type, base = w->tlen;
	uint32_t n = w->cu_nrecs, first = w->next_id;
	unsigned char *blk = btf_writer__type_space(w, len);
	long out;
	int err;

	if (!blk || GROW(w->cu_map, w->cu_map_cap, (size_t)n + 1, ARRAY_FIRST) ||
	    GROW(w->cu_class, w->cu_class_cap, (size_t)n + 1, ARRAY_FIRST))
		return -ENOMEM;
	/* the bytes copied in one go: the walk in the reader's order then
	 * reads this thread's cache, not the reader's */
	if (len)
		memcpy(blk, begin->payload, len);
	if ((err = begin->vlen ? sent_order(w, begin) : own_order(w, blk, len)) ||
	    (err = exact_pass(w, blk, w->cu_off + n + 1)))
		return err;
	for (uint32_t i = 0; i < n; i++)
		if (w->cu_class[i] != EXACT_DROPPED)
			w->cu_map[i] = w->next_id++;
	if ((out = exact_write(w, blk)) < 0)
		return (int)out;
	w->tlen = base + (size_t)out;
	w->xd.dropped += n - (w->next_id - first);
	w->cu_seen = n;
	w->records += n;
	w->batch_recs += w->next_id - first;
	return 0;
}
