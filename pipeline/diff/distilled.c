/* pipeline/diff/distilled.c: see distilled.h. */
#include "pipeline/diff/distilled.h"

#include <bpf/btf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stages/common/btf_refs.h"
#include "stages/common/elf_btf.h"

/* ---- reading ---- */

int distilled__load_elf(const char *path, struct btf **dist_base, struct btf **split, char *why, size_t len)
{
	void *bdata = NULL, *sdata = NULL;
	size_t bsize, ssize;
	int err;

	*dist_base = *split = NULL;
	err = elf_btf__section(path, ".BTF.base", &bdata, &bsize);
	if (err == -ENOENT)
		return 0;
	if (!err && (err = elf_btf__section(path, ".BTF", &sdata, &ssize)) == -ENOENT) {
		snprintf(why, len, "ELF file has a .BTF.base but no .BTF section");
		goto out;
	}
	if (err) {
		snprintf(why, len, "cannot read its BTF sections: %s", strerror(-err));
		goto out;
	}
	if (!(*dist_base = elf_btf__from_bytes(bdata, bsize, NULL))) {
		err = -errno;
		snprintf(why, len, "cannot parse its .BTF.base: %s", strerror(errno));
		goto out;
	}
	if (!(*split = elf_btf__from_bytes(sdata, ssize, *dist_base))) {
		err = -errno;
		snprintf(why, len, "cannot parse its .BTF on its .BTF.base: %s", strerror(errno));
		btf__free(*dist_base);
		*dist_base = NULL;
		goto out;
	}
	err = 1;
out:
	free(bdata);
	free(sdata);
	return err;
}

/* ---- relocating ---- */

struct reloc {
	const struct btf *split, *base;
	uint32_t ndist;			/* btf__type_cnt of the distilled base */
	uint32_t *by_name, nnamed;	/* the base's named types, sorted by name */
	bool *embedded;			/* by distilled id: a split type holds it by value */
	uint32_t *map;			/* by distilled id: the base id */
	char *why;
	size_t len;
};

static const struct btf *sort_btf;

/* A type's name, "" when its offset is outside the strings (libbpf 1.1
 * does not check them when it parses, and this runs on any file). */
static const char *name_of(const struct btf *b, uint32_t off)
{
	const char *s = btf__name_by_offset(b, off);

	return s ? s : "";
}

static int by_name_cmp(const void *a, const void *b)
{
	const struct btf_type *ta = btf__type_by_id(sort_btf, *(const uint32_t *)a);
	const struct btf_type *tb = btf__type_by_id(sort_btf, *(const uint32_t *)b);
	int r = strcmp(name_of(sort_btf, ta->name_off), name_of(sort_btf, tb->name_off));

	return r ? r : (*(const uint32_t *)a > *(const uint32_t *)b) - (*(const uint32_t *)a < *(const uint32_t *)b);
}

static int index_base(struct reloc *r)
{
	uint32_t n = btf__type_cnt(r->base);

	r->by_name = calloc(n, sizeof(*r->by_name));
	if (!r->by_name)
		return -ENOMEM;
	for (uint32_t id = 1; id < n; id++)
		if (*name_of(r->base, btf__type_by_id(r->base, id)->name_off))
			r->by_name[r->nnamed++] = id;
	sort_btf = r->base;
	qsort(r->by_name, r->nnamed, sizeof(*r->by_name), by_name_cmp);
	return 0;
}

/* A split member's type, through modifiers, typedefs and arrays: a
 * distilled struct or union held by value. */
static void mark_embedded(struct reloc *r, uint32_t id)
{
	for (int depth = 0; id && depth < 64; depth++) {
		const struct btf_type *t = btf__type_by_id(r->split, id);

		if (!t)
			return;
		if (id < r->ndist) {
			if (btf_is_composite(t))
				r->embedded[id] = true;
			return;
		}
		if (btf_is_mod(t) || btf_is_typedef(t) || btf_is_type_tag(t))
			id = t->type;
		else if (btf_is_array(t))
			id = btf_array(t)->type;
		else
			return;
	}
}

static void find_embedded(struct reloc *r)
{
	uint32_t n = btf__type_cnt(r->split);

	for (uint32_t id = r->ndist; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(r->split, id);

		if (btf_is_composite(t))
			for (uint16_t i = 0; i < btf_vlen(t); i++)
				mark_embedded(r, btf_members(t)[i].type);
	}
}

/* Whether base type b can stand for distilled type d; *exact: the sizes
 * agree as well. */
static bool candidate(const struct btf_type *d, const struct btf_type *b, bool *exact)
{
	*exact = false;
	switch (btf_kind(d)) {
	case BTF_KIND_INT:
		return btf_is_int(b) && b->size == d->size && btf_int_encoding(b) == btf_int_encoding(d) &&
		       (*exact = true);
	case BTF_KIND_FLOAT:
		return btf_is_float(b) && b->size == d->size && (*exact = true);
	case BTF_KIND_ENUM:
		return (btf_is_enum(b) || btf_is_enum64(b)) && b->size == d->size && (*exact = true);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		*exact = b->size == d->size;
		return btf_kind(b) == btf_kind(d);
	case BTF_KIND_FWD:
		*exact = true;
		if (btf_is_fwd(b))
			return btf_kflag(b) == btf_kflag(d);
		return btf_kind(b) == (btf_kflag(d) ? BTF_KIND_UNION : BTF_KIND_STRUCT);
	default:
		return false;
	}
}

