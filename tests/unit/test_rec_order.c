/* tests/unit/test_rec_order.c: rec_order__cu on BTF bytes with CU-local
 * refs: random graphs of every kind that holds refs (PTR, TYPEDEF, ARRAY,
 * STRUCT, FUNC_PROTO) and none (INT), with void and the index type among
 * the refs, against a brute-force answer (a record is marked exactly when
 * a record on a cycle is reachable from it; the order is a permutation in
 * which each record comes after every record it refers to outside its
 * component, and each run joined by REC_ORDER_SCC_MORE is exactly one
 * component: the records that reach each other); two copies of a cycle
 * entered alike come out alike, entered by another record, rotated;
 * self-references, a chain of 200,000 pointers (no recursion), an empty
 * CU, and rec_order__ref's view of each kind. */
#include "stages/record/rec_order.h"
#include "stages/record/record.h"
#include "tests/tap.h"
#include "tests/unit/xorshift.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t next(void)
{
	return (uint32_t)(xorshift64(&rng) >> 16);
}

struct cu {
	unsigned char buf[1 << 16];
	size_t len;
	uint32_t off[512];
	uint32_t n;
	uint32_t refs[512][8];	/* each record's refs, as written */
	uint32_t nrefs[512];
};

static void *put(struct cu *c, size_t bytes)
{
	void *p = c->buf + c->len;

	memset(p, 0, bytes);
	c->len += bytes;
	return p;
}

/* A record of kind with the k refs in r (as many as the kind holds). */
static void add(struct cu *c, int kind, const uint32_t *r, uint32_t k)
{
	struct btf_type *t;

	c->off[c->n] = (uint32_t)c->len;
	t = put(c, sizeof(*t));
	switch (kind) {
	case BTF_KIND_INT:
		t->info = BTF_KIND_INT << 24;
		t->size = 4;
		*(uint32_t *)put(c, 4) = 32;
		k = 0;
		break;
	case BTF_KIND_ARRAY: {
		struct btf_array *a = put(c, sizeof(*a));

		t->info = BTF_KIND_ARRAY << 24;
		a->type = r[0];
		a->index_type = r[1];
		a->nelems = 3;
		k = 2;
		break;
	}
	case BTF_KIND_STRUCT:
		t->info = BTF_KIND_STRUCT << 24 | k;
		t->size = 8 * k;
		for (uint32_t i = 0; i < k; i++) {
			struct btf_member *m = put(c, sizeof(*m));

			m->name_off = i + 1;
			m->type = r[i];
			m->offset = 64 * i;
		}
		break;
	case BTF_KIND_FUNC_PROTO:
		t->info = BTF_KIND_FUNC_PROTO << 24 | (k - 1);
		t->type = r[0];
		for (uint32_t i = 1; i < k; i++) {
			struct btf_param *p = put(c, sizeof(*p));

			p->name_off = i;
			p->type = r[i];
		}
		break;
	default:	/* PTR, TYPEDEF */
		t->info = (uint32_t)kind << 24;
		t->type = r[0];
		k = 1;
	}
	memcpy(c->refs[c->n], r, k * sizeof(*r));
	c->nrefs[c->n] = k;
	c->n++;
}

/* A ref for a random record: mostly a record, sometimes void or the index type. */
static uint32_t rand_ref(uint32_t n)
{
	uint32_t x = next() % 16;

	return x == 0 ? REF_VOID : x == 1 ? REF_INDEX_TYPE : 1 + next() % n;
}

static void random_cu(struct cu *c, uint32_t n)
{
	static const int kinds[] = { BTF_KIND_INT, BTF_KIND_PTR, BTF_KIND_TYPEDEF, BTF_KIND_ARRAY,
				     BTF_KIND_STRUCT, BTF_KIND_FUNC_PROTO };

	c->len = c->n = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t r[8], k = 1 + next() % 8;

		for (uint32_t j = 0; j < 8; j++)
			r[j] = rand_ref(n);
		add(c, kinds[next() % 6], r, k);
	}
	c->off[n] = (uint32_t)c->len;
}

/* reach[i][j]: j reachable from i by one or more refs. */
static bool reach[512][512];

static bool expected_marks(const struct cu *c, bool *mark)
{
	uint32_t n = c->n;

	memset(reach, 0, sizeof(reach));
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t k = 0; k < c->nrefs[i]; k++)
			if (c->refs[i][k] - 1u < n)
				reach[i][c->refs[i][k] - 1] = true;
	for (uint32_t m = 0; m < n; m++)
		for (uint32_t i = 0; i < n; i++)
			if (reach[i][m])
				for (uint32_t j = 0; j < n; j++)
					reach[i][j] |= reach[m][j];
	for (uint32_t i = 0; i < n; i++) {
		mark[i] = reach[i][i];
		for (uint32_t j = 0; j < n && !mark[i]; j++)
			mark[i] = reach[i][j] && reach[j][j];
	}
	return true;
}

