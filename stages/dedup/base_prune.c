/* stages/dedup/base_prune.c: see base_prune.h; the state and the rule are
 * in base_prune_internal.h, the indexes in base_prune_index.c. */
#include "stages/dedup/base_prune.h"
#include "stages/dedup/base_prune_internal.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/env_switch.h"

bool base_prune__enabled(void)
{
	return env_switch__on("BTFSTREAM_BASE_PRUNE");
}

static struct base_prune *prune_new(struct btf *base, bool fixed)
{
	struct base_prune *bp = calloc(1, sizeof(*bp));

	if (!bp)
		return NULL;
	/* looking a string up builds libbpf's string index and moves the
	 * types into their final (modifiable) memory, once, here */
	if (!fixed)
		btf__find_str(base, "btfstream");
	bp->base = base;
	bp->ntypes = btf__type_cnt(base);
	bp->state = WHOLE;
	if (base_prune__index(bp)) {
		base_prune__free(bp);
		errno = ENOMEM;
		return NULL;
	}
	return bp;
}

struct base_prune *base_prune__new(struct btf *base)
{
	return prune_new(base, false);
}

struct base_prune *base_prune__new_fixed(struct btf *base)
{
	return prune_new(base, true);
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
	free(bp->names);
	free(bp->node_name);
	free(bp->node_live);
	free(bp->rev_start);
	free(bp->rev);
	free(bp->work);
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

static bool name_live(const struct base_prune *bp, uint32_t off)
{
	return off < bp->name_limit && (bp->names[off / 64] >> (off % 64) & 1);
}

static void mark(struct base_prune *bp, uint32_t off, bool set)
{
	if (off >= bp->name_limit)
		return;
	if (set)
		bp->names[off / 64] |= 1ull << (off % 64);
	else
		bp->names[off / 64] = 0;
}

/* The names of split's types, their members and parameters into names[]
 * (set), or out of it again (clear: whole words). */
static void mark_split_names(struct base_prune *bp, const struct btf *split, bool set)
{
	uint32_t n = btf__type_cnt(split);

	for (uint32_t id = bp->ntypes; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(split, id);

		mark(bp, t->name_off, set);
		if (btf_is_composite(t))
			for (uint16_t i = 0; i < btf_vlen(t); i++)
				mark(bp, btf_members(t)[i].name_off, set);
		else if (btf_is_func_proto(t))
			for (uint16_t i = 0; i < btf_vlen(t); i++)
				mark(bp, btf_params(t)[i].name_off, set);
	}
}

/* A prunable type's new count of atoms not live: the verdict, written
 * where it changes (from a whole base: hidden when dead). */
static void set_missing(struct base_prune *bp, uint32_t id, uint32_t missing)
{
	bool live = !missing;

	bp->missing[id] = missing;
	if (bp->state == WHOLE) {
		if (!live)
			hide(bp, id);
	} else if (live != bp->live[id]) {
		if (live)
			show(bp, id);
		else
			hide(bp, id);
	}
	bp->live[id] = live;
	bp->nlive += live;
}

/* The verdict made in one pass: the named types by name, then the ANON ones
 * in order, each counting its atoms not live. */
static void decide(struct base_prune *bp)
{
	bp->nlive = 0;
	for (uint32_t k = 0; k < bp->nnamed; k++)
		set_missing(bp, bp->named[k].id, !name_live(bp, bp->named[k].name_off));
	for (uint32_t k = 0; k < bp->norder; k++) {
		uint32_t a = bp->order[k], m = 0;

		for (uint32_t r = bp->ref_start[a]; r < bp->ref_start[a + 1]; r++) {
			uint32_t x = bp->refs[r];

			if (x & NAME_ATOM)
				m += !name_live(bp, x & ~NAME_ATOM);
			else
				m += base_prune__prunable(bp, x) && !bp->live[x];
		}
		set_missing(bp, a, m);
	}
	for (uint32_t k = 0; k < bp->nnodes; k++)
		bp->node_live[k] = name_live(bp, bp->node_name[k]);
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

/* Atom x (a type or a name's node) became live (up) or dead: each type
 * requiring it misses one atom less (more); one that now misses none (one)
 * became live (dead) too, and so on up. */
static void propagate(struct base_prune *bp, uint32_t x, bool up)
{
	uint32_t n = 0;

	bp->work[n++] = x;
	while (n) {
		uint32_t y = bp->work[--n];

		for (uint32_t r = bp->rev_start[y]; r < bp->rev_start[y + 1]; r++) {
			uint32_t a = bp->rev[r];

			if (up ? --bp->missing[a] == 0 : bp->missing[a]++ == 0) {
				set_live(bp, a, up);
				bp->work[n++] = a;
			}
		}
	}
}

/* The verdict in force brought to the new names: each name whose liveness
 * they change propagates. Each step keeps live == (missing == 0) true of
 * every prunable type, so the order of the steps does not matter. */
static void update(struct base_prune *bp)
{
	for (uint32_t k = 0; k < bp->nnodes; k++) {
		bool live = name_live(bp, bp->node_name[k]);

		if (live != bp->node_live[k]) {
			bp->node_live[k] = live;
			propagate(bp, bp->ntypes + k, live);
		}
	}
}

/*
 * From a whole base (the first apply, or one after a restore) the verdict
 * is made in one pass and the dead are hidden. The next apply (a batch's
 * second module) indexes what requires each type and name, and makes the
 * verdict once more, writing only where it changes; from then on an apply
 * updates it: modules on one base share most of their live types (int,
 * and the prototypes and pointers over it), so an update costs what
 * differs between two modules, and writes only the types whose verdict
 * changes. Without memory for the index, every apply makes the verdict in
 * one pass.
 */
size_t base_prune__apply(struct base_prune *bp, const struct btf *split)
{
	mark_split_names(bp, split, true);
	if (bp->state == APPLIED && bp->rev)
		update(bp);
	else {
		if (bp->state == APPLIED)
			base_prune__index_update(bp);	/* or not: decide again */
		decide(bp);
	}
	mark_split_names(bp, split, false);
	bp->state = APPLIED;
	return bp->nprunable - bp->nlive;
}

void base_prune__restore(struct base_prune *bp)
{
	if (bp->state != WHOLE)
		for (uint32_t id = 1; id < bp->ntypes; id++)
			if (bp->kind[id] == NAMED || bp->kind[id] == ANON)
				show(bp, id);
	bp->state = WHOLE;
}
