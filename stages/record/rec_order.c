/* stages/record/rec_order.c: see rec_order.h. */
#include "stages/record/rec_order.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/btf_refs.h"
#include "stages/common/grow.h"

/* state[i]: not reached yet, on the walk's path, or done (marked or not). */
enum { UNSEEN, ON_PATH, DONE, DONE_CYCLIC };

/* A record on the walk's path: its refs not looked at yet (left of them,
 * stride words apart from p), and whether it is marked so far. */
struct rec_order_frame {
	const uint32_t *p;
	uint32_t left, stride, i, cyclic;
};

/* The walk from root; appends to order at *nout. A record with no refs is
 * finished where it is met, without a frame: the order is the same as
 * entering and leaving it at once. */
static void walk(struct rec_order_scratch *s, const unsigned char *block, const uint32_t *off, uint32_t n,
		 uint32_t root, uint32_t *order, uint32_t *nout)
{
	struct rec_order_frame *stack = s->stack;
	uint8_t *state = s->state;
	uint32_t sp = 0, c = root;

	for (;;) {
		struct rec_refs refs = rec_order__refs((const struct btf_type *)(block + off[c]));

		if (refs.count) {
			state[c] = ON_PATH;
			stack[sp++] = (struct rec_order_frame){ refs.at, refs.count, refs.stride, c, 0 };
		} else {
			state[c] = DONE;
			order[(*nout)++] = c;
			if (!sp)
				return;
		}
		for (;;) {	/* the top frame's next unseen ref, or its end */
			struct rec_order_frame *f = &stack[sp - 1];

			while (f->left) {
				c = *f->p - 1u;
				f->p += f->stride;
				f->left--;
				if (c >= n)	/* void, the index type, or no record */
					continue;
				if (state[c] == UNSEEN)
					goto enter;
				f->cyclic |= state[c] != DONE;	/* on the path, or marked */
			}
			state[f->i] = f->cyclic ? DONE_CYCLIC : DONE;
			order[(*nout)++] = f->i | (f->cyclic ? REC_ORDER_CYCLIC : 0);
			if (!--sp)
				return;
			stack[sp - 1].cyclic |= f->cyclic;
		}
enter:;
	}
}

int rec_order__offsets(const unsigned char *block, size_t len, uint32_t n, uint32_t *off)
{
	size_t at = 0;

	for (uint32_t i = 0; i < n; i++) {
		size_t size;

		if (len - at < sizeof(struct btf_type) ||
		    !(size = btf_refs__type_bytes((const struct btf_type *)(block + at))) || size > len - at)
			return -EPROTO;
		off[i] = (uint32_t)at;
		at += size;
	}
	off[n] = (uint32_t)at;
	return at == len ? 0 : -EPROTO;
}

int rec_order__cu(const unsigned char *block, const uint32_t *off, uint32_t n, uint32_t *order,
		  struct rec_order_scratch *s)
{
	uint32_t nout = 0;

	if (!n)
		return 0;
	if (n >= REC_ORDER_CYCLIC)
		return -E2BIG;
	if (n > s->cap) {
		size_t cap = s->cap;

		if (grow__to((void **)&s->state, &cap, n, sizeof(*s->state), 1024))
			return -ENOMEM;
		cap = s->cap;
		if (grow__to((void **)&s->stack, &cap, n, sizeof(*s->stack), 1024))
			return -ENOMEM;
		s->cap = cap;
	}
	memset(s->state, UNSEEN, n);
	for (uint32_t i = 0; i < n; i++)
		if (s->state[i] == UNSEEN)
			walk(s, block, off, n, i, order, &nout);
	return 0;
}

void rec_order__free(struct rec_order_scratch *s)
{
	free(s->state);
	free(s->stack);
	memset(s, 0, sizeof(*s));
}
