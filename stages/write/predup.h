/* stages/write/predup.h: pre-deduplication, inside the writer's batch.
 *
 * A batch holds ~80 CUs of the vmlinux, and most of their types are the
 * same header types again: libbpf's dedup of a 128K-record batch keeps
 * ~6K. The writer therefore looks each record of a CU up among the types
 * already written into the current batch, and writes only those it cannot
 * find; a record found stands for the type found (its references are
 * rewritten to it). That is sound only if libbpf's dedup would have merged
 * them and if dropping the later copy changes nothing else; so a match is
 * exact, never "compatible":
 *
 *   record i matches batch type c when a map m from the CU's records to
 *   batch types exists with m(i) = c and, for every record j in it, j and
 *   m(j) have the same kind, kind_flag, vlen, name, size, encoding,
 *   member offsets, enumerator values, array length, and each reference of
 *   j leads to the record (void, the array index type) whose image under m
 *   is the type the same reference of m(j) leads to.
 *
 * Such a map is a graph homomorphism onto types already in the batch that
 * preserves every field BTF has: the CU's copy and the batch's type unroll
 * into the same infinite tree, which libbpf's dedup (a hypothetical map
 * checked in the same way) merges into the earlier one. The earlier one is
 * always written (nothing comes before it to match), so the types libbpf
 * keeps, their order and therefore the output bytes do not change;
 * docs/design.md ("Pre-deduplication") has the argument and the
 * measurements (vmlinux and every module, byte-identical).
 *
 * Candidates come from a hash table keyed by the readers' structural hash
 * (stages/read/type_hash.h); the check is iterative (no recursion: type
 * chains may be very deep). VARs never match nor are matched (each is its
 * own variable); a CU in which the array index type is still undecided is
 * written whole (the writer's index rule depends on its ids).
 *
 * The writer thread only; the table is emptied at each batch cut.
 */
#ifndef BTFSTREAM_PREDUP_H
#define BTFSTREAM_PREDUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stages/record/record.h"

/* Batch ids by a 64-bit key, chained in the order they were added. */
struct id_table {
	uint32_t *buckets;	/* first id of each chain, 0: empty */
	size_t nbuckets;	/* a power of two */
	size_t nentries;
	uint64_t *key;		/* per batch id: its key, 0 if not in the table */
	uint32_t *next;		/* per batch id: the next id of its chain */
};

struct predup {
	/* the batch's types, by the readers' structural hash (for records in
	 * a cycle) and by their shallow key (the record's own fields and the
	 * ids it refers to: one exact lookup once those ids are known) */
	struct id_table by_hash, by_key;
	uint32_t *off;		/* per batch id: its btf_type in the type section */
	uint32_t *claim;	/* per batch id: cu_stamp of the CU one of whose records it stands for */
	uint32_t *tclaim;	/* per batch id: check_stamp of the check that tentatively mapped it */
	size_t ids_cap;
	uint32_t cu_stamp, check_stamp;	/* a new value per CU, per check */
	bool oom;
	/* one check's tentative map and its work list */
	uint32_t *tmap;		/* per CU record: batch id, 0: none */
	uint8_t *fresh;		/* per CU record: 1 once no batch type matched it */
	size_t rec_cap, fresh_cap;
	uint32_t *touched;
	size_t ntouched, touched_cap;
	uint32_t *work;		/* pairs (record, id) still to compare */
	size_t nwork, work_cap;
	/* counts for --stats */
	uint64_t matched;	/* records that matched a type of their batch */
	uint64_t checks;	/* candidate checks */
	uint64_t failed;	/* ... that found a difference */
};

/* One CU, as the matcher sees it. */
struct predup_cu {
	const struct type_rec *recs;
	uint32_t n;
	const uint64_t *hash;		/* the readers' hashes, one per record */
	const uint32_t *order;		/* the order to match them in (stages/read/type_order.h) */
	uint32_t *map;			/* out: the batch id a record matched, 0: none */
	const unsigned char *types;	/* the batch's type section so far */
	const uint32_t *str_off;	/* strtab id -> name offset in the batch, 0: not there */
	size_t str_off_cap;
	uint32_t index_type;		/* the id REF_INDEX_TYPE stands for in this CU */
};

/* Finds the CU's records that match types already in the batch (map[i] set,
 * the others left 0). Returns 0 or -ENOMEM. */
int predup__match(struct predup *p, const struct predup_cu *cu);
/* Record i of the CU, just written as batch type id at byte off of the
 * type section (cu->map complete): a candidate from now on. Returns 0 or
 * -ENOMEM. */
int predup__add(struct predup *p, const struct predup_cu *cu, uint32_t i, uint32_t id, uint32_t off);
/* A new batch: the table empties. */
void predup__reset(struct predup *p);
void predup__fini(struct predup *p);

#endif
