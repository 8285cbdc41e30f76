/* stages/dedup/base_prune.c: see base_prune.h. */
#include "stages/dedup/base_prune.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum liveness { UNKNOWN, VISITING, ALIVE, DEAD };

/* An anonymous chain deeper than this is kept without looking further. */
#define MAX_ANON_DEPTH 64

struct hidden {
	uint32_t id, info, size;	/* what the type had before apply */
};

struct base_prune {
	struct btf *base;
	uint32_t ntypes;		/* btf__type_cnt(base) */
	uint32_t name_limit;		/* every base type's name_off is below this */
	struct btf_type **types;	/* by id: the base's own type memory */
	uint32_t *name_off;		/* by id; KEEP_ALWAYS for VAR and DATASEC */
	uint32_t *ref_start;		/* by id, ntypes + 1 entries: an anonymous
					 * type's references are refs[ref_start[id]
					 * .. ref_start[id + 1]) */
	uint32_t *refs;
	uint64_t *names;		/* bit per string offset: a split type has that name */
	uint8_t *state;			/* enum liveness per base type id */
	struct hidden *hidden;
	uint32_t nhidden;
};

/* name_off of the types the dedup never hashes (VAR, DATASEC): kept as they are */
#define KEEP_ALWAYS UINT32_MAX

bool base_prune__enabled(void)
{
	const char *e = getenv("BTFSTREAM_BASE_PRUNE");

	return !e || strcmp(e, "0");
}

/* How many types t refers to; their ids go to out unless it is NULL. */
static uint32_t for_each_ref(const struct btf_type *t, uint32_t *out)
{
	uint16_t vlen = btf_vlen(t);
	uint32_t n = 0;

	switch (btf_kind(t)) {
	case BTF_KIND_PTR:
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_FUNC:
	case BTF_KIND_DECL_TAG:
		n = 1;
		if (out)
			out[0] = t->type;
		break;
	case BTF_KIND_ARRAY:
		n = 2;
		if (out) {
			out[0] = btf_array(t)->type;
			out[1] = btf_array(t)->index_type;
		}
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		n = vlen;
		for (uint16_t i = 0; out && i < vlen; i++)
			out[i] = btf_members(t)[i].type;
		break;
	case BTF_KIND_FUNC_PROTO:
		n = vlen + 1u;
		for (uint16_t i = 0; out && i < vlen; i++)
			out[i] = btf_params(t)[i].type;
		if (out)
			out[vlen] = t->type;
		break;
	default:	/* INT, ENUM, ENUM64, FLOAT, FWD refer to nothing */
		break;
	}
	return n;
}

/* Types by id, names, and the references of the anonymous types. */
static int index_base(struct base_prune *bp)
{
	uint32_t nrefs = 0;

	for (uint32_t id = 1; id < bp->ntypes; id++) {
		struct btf_type *t = (struct btf_type *)btf__type_by_id(bp->base, id);

		bp->types[id] = t;
		bp->name_off[id] = btf_is_var(t) || btf_is_datasec(t) ? KEEP_ALWAYS : t->name_off;
		if (bp->name_off[id] != KEEP_ALWAYS && t->name_off >= bp->name_limit)
			bp->name_limit = t->name_off + 1;
		bp->ref_start[id] = nrefs;
		if (!t->name_off)
			nrefs += for_each_ref(t, NULL);
	}
	bp->ref_start[bp->ntypes] = nrefs;
	if (!(bp->refs = malloc((nrefs + 1) * sizeof(*bp->refs))))
		return -ENOMEM;
	for (uint32_t id = 1; id < bp->ntypes; id++)
		if (!bp->types[id]->name_off)
			for_each_ref(bp->types[id], bp->refs + bp->ref_start[id]);
	return 0;
}

struct base_prune *base_prune__new(struct btf *base)
{
	struct base_prune *bp = calloc(1, sizeof(*bp));

