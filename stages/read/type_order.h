/* stages/read/type_order.h: the order in which the writer matches a CU's
 * records (stages/write/predup.h): referenced types before the types that
 * refer to them, as far as cycles allow.
 *
 * The order is the strongly connected components of the CU's reference
 * graph in reverse topological order (Tarjan's algorithm, iterative: type
 * chains may be very deep): every record a component refers to outside
 * itself comes in an earlier component. A record outside any cycle is then
 * matched after everything it refers to is decided, so its check is one
 * record deep; only a cycle (a struct reaching itself through pointers) is
 * checked as a whole. The order changes what is checked first, never what
 * matches nor the output.
 *
 * Pure function of the CU's records; any thread (each reader on its own).
 */
#ifndef BTFSTREAM_TYPE_ORDER_H
#define BTFSTREAM_TYPE_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include "stages/record/record.h"

struct type_order_scratch {	/* grown to the largest CU, reused */
	uint32_t *first, *edges, *index, *low, *stack, *call, *callpos;
	uint8_t *on_stack;
	size_t cap, edges_cap;
};

/* order[0..n): the record indices in that order, each component's
 * contiguous; comp[i]: the component of record i, numbered in that order.
 * Afterwards, until the next call, s holds the CU's edges for the passes
 * after it (type_hash__closure, type_guard__mark): record i refers to
 * records edges[first[i] .. first[i + 1]) (void and the array index type
 * left out). Returns 0 or -ENOMEM. */
int type_order__cu(const struct type_rec *recs, size_t n, uint32_t *order, uint32_t *comp,
		   struct type_order_scratch *s);
void type_order__free(struct type_order_scratch *s);

#endif
