/* stages/write/write_btf.h: stage 5, the single writer that assembles raw BTF.
 *
 * One thread only (the writer). It is fed the records of each CU strictly in
 * CU order, framed by CU_BEGIN/CU_END (stages/record/record.h), and appends them to a
 * raw BTF image: CU-local refs become type ids (the CU's first record gets the
 * next free id), strtab ids become string offsets assigned in first-use order,
 * so the image depends only on the records' order, never on thread timing.
 *
 * The image is cut into batches at CU boundaries once it holds
 * batch_records type records, fewer near the end of the input
 * (btf_writer__input) (counts from the records and the input's sizes, never
 * a time, so where the cuts fall does not depend on the machine, and they
 * never change the bytes). Each batch is a standalone raw
 * BTF pushed into the batch ring (stages/record/batch.h: the merge thread
 * dedups it and appends it to the accumulated BTF). Whatever must outlive a
 * batch's ids (the types of function prototypes, the VARs of DATASECs) is
 * named by an anchor: a TYPEDEF at the end of the batch pointing at the
 * type; the writer remembers which, the merger finds its final id.
 * After the last CU, the writer also ends the stream (write_end.h).
 */
#ifndef BTFSTREAM_WRITE_BTF_H
#define BTFSTREAM_WRITE_BTF_H

#include <stddef.h>
#include <stdint.h>

#include "stages/common/fail.h"
#include "stages/record/batch.h"
#include "stages/record/image_pool.h"
#include "stages/record/record.h"
#include "stages/write/func_cand.h"
#include "stages/write/name_order.h"
#include "stages/write/predup.h"

struct strtab;
struct ring_mpsc;

/* A type id that outlives its batch: (batch, id inside the batch). */
struct late_ref {
	uint32_t batch;
	uint32_t id;
};

struct late_secinfo {	/* one VAR of a DATASEC */
	struct late_ref var;
	uint32_t offset, size;
	uint32_t slot;		/* section slot (stages/input/elf_vars.h) */
};

struct late_param {
	uint32_t name;		/* strtab id */
	struct late_ref type;
};

/* The batch ids a batch's anchors stand for, sorted (anchor i is ids[i]). */
struct batch_anchors {
	uint32_t *ids;
	uint32_t n;
};

struct btf_writer {
	struct strtab *strtab;	/* strtab__str; strtab__intern for the few names it makes */
	const char *path;	/* input file, for errors */
	struct fail *fail;
	uint64_t batch_records;	/* cut a batch after this many type records */
	uint64_t input_done;	/* .debug_info bytes of the CUs written, this one */
	uint64_t input_total;	/*   included (btf_writer__input), and in all */
	struct ring_mpsc *out;	/* the batch ring: struct btf_batch *, to the merge thread */

	char *types;		/* the current batch's type section */
	size_t tlen, tcap;	/* types bytes after the image's header space */
	size_t image_hint;	/* first allocation of a batch's image */
	size_t chunk_bytes;	/* hand the batch on in chunks of about this many bytes
				   of types (0: whole; btf_writer__chunks) */
	uint32_t nchunks;	/* chunks of the current batch handed on */
	uint64_t chunks;	/* chunks handed on, all batches (a batch's last included) */
	struct image_pool pool;	/* images the merge thread is done with */
	char *strs;		/* its string section, starts with "" */
	size_t slen, scap;
	uint32_t *str_off;	/* strtab id -> offset in strs, 0 = not yet placed */
	size_t str_off_cap;
	uint32_t *anchors;	/* batch ids to anchor (unsorted, may repeat) */
	size_t nanchors, anchors_cap;
	struct batch_anchors *batch_anchors;	/* per batch cut so far */
	uint32_t nbatches;
	size_t batch_anchors_cap;
	uint64_t batch_recs;	/* type records in the current batch */

	uint32_t next_id;	/* the id the next type gets, in the batch */
	uint32_t cu_base;	/* id of the current CU's first record */
	uint32_t cu_nrecs;	/* records announced by CU_BEGIN */
	uint32_t cu_seen;	/* records added so far in this CU */
	uint32_t cu;		/* current CU index */
	uint32_t index_type;	/* array index type id in this batch, 0 while undecided */
	struct type_rec index_tmpl;	/* the decided index type, copied into later batches */
	int index_decided;
	uint32_t index_rec;	/* in this CU: the ref of the "int" that decides it */
	uint32_t cu_index_type;	/* the id arrays of this CU use */
	int cu_needs_index;	/* this CU must end with an index "int" */
	uint64_t records;	/* type records written */

