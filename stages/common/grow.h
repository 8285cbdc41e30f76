/* stages/common/grow.h: the one way a growable array grows.
 *
 * An array is a pointer and a capacity in elements; the caller keeps the
 * count. grow__to makes room for need elements, doubling the capacity from
 * first (or from the current capacity) until it fits; new elements are not
 * initialised. It is called by whichever thread owns the array (no locking).
 * Returns 0, or -ENOMEM with the array and its capacity unchanged (also when
 * need * elem would overflow).
 */
#ifndef BTFSTREAM_GROW_H
#define BTFSTREAM_GROW_H

#include <stddef.h>

int grow__to(void **arr, size_t *cap, size_t need, size_t elem, size_t first);
/* grow__to, with the elements it adds (from the old capacity on) zeroed: for
 * arrays indexed by an id, where 0 means "not set". */
int grow__to_zeroed(void **arr, size_t *cap, size_t need, size_t elem, size_t first);

/* GROW(arr, cap, need, first): grow__to for a typed array. The check that
 * the room is there is made in line (the writer asks for each record), so
 * need and cap are read twice: pass expressions without side effects. */
#define GROW(arr, cap, need, first) \
	((size_t)(need) <= (size_t)(cap) ? 0 : grow__to((void **)&(arr), &(cap), (need), sizeof(*(arr)), (first)))
/* GROW_ZEROED(arr, cap, need, first): grow__to_zeroed for a typed array. */
#define GROW_ZEROED(arr, cap, need, first) \
	((size_t)(need) <= (size_t)(cap) ? 0 \
	 : grow__to_zeroed((void **)&(arr), &(cap), (need), sizeof(*(arr)), (first)))

#endif