static bool same_component(uint32_t i, uint32_t j)
{
	return i == j || (reach[i][j] && reach[j][i]);
}

/* The runs of the order joined by REC_ORDER_SCC_MORE, against the
 * components (run[i]: the first place of i's run); the faults. */
static int check_components(const struct cu *c, const uint32_t *order, const uint32_t *run)
{
	uint32_t n = c->n, size[512] = { 0 };
	int faults = !!(order[n - 1] & REC_ORDER_SCC_MORE);	/* the last run ends */

	for (uint32_t k = 0; k < n; k++)
		size[run[order[k] & REC_ORDER_INDEX]]++;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t members = 0;

		for (uint32_t j = 0; j < n; j++) {
			members += same_component(i, j);
			faults += same_component(i, j) != (run[i] == run[j]);
		}
		faults += size[run[i]] != members;
		faults += members > 1 && !(order[run[i]] & REC_ORDER_CYCLIC);
	}
	return faults;
}

/* The order's checks; returns the number of faults. */
static int check_order(const struct cu *c, const uint32_t *order, const bool *mark)
{
	uint32_t n = c->n, pos[512], run[512];
	bool seen[512] = { 0 };
	int faults = 0;

	for (uint32_t k = 0, first = 0; k < n; k++) {
		uint32_t i = order[k] & REC_ORDER_INDEX;

		if (i >= n || seen[i]) {
			faults++;
			continue;
		}
		seen[i] = true;
		pos[i] = k;
		run[i] = first;
		if (!(order[k] & REC_ORDER_SCC_MORE))
			first = k + 1;
		faults += !!(order[k] & REC_ORDER_CYCLIC) != mark[i];
	}
	for (uint32_t i = 0; i < n && !faults; i++)
		for (uint32_t k = 0; k < c->nrefs[i]; k++) {
			uint32_t j = c->refs[i][k] - 1u;

			faults += j < n && !same_component(i, j) && pos[j] > pos[i];
		}
	return faults ? faults : check_components(c, order, run);
}

static void random_graphs(void)
{
	static struct cu c;
	static uint32_t order[512];
	struct rec_order_scratch s = { 0 };
	bool mark[512];
	int faults = 0, marked = 0, unmarked = 0;

	for (int round = 0; round < 600; round++) {
		uint32_t n = 1 + (uint32_t)round % 60 + (round % 7 == 0 ? 200 : 0);

		random_cu(&c, n);
		if (rec_order__cu(c.buf, c.off, n, order, &s)) {
			faults++;
			continue;
		}
		expected_marks(&c, mark);
		faults += check_order(&c, order, mark);
		for (uint32_t i = 0; i < n; i++)
			mark[i] ? marked++ : unmarked++;
	}
	is_int(faults, 0, "600 random CUs: marks and components as brute force finds them, each record after its "
	       "refs out of its component");
	ok(marked > 1000 && unmarked > 1000, "... with both kinds in number (%d marked, %d not)", marked, unmarked);
	rec_order__free(&s);
}

static void small_cases(void)
{
	static struct cu c;
	uint32_t order[8], r[2];
	struct rec_order_scratch s = { 0 };

	c.len = c.n = 0;
	r[0] = 1;
	add(&c, BTF_KIND_PTR, r, 1);	/* 1: a pointer to itself */
	r[0] = 1;
	add(&c, BTF_KIND_TYPEDEF, r, 1);	/* 2: leads to it */
	add(&c, BTF_KIND_INT, r, 0);	/* 3 */
	r[0] = 3;
	r[1] = REF_INDEX_TYPE;
	add(&c, BTF_KIND_ARRAY, r, 2);	/* 4: int[] */
	c.off[c.n] = (uint32_t)c.len;
	ok(!rec_order__cu(c.buf, c.off, c.n, order, &s), "four records");
	ok(order[0] == (0 | REC_ORDER_CYCLIC) && order[1] == (1 | REC_ORDER_CYCLIC) && order[2] == 2 && order[3] == 3,
	   "a self-reference is marked, so is what leads to it; int before the array of it");
	ok(!rec_order__cu(c.buf, c.off, 0, order, &s), "an empty CU");
	rec_order__free(&s);
	ok(!rec_order__cu(c.buf, c.off, 0, order, &s), "an empty CU first, on a scratch never grown");
}

