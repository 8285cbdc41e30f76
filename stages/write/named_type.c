/* stages/write/named_type.c: see named_type.h. */
#include "stages/write/named_type.h"

#include <bpf/btf.h>
#include <errno.h>
#include <linux/btf.h>

#define INFO(kind, vlen) ((uint32_t)(kind) << 24 | (uint32_t)(vlen))

/* t (name_off 0) appended, then named name_off. */
static int add_named(struct btf *btf, const struct btf_type *t, uint32_t name_off)
{
	int id = btf__add_type(btf, btf, t);
	struct btf_type *added;

	if (id < 0)
		return id;
	if (!(added = (struct btf_type *)btf__type_by_id(btf, (uint32_t)id)))
		return -EINVAL;
	added->name_off = name_off;
	return id;
}

int named_type__func(struct btf *btf, uint32_t name_off, int linkage, int proto)
{
	struct btf_type t = { .info = INFO(BTF_KIND_FUNC, linkage), .type = (uint32_t)proto };

	if (proto < 0 || linkage < 0 || linkage > 0xffff)
		return -EINVAL;
	return add_named(btf, &t, name_off);
}

int named_type__decl_tag(struct btf *btf, uint32_t value_off, int ref, int component)
{
	struct {
		struct btf_type t;
		struct btf_decl_tag tag;
	} tt = { { .info = INFO(BTF_KIND_DECL_TAG, 0), .type = (uint32_t)ref }, { .component_idx = component } };

	if (ref <= 0 || component < -1)
		return -EINVAL;
	return add_named(btf, &tt.t, value_off);
}

int named_type__datasec(struct btf *btf, uint32_t name_off, uint32_t size)
{
	struct btf_type t = { .info = INFO(BTF_KIND_DATASEC, 0), .size = size };

	return add_named(btf, &t, name_off);
}
