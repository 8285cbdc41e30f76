/* stages/common/btf_refs.c: see btf_refs.h. */
#include "stages/common/btf_refs.h"

#include <linux/btf.h>
#include <stddef.h>

bool btf_refs__known(const struct btf_type *t)
{
	return BTF_INFO_KIND(t->info) <= BTF_KIND_ENUM64;
}

static uint32_t ref_count(const struct btf_type *t)
{
	uint32_t vlen = BTF_INFO_VLEN(t->info);

	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
	case BTF_KIND_TYPE_TAG:
		return 1;
	case BTF_KIND_ARRAY:
		return 2;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_DATASEC:
		return vlen;
	case BTF_KIND_FUNC_PROTO:
		return vlen + 1;
	default:
		return 0;
	}
}

void btf_refs__init(struct btf_refs *it, struct btf_type *t)
{
	it->t = t;
	it->next = 0;
	it->count = ref_count(t);
}

uint32_t *btf_refs__next(struct btf_refs *it)
{
	struct btf_type *t = it->t;
	uint32_t i;

	if (it->next >= it->count)
		return NULL;
	i = it->next++;
	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_ARRAY:
		return i ? &((struct btf_array *)(t + 1))->index_type : &((struct btf_array *)(t + 1))->type;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return &((struct btf_member *)(t + 1))[i].type;
	case BTF_KIND_DATASEC:
		return &((struct btf_var_secinfo *)(t + 1))[i].type;
	case BTF_KIND_FUNC_PROTO:
		return i ? &((struct btf_param *)(t + 1))[i - 1].type : &t->type;
	default:
		return &t->type;
	}
}

void btf_strs__init(struct btf_strs *it, struct btf_type *t)
{
	it->t = t;
	it->next = 0;
	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FUNC_PROTO:
		it->count = 1 + BTF_INFO_VLEN(t->info);
		break;
	default:
		it->count = 1;
	}
}

uint32_t *btf_strs__next(struct btf_strs *it)
{
	struct btf_type *t = it->t;
	uint32_t i;

	if (it->next >= it->count)
		return NULL;
	if ((i = it->next++) == 0)
		return &t->name_off;
	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return &((struct btf_member *)(t + 1))[i - 1].name_off;
	case BTF_KIND_ENUM:
		return &((struct btf_enum *)(t + 1))[i - 1].name_off;
	case BTF_KIND_ENUM64:
		return &((struct btf_enum64 *)(t + 1))[i - 1].name_off;
	default:	/* FUNC_PROTO */
		return &((struct btf_param *)(t + 1))[i - 1].name_off;
	}
}
