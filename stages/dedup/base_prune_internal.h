/* stages/dedup/base_prune_internal.h: the state of a base_prune, shared by
 * base_prune.c (the verdicts) and base_prune_index.c (what they are made
 * from). Not for other stages: see base_prune.h for the contract.
 *
 * Ids below ntypes are the base's types. A prunable type is live (some
 * split type may be equal to it) when every atom it requires is: a NAMED
 * type requires its name; an ANON type the prunable types it refers to and
 * the names of its members (struct, union) or parameters (function
 * prototype), which libbpf compares before anything else. A name is live
 * when a type of the split carries it as a name, member or parameter.
 */
#ifndef BTFSTREAM_BASE_PRUNE_INTERNAL_H
#define BTFSTREAM_BASE_PRUNE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

struct btf;
struct btf_type;

/* What a type can be: NEVER hidden (VAR, DATASEC, an anonymous type that
 * requires nothing prunable or is on a cycle), a NAMED or an ANON(ymous)
 * prunable type; CANDIDATE is an anonymous type not yet classified. */
enum { NEVER, NAMED, ANON, CANDIDATE };

/* Where the base stands: every type shown, or the last apply's verdict in
 * force (live prunable types shown, the others hidden). */
enum base_state { WHOLE, APPLIED };

/* An atom of refs[] with this bit is a name (string offset), not a type id. */
#define NAME_ATOM 0x80000000u

struct base_prune {
	struct btf *base;
	uint32_t ntypes;		/* btf__type_cnt(base) */
	uint32_t name_limit;		/* every name an atom or a NAMED type has is below this */
	struct btf_type **types;	/* by id: the base's own type memory */
	uint32_t *info, *size;		/* by id: each type's own, to put back */
	uint8_t *kind;			/* by id */
	struct named { uint32_t id, name_off; } *named;	/* the NAMED types */
	uint32_t nnamed;
	uint32_t *ref_start;		/* by id, ntypes + 1 entries: an anonymous
					 * type's atoms are refs[ref_start[id] ..
					 * ref_start[id + 1]) */
	uint32_t *refs;
	uint32_t *order;		/* the ANON types, each after every ANON
					 * type it refers to */
	uint32_t norder;
	uint32_t nprunable;		/* NAMED and ANON types */
	/* the verdict in force (state APPLIED) */
	uint8_t *live;			/* by id */
	uint32_t *missing;		/* by prunable id: its atoms not live */
	uint32_t nlive;			/* live prunable types */
	uint64_t *names;		/* bit per string offset: the split has that name */
	enum base_state state;
	/* Made by the first apply after an apply (a batch's second module),
	 * what lets the next ones update the verdict instead of making it
	 * again. Name node k (the k-th distinct name an atom or a NAMED type
	 * has) is id ntypes + k in rev_start; for each type and name, the
	 * prunable types requiring it, once per atom:
	 * rev[rev_start[x] .. rev_start[x + 1]). */
	uint32_t nnodes;
	uint32_t *node_name;		/* by node: the string offset */
	uint8_t *node_live;		/* by node: as the verdict in force has it */
	uint32_t *rev_start, *rev;
	uint32_t *work;			/* the worklist of an update: ntypes + 1 */
};

/* base_prune_index.c */
int base_prune__index(struct base_prune *bp);		/* everything but the update index */
int base_prune__index_update(struct base_prune *bp);	/* the update index, or -ENOMEM */

static inline bool base_prune__prunable(const struct base_prune *bp, uint32_t ref)
{
	return ref && ref < bp->ntypes && (bp->kind[ref] == NAMED || bp->kind[ref] == ANON);
}

#endif
