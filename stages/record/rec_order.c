/* stages/record/rec_order.c: see rec_order.h. */
#include "stages/record/rec_order.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/btf_refs.h"
#include "stages/common/grow.h"

/* state[i]: not reached yet, on the component stack (on the walk's path,
 * or finished with its component not yet complete), or emitted (marked or
 * not). */
enum { UNSEEN, ON_STACK, DONE, DONE_CYCLIC };

/* A record on the walk's path: its refs not looked at yet (left of them,
 * stride words apart from p), whether it is marked so far, the lowest
 * discovery number it reaches on the component stack, and its place
 * there. */
struct rec_order_frame {
	const uint32_t *p;
	uint32_t left, stride, i, cyclic, index, low, base;
};

/* The component of two or more records at comp[base..*top) complete (a
 * cycle: all marked): emitted in the order its records were reached, each
 * one but the last with REC_ORDER_SCC_MORE. */
static void emit_component(struct rec_order_scratch *s, uint32_t base, uint32_t *top, uint32_t *order,
			   uint32_t *nout)
{
	uint32_t end = *top;

	for (uint32_t k = base; k < end; k++) {
		s->state[s->comp[k]] = DONE_CYCLIC;
		order[(*nout)++] = s->comp[k] | REC_ORDER_CYCLIC | (k + 1 < end ? REC_ORDER_SCC_MORE : 0);
	}
	*top = base;
}

/* The walk from root (Tarjan's, without recursion); appends to order at
 * *nout, numbering the records it reaches from *reached on. A record with
 * no refs is finished where it is met, without a frame: it is a component
 * of its own, and the order is the same as entering and leaving it at
 * once. */
static void walk(struct rec_order_scratch *s, const unsigned char *block, const uint32_t *off, uint32_t n,
		 uint32_t root, uint32_t *order, uint32_t *nout, uint32_t *reached)
{
	struct rec_order_frame *stack = s->stack;
	uint8_t *state = s->state;
	uint32_t sp = 0, top = 0, c = root;

	for (;;) {
		struct rec_refs refs = rec_order__refs((const struct btf_type *)(block + off[c]));

		if (refs.count) {
			state[c] = ON_STACK;
			s->index[c] = *reached;
			s->comp[top] = c;
			stack[sp++] = (struct rec_order_frame){ refs.at, refs.count, refs.stride, c, 0, *reached, *reached,
								top++ };
			++*reached;
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
				if (state[c] == ON_STACK) {	/* a cycle */
					f->cyclic = 1;
					f->low = s->index[c] < f->low ? s->index[c] : f->low;
				} else {
					f->cyclic |= state[c] == DONE_CYCLIC;
				}
			}
			if (f->low == f->index && top - f->base == 1) {	/* a component of its own */
				state[f->i] = f->cyclic ? DONE_CYCLIC : DONE;
				order[(*nout)++] = f->i | (f->cyclic ? REC_ORDER_CYCLIC : 0);
				top--;
			} else if (f->low == f->index) {
				emit_component(s, f->base, &top, order, nout);
			}
			if (!--sp)
				return;
			stack[sp - 1].cyclic |= f->cyclic;
			stack[sp - 1].low = f->low < stack[sp - 1].low ? f->low : stack[sp - 1].low;
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
	uint32_t nout = 0, reached = 0;

	if (!n)
		return 0;
	if (n > REC_ORDER_INDEX)
		return -E2BIG;
	if (n > s->cap) {
		size_t cap = s->cap;

		if (grow__to((void **)&s->state, &cap, n, sizeof(*s->state), 1024))
			return -ENOMEM;
		cap = s->cap;
		if (grow__to((void **)&s->index, &cap, n, sizeof(*s->index), 1024))
			return -ENOMEM;
		cap = s->cap;
		if (grow__to((void **)&s->comp, &cap, n, sizeof(*s->comp), 1024))
			return -ENOMEM;
		cap = s->cap;
		if (grow__to((void **)&s->stack, &cap, n, sizeof(*s->stack), 1024))
			return -ENOMEM;
		s->cap = cap;
	}
	memset(s->state, UNSEEN, n);
	for (uint32_t i = 0; i < n; i++)
		if (s->state[i] == UNSEEN)
			walk(s, block, off, n, i, order, &nout, &reached);
	return 0;
}

void rec_order__free(struct rec_order_scratch *s)
{
	free(s->state);
	free(s->index);
	free(s->comp);
	free(s->stack);
	memset(s, 0, sizeof(*s));
}
