/* stages/dedup/base_prune.c: see base_prune.h. */
#include "stages/dedup/base_prune.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Where the base stands: every type shown, or the last apply's verdict in
 * force (live prunable types shown, the others hidden). */
enum base_state { WHOLE, APPLIED };

/* What a type can be: NEVER hidden (VAR, DATASEC, an anonymous type that
 * refers to nothing prunable or is on a cycle), a NAMED or an ANON(ymous)
 * prunable type; CANDIDATE is an anonymous type not yet classified. */
enum { NEVER, NAMED, ANON, CANDIDATE };

struct base_prune {
	struct btf *base;
	uint32_t ntypes;		/* btf__type_cnt(base) */
	uint32_t name_limit;		/* every named type's name_off is below this */
	struct btf_type **types;	/* by id: the base's own type memory */
	uint32_t *info, *size;		/* by id: each type's own, to put back */
	uint8_t *kind;			/* by id */
	struct named { uint32_t id, name_off; } *named;	/* the NAMED types */
	uint32_t nnamed;
	uint32_t *ref_start;		/* by id, ntypes + 1 entries: an anonymous
					 * type's references are refs[ref_start[id]
					 * .. ref_start[id + 1]) */
	uint32_t *refs;
	uint32_t *order;		/* the ANON types, each after every ANON
					 * type it refers to */
	uint32_t norder;
	uint32_t nprunable;		/* NAMED and ANON types */
	/* the verdict in force (state APPLIED), which the next apply updates */
	uint8_t *live;			/* by id */
	uint32_t *missing;		/* by ANON id: references to prunable types not live */
	uint32_t nlive;			/* live prunable types */
	/* for each prunable type, the ANON types referring to it, once per
	 * reference: rev[rev_start[id] .. rev_start[id + 1]); made by the
	 * first apply that updates a verdict (batch mode) */
	uint32_t *rev_start, *rev;
	uint32_t *work;			/* the worklist of rise and fall */
	uint64_t *names;		/* bit per string offset: a split type has that name */
	enum base_state state;
};

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

/* Types by id, kinds, names, and the references of the anonymous types:
 * one pass, refs grown as it goes. */
