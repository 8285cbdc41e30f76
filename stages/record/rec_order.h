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
 * may be deep): a record is finished after all it refers to; one that
 * refers to a record still on the walk's path, or to one marked, is marked.
 * Which records are marked does not depend on where the walk starts.
 *
 * Pure functions; any thread, each with its own scratch.
 */
#ifndef BTFSTREAM_REC_ORDER_H
#define BTFSTREAM_REC_ORDER_H

#include <linux/btf.h>
#include <stddef.h>
#include <stdint.h>

#define REC_ORDER_CYCLIC 0x80000000u	/* in order[]: the record is on or leads to a cycle */

/* Where a type's refs lie: first the one in the btf_type itself (head, or
 * NULL), then count more, stride words apart from at. In the order the
 * writer rewrites them (stages/write/write_btf.c, fix_type). */
struct rec_refs {
	uint32_t *head, *at;
	uint32_t count, stride;
};

static inline struct rec_refs rec_order__refs(const struct btf_type *t)
{
	uint32_t vlen = BTF_INFO_VLEN(t->info);
	uint32_t *p = (uint32_t *)(t + 1), *type = (uint32_t *)&t->type;

	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT: case BTF_KIND_FLOAT: case BTF_KIND_ENUM: case BTF_KIND_ENUM64: case BTF_KIND_FWD:
	case BTF_KIND_DATASEC:
		return (struct rec_refs){ NULL, NULL, 0, 0 };
	case BTF_KIND_ARRAY:	/* type, index_type */
		return (struct rec_refs){ NULL, p, 2, 1 };
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:	/* each name_off, type, offset */
		return (struct rec_refs){ NULL, p + 1, vlen, 3 };
	case BTF_KIND_FUNC_PROTO:	/* return; each name_off, type */
		return (struct rec_refs){ type, p + 1, vlen, 2 };
	default:
		return (struct rec_refs){ type, NULL, 0, 0 };
	}
}

/* Ref k (0-based) of refs, NULL past the last. */
static inline uint32_t *rec_order__ref(const struct rec_refs *r, uint32_t k)
{
	if (r->head) {
		if (!k)
			return r->head;
		k--;
	}
	return k < r->count ? r->at + (size_t)k * r->stride : NULL;
}

struct rec_order_frame;

struct rec_order_scratch {	/* grown to the largest CU, reused */
	uint8_t *state;
	struct rec_order_frame *stack;
	size_t cap;
};

/* off[0..n]: where each of the n types in the len bytes at block starts,
 * then len. 0, or -EPROTO if the bytes do not hold n types. */
int rec_order__offsets(const unsigned char *block, size_t len, uint32_t n, uint32_t *off);

/* order[0..n): the n records of block (record i at off[i]), each after
 * those it refers to, | REC_ORDER_CYCLIC where marked. 0 or -ENOMEM. */
int rec_order__cu(const unsigned char *block, const uint32_t *off, uint32_t n, uint32_t *order,
		  struct rec_order_scratch *s);
void rec_order__free(struct rec_order_scratch *s);

#endif
