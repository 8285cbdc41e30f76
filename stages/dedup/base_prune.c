/* stages/dedup/base_prune.c: see base_prune.h. */
#include "stages/dedup/base_prune.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


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
	/* the anonymous types, each after every anonymous type it refers to
	 * (those on a cycle, or referring to one, are KEEP_ALWAYS instead) */
	uint32_t *order;
	uint32_t norder;
	uint32_t *info, *size;		/* by id: each type's own, to put back */
	uint64_t *names;		/* bit per string offset: a split type has that name */
	uint8_t *dead;			/* by id, the last apply's verdict */
	uint32_t *hidden;		/* ids the last apply hid */
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

/* Types by id, names, and the references of the anonymous types: one pass,
 * refs grown as it goes. */
static int index_base(struct base_prune *bp)
{
	uint32_t nrefs = 0, cap = 0;

	for (uint32_t id = 1; id < bp->ntypes; id++) {
		struct btf_type *t = (struct btf_type *)btf__type_by_id(bp->base, id);

		bp->types[id] = t;
		bp->info[id] = t->info;
		bp->size[id] = t->size;
		bp->name_off[id] = btf_is_var(t) || btf_is_datasec(t) ? KEEP_ALWAYS : t->name_off;
		if (bp->name_off[id] != KEEP_ALWAYS && t->name_off >= bp->name_limit)
			bp->name_limit = t->name_off + 1;
		bp->ref_start[id] = nrefs;
		if (t->name_off)
			continue;
		if (nrefs + btf_vlen(t) + 2u > cap) {
			uint32_t ncap = cap ? cap * 2 : 1u << 16;
			uint32_t *n;

			while (nrefs + btf_vlen(t) + 2u > ncap)
				ncap *= 2;
			if (!(n = realloc(bp->refs, ncap * sizeof(*n))))
				return -ENOMEM;
			bp->refs = n;
			cap = ncap;
		}
		nrefs += for_each_ref(t, bp->refs + nrefs);
	}
	bp->ref_start[bp->ntypes] = nrefs;
	return 0;
}

/* Is ref an anonymous base type whose verdict comes from its references? */
static bool anon_ref(const struct base_prune *bp, uint32_t ref)
{
	return ref && ref < bp->ntypes && bp->name_off[ref] == 0;
}

enum { NEW, OPEN, DONE, KEEP };

/*
 * bp->order: the anonymous types, each after the anonymous types it refers
 * to, so that apply can decide them in one pass: their depth-first finishing
 * order over the references between anonymous types (one look at each
 * reference; Kahn's algorithm, the first version, looked three times and cost
 * a module's run ~5 ms). C types have no cycle through anonymous types alone;
 * if an input has one, its types and the anonymous types that reach it are
 * never hidden (KEEP_ALWAYS): a reference to a type still open is a cycle,
 * and a type with a reference to a KEEP one is KEEP. Keeping a type is always
 * safe, it only leaves the dedup more to hash.
 */
static int order_anonymous(struct base_prune *bp)
{
	struct frame { uint32_t id, next; } *stack = NULL;
	uint32_t n = bp->ntypes, depth = 0, cap = 0;
	uint8_t *state = calloc(n, 1);

	if (!state || !(bp->order = malloc(n * sizeof(*bp->order))))
		goto nomem;
	bp->norder = 0;
	for (uint32_t a = 1; a < n; a++) {
		if (state[a] != NEW || !anon_ref(bp, a))
			continue;
		state[a] = OPEN;
		if (!cap && !(stack = malloc((cap = 256) * sizeof(*stack))))
			goto nomem;
		stack[depth++] = (struct frame){ a, bp->ref_start[a] };
		while (depth) {
			struct frame *f = &stack[depth - 1];
			uint32_t ref;

			if (f->next == bp->ref_start[f->id + 1]) {	/* finished */
				if (state[f->id] == OPEN) {
					state[f->id] = DONE;
					bp->order[bp->norder++] = f->id;
				}
				if (--depth && state[f->id] == KEEP)
					state[stack[depth - 1].id] = KEEP;
				continue;
			}
			ref = bp->refs[f->next++];
			if (!anon_ref(bp, ref))
				continue;
			if (state[ref] == OPEN || state[ref] == KEEP) {
				state[f->id] = KEEP;	/* on a cycle, or reaching one */
			} else if (state[ref] == NEW) {
				if (depth == cap) {
					struct frame *ns = realloc(stack, (cap *= 2) * sizeof(*stack));

					if (!ns)
						goto nomem;
					stack = ns;
				}
				state[ref] = OPEN;
				stack[depth++] = (struct frame){ ref, bp->ref_start[ref] };
			}
		}
	}
	for (uint32_t a = 1; a < n; a++)
		if (state[a] == KEEP)
			bp->name_off[a] = KEEP_ALWAYS;
	free(stack);
	free(state);
	return 0;
nomem:
	free(stack);
	free(state);
	return -ENOMEM;
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
	bp->info = calloc(bp->ntypes, sizeof(*bp->info));
	bp->size = calloc(bp->ntypes, sizeof(*bp->size));
	bp->dead = calloc(bp->ntypes, 1);
	bp->hidden = calloc(bp->ntypes, sizeof(*bp->hidden));
	if (!bp->types || !bp->name_off || !bp->ref_start || !bp->info || !bp->size || !bp->dead || !bp->hidden ||
	    index_base(bp) || order_anonymous(bp) ||
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
	free(bp->order);
	free(bp->info);
	free(bp->size);
	free(bp->names);
	free(bp->dead);
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

/*
 * Dead: no split type can be equal to it. A named type is dead when no split
 * type has its name; an anonymous one when something it refers to is dead
 * (void and split types are not). Two passes: the named types, then the
 * anonymous ones in bp->order, each after what it refers to.
 */
static void decide(struct base_prune *bp)
{
	for (uint32_t id = 1; id < bp->ntypes; id++) {
		uint32_t name = bp->name_off[id];

		bp->dead[id] = name && name != KEEP_ALWAYS && !name_used(bp, name);
	}
	for (uint32_t k = 0; k < bp->norder; k++) {
		uint32_t a = bp->order[k];
		uint8_t dead = 0;

		for (uint32_t r = bp->ref_start[a]; r < bp->ref_start[a + 1] && !dead; r++) {
			uint32_t ref = bp->refs[r];

			dead = ref < bp->ntypes && bp->dead[ref];	/* dead[0] (void) is 0 */
		}
		bp->dead[a] = dead;
	}
}

size_t base_prune__apply(struct base_prune *bp, const struct btf *split)
{
	base_prune__restore(bp);
	mark_split_names(bp, split, true);
	decide(bp);
	mark_split_names(bp, split, false);
	/* overwrite only once every decision is made: deciding reads the
	 * original kinds and references */
	for (uint32_t id = 1; id < bp->ntypes; id++) {
		if (!bp->dead[id])
			continue;
		bp->hidden[bp->nhidden++] = id;
		bp->types[id]->info = BTF_KIND_DATASEC << 24;
		bp->types[id]->size = 0;
	}
	return bp->nhidden;
}

void base_prune__restore(struct base_prune *bp)
{
	for (uint32_t i = 0; i < bp->nhidden; i++) {
		uint32_t id = bp->hidden[i];

		bp->types[id]->info = bp->info[id];
		bp->types[id]->size = bp->size[id];
	}
	bp->nhidden = 0;
}