	struct late_secinfo *secinfo;	/* one per VAR written */
	size_t nsecinfo, secinfo_cap;
	struct func_cand *cands;	/* REC_FUNC candidates, in CU order; ret is a
					   batch id (batch in .batch) until resolved */
	size_t ncands, cands_cap;
	struct late_param *params;	/* their parameters */
	size_t nparams, params_cap;
	struct func_tag *tags;		/* their decl tags */
	size_t ntags, tags_cap;
	struct name_order names;	/* the candidates' names, sorted run by run at
					   each batch cut (stages/write/name_order.h) */
	uint32_t *func_order;		/* btf_writer__order_funcs, NULL before */
	uint32_t *end_names;		/* btf_writer__end_names: strtab ids the end may name */
	size_t nend_names;
	uint32_t kfunc_tag_ids[2];	/* ... of "bpf_kfunc" and "bpf_fastcall" */
	uint32_t *sec_name_ids;		/* ... of each variable section's name, by slot */
	uint64_t *no_symbol;		/* bit per strtab id: a candidate's name without an
					   ELF symbol (FUNC_NO_SYMBOL); with no_symbol_cands
					   each such name becomes one candidate at
					   btf_writer__finish, not one per CU; otherwise
					   kept to btf_writer__fini (the pipeline counts the
					   readers' own against them: no_symbol_names.h) */
	size_t no_symbol_words;
	uint64_t no_symbol_names;	/* the bits set: such names, counted */
	bool no_symbol_cands;		/* those names made candidates, ordered and
					   decided (set after init, for --funcs-report,
					   which lists them); otherwise only counted */

	/* pre-deduplication (stages/write/predup.h): a CU's records are held
	 * until its last one, matched, then the others written */
	bool predup;			/* on (set after init; the readers send hashes) */
	bool huge_images;		/* batch images ask for huge pages (set after init) */
	bool names_as_ids;		/* names are strtab ids, no string section (set after
					   init, not with predup: stages/record/batch.h) */
	struct predup pd;
	struct type_rec *cu_recs;	/* the current CU's type records */
	size_t cu_recs_cap;
	bool cu_bytes;			/* the current CU came as bytes (record.h): its refs
					   are its first id + ref - 1, cu_map unused */
	uint32_t *cu_map;		/* CU ref - 1 -> batch id */
	size_t cu_map_cap;

	/* exact copies (stages/dedup/batch_exact.h): a CU sent as bytes, once
	 * the index type is decided, is copied as its reader encoded it and
	 * listed for the merge thread, which leaves out the types already in
	 * the batch */
	bool exact;			/* on (set after init) */
	struct batch_cu *cus;		/* the current batch's listed CUs (handed to it) */
	size_t ncus, cus_cap;
	uint32_t *orders;		/* their orders, as the readers sent them */
	size_t norders, orders_cap;
	size_t orders_hint;		/* the first size of the next batch's orders */
	const uint64_t *cu_hash;	/* the readers' hashes (CU_BEGIN's payload), or NULL */
};

/* Returns 0 or -ENOMEM. Each batch is pushed into out (the merge thread
 * owns it from then on); a closed ring stops the writer (-ECANCELED).
 * images: the most batch images alive at once (image_pool.h), the
 * writer's own one, the ring's and the merge thread's. */
int btf_writer__init(struct btf_writer *w, struct strtab *strtab, const char *path, struct fail *f,
		     uint64_t batch_records, struct ring_mpsc *out, unsigned int images);
/* Before a CU's records: the .debug_info bytes of the CUs written with this
 * one, and of all of them (0, 0: unknown). Near the end of the input the
 * batches are cut smaller, so that when the last CU is written the merge
 * thread has only a small batch left to dedup (the serial tail waits for
 * it): a batch is cut at half the records estimated to remain, from the
 * records per byte so far, once a whole batch has been written, never below
 * WRITE_TAIL_BATCH records. A count from the input's sizes and the records,
 * never a time: the cuts stay the same from run to run (and where they fall
 * never changes the bytes). */
#define WRITE_TAIL_BATCH 16384
void btf_writer__input(struct btf_writer *w, uint64_t done, uint64_t total);

/* Hand each batch on in chunks of about `bytes` bytes of types, cut at CU
 * boundaries (stages/record/batch.h), the merge thread making each final
 * as it comes; `images` batch images alive at once then (small ones). Only
 * where the merge thread walks every batch (exact copies, names as ids),
 * and one merge thread (a batch's chunks are walked in order by one). Set
 * after init, before the first record. */
void btf_writer__chunks(struct btf_writer *w, size_t bytes, unsigned int images);

/* Consume one record (markers included). Returns 0 or -errno (reason in f). */
int btf_writer__add(struct btf_writer *w, const struct type_rec *rec);
/* Cut the last batch. Returns 0 or -errno (reason in f). */
int btf_writer__finish(struct btf_writer *w);
/* The final id of a late reference, once every batch is merged (fin: the
 * merger's anchor ids, stages/record/batch.h). */
uint32_t btf_writer__final_id(const struct btf_writer *w, const struct anchor_ids *fin, struct late_ref ref);
/* Once every batch is merged: the candidates' return ids become final ids
 * (in w->cands) and *params gets their parameters with final ids (caller
 * frees). Returns 0 or -ENOMEM. */
int btf_writer__resolve_funcs(struct btf_writer *w, const struct anchor_ids *fin, struct func_param **params);
/* Frees everything, the anchors' tables included. */
void btf_writer__fini(struct btf_writer *w);

#endif
