/* stages/read/type_guard.h: the records of a CU that pre-deduplication
 * must leave alone (stages/write/predup.h), marked by a hash of 0.
 *
 * Two shapes in one CU make libbpf's dedup decide differently for a CU's
 * copy of a type than for an identical copy met earlier (the analysis is in
 * docs/design.md, "Pre-deduplication"):
 *   twins: two records of the same type (the same fields, reference for
 *          reference, all the way down) that are not identical (not the
 *          same referenced records); libbpf accepts one-to-many in its
 *          hypothetical map only for identical ones;
 *   a FWD and the struct or union of its name in the same CU: libbpf
 *          resolves the one into the other there.
 * Such records and every record that can reach them (a type containing,
 * pointing to, ... them) get hash 0: the writer neither matches them nor
 * offers them as candidates; they go to libbpf as before.
 *
 * Pure function of the CU's records; any thread (each reader on its own).
 */
#ifndef BTFSTREAM_TYPE_GUARD_H
#define BTFSTREAM_TYPE_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "stages/read/type_order.h"
#include "stages/record/record.h"

struct type_guard_scratch {	/* grown to the largest CU, reused */
	uint32_t *rep, *table;
	uint32_t *iso_map, *iso_touched, *iso_work;
	uint8_t *flag, *mark;
	uint64_t *keys;
	size_t cap, slots;
};

/* Sets hash[i] = 0 for the records to leave alone, given the CU's
 * components and edges (stages/read/type_order.h: order, comp, g). Returns
 * the number of records found (their ancestors not counted), or -ENOMEM. */
long type_guard__mark(const struct type_rec *recs, size_t n, uint64_t *hash, const uint32_t *order,
		      const uint32_t *comp, const struct type_order_scratch *g, struct type_guard_scratch *s);
void type_guard__free(struct type_guard_scratch *s);

#endif