	if (!bp)
		return NULL;
	/* looking a string up builds libbpf's string index and moves the
	 * types into their final (modifiable) memory, once, here */
	btf__find_str(base, "btfstream");
	bp->base = base;
	bp->ntypes = btf__type_cnt(base);
	bp->types = calloc(bp->ntypes, sizeof(*bp->types));
	bp->name_off = calloc(bp->ntypes, sizeof(*bp->name_off));
	bp->ref_start = calloc(bp->ntypes + 1, sizeof(*bp->ref_start));
	bp->state = calloc(bp->ntypes, 1);
	bp->hidden = calloc(bp->ntypes, sizeof(*bp->hidden));
	if (!bp->types || !bp->name_off || !bp->ref_start || !bp->state || !bp->hidden || index_base(bp) ||
	    !(bp->names = calloc(bp->name_limit / 64 + 1, sizeof(*bp->names)))) {
		base_prune__free(bp);
		errno = ENOMEM;
		return NULL;
	}
	return bp;
}

void base_prune__free(struct base_prune *bp)
{
	if (!bp)
		return;
	base_prune__restore(bp);
	free(bp->types);
	free(bp->name_off);
	free(bp->ref_start);
	free(bp->refs);
	free(bp->names);
	free(bp->state);
	free(bp->hidden);
	free(bp);
}

static bool name_used(const struct base_prune *bp, uint32_t off)
{
	return off < bp->name_limit && (bp->names[off / 64] >> (off % 64) & 1);
}

static void mark_split_names(struct base_prune *bp, const struct btf *split, bool set)
{
	uint32_t n = btf__type_cnt(split);

	for (uint32_t id = bp->ntypes; id < n; id++) {
		uint32_t off = btf__type_by_id(split, id)->name_off;

		if (off < bp->name_limit) {
			if (set)
				bp->names[off / 64] |= 1ull << (off % 64);
			else
				bp->names[off / 64] = 0;
		}
	}
}

/* Dead: no split type can be equal to it. A named type is dead when no split
 * type has its name, an anonymous one when something it refers to is dead. */
static bool is_dead(struct base_prune *bp, uint32_t id, unsigned int depth)
{
	uint32_t name;
	bool dead = false;

	if (id == 0 || id >= bp->ntypes)	/* void, or a split type */
		return false;
	if (bp->state[id] != UNKNOWN)	/* VISITING: on the path being decided, assume alive */
		return bp->state[id] == DEAD;
	name = bp->name_off[id];
	if (name == KEEP_ALWAYS)
		dead = false;
	else if (name)
		dead = !name_used(bp, name);
	else if (depth < MAX_ANON_DEPTH) {
		bp->state[id] = VISITING;
		for (uint32_t r = bp->ref_start[id]; r < bp->ref_start[id + 1] && !dead; r++)
			dead = is_dead(bp, bp->refs[r], depth + 1);
	}
	bp->state[id] = dead ? DEAD : ALIVE;
	return dead;
}

size_t base_prune__apply(struct base_prune *bp, const struct btf *split)
{
	base_prune__restore(bp);
	mark_split_names(bp, split, true);
	memset(bp->state, UNKNOWN, bp->ntypes);
	for (uint32_t id = 1; id < bp->ntypes; id++) {
		if (is_dead(bp, id, 0))
			bp->hidden[bp->nhidden++] = (struct hidden){ id, bp->types[id]->info, bp->types[id]->size };
	}
	/* overwrite only once every decision is made: the walk reads the
	 * original kinds and references */
	for (uint32_t i = 0; i < bp->nhidden; i++) {
		struct btf_type *t = bp->types[bp->hidden[i].id];

		t->info = BTF_KIND_DATASEC << 24;
		t->size = 0;
	}
	mark_split_names(bp, split, false);
	return bp->nhidden;
}

void base_prune__restore(struct base_prune *bp)
{
	for (uint32_t i = 0; i < bp->nhidden; i++) {
		struct btf_type *t = bp->types[bp->hidden[i].id];

		t->info = bp->hidden[i].info;
		t->size = bp->hidden[i].size;
	}
	bp->nhidden = 0;
}
