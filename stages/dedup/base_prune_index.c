/* stages/dedup/base_prune_index.c: what base_prune's verdicts are made
 * from (base_prune_internal.h): the types, their atoms, their classes and
 * order, once per base; the update index, once per process that updates. */
#include "stages/dedup/base_prune_internal.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Can off stand for a name in the bitset? Checked against the base's
 * strings only when it raises name_limit, which is rare. */
static bool name_ok(struct base_prune *bp, uint32_t off)
{
	if (off < bp->name_limit)
		return true;
	if (off >= NAME_ATOM || !btf__str_by_offset(bp->base, off))
		return false;
	bp->name_limit = off + 1;
	return true;
}

/* A type id as an atom: an id with NAME_ATOM's bit is past every type
 * (BTF has fewer than 2^31), so it refers to nothing the base has, as void
 * does, and must not be read as a name. */
static uint32_t type_atom(uint32_t id)
{
	return id & NAME_ATOM ? 0 : id;
}

/* A name atom for each named member or parameter (none that cannot be
 * looked up: requiring less is always safe), the types t refers to, into
 * out (room for vlen + 2 type ids and vlen names). How many. */
static uint32_t atoms_of(struct base_prune *bp, const struct btf_type *t, uint32_t *out)
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
		out[n++] = type_atom(t->type);
		break;
	case BTF_KIND_ARRAY:
		out[n++] = type_atom(btf_array(t)->type);
		out[n++] = type_atom(btf_array(t)->index_type);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		for (uint16_t i = 0; i < vlen; i++) {
			const struct btf_member *m = &btf_members(t)[i];

			out[n++] = type_atom(m->type);
			if (m->name_off && name_ok(bp, m->name_off))
				out[n++] = NAME_ATOM | m->name_off;
		}
		break;
	case BTF_KIND_FUNC_PROTO:
		for (uint16_t i = 0; i < vlen; i++) {
			const struct btf_param *p = &btf_params(t)[i];

			out[n++] = type_atom(p->type);
			if (p->name_off && name_ok(bp, p->name_off))
				out[n++] = NAME_ATOM | p->name_off;
		}
		out[n++] = type_atom(t->type);
		break;
	default:	/* INT, ENUM, ENUM64, FLOAT, FWD refer to nothing */
		break;
	}
	return n;
}

/* Types by id, kinds, names, and the atoms of the anonymous types: one
 * pass, refs grown as it goes. */
static int index_types(struct base_prune *bp)
{
	uint32_t nrefs = 0, cap = 0;

	for (uint32_t id = 1; id < bp->ntypes; id++) {
		struct btf_type *t = (struct btf_type *)btf__type_by_id(bp->base, id);
		uint32_t room = 2u * btf_vlen(t) + 2u;

		bp->types[id] = t;
		bp->info[id] = t->info;
		bp->size[id] = t->size;
		bp->ref_start[id] = nrefs;
		if (btf_is_var(t) || btf_is_datasec(t))
			continue;	/* NEVER: the dedup never hashes them */
		if (t->name_off) {
			if (name_ok(bp, t->name_off)) {
				bp->kind[id] = NAMED;
				bp->named[bp->nnamed++] = (struct named){ id, t->name_off };
			}
			continue;
		}
		bp->kind[id] = CANDIDATE;
		if (nrefs + room > cap) {
			uint32_t ncap = cap ? cap * 2 : 1u << 16;
			uint32_t *n;

			while (nrefs + room > ncap)
				ncap *= 2;
			if (!(n = realloc(bp->refs, ncap * sizeof(*n))))
				return -ENOMEM;
			bp->refs = n;
			cap = ncap;
		}
		nrefs += atoms_of(bp, t, bp->refs + nrefs);
	}
	bp->ref_start[bp->ntypes] = nrefs;
	return 0;
}

/* Is ref an anonymous type whose class comes from its atoms? (A name atom
 * is not: it is NAME_ATOM or more, above every id.) */
static bool anon_ref(const struct base_prune *bp, uint32_t ref)
{
	return ref && ref < bp->ntypes && (bp->kind[ref] == CANDIDATE || bp->kind[ref] == ANON);
}

/* An anonymous type whose referred types are all classified: ANON when it
 * requires a name or a prunable type, NEVER otherwise. */
