/* stages/record/rec_order.h: a CU's types, encoded as BTF bytes with
 * CU-local refs (rec_btf.h), in an order where each comes after every type
 * it refers to, with those on a cycle, or leading to one, marked.
 *
 * A reader computes it beside the bytes it sends (stages/read/read_cu.c;
 * record.h, CU_BEGIN; or, with one reader, the merge thread does) so that
 * the merge thread can decide each type after those it refers to: a type
 * whose refs all lead to types already in the batch is looked up by its
 * exact bytes (stages/dedup/batch_exact.h). In DWARF's
 * order refs point both ways, and cycles (a struct reaching itself through
 * pointers) are common.
 *
 * Refs are CU-local: 1..n a record; REF_VOID, REF_INDEX_TYPE and anything
 * out of range no record. One depth-first walk, no recursion (type chains
 * may be deep), Tarjan's: the records come out a strongly connected
 * component at a time (the records that all reach each other), each
 * component after every one it refers to, its records side by side in the
 * order the walk reached them. A record on a cycle (in a component of two
 * or more), or referring to one marked, is marked. Which records are
 * marked, and which form a component, does not depend on where the walk
 * starts; the order within a component does (it begins with the record
 * the walk entered it by), so two copies of a component, in CUs whose
 * records are in the same order, come out alike.
 *
 * Pure functions; any thread, each with its own scratch.
 */
#ifndef BTFSTREAM_REC_ORDER_H
#define BTFSTREAM_REC_ORDER_H

#include <linux/btf.h>
#include <stddef.h>
#include <stdint.h>

#define REC_ORDER_CYCLIC 0x80000000u	/* in order[]: the record is on or leads to a cycle */
#define REC_ORDER_SCC_MORE 0x40000000u	/* in order[]: the next record is of the same component */
#define REC_ORDER_INDEX 0x3fffffffu	/* in order[]: the record's index */

/* Where a type's refs lie: count words, stride words apart, from at. Every
 * kind's refs are evenly spaced from the btf_type's third word (size/type)
 * on: a FUNC_PROTO's return type there, then each btf_param's type two words
 * apart. In the order the writer rewrites them (stages/write/write_btf.c,
 * fix_type). */
struct rec_refs {
	uint32_t *at;
	uint32_t count, stride;
};

/* Per kind: the word of the first ref (counted from the btf_type's start),
 * the stride, and the count: fixed, plus vlen where per_vlen. Kinds after
 * ENUM64 (unknown here) are taken to refer through size/type, as UNKN is. */
struct rec_refs_shape {
	uint8_t first, stride, fixed, per_vlen;
};

#define REC_REFS_TYPE { 2, 1, 1, 0 }	/* one ref: size/type */
#define REC_REFS_NONE { 0, 1, 0, 0 }
static const struct rec_refs_shape rec_refs_shapes[32] = {
	[BTF_KIND_UNKN] = REC_REFS_TYPE, [BTF_KIND_INT] = REC_REFS_NONE, [BTF_KIND_PTR] = REC_REFS_TYPE,
	[BTF_KIND_ARRAY] = { 3, 1, 2, 0 },		/* type, index_type */
	[BTF_KIND_STRUCT] = { 4, 3, 0, 1 },		/* each name_off, type, offset */
	[BTF_KIND_UNION] = { 4, 3, 0, 1 },
	[BTF_KIND_ENUM] = REC_REFS_NONE, [BTF_KIND_FWD] = REC_REFS_NONE, [BTF_KIND_TYPEDEF] = REC_REFS_TYPE,
	[BTF_KIND_VOLATILE] = REC_REFS_TYPE, [BTF_KIND_CONST] = REC_REFS_TYPE, [BTF_KIND_RESTRICT] = REC_REFS_TYPE,
	[BTF_KIND_FUNC] = REC_REFS_TYPE,
	[BTF_KIND_FUNC_PROTO] = { 2, 2, 1, 1 },	/* return; each name_off, type */
	[BTF_KIND_VAR] = REC_REFS_TYPE, [BTF_KIND_DATASEC] = REC_REFS_NONE, [BTF_KIND_FLOAT] = REC_REFS_NONE,
	[BTF_KIND_DECL_TAG] = REC_REFS_TYPE, [BTF_KIND_TYPE_TAG] = REC_REFS_TYPE, [BTF_KIND_ENUM64] = REC_REFS_NONE,
	[BTF_KIND_ENUM64 + 1 ... 31] = REC_REFS_TYPE,
};
#undef REC_REFS_TYPE
#undef REC_REFS_NONE

static inline struct rec_refs rec_order__refs(const struct btf_type *t)
{
	const struct rec_refs_shape *s = &rec_refs_shapes[BTF_INFO_KIND(t->info)];

	return (struct rec_refs){ (uint32_t *)t + s->first, s->fixed + s->per_vlen * BTF_INFO_VLEN(t->info),
				  s->stride };
}

/* Ref k (0-based) of refs, NULL past the last. */
static inline uint32_t *rec_order__ref(const struct rec_refs *r, uint32_t k)
{
	return k < r->count ? r->at + (size_t)k * r->stride : NULL;
}

struct rec_order_frame;

struct rec_order_scratch {	/* grown to the largest CU, reused */
	uint8_t *state;
	uint32_t *index;	/* the order the walk reached each record in */
	uint32_t *comp;		/* the records of components not yet complete */
	struct rec_order_frame *stack;
	size_t cap;
};

/* off[0..n]: where each of the n types in the len bytes at block starts,
 * then len. 0, or -EPROTO if the bytes do not hold n types. */
int rec_order__offsets(const unsigned char *block, size_t len, uint32_t n, uint32_t *off);

/* order[0..n): the n records of block (record i at off[i]), a component at
 * a time, each after the components it refers to; | REC_ORDER_CYCLIC where
 * marked, | REC_ORDER_SCC_MORE on each record of a component but its last.
 * 0, -ENOMEM, or -E2BIG past REC_ORDER_INDEX records. */
int rec_order__cu(const unsigned char *block, const uint32_t *off, uint32_t n, uint32_t *order,
		  struct rec_order_scratch *s);
void rec_order__free(struct rec_order_scratch *s);

#endif