/* Record i's place in the order, or -1. */
static int place_of(const uint32_t *order, uint32_t n, uint32_t i)
{
	for (uint32_t k = 0; k < n; k++)
		if ((order[k] & REC_ORDER_INDEX) == i)
			return (int)k;
	return -1;
}

/* Two copies of a cycle (a struct holding a typedef of a pointer to it),
 * each reached first through a typedef of the struct: both come out
 * struct, typedef, pointer (the walk's order, from where it entered); a
 * third reached through its pointer comes out pointer, struct, typedef. */
static void component_copies(void)
{
	static struct cu c;
	static const uint32_t want[3][3] = { { 1, 3, 2 }, { 5, 7, 6 }, { 10, 9, 11 } };
	uint32_t order[16], r[1];
	struct rec_order_scratch s = { 0 };

	c.len = c.n = 0;
	for (uint32_t base = 0; base < 12; base += 4) {
		r[0] = base == 8 ? base + 3 : base + 2;	/* a typedef of the struct, or of the pointer */
		add(&c, BTF_KIND_TYPEDEF, r, 1);
		r[0] = base + 4;			/* struct { the typedef after the pointer } */
		add(&c, BTF_KIND_STRUCT, r, 1);
		r[0] = base + 2;			/* pointer to the struct */
		add(&c, BTF_KIND_PTR, r, 1);
		r[0] = base + 3;			/* typedef of the pointer */
		add(&c, BTF_KIND_TYPEDEF, r, 1);
	}
	c.off[c.n] = (uint32_t)c.len;
	ok(!rec_order__cu(c.buf, c.off, c.n, order, &s), "three copies of a cycle");
	for (int copy = 0; copy < 3; copy++) {
		int at = place_of(order, c.n, want[copy][0]), faults = at < 0 || at + 3 > (int)c.n;

		for (int k = 0; k < 3 && !faults; k++)
			faults += order[at + k] != (want[copy][k] | REC_ORDER_CYCLIC | (k < 2 ? REC_ORDER_SCC_MORE : 0));
		is_int(faults, 0, "... copy %d: its component as records %u, %u, %u", copy + 1, want[copy][0],
		       want[copy][1], want[copy][2]);
	}
	rec_order__free(&s);
}

static void deep_chain(void)
{
	enum { N = 200000 };
	unsigned char *buf = malloc((size_t)N * sizeof(struct btf_type) + 16);
	uint32_t *off = malloc((N + 1) * sizeof(*off)), *order = malloc(N * sizeof(*order));
	struct rec_order_scratch s = { 0 };
	int faults = 0;

	for (uint32_t i = 0; i < N; i++) {
		struct btf_type *t = (struct btf_type *)(buf + (size_t)i * sizeof(*t));

		off[i] = (uint32_t)(i * sizeof(*t));
		t->name_off = 0;
		t->info = BTF_KIND_PTR << 24;
		t->type = i + 1 < N ? i + 2 : REF_VOID;	/* each points at the next */
	}
	off[N] = (uint32_t)(N * sizeof(struct btf_type));
	ok(!rec_order__cu(buf, off, N, order, &s), "a chain of %d pointers, each to the next", N);
	for (uint32_t k = 0; k < N; k++)
		faults += order[k] != N - 1 - k;
	is_int(faults, 0, "... ordered last to first, none marked");
	rec_order__free(&s);
	free(buf);
	free(off);
	free(order);
}

/* How many of a record's refs, as rec_order__ref gives them, are r's in
 * order (stopping at the first that differs). */
static int refs_matching(int kind, const uint32_t *r, uint32_t k)
{
	static struct cu c;
	struct rec_refs refs;
	uint32_t *p;
	int n;

	c.len = c.n = 0;
	add(&c, kind, r, k);
	refs = rec_order__refs((const struct btf_type *)c.buf);
	for (n = 0; (p = rec_order__ref(&refs, (uint32_t)n)) != NULL && *p == r[n]; n++)
		;
	return p ? -1 : n;
}

static void refs_view(void)
{
	uint32_t r[4] = { 2, 3, 4, 5 };

	is_int(refs_matching(BTF_KIND_FUNC_PROTO, r, 3), 3, "a prototype's refs: the return, then each parameter's");
	is_int(refs_matching(BTF_KIND_STRUCT, r, 4), 4, "a struct's refs: each member's type");
	is_int(refs_matching(BTF_KIND_ARRAY, r, 2), 2, "an array's: its element's type, then its index type");
	is_int(refs_matching(BTF_KIND_INT, r, 0), 0, "an int has none");
}

int main(void)
{
	random_graphs();
	small_cases();
	component_copies();
	deep_chain();
	refs_view();
	done_testing();
	return exit_status();
}