static int map_one(struct reloc *r, uint32_t did)
{
	const struct btf_type *d = btf__type_by_id(r->split, did);
	const char *name = name_of(r->split, d->name_off);
	uint32_t lo = 0, hi = r->nnamed, exact = 0, loose = 0, nexact = 0, nloose = 0;

	while (lo < hi) {	/* the first base type named name */
		uint32_t mid = lo + (hi - lo) / 2;
		const struct btf_type *t = btf__type_by_id(r->base, r->by_name[mid]);

		if (strcmp(name_of(r->base, t->name_off), name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < r->nnamed; lo++) {
		uint32_t bid = r->by_name[lo];
		const struct btf_type *b = btf__type_by_id(r->base, bid);
		bool ex;

		if (strcmp(name_of(r->base, b->name_off), name))
			break;
		if (!candidate(d, b, &ex))
			continue;
		if (ex && !nexact++)
			exact = bid;
		if (!nloose++)
			loose = bid;
	}
	if (nexact == 1 || (nexact == 0 && nloose == 1 && !r->embedded[did])) {
		r->map[did] = nexact ? exact : loose;
		return 0;
	}
	static const char *const kinds[] = { [BTF_KIND_INT] = "INT", [BTF_KIND_FLOAT] = "FLOAT",
		[BTF_KIND_ENUM] = "ENUM", [BTF_KIND_STRUCT] = "STRUCT", [BTF_KIND_UNION] = "UNION",
		[BTF_KIND_FWD] = "FWD" };
	const char *kind = btf_kind(d) < sizeof(kinds) / sizeof(kinds[0]) ? kinds[btf_kind(d)] : NULL;

	snprintf(r->why, r->len, "distilled base type %u, %s '%s' size %u, has %s in the base", did,
		 kind ? kind : "of a kind a distilled base cannot hold", name, d->size,
		 nexact + nloose ? "several candidates" : "no match");
	return -EINVAL;
}

/* libbpf 1.1 does not check a parsed BTF's name offsets or type ids, and
 * copying a type with a bad one crashes in libbpf: each split type is
 * checked before it is copied. */
static bool name_ok(const struct btf *b, uint32_t off)
{
	return btf__str_by_offset(b, off) != NULL;
}

static bool type_ok(const struct reloc *r, const struct btf_type *t)
{
	uint32_t n = btf__type_cnt(r->split);
	uint16_t vlen = btf_vlen(t);
	struct btf_refs it;
	uint32_t *ref;

	if (!btf_refs__known(t) || !name_ok(r->split, t->name_off))
		return false;
	btf_refs__init(&it, (struct btf_type *)t);	/* only read */
	while ((ref = btf_refs__next(&it)))
		if (*ref >= n)
			return false;
	for (uint16_t i = 0; i < vlen; i++) {
		uint32_t off = btf_is_composite(t) ? btf_members(t)[i].name_off :
			       btf_is_enum(t) ? btf_enum(t)[i].name_off :
			       btf_is_enum64(t) ? btf_enum64(t)[i].name_off :
			       btf_is_func_proto(t) ? btf_params(t)[i].name_off : 0;

		if (!name_ok(r->split, off))
			return false;
	}
	return true;
}

static struct btf *move_split(struct reloc *r)
{
	struct btf *out = btf__new_empty_split((struct btf *)r->base);
	uint32_t n = btf__type_cnt(r->split), shift = btf__type_cnt(r->base) - r->ndist;

	if (!out)
		snprintf(r->why, r->len, "out of memory");
	for (uint32_t id = r->ndist; out && id < n; id++) {
		const struct btf_type *t = btf__type_by_id(r->split, id);
		int nid = type_ok(r, t) ? btf__add_type(out, r->split, t) : -EINVAL;
		struct btf_refs it;
		uint32_t *ref;

		if (nid < 0) {
			if (nid == -EINVAL)
				snprintf(r->why, r->len, "type %u has a name offset or a type id out of range", id);
			else
				snprintf(r->why, r->len, "cannot move its types onto the base: %s", strerror(-nid));
			btf__free(out);
			return NULL;
		}
		btf_refs__init(&it, (struct btf_type *)btf__type_by_id(out, nid));
		while ((ref = btf_refs__next(&it)))
			if (*ref && *ref < r->ndist)
				*ref = r->map[*ref];
			else if (*ref)
				*ref += shift;
	}
	return out;
}

struct btf *distilled__relocate(const struct btf *split, const struct btf *base, char *why, size_t len)
{
	struct reloc r = { .split = split, .base = base, .why = why, .len = len };
	struct btf *out = NULL;
	int err;

	r.ndist = btf__type_cnt(btf__base_btf(split));
	r.embedded = calloc(r.ndist, sizeof(*r.embedded));
	r.map = calloc(r.ndist, sizeof(*r.map));
	err = !r.embedded || !r.map ? -ENOMEM : index_base(&r);
	if (err)
		snprintf(why, len, "out of memory");
	if (!err)
		find_embedded(&r);
	for (uint32_t id = 1; !err && id < r.ndist; id++)
		err = map_one(&r, id);
	if (!err)
		out = move_split(&r);	/* the reason in why on failure */
	if (out && btf__dedup(out, NULL)) {
		snprintf(why, len, "cannot deduplicate it against the base: %s", strerror(errno));
		btf__free(out);
		out = NULL;
	}
	free(r.by_name);
	free(r.embedded);
	free(r.map);
	return out;
}
