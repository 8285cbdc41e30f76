/* stages/record/batch.h: what crosses from the writer to the merge thread,
 * and what comes back.
 *
 *   writer (stages/write/) --struct btf_batch *--> ring --> merger (stages/dedup/)
 *   merger --struct anchor_ids (merger__take)--> driver --> writer's end of stream
 *
 * A batch is one standalone raw BTF image cut at a CU boundary. The writer
 * makes it and pushes a pointer to it into the batch ring; from then on the
 * merge thread owns it and frees it whole (btf_batch__free) once merged. Its
 * last nanchors types are anchors: TYPEDEFs pointing at the types whose ids
 * must outlive the batch (function prototypes' types, VARs of DATASECs).
 *
 * A batch's name fields are offsets into its own string section, or, when
 * the writer was told so (btf_writer.names_as_ids; only with "bare" batch
 * strings: stages/dedup/merge.h), strtab ids, with no string section but
 * "": the merge thread then makes strings for the types its dedup keeps,
 * looking the ids up through a struct batch_names (stages/dedup/batch_names.h).
 * The anchors' names are then BATCH_NAME_ANCHOR + their index.
 *
 * The merger writes each anchor's final id (in the accumulated BTF) into an
 * anchor_ids it owns; at the end it hands that over with the BTF, and the
 * writer's end of stream (stages/write/write_end.h) reads it. The writer
 * keeps, on its side, which batch id each anchor stands for.
 */
#ifndef BTFSTREAM_BATCH_H
#define BTFSTREAM_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct image_pool;

/* A CU whose types the writer copied as its reader encoded them (refs
 * CU-local, record.h), for the merge thread to leave out the exact copies
 * of types already in the batch and make the refs of the others batch ids
 * (stages/dedup/batch_exact.h). Every other type of the image holds batch
 * ids already. */
struct batch_cu {
	uint32_t first;		/* the writer's id of its first type */
	uint32_t n;		/* its types */
	size_t off, len;	/* its bytes, from the type section's start */
	size_t order;		/* its order (n) at orders[order] (the one its
				   reader sent: stages/record/rec_order.h), or
				   BATCH_CU_NO_ORDER: the merge thread makes it */
};

#define BATCH_CU_NO_ORDER SIZE_MAX

struct btf_batch {
	uint32_t index;		/* 0, 1, 2, ... */
	/* A batch whose CUs the merge thread makes final as they come
	 * (stages/dedup/batch_exact.h) is handed on in chunks, each cut at a CU
	 * boundary with its own image: chunk 0, 1, ... of batch index, `more`
	 * set on all but the last, which holds the anchors and ends the batch
	 * (its counts are the batch's). A batch in one piece: chunk 0, more
	 * false. A chunk's listed CUs' offsets are in its own type section;
	 * ids are the batch's (ntypes: the batch's ids up to the chunk's end). */
	uint32_t chunk;
	bool more;
	char *raw;		/* header + types + strings (a mapping of its own) */
	size_t size;		/* bytes of raw BTF */
	size_t raw_cap;		/* bytes mapped at raw */
	struct image_pool *pool;	/* raw goes back there (image_pool.h); NULL: unmapped */
	bool raw_heap;		/* raw is malloc's, not a mapping (the image made
				   from it by stages/dedup/batch_exact.h): freed */
	uint32_t nanchors;	/* the last nanchors types are the anchors */
	uint64_t records;	/* type records in the batch, anchors not counted */
	/* CUs left as their readers encoded them, in image order; NULL when
	 * there is none (then every id in the image is final) */
	struct batch_cu *cus;
	uint32_t ncus;
	uint32_t *orders;	/* their orders as the readers sent them */
	size_t norders;		/* entries in orders */
	uint32_t ntypes;	/* types in the image, anchors included (the writer's ids: 1..ntypes) */
	uint32_t index_type;	/* the writer's id of the array index type (REF_INDEX_TYPE), 0: none */
};

#define BATCH_NAME_ANCHOR 0x80000000u	/* names as ids: the anchors' are from here up */

/* How the merge thread looks a name id up: its bytes and length, or NULL
 * for an id that has none. Any merge thread calls it, for ids that came in
 * a batch (the driver passes the strtab's lookup: strtab/strtab.h). */
struct batch_names {
	const char *(*str)(const void *ctx, uint32_t id, size_t *len);
	const void *ctx;
};

/* Lets go of b->raw (back to b->pool, unmapped, or freed), frees its CUs
 * and orders, and frees b (NULL is fine). Whoever holds b: the writer until the push succeeds, the merge
 * thread after. btf_batch__free_raw lets go of the image alone, as soon as
 * libbpf has its own copy. */
void btf_batch__free(struct btf_batch *b);
void btf_batch__free_raw(struct btf_batch *b);
/* Frees its listed CUs and their orders, once nothing reads them. */
void btf_batch__free_cus(struct btf_batch *b);

/* Per batch, per anchor (in the batch's anchor order): the anchored type's
 * id in the accumulated BTF, 0 if it has none. */
struct anchor_ids {
	uint32_t nbatches;
	uint32_t **ids;		/* ids[batch][anchor] */
	uint32_t *counts;	/* counts[batch]: its anchors */
	size_t cap, counts_cap;
};

/* Where the accumulated BTF's strings hold each name placed in them, by
 * strtab id (stages/dedup/merge.h, merger__placed): what the writer's end
 * of stream reads to add types under names their base already holds
 * (stages/write/named_type.h). off[id] is the offset + 1, 0 for a name not
 * placed; ids from n up are not placed. Read-only once handed over. */
struct placed_names {
	const uint32_t *off;
	size_t n;
};

/* The offset of strtab id id's string, when placed: true and *at. */
static inline bool placed_names__get(const struct placed_names *p, uint32_t id, uint32_t *at)
{
	if (!p || !id || id >= p->n || !p->off[id])
		return false;
	*at = p->off[id] - 1;
	return true;
}

/* Room for batch index's n anchors (zeroed). Returns the array, or NULL
 * when out of memory. The merge thread only, until merger__take. */
uint32_t *anchor_ids__add(struct anchor_ids *a, uint32_t index, uint32_t n);
void anchor_ids__free(struct anchor_ids *a);

#endif
