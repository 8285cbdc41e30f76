/* stages/dedup/batch_exact.h: a batch's exact copies left out, on the merge
 * thread that dedups it, before libbpf sees it.
 *
 * The writer copies most CUs into a batch as their readers encoded them
 * (refs CU-local, record.h) and lists them (struct batch_cu,
 * stages/record/batch.h); everything else in the image (the index type's
 * copy at its start, CUs written whole, the anchors at its end) already
 * holds the writer's ids. batch_exact__run goes through the image once, in
 * order, and makes it the batch libbpf dedups:
 *
 * - a listed CU's types are decided in rec_order's order (a strongly
 *   connected component at a time, each after those it refers to;
 *   stages/record/rec_order.h, sent by the reader or made here): a type
 *   whose refs all lead to types before the CU has its final bytes once
 *   they are resolved, and if the batch already holds a type with those
 *   very bytes (exact_dup.h) that type stands for it and it is left out; a
 *   type referring to one of its CU kept is kept;
 * - a component of two or more types (a cycle: a struct and the pointers
 *   back to it) is decided as one: if its refs out of it all lead to types
 *   before the CU, it is looked up by its key (its count, then its records'
 *   bytes up to the first struct or union, refs out made final and refs
 *   within it made places in it, in the order rec_order gives), and each
 *   component recorded under that key from an earlier CU is compared with
 *   it record for record; an exact copy stands for it, record for record,
 *   and it is left out whole. Otherwise it is kept and recorded (its ids,
 *   and where its final bytes lie in the image made) for the CUs
 *   after. Two copies of a component come out in the same order when the
 *   walk enters both by the same record, as in CUs that include the same
 *   headers; when not, both are kept (libbpf merges them as before). A
 *   type leading to a component left out is then decided as any other;
 *   BTFSTREAM_EXACT_CYCLES=0 (no_cycles) keeps those on or leading to a
 *   cycle, as before session 29;
 * - every type kept gets the next id, its refs become those ids, and it is
 *   moved down in the image made, the string section after;
 * - the image made is a copy of the writer's (malloc's), taken first: the
 *   writer's image goes back to it before anything is decided
 *   (stages/record/image_pool.h; it waits for one to make the next batch:
 *   -j2, session 29: the writer waited 215-258 ms a run, now ~50-100), and libbpf's copy
 *   of the batch then comes from the image made (the copy's heap is reused
 *   by the dedup that follows).
 *
 * A batch handed on in chunks (stages/record/batch.h, btf_batch.more) is
 * walked a chunk at a time, in order, by one merge thread: each chunk in
 * its own image where the writer wrote it (given back once walked), the
 * types kept appended to the batch's image made (x->walk.made, malloc'd and
 * grown by half), the walk going on where the last chunk left it (the
 * tables, the ids, the place in the image made); the last chunk's strings
 * end it. The same decisions, so the same image made, as in one piece.
 *
 * libbpf's dedup always merges two types equal field for field with the
 * same refs and keeps the earlier, so the types it keeps and their order
 * are the same either way: the output's bytes do not change (docs/design.md,
 * "Session 25", and tests/integ/0036). For a component, the earlier copy is
 * always of an earlier CU (lower ids: libbpf's pick), and two copies equal
 * record for record, refs out to the very same types, are the same graph
 * to its struct pass ("Session 29": the same bytes on every input tried).
 *
 * The writer's ids (anchors, function candidates, VAR places) stay valid:
 * only the image changes, and the anchors at its end are made to point at
 * the types that stand for theirs.
 *
 * Each merge thread has its own struct batch_exact; batches never share
 * one at the same time (each is reset per batch).
 */
#ifndef BTFSTREAM_BATCH_EXACT_H
#define BTFSTREAM_BATCH_EXACT_H

#include <stddef.h>
#include <stdint.h>

#include "stages/dedup/exact_dup.h"
#include "stages/record/batch.h"
#include "stages/record/rec_order.h"

/* A record of a component recorded: its id in the image made, and where
 * its final bytes lie in the writer's type section. */
struct comp_member {
	uint32_t id, at, size;
};

/* A batch handed on in chunks (stages/record/batch.h), being walked: where
 * the last chunk left the walk, and the image made so far. */
struct batch_walk {
	bool on;		/* a batch's chunks are being walked */
	uint32_t batch;		/* its index */
	uint32_t chunk;		/* the chunk expected next */
	unsigned char *made;	/* room for the header, then the types kept (malloc'd) */
	size_t cap, out;	/* bytes at made; of types kept */
	uint32_t id, next;	/* the writer's id the next chunk begins with; the next id kept */
};

/* A component recorded: its records at members[first..first + count), and
 * the next one recorded under the same key (an index into comps + 1, or 0). */
struct comp_cand {
	uint32_t first, count, next;
};

struct batch_exact {
	struct exact_dup xd;		/* the batch's types kept so far, by their bytes */
	struct exact_dup keys;		/* its components kept so far, by their key */
	struct comp_cand *comps;	/* the first under each key, and a chain from it */
	size_t ncomps, comps_cap;
	struct comp_member *members;	/* their records, each component's side by side */
	size_t nmembers, members_cap;
	uint32_t *place;		/* per type of the current CU: its place in its component */
	size_t place_cap;
	uint32_t *out_at;		/* ... where it is kept in the image made */
	size_t out_at_cap;
	unsigned char *key;		/* a component's key, or a record of it as compared */
	size_t key_cap;
	uint32_t *map;			/* the writer's id -> the id in the image made */
	size_t map_cap;
	uint8_t *cls;			/* per type of the current CU: what became of it */
	size_t cls_cap;
	uint32_t *own;			/* offsets and order made here, for a CU sent without */
	size_t own_cap;
	struct rec_order_scratch scratch;
	struct batch_walk walk;		/* a batch in chunks, between them */
	bool no_cycles;			/* records on cycles, and those leading to them,
					   all kept (BTFSTREAM_EXACT_CYCLES=0) */
	uint64_t dropped;		/* types left out, all batches so far */
	uint64_t dropped_cyclic;	/* ... of them on a cycle */
	uint64_t ordered;		/* CUs whose order was made here */
};

/* b's image made final: b->raw becomes the image made (b->raw_heap, b->size),
 * the writer's image is given back, b->cus and b->orders are freed. Nothing
 * to do for a batch without listed CUs. 0, -ENOMEM, or -EPROTO if the
 * image does not hold what its CUs say (then b holds its copy of the
 * image, types partly rewritten, and its CUs, for the caller to free). */
int batch_exact__run(struct batch_exact *x, struct btf_batch *b);

void batch_exact__fini(struct batch_exact *x);

#endif
