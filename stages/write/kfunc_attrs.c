/* stages/write/kfunc_attrs.c: see kfunc_attrs.h. */
#include "stages/write/kfunc_attrs.h"

#include <bpf/btf.h>
#include <errno.h>

#include "stages/write/func_cand.h"

/* PTR -> TYPE_TAG(kind_flag 1, KF_ARENA_ATTR) -> the pointee of *type. */
static int arena_ptr(struct btf *btf, uint32_t *type)
{
	const struct btf_type *t = btf__type_by_id(btf, *type);
	struct btf_type *tag;
	int tag_id, ptr_id;

	if (!*type || !t || !btf_is_ptr(t))
		return -EINVAL;
	tag_id = btf__add_type_tag(btf, KF_ARENA_ATTR, t->type);
	if (tag_id < 0)	/* -EINVAL is kept for "not a pointer" */
		return tag_id == -EINVAL ? -EPROTO : tag_id;
	/* libbpf 1.1 has no btf__add_type_attr (1.6): the same type with
	 * kind_flag set; the BTF is being built, its types are ours */
	tag = (struct btf_type *)btf__type_by_id(btf, tag_id);
	tag->info |= 1u << 31;
	ptr_id = btf__add_ptr(btf, tag_id);
	if (ptr_id < 0)
		return ptr_id == -EINVAL ? -EPROTO : ptr_id;
	*type = (uint32_t)ptr_id;
	return 0;
}

int kfunc_attrs__arena(struct btf *btf, uint32_t flags, uint32_t *ret, struct func_param *params,
		       uint32_t nparams, const char **what)
{
	static const struct {
		uint32_t bit;
		int param;	/* -1: the return type */
		const char *what;
	} places[] = {
		{ KF_ARENA_RET, -1, "the return type" },
		{ KF_ARENA_ARG1, 0, "the first argument" },
		{ KF_ARENA_ARG2, 1, "the second argument" },
	};
	int n = 0, err;

	for (unsigned int i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		if (!(flags & places[i].bit))
			continue;
		*what = places[i].what;
		if (places[i].param >= (int)nparams)
			return -EINVAL;
		err = arena_ptr(btf, places[i].param < 0 ? ret : &params[places[i].param].type);
		if (err)
			return err;
		n++;
	}
	return n;
}
