/* stages/record/rec_order.c: see rec_order.h. */
#include "stages/record/rec_order.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/btf_refs.h"
#include "stages/common/grow.h"

/* next[i]: 0 not reached yet; while on the walk's path, the next ref to
 * look at + 1, with ON_CYCLE once it is known to be marked; then one of: */
#define DONE 0xffffffffu
#define DONE_CYCLIC 0xfffffffeu
#define ON_CYCLE (1u << 30)
#define NEXT_REF(st) (((st) & ~ON_CYCLE) - 1)

/* The walk from root; appends to order at *nout. */
static void walk(struct rec_order_scratch *s, const unsigned char *block, const uint32_t *off, uint32_t n,
		 uint32_t root, uint32_t *order, uint32_t *nout)
{
	uint32_t sp = 0;

	s->stack[sp++] = root;
	s->next[root] = 1;
	while (sp) {
		uint32_t i = s->stack[sp - 1], st = s->next[i], k = NEXT_REF(st), *r;
		struct rec_refs refs = rec_order__refs((const struct btf_type *)(block + off[i]));
		bool pushed = false;

		while (!pushed && (r = rec_order__ref(&refs, k++)) != NULL) {
			uint32_t c = *r - 1u, cs;

			if (c >= n)	/* void, the index type, or no record */
				continue;
			cs = s->next[c];
			if (!cs) {
				s->next[c] = 1;
				s->stack[sp++] = c;
				pushed = true;
			} else if (cs != DONE) {	/* on the path, or marked */
				st |= ON_CYCLE;
			}
		}
		if (pushed) {
			s->next[i] = (k + 1) | (st & ON_CYCLE);
			continue;
		}
		sp--;
		s->next[i] = st & ON_CYCLE ? DONE_CYCLIC : DONE;
		order[(*nout)++] = i | (st & ON_CYCLE ? REC_ORDER_CYCLIC : 0);
		if (sp && (st & ON_CYCLE))
			s->next[s->stack[sp - 1]] |= ON_CYCLE;
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

	if (n >= ON_CYCLE)
		return -E2BIG;
	if (n > s->cap) {
		size_t cap = s->cap;

		if (grow__to((void **)&s->next, &cap, n, sizeof(*s->next), 1024))
			return -ENOMEM;
		cap = s->cap;
		if (grow__to((void **)&s->stack, &cap, n, sizeof(*s->stack), 1024))
			return -ENOMEM;
		s->cap = cap;
	}
	memset(s->next, 0, (size_t)n * sizeof(*s->next));
	for (uint32_t i = 0; i < n; i++)
		if (!s->next[i])
			walk(s, block, off, n, i, order, &nout);
	return 0;
}

void rec_order__free(struct rec_order_scratch *s)
{
	free(s->next);
	free(s->stack);
	memset(s, 0, sizeof(*s));
}
