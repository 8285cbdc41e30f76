/* stages/read/type_hash.h: a structural hash of each type record of a CU,
 * for the writer's pre-deduplication (stages/write/predup.h).
 *
 * Equal hashes are only a hint (the writer verifies every match in full);
 * what matters is the other direction: two records whose type graphs are
 * the same (same kinds, names, sizes, members, ... and, through every
 * reference, the same again) get the same hash, in whichever CU and on
 * whichever reader thread they are. So the hash is refined over the CU's
 * graph, Weisfeiler-Lehman style: round 0 hashes what a record holds
 * itself (names as strtab ids, which are the same for the same string on
 * every thread); each later round mixes in, in reference order, the
 * previous round's hashes of the records referred to. TYPE_HASH_ROUNDS
 * rounds see that far along the references; cycles need no care.
 *
 * Pure function; any thread (each reader on its own CU).
 */
#ifndef BTFSTREAM_TYPE_HASH_H
#define BTFSTREAM_TYPE_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "stages/read/type_order.h"
#include "stages/record/record.h"

#define TYPE_HASH_ROUNDS 2

/* out[i]: the hash of recs[i] (never 0); tmp: 2 * n words of scratch. */
void type_hash__cu(const struct type_rec *recs, size_t n, uint64_t *out, uint64_t *tmp);

/* Then, once the CU's components are known (stages/read/type_order.h:
 * order, comp): mixes into each nonzero hash[i] a hash of everything record
 * i reaches, all the way down, so that two copies of a struct whose
 * closures differ somewhere deep (a FWD here, the full type there) differ
 * in hash too. Per component, in reverse topological order: the set of its
 * members' hashes and of the closures of the components it refers to.
 * g: the CU's edges from type_order__cu; closure: n words of scratch.
 * Returns 0 or -ENOMEM. */
struct type_hash_scratch {	/* grown to the largest component, reused */
	uint64_t *buf, *set;
	size_t cap, set_cap;
};

int type_hash__closure(size_t n, uint64_t *hash, const uint32_t *order, const uint32_t *comp,
		       const struct type_order_scratch *g, uint64_t *closure, struct type_hash_scratch *s);
void type_hash__free(struct type_hash_scratch *s);

#endif
