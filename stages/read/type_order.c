/* stages/read/type_order.c: see type_order.h. */
#include "stages/read/type_order.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "stages/record/rec_refs.h"

#define UNSEEN UINT32_MAX

struct fill {
	uint32_t *first, *edges;
	size_t n, total;
};

static void count_ref(void *c, uint32_t ref)
{
	struct fill *f = c;

	if (ref != REF_VOID && ref <= f->n)
		f->total++;
}

static void put_ref(void *c, uint32_t ref)
{
	struct fill *f = c;

	if (ref != REF_VOID && ref <= f->n)
		f->edges[f->total++] = ref - 1;
}

static int reserve(struct type_order_scratch *s, size_t n, size_t nedges)
{
	if (n + 1 > s->cap) {
		size_t cap = n + 1024;
		uint32_t **arrays[] = { &s->first, &s->index, &s->low, &s->stack, &s->call, &s->callpos };
		bool bad = false;

		for (size_t k = 0; k < sizeof(arrays) / sizeof(*arrays); k++) {
			free(*arrays[k]);
			bad |= !(*arrays[k] = malloc((cap + 1) * sizeof(uint32_t)));
		}
		free(s->on_stack);
		bad |= !(s->on_stack = malloc(cap + 1));
		s->cap = bad ? 0 : cap;
		if (bad)
			return -ENOMEM;
	}
	if (nedges > s->edges_cap) {
		free(s->edges);
		s->edges_cap = nedges + 4096;
		if (!(s->edges = malloc(s->edges_cap * sizeof(*s->edges))))
			return s->edges_cap = 0, -ENOMEM;
	}
	return 0;
}

/* The forward edges as slices: record i's are edges[first[i] .. first[i + 1]). */
static int build_edges(const struct type_rec *recs, size_t n, struct type_order_scratch *s)
{
	struct fill f = { .n = n };

	for (size_t i = 0; i < n; i++)
		rec_refs__each(&recs[i], count_ref, &f);
	if (reserve(s, n, f.total + 1))
		return -ENOMEM;
	f.first = s->first;
	f.edges = s->edges;
	f.total = 0;
	for (size_t i = 0; i < n; i++) {
		s->first[i] = (uint32_t)f.total;
		rec_refs__each(&recs[i], put_ref, &f);
	}
	s->first[n] = (uint32_t)f.total;
	return 0;
}

/* Tarjan from root v, iterative: call/callpos are the explicit call stack
 * (a node and the next of its edges to follow). Components go to order at
 * *done as they complete. */
static void strongconnect(struct type_order_scratch *s, uint32_t v, uint32_t *counter, uint32_t *order,
			  uint32_t *comp, uint32_t *ncomp, size_t *done)
{
	size_t depth = 0, sp = 0;	/* the Tarjan stack is empty between roots */

	s->call[depth] = v;
	s->callpos[depth] = s->first[v];
	s->index[v] = s->low[v] = (*counter)++;
	s->stack[sp++] = v;
	s->on_stack[v] = 1;
	for (;;) {
		uint32_t u = s->call[depth];

		if (s->callpos[depth] < s->first[u + 1]) {
			uint32_t w = s->edges[s->callpos[depth]++];

			if (s->index[w] == UNSEEN) {
				s->index[w] = s->low[w] = (*counter)++;
				s->stack[sp++] = w;
				s->on_stack[w] = 1;
				depth++;
				s->call[depth] = w;
				s->callpos[depth] = s->first[w];
			} else if (s->on_stack[w] && s->index[w] < s->low[u]) {
				s->low[u] = s->index[w];
			}
			continue;
		}
		if (s->low[u] == s->index[u]) {	/* u roots a component: pop it */
			uint32_t w;

			do {
				w = s->stack[--sp];
				s->on_stack[w] = 0;
				comp[w] = *ncomp;
				order[(*done)++] = w;
			} while (w != u);
			++*ncomp;
		}
		if (!depth)
			return;
		depth--;
		if (s->low[u] < s->low[s->call[depth]])
			s->low[s->call[depth]] = s->low[u];
	}
}

int type_order__cu(const struct type_rec *recs, size_t n, uint32_t *order, uint32_t *comp,
		   struct type_order_scratch *s)
{
	uint32_t counter = 0, ncomp = 0;
	size_t done = 0;

	if (build_edges(recs, n, s))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		s->index[i] = UNSEEN;
	memset(s->on_stack, 0, n);
	for (size_t i = 0; i < n; i++)
		if (s->index[i] == UNSEEN)
			strongconnect(s, (uint32_t)i, &counter, order, comp, &ncomp, &done);
	return done == n ? 0 : -EPROTO;
}

void type_order__free(struct type_order_scratch *s)
{
	free(s->first);
	free(s->edges);
	free(s->index);
	free(s->low);
	free(s->stack);
	free(s->call);
	free(s->callpos);
	free(s->on_stack);
	memset(s, 0, sizeof(*s));
}