static void classify(struct base_prune *bp, uint32_t a)
{
	for (uint32_t r = bp->ref_start[a]; r < bp->ref_start[a + 1]; r++)
		if ((bp->refs[r] & NAME_ATOM) || base_prune__prunable(bp, bp->refs[r])) {
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
 * ones in that order, so that a verdict can be made in one pass. C types
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

int base_prune__index(struct base_prune *bp)
{
	uint32_t n = bp->ntypes;

	/* malloc, not calloc, where only what is written is read: pages
	 * never touched are never faulted in */
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
	    !bp->live || !bp->missing || index_types(bp) || classify_anonymous(bp) ||
	    !(bp->names = calloc(bp->name_limit / 64 + 1, sizeof(*bp->names))))
		return -ENOMEM;
	return 0;
}

/* ---- the update index ---- */

/* A temporary table of the distinct names: string offset -> node. */
struct name_table {
	struct { uint32_t off, node; } *slot;	/* off 0: empty (no atom names "") */
	uint32_t mask;
};

static uint32_t name_node(struct base_prune *bp, struct name_table *nt, uint32_t off)
{
	uint32_t h = (off * 0x9e3779b1u) & nt->mask;

	while (nt->slot[h].off && nt->slot[h].off != off)
		h = (h + 1) & nt->mask;
	if (!nt->slot[h].off) {
		nt->slot[h].off = off;
		nt->slot[h].node = bp->nnodes;
		bp->node_name[bp->nnodes++] = off;
	}
	return bp->ntypes + nt->slot[h].node;
}

/* Calls visit(bp, x, a) for each atom x (a type id, or a name's node) of
 * each prunable type a; with visit NULL, only makes the names' nodes. */
static void for_each_atom(struct base_prune *bp, struct name_table *nt,
			  void (*visit)(struct base_prune *, uint32_t, uint32_t))
{
	for (uint32_t k = 0; k < bp->nnamed; k++) {
		uint32_t x = name_node(bp, nt, bp->named[k].name_off);

		if (visit)
			visit(bp, x, bp->named[k].id);
	}
	for (uint32_t k = 0; k < bp->norder; k++) {
		uint32_t a = bp->order[k];

		for (uint32_t r = bp->ref_start[a]; r < bp->ref_start[a + 1]; r++) {
			uint32_t x = bp->refs[r];

			if (x & NAME_ATOM)
				x = name_node(bp, nt, x & ~NAME_ATOM);
			else if (!base_prune__prunable(bp, x))
				continue;
			if (visit)
				visit(bp, x, a);
		}
	}
}

static void count_atom(struct base_prune *bp, uint32_t x, uint32_t a)
{
	(void)a;
	bp->rev_start[x + 1]++;
}

static void place_atom(struct base_prune *bp, uint32_t x, uint32_t a)
{
	bp->rev[bp->work[x]++] = a;	/* work: the fill cursors, for now */
}

/*
 * For each type and name, the prunable types requiring it. Names become
 * nodes (ids from ntypes up) through a table that lives only here; the
 * nodes' liveness is set by the verdict made next (base_prune.c).
 */
int base_prune__index_update(struct base_prune *bp)
{
	uint32_t natoms = bp->nnamed + bp->ref_start[bp->ntypes], nids, cap = 16;
	struct name_table nt = { 0 };

	while (cap < 2 * natoms)
		cap *= 2;
	nt.mask = cap - 1;
	if (!(nt.slot = calloc(cap, sizeof(*nt.slot))) ||
	    !(bp->node_name = malloc(natoms * sizeof(*bp->node_name))))
		goto nomem;
	bp->nnodes = 0;
	for_each_atom(bp, &nt, NULL);	/* the nodes first, so that rev_start can be sized */
	nids = bp->ntypes + bp->nnodes;
	if (!(bp->node_live = calloc(bp->nnodes + 1, 1)) ||
	    !(bp->rev_start = calloc(nids + 1, sizeof(*bp->rev_start))) ||
	    !(bp->work = malloc((nids + 1) * sizeof(*bp->work))))
		goto nomem;
	for_each_atom(bp, &nt, count_atom);
	for (uint32_t x = 1; x <= nids; x++)
		bp->rev_start[x] += bp->rev_start[x - 1];
	if (!(bp->rev = malloc((bp->rev_start[nids] ? bp->rev_start[nids] : 1) * sizeof(*bp->rev))))
		goto nomem;
	memcpy(bp->work, bp->rev_start, nids * sizeof(*bp->work));
	for_each_atom(bp, &nt, place_atom);
	free(nt.slot);
	return 0;
nomem:
	free(nt.slot);
	free(bp->node_name);
	free(bp->node_live);
	free(bp->rev_start);
	free(bp->work);
	bp->node_name = bp->rev_start = bp->work = NULL;
	bp->node_live = NULL;
	bp->nnodes = 0;
	return -ENOMEM;
}
