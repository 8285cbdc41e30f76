/* stages/record/rec_btf.c: see rec_btf.h. */
#include "stages/record/rec_btf.h"

#include <errno.h>
#include <linux/btf.h>
#include <string.h>

/* Bytes after struct btf_type for a type of this kind with vlen entries
 * (none for a DATASEC: the records never carry one, they are made after
 * the merge, stages/write/datasec.c). */
static size_t tail_bytes(uint32_t kind, uint32_t vlen)
{
	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return (size_t)vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (size_t)vlen * sizeof(struct btf_enum);
	case BTF_KIND_ENUM64:
		return (size_t)vlen * sizeof(struct btf_enum64);
	case BTF_KIND_FUNC_PROTO:
		return (size_t)vlen * sizeof(struct btf_param);
	default:
		return 0;
	}
}

size_t rec_btf__size(const struct type_rec *r)
{
	return sizeof(struct btf_type) + tail_bytes(r->kind, r->kind == BTF_KIND_VAR ? 0 : r->vlen);
}

/* The vlen entries of r at p, ids raw. */
static int encode_vlen(const struct type_rec *r, void *p)
{
	for (uint32_t i = 0; i < r->vlen; i++) {
		if (r->kind == BTF_KIND_STRUCT || r->kind == BTF_KIND_UNION) {
			const struct rec_member *m = (const struct rec_member *)r->payload + i;

			((struct btf_member *)p)[i] = (struct btf_member){ m->name, m->type, m->offset };
		} else if (r->kind == BTF_KIND_ENUM) {
			const struct rec_enum_val *v = (const struct rec_enum_val *)r->payload + i;

			((struct btf_enum *)p)[i] = (struct btf_enum){ v->name, (int32_t)v->val_lo };
		} else if (r->kind == BTF_KIND_ENUM64) {
			const struct rec_enum_val *v = (const struct rec_enum_val *)r->payload + i;

			((struct btf_enum64 *)p)[i] = (struct btf_enum64){ v->name, v->val_lo, v->val_hi };
		} else if (r->kind == BTF_KIND_FUNC_PROTO) {
			const struct rec_param *a = (const struct rec_param *)r->payload + i;

			((struct btf_param *)p)[i] = (struct btf_param){ a->name, a->type };
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

long rec_btf__encode(const struct type_rec *r, void *out)
{
	struct btf_type *t = out;
	void *p = t + 1;

	t->name_off = r->name;
	t->info = (uint32_t)r->kflag << 31 | (uint32_t)r->kind << 24 | r->vlen;
	t->size = r->size_type;	/* a size, or a ref (the same field) */
	switch (r->kind) {
	case BTF_KIND_INT:
	case BTF_KIND_DECL_TAG:
		memcpy(p, &r->extra, 4);
		return sizeof(*t) + 4;
	case BTF_KIND_VAR:	/* vlen carried the section slot */
		t->info = (uint32_t)BTF_KIND_VAR << 24;
		memcpy(p, &r->extra, 4);
		return sizeof(*t) + 4;
	case BTF_KIND_ARRAY:
		*(struct btf_array *)p = (struct btf_array){ .type = r->elem, .index_type = r->index,
							     .nelems = r->extra };
		return sizeof(*t) + sizeof(struct btf_array);
	default:
		return r->vlen && encode_vlen(r, p) ? -EINVAL : (long)rec_btf__size(r);
	}
}
