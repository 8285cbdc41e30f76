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

#include <stddef.h>
#include <stdint.h>

struct image_pool;

struct btf_batch {
	uint32_t index;		/* 0, 1, 2, ... */
	char *raw;		/* header + types + strings (a mapping of its own) */
	size_t size;		/* bytes of raw BTF */
	size_t raw_cap;		/* bytes mapped at raw */
	struct image_pool *pool;	/* raw goes back there (image_pool.h); NULL: unmapped */
	uint32_t nanchors;	/* the last nanchors types are the anchors */
	uint64_t records;	/* type records in the batch, anchors not counted */
};

#define BATCH_NAME_ANCHOR 0x80000000u	/* names as ids: the anchors' are from here up */

/* How the merge thread looks a name id up: its bytes and length, or NULL
 * for an id that has none. Any merge thread calls it, for ids that came in
 * a batch (the driver passes the strtab's lookup: strtab/strtab.h). */
struct batch_names {
	const char *(*str)(const void *ctx, uint32_t id, size_t *len);
	const void *ctx;
};

/* Lets go of b->raw (back to b->pool, or unmapped) and frees b (NULL is
 * fine). Whoever holds b: the writer until the push succeeds, the merge
 * thread after. btf_batch__free_raw lets go of the image alone, as soon as
 * libbpf has its own copy. */
void btf_batch__free(struct btf_batch *b);
void btf_batch__free_raw(struct btf_batch *b);

/* Per batch, per anchor (in the batch's anchor order): the anchored type's
 * id in the accumulated BTF, 0 if it has none. */
struct anchor_ids {
	uint32_t nbatches;
	uint32_t **ids;		/* ids[batch][anchor] */
	uint32_t *counts;	/* counts[batch]: its anchors */
	size_t cap, counts_cap;
};

/* Room for batch index's n anchors (zeroed). Returns the array, or NULL
 * when out of memory. The merge thread only, until merger__take. */
uint32_t *anchor_ids__add(struct anchor_ids *a, uint32_t index, uint32_t n);
void anchor_ids__free(struct anchor_ids *a);

#endif
