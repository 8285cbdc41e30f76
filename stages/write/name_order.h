/* stages/write/name_order.h: function names in byte order, sorted a run at a
 * time while the stream goes on.
 *
 * Function selection decides names in byte order, as strcmp (func_select.h).
 * Sorting the ~72,000 distinct names of the Debian vmlinux after its last CU
 * took 22-26 ms of the serial tail, where nothing runs beside it at -j2. So
 * the writer notes each name the first time a candidate carries it, and at
 * each batch cut sorts the names noted since the last cut into a run (its
 * time between CUs is mostly spent waiting for them); at the end the runs
 * are merged (a heap over their heads) and the candidates laid out by name,
 * each name's candidates in their own order. The order is the same however
 * the names were split into runs: one name is one strtab id, so no two keys
 * compare equal.
 *
 * A sort's keys carry the name's first 16 bytes packed big-endian into two
 * integers, so most comparisons never touch the strings; they are made for
 * a run's sort and for the final merge, and dropped after each: between
 * cuts only the ids are kept (4 bytes a name; keys kept all along, 32 bytes
 * a name and their array's growth, raised the vmlinux's peak RSS by 4 MB).
 *
 * Threads: one owner (the writer). Ids come through the ring, so their
 * strings may be read (strtab.h, "Memory ordering"); the strtab outlives
 * the order.
 */
#ifndef BTFSTREAM_NAME_ORDER_H
#define BTFSTREAM_NAME_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include "stages/write/func_cand.h"

struct strtab;

struct name_key {
	uint64_t p0, p1;	/* bytes 0-7 and 8-15, big-endian, zero after the NUL */
	const char *name;
	uint32_t id;
};

struct name_order {
	const struct strtab *strtab;
	uint64_t *seen;		/* a bit per strtab id noted */
	size_t seen_words;
	uint32_t *ids;		/* in the order noted; sorted run by run */
	size_t nids, ids_cap;
	size_t sorted;		/* ids[0..sorted) are in runs */
	size_t *run_end;	/* run i is ids[run_end[i - 1] (0 for i = 0) .. run_end[i]) */
	size_t nruns, runs_cap;
};

void name_order__init(struct name_order *o, const struct strtab *strtab);
/* Note name id (once; again is a no-op). 0 or -ENOMEM. */
int name_order__note(struct name_order *o, uint32_t id);
/* Sort the names noted since the last cut into a run. 0 or -ENOMEM. */
int name_order__cut(struct name_order *o);
/* Indexes into cands[0..n) by name (bytes, as strcmp), each name's
 * candidates in index order; names of cands not noted yet are noted first.
 * A malloc'd array (the caller frees it), NULL when out of memory. */
uint32_t *name_order__finish(struct name_order *o, const struct func_cand *cands, size_t n);
void name_order__fini(struct name_order *o);

#endif