static int index_base(struct base_prune *bp)
{
	uint32_t nrefs = 0, cap = 0;

	for (uint32_t id = 1; id < bp->ntypes; id++) {
		struct btf_type *t = (struct btf_type *)btf__type_by_id(bp->base, id);

		bp->types[id] = t;
		bp->info[id] = t->info;
		bp->size[id] = t->size;
		bp->ref_start[id] = nrefs;
		if (btf_is_var(t) || btf_is_datasec(t))
			continue;	/* NEVER: the dedup never hashes them */
		if (t->name_off) {
			bp->kind[id] = NAMED;
			bp->named[bp->nnamed++] = (struct named){ id, t->name_off };
			if (t->name_off >= bp->name_limit)
				bp->name_limit = t->name_off + 1;
			continue;
		}
		bp->kind[id] = CANDIDATE;
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

/* Is ref an anonymous type whose class comes from its references? */
static bool anon_ref(const struct base_prune *bp, uint32_t ref)
{
	return ref && ref < bp->ntypes && (bp->kind[ref] == CANDIDATE || bp->kind[ref] == ANON);
}

static bool prunable(const struct base_prune *bp, uint32_t ref)
{
	return ref && ref < bp->ntypes && (bp->kind[ref] == NAMED || bp->kind[ref] == ANON);
}

/* An anonymous type whose references are all classified: ANON when one of
 * them is prunable, NEVER otherwise. */
static void classify(struct base_prune *bp, uint32_t a)
{
	for (uint32_t r = bp->ref_start[a]; r < bp->ref_start[a + 1]; r++)
		if (prunable(bp, bp->refs[r])) {
			bp->kind[a] = ANON;
			bp->order[bp->norder++] = a;
			return;
		}
	bp->kind[a] = NEVER;
}

enum { NEW, OPEN, DONE, KEEP };

/*
 * The anonymous types, classified each after the anonymous types it refers
 * to, in their depth-first finishing order over the references between
 * anonymous types (one look at each reference); bp->order keeps the ANON
 * ones in that order, so that an apply can decide them in one pass. C types
 * have no cycle through anonymous types alone; if an input has one, its
 * types and the anonymous types that reach it are never hidden: a
 * reference to a type still open is a cycle, and a type with a reference
 * to a KEEP one is KEEP. Keeping a type is always safe, it only leaves the
 * dedup more to hash.
 */
static int classify_anonymous(struct base_prune *bp)
{
	struct frame { uint32_t id, next; } *stack = NULL;
	uint32_t n = bp->ntypes, depth = 0, cap = 0;
	uint8_t *state = calloc(n, 1);

	if (!state)
		goto nomem;
	for (uint32_t a = 1; a < n; a++) {
		if (state[a] != NEW || bp->kind[a] != CANDIDATE)
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
					classify(bp, f->id);
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
		if (bp->kind[a] == CANDIDATE)	/* KEEP */
			bp->kind[a] = NEVER;
	bp->nprunable = bp->nnamed + bp->norder;
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
	uint32_t n;

	if (!bp)
		return NULL;
	/* looking a string up builds libbpf's string index and moves the
	 * types into their final (modifiable) memory, once, here */
	btf__find_str(base, "btfstream");
	bp->base = base;
	bp->ntypes = n = btf__type_cnt(base);
	bp->state = WHOLE;
	/* malloc, not calloc, where only what is written is read: the pages
	 * a small base never touches are never faulted in */
	bp->types = malloc(n * sizeof(*bp->types));
	bp->info = malloc(n * sizeof(*bp->info));
	bp->size = malloc(n * sizeof(*bp->size));
	bp->kind = calloc(n, 1);
	bp->named = malloc(n * sizeof(*bp->named));
	bp->ref_start = malloc((n + 1) * sizeof(*bp->ref_start));
	bp->order = malloc(n * sizeof(*bp->order));
	bp->live = calloc(n, 1);
	bp->missing = malloc(n * sizeof(*bp->missing));
	if (!bp->types || !bp->info || !bp->size || !bp->kind || !bp->named || !bp->ref_start || !bp->order ||
	    !bp->live || !bp->missing || index_base(bp) || classify_anonymous(bp) ||
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
	if (bp->state != WHOLE)
		base_prune__restore(bp);
	free(bp->types);
	free(bp->info);
	free(bp->size);
	free(bp->kind);
	free(bp->named);
	free(bp->ref_start);
	free(bp->refs);
	free(bp->order);
	free(bp->live);
	free(bp->missing);
	free(bp->rev_start);
	free(bp->rev);
	free(bp->work);
	free(bp->names);
	free(bp);
}

static void hide(struct base_prune *bp, uint32_t id)
{
	bp->types[id]->info = BTF_KIND_DATASEC << 24;
	bp->types[id]->size = 0;
}

static void show(struct base_prune *bp, uint32_t id)
{
	bp->types[id]->info = bp->info[id];
	bp->types[id]->size = bp->size[id];
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

/* A verdict from nothing (the base whole): the named types by name, then
 * the ANON ones in order, each counting its references not live; then
 * every prunable type that is not live is hidden. */
static void decide_all(struct base_prune *bp)
{
	bp->nlive = 0;
	for (uint32_t k = 0; k < bp->nnamed; k++) {
		bool live = name_used(bp, bp->named[k].name_off);

		bp->live[bp->named[k].id] = live;
		bp->nlive += live;
	}
	for (uint32_t k = 0; k < bp->norder; k++) {
		uint32_t a = bp->order[k], m = 0;

		for (uint32_t r = bp->ref_start[a]; r < bp->ref_start[a + 1]; r++)
			m += prunable(bp, bp->refs[r]) && !bp->live[bp->refs[r]];
		bp->missing[a] = m;
		bp->live[a] = !m;
		bp->nlive += !m;
	}
	for (uint32_t id = 1; id < bp->ntypes; id++)
		if (bp->kind[id] != NEVER && !bp->live[id])
			hide(bp, id);
}

/* rev and the worklist, made once: what an update needs. */
static int index_referrers(struct base_prune *bp)
{
	uint32_t n = bp->ntypes, *fill;

	if (!(bp->rev_start = calloc(n + 1, sizeof(*bp->rev_start))) ||
	    !(bp->work = malloc(n * sizeof(*bp->work))))
		goto nomem;
	for (uint32_t k = 0; k < bp->norder; k++)
		for (uint32_t r = bp->ref_start[bp->order[k]]; r < bp->ref_start[bp->order[k] + 1]; r++)
			if (prunable(bp, bp->refs[r]))
				bp->rev_start[bp->refs[r] + 1]++;
	for (uint32_t id = 1; id <= n; id++)
		bp->rev_start[id] += bp->rev_start[id - 1];
	if (!(bp->rev = malloc((bp->rev_start[n] ? bp->rev_start[n] : 1) * sizeof(*bp->rev))))
		goto nomem;
	fill = bp->work;	/* as cursors, before it is a worklist */
	memcpy(fill, bp->rev_start, n * sizeof(*fill));
	for (uint32_t k = 0; k < bp->norder; k++)
		for (uint32_t r = bp->ref_start[bp->order[k]]; r < bp->ref_start[bp->order[k] + 1]; r++)
			if (prunable(bp, bp->refs[r]))
				bp->rev[fill[bp->refs[r]]++] = bp->order[k];
	return 0;
nomem:
	free(bp->rev_start);
	free(bp->work);
	bp->rev_start = bp->work = NULL;
	return -ENOMEM;
}

static void set_live(struct base_prune *bp, uint32_t id, bool live)
{
	bp->live[id] = live;
	bp->nlive += live ? 1 : UINT32_MAX;
	if (live)
		show(bp, id);
	else
		hide(bp, id);
}

/* x is live now: each ANON type over it misses one reference less, and
 * one that misses none is live, and so on up. */
static void rise(struct base_prune *bp, uint32_t x)
{
	uint32_t n = 0;

	set_live(bp, x, true);
	bp->work[n++] = x;
	while (n) {
		uint32_t y = bp->work[--n];

		for (uint32_t r = bp->rev_start[y]; r < bp->rev_start[y + 1]; r++) {
			uint32_t a = bp->rev[r];

			if (--bp->missing[a] == 0) {
				set_live(bp, a, true);
				bp->work[n++] = a;
			}
		}
	}
}

/* x is no longer live: each ANON type over it misses one reference more,
 * and one that was live is not, and so on up. */
static void fall(struct base_prune *bp, uint32_t x)
{
	uint32_t n = 0;

	set_live(bp, x, false);
	bp->work[n++] = x;
	while (n) {
		uint32_t y = bp->work[--n];

		for (uint32_t r = bp->rev_start[y]; r < bp->rev_start[y + 1]; r++) {
			uint32_t a = bp->rev[r];

			if (bp->missing[a]++ == 0) {
				set_live(bp, a, false);
				bp->work[n++] = a;
			}
		}
	}
}

/* The verdict in force brought to the new names: each named type whose
 * verdict they change rises or falls, with what stands on it. Each step
 * keeps live == (missing == 0) true of every ANON type, so the order of the
 * steps does not matter. */
static void update(struct base_prune *bp)
{
	for (uint32_t k = 0; k < bp->nnamed; k++) {
		uint32_t id = bp->named[k].id;
		bool live = name_used(bp, bp->named[k].name_off);

		if (live != bp->live[id])
			(live ? rise : fall)(bp, id);
	}
}

/*
 * Live: some split type may be equal to it. A named prunable type is live
 * when a split type has its name; an anonymous one when every prunable type
 * it refers to is live (missing[] counts those that are not). From a whole
 * base (the first apply, or one after a restore) the verdict is made in
 * one pass and the dead are hidden. After an apply, the next one updates
 * the verdict: modules on one base share most of their live types (int,
 * and the prototypes and pointers over it), so it costs the difference
 * between two modules, and writes only the types whose verdict changed.
 */
size_t base_prune__apply(struct base_prune *bp, const struct btf *split)
{
	if (bp->state == APPLIED && !bp->rev && index_referrers(bp))
		base_prune__restore(bp);	/* no memory to update: decide again */
	mark_split_names(bp, split, true);
	if (bp->state == WHOLE)
		decide_all(bp);
	else
		update(bp);
	mark_split_names(bp, split, false);
	bp->state = APPLIED;
	return bp->nprunable - bp->nlive;
}

void base_prune__restore(struct base_prune *bp)
{
	if (bp->state != WHOLE)
		for (uint32_t id = 1; id < bp->ntypes; id++)
			if (bp->kind[id] != NEVER)
				show(bp, id);
	bp->state = WHOLE;
}
