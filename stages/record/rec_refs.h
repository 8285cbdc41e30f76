/* stages/record/rec_refs.h: what a type record's fields mean by kind: a
 * size or a reference, and every reference it holds (CU-local refs,
 * record.h), in order. Header only; any thread. */
#ifndef BTFSTREAM_REC_REFS_H
#define BTFSTREAM_REC_REFS_H

#include <linux/btf.h>
#include <stdbool.h>
#include <stdint.h>

#include "stages/record/record.h"

/* Does a record of this kind hold a byte size in size_type (else a ref)? */
static inline bool rec__has_size(uint8_t kind)
{
	return kind == BTF_KIND_INT || kind == BTF_KIND_FLOAT || kind == BTF_KIND_STRUCT ||
	       kind == BTF_KIND_UNION || kind == BTF_KIND_ENUM || kind == BTF_KIND_ENUM64;
}

/* fn(ctx, ref) for each reference of r, REF_VOID and REF_INDEX_TYPE included. */
static inline void rec_refs__each(const struct type_rec *r, void (*fn)(void *, uint32_t), void *ctx)
{
	switch (r->kind) {
	case BTF_KIND_INT: case BTF_KIND_FLOAT: case BTF_KIND_ENUM: case BTF_KIND_ENUM64: case BTF_KIND_FWD:
		return;
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		for (uint32_t k = 0; r->payload && k < r->vlen; k++)
			fn(ctx, ((const struct rec_member *)r->payload)[k].type);
		return;
	case BTF_KIND_ARRAY:
		fn(ctx, r->elem);
		fn(ctx, r->index);
		return;
	case BTF_KIND_FUNC_PROTO:
		fn(ctx, r->size_type);
		for (uint32_t k = 0; r->payload && k < r->vlen; k++)
			fn(ctx, ((const struct rec_param *)r->payload)[k].type);
		return;
	default:	/* PTR, TYPEDEF, CONST, VOLATILE, RESTRICT, TYPE_TAG, DECL_TAG, VAR */
		fn(ctx, r->size_type);
	}
}

#endif
