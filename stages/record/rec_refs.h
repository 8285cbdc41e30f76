/* stages/record/rec_refs.h: every reference a type record holds (CU-local
 * refs, record.h), in order, for the readers' graph walks over a CU
 * (stages/read/type_guard.c, type_order.c). Header only; any thread. */
#ifndef BTFSTREAM_REC_REFS_H
#define BTFSTREAM_REC_REFS_H

#include <linux/btf.h>
#include <stdint.h>

#include "stages/record/record.h"

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
