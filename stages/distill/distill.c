/* stages/distill/distill.c: see distill.h. */
#include "stages/distill/distill.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/btf_refs.h"

struct distill {
	const struct btf *src;		/* the split BTF */
	const struct btf *base;		/* its base */
	uint32_t nbase;			/* btf__type_cnt(base): the first split id */
	uint32_t *map;			/* by base id: 0 unmarked, else MARKED or the new id */
	uint32_t *stack, nstack;	/* base ids whose references are still to mark */
	const char *path;
	struct fail *f;
};

#define MARKED UINT32_MAX

/* The kinds a split type may refer to in its base. */
static bool referable(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_INT: case BTF_KIND_FLOAT: case BTF_KIND_FWD: case BTF_KIND_ARRAY:
	case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_TYPEDEF: case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64: case BTF_KIND_PTR: case BTF_KIND_CONST: case BTF_KIND_RESTRICT:
	case BTF_KIND_VOLATILE: case BTF_KIND_FUNC_PROTO: case BTF_KIND_TYPE_TAG:
		return true;
	default:
		return false;
	}
}

/* Mark the base types t refers to; push those whose own references count. */
static int mark_refs(struct distill *d, const struct btf_type *t, uint32_t from)
{
	struct btf_refs it;
	uint32_t *id;

	if (!btf_refs__known(t))
		return fail__set(d->f, -EINVAL, "distill: %s: type %u has kind %u, which this build cannot read",
				 d->path, from, btf_kind(t));
	btf_refs__init(&it, (struct btf_type *)t);	/* only read */
	while ((id = btf_refs__next(&it))) {
		const struct btf_type *bt;

		if (!*id || *id >= d->nbase || d->map[*id])
			continue;
		bt = btf__type_by_id(d->base, *id);
		if (!referable(bt))
			return fail__set(d->f, -EINVAL,
					 "distill: %s: type %u refers to base type %u of kind %u, which a distilled base cannot hold",
					 d->path, from, *id, btf_kind(bt));
		d->map[*id] = MARKED;
		/* the distilled base keeps no members of a named struct or union */
		if (btf_is_composite(bt) && bt->name_off)
			continue;
		d->stack[d->nstack++] = *id;
	}
	return 0;
}

/* Step 1: each base id is pushed at most once, so nbase entries suffice. */
static int mark(struct distill *d)
{
	uint32_t n = btf__type_cnt(d->src);
	int err = 0;

	for (uint32_t id = d->nbase; !err && id < n; id++) {
		err = mark_refs(d, btf__type_by_id(d->src, id), id);
		while (!err && d->nstack) {
			uint32_t bid = d->stack[--d->nstack];

			err = mark_refs(d, btf__type_by_id(d->base, bid), bid);
		}
	}
	return err;
}

/* Whether marked base type t goes to the distilled base (else: the split). */
static bool to_base(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_INT: case BTF_KIND_FLOAT: case BTF_KIND_FWD:
		return true;
	case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
		return t->name_off != 0;
	default:
		return false;
	}
}

static int add_to_base(struct btf *nb, const struct distill *d, const struct btf_type *t)
{
	const char *name = btf__name_by_offset(d->base, t->name_off);

	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
		return btf__add_struct(nb, name, t->size);
	case BTF_KIND_UNION:
		return btf__add_union(nb, name, t->size);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return btf__add_enum(nb, name, t->size);
	default:
		return btf__add_type(nb, d->base, t);
	}
}

/* Steps 2 and 3 for the marked base types: into the distilled base
 * (into_base) or appended to the new split; each gets its new id. */
static int place_marked(struct distill *d, struct btf *dst, bool into_base)
{
	for (uint32_t id = 1; id < d->nbase; id++) {
		const struct btf_type *t;
		int nid;

		if (!d->map[id])
			continue;
		t = btf__type_by_id(d->base, id);
		if (to_base(t) != into_base)
			continue;
		nid = into_base ? add_to_base(dst, d, t) : btf__add_type(dst, d->base, t);
		if (nid < 0)
			return fail__set(d->f, nid, "distill: %s: cannot copy base type %u: %s", d->path, id,
					 strerror(-nid));
		d->map[id] = (uint32_t)nid;
	}
	return 0;
}

/* Step 4 on the new split's types. */
static void rewrite_ids(const struct distill *d, struct btf *ns)
{
	uint32_t shift = d->nbase - btf__type_cnt(btf__base_btf(ns));
	uint32_t n = btf__type_cnt(ns);

	for (uint32_t id = btf__type_cnt(btf__base_btf(ns)); id < n; id++) {
		struct btf_refs it;
		uint32_t *ref;

		/* libbpf hands out const pointers to types it lets the
		 * owner of a BTF under construction modify */
		btf_refs__init(&it, (struct btf_type *)btf__type_by_id(ns, id));
		while ((ref = btf_refs__next(&it)))
			if (*ref && *ref < d->nbase)
				*ref = d->map[*ref];
			else if (*ref >= d->nbase)
				*ref -= shift;
	}
}

static int copy_split(struct distill *d, struct btf *ns)
{
	uint32_t n = btf__type_cnt(d->src);

	for (uint32_t id = d->nbase; id < n; id++) {
		int err = btf__add_type(ns, d->src, btf__type_by_id(d->src, id));

		if (err < 0)
			return fail__set(d->f, err, "distill: %s: cannot copy type %u: %s", d->path, id,
					 strerror(-err));
	}
	return 0;
}

int distill__run(const struct btf *split, struct btf **new_base, struct btf **new_split, const char *path,
		 struct fail *f)
{
	struct distill d = { .src = split, .base = btf__base_btf(split), .path = path, .f = f };
	struct btf *nb = NULL, *ns = NULL;
	int err;

	*new_base = *new_split = NULL;
	if (!d.base)
		return fail__set(f, -EINVAL, "distill: %s: a distilled base needs split BTF (--base)", path);
	d.nbase = btf__type_cnt(d.base);
	d.map = calloc(d.nbase, sizeof(*d.map));
	d.stack = calloc(d.nbase, sizeof(*d.stack));
	nb = btf__new_empty();
	if (!d.map || !d.stack || !nb) {
		err = fail__set(f, -ENOMEM, "distill: %s: out of memory", path);
		goto out;
	}
	btf__set_endianness(nb, btf__endianness(split));
	err = mark(&d);
	if (!err)
		err = place_marked(&d, nb, true);
	if (!err && !(ns = btf__new_empty_split(nb)))
		err = fail__set(f, -ENOMEM, "distill: %s: out of memory", path);
	if (!err)
		err = copy_split(&d, ns);
	if (!err)
		err = place_marked(&d, ns, false);
	if (!err)
		rewrite_ids(&d, ns);
out:
	free(d.map);
	free(d.stack);
	if (err) {
		btf__free(ns);
		btf__free(nb);
		return err;
	}
	*new_base = nb;
	*new_split = ns;
	return 0;
}
