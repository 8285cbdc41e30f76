/* tests/unit/test_batch_exact.c: a batch's exact copies left out on the
 * merge thread (stages/dedup/batch_exact.h), on a batch made by hand: the
 * index type's copy, two listed CUs (the second the first's types again,
 * in another order, plus a type made of them and a cycle entered by
 * another record), a CU written whole that refers forward, and anchors.
 * Checked: which types are left out and which stand for them, the ids and
 * refs of the image made, the anchors, the string section moved down, the
 * same image whether the orders came with the batch or were made here, and
 * -EPROTO for each kind of inconsistent batch. Then cycles: eight CUs, the
 * same component again (left out whole), one differing in a record after
 * its key (kept, under the same key) and its copy (found down the key's
 * chain), a type leading to a component left out (looked up, and its copy
 * left out), and a component referring to a type its CU kept (recorded;
 * its copy, once that type is left out, left out); and none of it with
 * no_cycles. Last, both batches handed on in chunks (btf_batch.more), cut
 * at every CU boundary or at some: the same image made as in one piece,
 * and -EPROTO for a chunk out of turn or of another batch. */
#include "stages/common/btf_refs.h"
#include "stages/dedup/batch_exact.h"
#include "stages/record/record.h"
#include "tests/tap.h"

#include <errno.h>
#include <linux/btf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct image {
	uint32_t w[256];	/* header, then types, words */
	uint32_t n;		/* words so far */
	uint32_t types;		/* types so far */
};

static void put(struct image *im, uint32_t v)
{
	im->w[im->n++] = v;
}

static void type_head(struct image *im, uint32_t name, uint32_t kind, uint32_t vlen, uint32_t size_type)
{
	put(im, name);
	put(im, kind << 24 | vlen);
	put(im, size_type);
	im->types++;
}

static void int_type(struct image *im, uint32_t name, uint32_t bytes)
{
	type_head(im, name, BTF_KIND_INT, 0, bytes);
	put(im, (BTF_INT_SIGNED << 24) | bytes * 8);
}

static void ref_type(struct image *im, uint32_t kind, uint32_t name, uint32_t ref)
{
	type_head(im, name, kind, 0, ref);
}

static void array_type(struct image *im, uint32_t elem, uint32_t index, uint32_t nelems)
{
	type_head(im, 0, BTF_KIND_ARRAY, 0, 0);
	put(im, elem);
	put(im, index);
	put(im, nelems);
}

/* A struct of one or two members (ref2 0: one). */
static void struct_type(struct image *im, uint32_t name, uint32_t ref1, uint32_t ref2)
{
	type_head(im, name, BTF_KIND_STRUCT, ref2 ? 2 : 1, 16);
	put(im, name + 100);
	put(im, ref1);
	put(im, 0);
	if (ref2) {
		put(im, name + 101);
		put(im, ref2);
		put(im, 64);
	}
}

/* The types of "CU A" (refs CU-local): 1 long, 2 ptr -> 1, 3 struct s
 * {2, 1}, 4 array of 1 by the index type, 5 struct node {6}, 6 ptr -> 5. */
static void cu_a(struct image *im)
{
	int_type(im, 10, 8);
	ref_type(im, BTF_KIND_PTR, 0, 1);
	struct_type(im, 11, 2, 1);
	array_type(im, 1, REF_INDEX_TYPE, 4);
	struct_type(im, 12, 6, 0);
	ref_type(im, BTF_KIND_PTR, 0, 5);
}

/* "CU B": A's types in another order, then a struct t of s, and A's
 * cycle again: 1 ptr -> 2, 2 long, 3 array of 2, 4 struct s {1, 2},
 * 5 struct t {4}, 6 ptr -> 7, 7 struct node {6}. */
static void cu_b(struct image *im)
{
	ref_type(im, BTF_KIND_PTR, 0, 2);
	int_type(im, 10, 8);
	array_type(im, 2, REF_INDEX_TYPE, 4);
	struct_type(im, 11, 1, 2);
	struct_type(im, 13, 4, 0);
	ref_type(im, BTF_KIND_PTR, 0, 7);
	struct_type(im, 12, 6, 0);
}

struct made {
	struct btf_batch b;
	struct image im;
	uint32_t cu_words[2][2];	/* each listed CU's first and last word */
};

/* The batch: writer ids 1 int; 2..7 CU A; 8 typedef -> 9, 9 char (a CU
 * written whole, writer ids); 10..16 CU B; 17, 18 anchors -> 13 (B's s)
 * and 14 (B's t). with_orders: the CUs' offsets and orders come along. */
static void make_batch(struct made *m, bool with_orders)
{
	struct image *im = &m->im;
	uint32_t hdr = sizeof(struct btf_header) / 4;

	memset(m, 0, sizeof(*m));
	im->n = hdr;
	int_type(im, 1, 4);
	m->cu_words[0][0] = im->n;
	cu_a(im);
	m->cu_words[0][1] = im->n;
	ref_type(im, BTF_KIND_TYPEDEF, 20, 9);
	int_type(im, 21, 1);
	m->cu_words[1][0] = im->n;
	cu_b(im);
	m->cu_words[1][1] = im->n;
	ref_type(im, BTF_KIND_TYPEDEF, 0x80000000u, 13);
	ref_type(im, BTF_KIND_TYPEDEF, 0x80000001u, 14);
	put(im, 0);	/* the string section: "" */
	struct btf_header h = { .magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h),
				.type_len = (im->n - 1 - hdr) * 4, .str_off = (im->n - 1 - hdr) * 4, .str_len = 1 };
	memcpy(im->w, &h, sizeof(h));
	m->b = (struct btf_batch){ .raw = (char *)im->w, .size = sizeof(h) + h.type_len + 1, .nanchors = 2,
				   .ntypes = im->types, .index_type = 1, .ncus = 2 };
	m->b.cus = calloc(2, sizeof(*m->b.cus));
	m->b.orders = calloc(64, sizeof(uint32_t));
	for (int k = 0; k < 2; k++) {
		struct batch_cu *cu = &m->b.cus[k];
		const unsigned char *blk = (const unsigned char *)(im->w + m->cu_words[k][0]);
		struct rec_order_scratch s = { 0 };

		cu->first = k ? 10 : 2;
		cu->n = k ? 7 : 6;
		cu->off = (m->cu_words[k][0] - hdr) * 4;
		cu->len = (m->cu_words[k][1] - m->cu_words[k][0]) * 4;
		cu->order = with_orders ? m->b.norders : BATCH_CU_NO_ORDER;
		if (with_orders) {	/* the order alone, as the writer copies it */
			uint32_t off[8];

			rec_order__offsets(blk, cu->len, cu->n, off);
			rec_order__cu(blk, off, cu->n, m->b.orders + m->b.norders, &s);
			m->b.norders += cu->n;
		}
		rec_order__free(&s);
	}
}

/* The image as the writer hands it over: a mapping of its own, which
 * batch_exact__run gives back (unmapped here: no pool). */
static void map_words(struct btf_batch *b, const uint32_t *w)
{
	void *raw = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (raw == MAP_FAILED)
		abort();
	memcpy(raw, w, b->size);
	b->raw = raw;
	b->raw_cap = b->size;
}

/* After any change to m->im. */
static void map_image(struct made *m)
{
	map_words(&m->b, m->im.w);
}

/* Word k of type id (1-based) of the image made, or ~0 past its end. */
static uint32_t batch_word(const struct btf_batch *b, uint32_t id, uint32_t k)
{
	const struct btf_header *h = (const struct btf_header *)b->raw;
	const unsigned char *p = (const unsigned char *)b->raw + h->hdr_len, *end = p + h->type_len;
	uint32_t v;

	for (uint32_t i = 1; i < id && p < end; i++) {
		const struct btf_type *t = (const struct btf_type *)p;
		uint32_t kind = BTF_INFO_KIND(t->info), vlen = BTF_INFO_VLEN(t->info);

		p += 12 + (kind == BTF_KIND_INT ? 4 : kind == BTF_KIND_ARRAY ? 12 : kind == BTF_KIND_STRUCT ? 12 * vlen : 0);
	}
	if (p + 4 * k + 4 > end)
		return ~0u;
	memcpy(&v, p + 4 * k, 4);
	return v;
}

static uint32_t word(const struct made *m, uint32_t id, uint32_t k)
{
	return batch_word(&m->b, id, k);
}

static void check_made(struct made *m, const char *how)
{
	const struct btf_header *h = (const struct btf_header *)m->b.raw;
	/* kept: 1 int; A 2..7; typedef 8 -> 9, char 9; B's t -> 10, its ptr
	 * 11 -> its node 12; anchors 13 -> 4 (A's s), 14 -> 10 */
	static const struct { uint32_t id, k, want; const char *what; } w[] = {
		{ 3, 2, 2, "A's ptr refers to long (2)" },
		{ 4, 4, 3, "A's s: first member the ptr (3)" },
		{ 4, 7, 2, "... second member long (2)" },
		{ 5, 3, 2, "A's array: element long (2)" },
		{ 5, 4, 1, "... index type the batch's int (1)" },
		{ 6, 4, 7, "A's node: member its ptr (7)" },
		{ 7, 2, 6, "A's ptr -> node (6)" },
		{ 8, 2, 9, "the CU written whole: its typedef refers forward to 9" },
		{ 10, 0, 13, "B's t kept as 10" },
		{ 10, 4, 4, "... its member is A's s (4), which stood for B's" },
		{ 11, 2, 12, "B's cycle kept: its ptr (11) -> its node (12)" },
		{ 12, 4, 11, "... its node's member -> its ptr (11)" },
		{ 13, 2, 4, "anchor 0 (B's s) -> A's s (4)" },
		{ 14, 2, 10, "anchor 1 (B's t) -> 10" },
	};

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		is_int((long)word(m, w[i].id, w[i].k), (long)w[i].want, "%s: %s", how, w[i].what);
	is_int((long)word(m, 15, 0), (long)~0u, "%s: 14 types in the image made", how);
	is_int((long)h->str_off, (long)h->type_len, "%s: the strings right after the types", how);
	is_int((long)m->b.size, (long)(h->hdr_len + h->type_len + h->str_len), "%s: the batch's size follows", how);
	ok(m->b.raw[h->hdr_len + h->str_off] == '\0', "%s: the string section moved down whole", how);
	ok(!m->b.cus && !m->b.orders, "%s: the CUs and orders freed", how);
}

/* The batch with one thing made inconsistent: -EPROTO expected. */
static void expect_eproto(int what, const char *label)
{
	struct batch_exact x = { 0 };
	struct made m;

	make_batch(&m, what != 2);
	switch (what) {
	case 0:	/* a ref past the CU's types */
		m.im.w[m.cu_words[0][0] + 4 + 2] = 9;
		break;
	case 1:	/* a CU not where the ids say */
		m.b.cus[1].first++;
		break;
	case 2:	/* a type's vlen reaching past the CU (offsets made here: they do not add up) */
		m.im.w[m.cu_words[1][1] - 6 + 1] = BTF_KIND_STRUCT << 24 | 9;
		break;
	case 3:	/* a sent order naming a type twice */
		m.b.orders[m.b.cus[0].order + 1] = m.b.orders[m.b.cus[0].order];
		break;
	case 4:	/* the orders end before the second CU's does */
		m.b.norders = m.b.cus[1].order + 3;
		break;
	case 5:	/* an anchor refers past the last type */
		m.im.w[m.cu_words[1][1] + 2] = 19;
		break;
	case 7:	/* a type of the CU written whole refers into the CU after it */
		m.im.w[m.cu_words[0][1] + 2] = 10;
		break;
	case 6:	/* a CU's refs to the index type, with none */
		m.b.index_type = 0;
		break;
	}
	map_image(&m);
	is_int(batch_exact__run(&x, &m.b), -EPROTO, "%s: -EPROTO", label);
	ok(m.b.raw_heap && m.b.cus, "%s: the batch, a copy of its image, left for the caller", label);
	btf_batch__free_raw(&m.b);
	free(m.b.cus);
	free(m.b.orders);
	batch_exact__fini(&x);
}

/* A batch of listed CUs (orders made here) after the index type's copy,
 * then anchors. */
struct cycles {
	struct image im;
	struct batch_cu cus[8];
	uint32_t ncus;
	uint32_t begin;		/* the current CU's first word */
	struct btf_batch b;
};

static void cu_begin(struct cycles *c)
{
	uint32_t hdr = sizeof(struct btf_header) / 4;

	c->begin = c->im.n;
	c->cus[c->ncus] = (struct batch_cu){ .first = c->im.types + 1, .off = (c->im.n - hdr) * 4,
					     .order = BATCH_CU_NO_ORDER };
}

static void cu_end(struct cycles *c)
{
	struct batch_cu *cu = &c->cus[c->ncus++];

	cu->n = c->im.types + 1 - cu->first;
	cu->len = (c->im.n - c->begin) * 4;
}

/* A cycle CU (refs CU-local): 1 long, [2 typedef x -> the struct,] struct
 * node { np, long }, typedef np (named np_name) -> ptr, ptr -> node. The
 * walk enters the cycle at node either way. */
static void cycle_cu(struct cycles *c, uint32_t np_name, bool with_x)
{
	uint32_t s = with_x ? 3 : 2;

	cu_begin(c);
	int_type(&c->im, 10, 8);
	if (with_x)
		ref_type(&c->im, BTF_KIND_TYPEDEF, 40, s);
	struct_type(&c->im, 12, s + 1, 1);
	ref_type(&c->im, BTF_KIND_TYPEDEF, np_name, s + 2);
	ref_type(&c->im, BTF_KIND_PTR, 0, s);
	cu_end(c);
}

/* 1 int (name 50), 2 struct node2 { ptr, int }, 3 ptr -> node2. */
static void cycle_on_int_cu(struct cycles *c)
{
	cu_begin(c);
	int_type(&c->im, 50, 2);
	struct_type(&c->im, 60, 3, 1);
	ref_type(&c->im, BTF_KIND_PTR, 0, 2);
	cu_end(c);
}

/* Writer ids: 1 the index type; CUs 2-5 A, 6-9 A, 10-13 C, 14-17 C, 18-22
 * A with x, 23-27 the same, 28-30 and 31-33 the cycle on an int; anchors
 * 34 -> 15 (the second C's node), 35 -> 24 (the second x), 36 -> 32 (the
 * second node2). */
static void make_cycles(struct cycles *c)
{
	uint32_t hdr = sizeof(struct btf_header) / 4;

	memset(c, 0, sizeof(*c));
	c->im.n = hdr;
	int_type(&c->im, 1, 4);
	cycle_cu(c, 30, false);
	cycle_cu(c, 30, false);
	cycle_cu(c, 31, false);
	cycle_cu(c, 31, false);
	cycle_cu(c, 30, true);
	cycle_cu(c, 30, true);
	cycle_on_int_cu(c);
	cycle_on_int_cu(c);
	ref_type(&c->im, BTF_KIND_TYPEDEF, 0x80000000u, 15);
	ref_type(&c->im, BTF_KIND_TYPEDEF, 0x80000001u, 24);
	ref_type(&c->im, BTF_KIND_TYPEDEF, 0x80000002u, 32);
	put(&c->im, 0);
	struct btf_header h = { .magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h),
				.type_len = (c->im.n - 1 - hdr) * 4, .str_off = (c->im.n - 1 - hdr) * 4, .str_len = 1 };
	memcpy(c->im.w, &h, sizeof(h));
	c->b = (struct btf_batch){ .size = sizeof(h) + h.type_len + 1, .nanchors = 3, .ntypes = c->im.types,
				   .index_type = 1, .ncus = c->ncus };
	c->b.cus = malloc(sizeof(c->cus));
	memcpy(c->b.cus, c->cus, sizeof(c->cus));
	map_words(&c->b, c->im.w);
}

static void cycles(void)
{
	static const struct { uint32_t id, k, want; const char *what; } w[] = {
		{ 3, 4, 4, "A's node: np (4)" },
		{ 3, 7, 2, "... and long (2)" },
		{ 5, 2, 3, "A's ptr -> node (3)" },
		{ 6, 4, 7, "C's node kept as 6 -> its np (7)" },
		{ 6, 7, 2, "... and A's long (2)" },
		{ 7, 0, 31, "C's np named 31" },
		{ 8, 2, 6, "C's ptr -> its node (6)" },
		{ 9, 0, 40, "the first x kept as 9" },
		{ 9, 2, 3, "... -> A's node (3), which stood for its CU's" },
		{ 10, 0, 50, "the first int kept as 10" },
		{ 11, 4, 12, "node2 kept as 11 -> its ptr (12)" },
		{ 11, 7, 10, "... and the int (10)" },
		{ 13, 2, 6, "anchor 0 (the second C's node) -> C's (6), found down the chain" },
		{ 14, 2, 9, "anchor 1 (the second x) -> the first (9)" },
		{ 15, 2, 11, "anchor 2 (the second node2) -> the first (11)" },
	};
	struct batch_exact x = { 0 };
	struct cycles c;

	make_cycles(&c);
	is_int(batch_exact__run(&x, &c.b), 0, "eight CUs with cycles");
	is_int((long)x.dropped, 21, "21 types left out");
	is_int((long)x.dropped_cyclic, 14, "... 14 of them on cycles: A's, C's, A's in both CUs with x, node2's");
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		is_int((long)batch_word(&c.b, w[i].id, w[i].k), (long)w[i].want, "cycles: %s", w[i].what);
	is_int((long)batch_word(&c.b, 16, 0), (long)~0u, "15 types in the image made");
	btf_batch__free_raw(&c.b);
	batch_exact__fini(&x);
	x.no_cycles = true;
	make_cycles(&c);
	is_int(batch_exact__run(&x, &c.b), 0, "the same without components looked up (BTFSTREAM_EXACT_CYCLES=0)");
	is_int((long)x.dropped, 6, "... only the copies of long and of the int left out");
	is_int((long)x.dropped_cyclic, 0, "... none on a cycle");
	is_int((long)batch_word(&c.b, 31, 0), (long)~0u, "... 30 types in the image made");
	btf_batch__free_raw(&c.b);
	batch_exact__fini(&x);
}

/* Chunk k of whole (the types from byte from to byte to of its type
 * section, cut at CU boundaries), as the writer hands it on: an image of
 * its own ("" for strings), its listed CUs at offsets of its own with their
 * orders, the batch's ids up to its end; the anchors only in the last. */
static struct btf_batch *chunk_of(const struct btf_batch *whole, const uint32_t *w, uint32_t k, size_t from,
				  size_t to, bool last)
{
	const unsigned char *types = (const unsigned char *)w + sizeof(struct btf_header);
	struct btf_batch *b = calloc(1, sizeof(*b));
	struct btf_header h = { .magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h),
				.type_len = (uint32_t)(to - from), .str_off = (uint32_t)(to - from), .str_len = 1 };
	uint32_t ids = 0;
	uint32_t *img = calloc(1, sizeof(h) + (to - from) + 4);

	for (size_t at = 0; at < to; at += btf_refs__type_bytes((const struct btf_type *)(types + at)))
		ids++;
	memcpy(img, &h, sizeof(h));
	memcpy((char *)img + sizeof(h), types + from, to - from);
	*b = (struct btf_batch){ .chunk = k, .more = !last, .size = sizeof(h) + (to - from) + 1, .ntypes = ids,
				 .index_type = whole->index_type, .nanchors = last ? whole->nanchors : 0 };
	b->cus = calloc(whole->ncus + 1, sizeof(*b->cus));
	b->orders = calloc(whole->norders + 1, sizeof(uint32_t));
	for (uint32_t i = 0; i < whole->ncus; i++) {
		struct batch_cu cu = whole->cus[i];

		if (cu.off < from || cu.off >= to)
			continue;
		cu.off -= from;
		if (cu.order != BATCH_CU_NO_ORDER) {
			memcpy(b->orders + b->norders, whole->orders + cu.order, cu.n * sizeof(uint32_t));
			cu.order = b->norders;
			b->norders += cu.n;
		}
		b->cus[b->ncus++] = cu;
	}
	if (!b->ncus) {
		free(b->cus);
		b->cus = NULL;
	}
	map_words(b, img);
	free(img);
	return b;
}

/* whole (not yet run) handed on in chunks cut at the given type-section
 * offsets, each run in turn: 0, or the first error (the rest not run). The
 * image made is left in *made (its last chunk). */
static int run_chunks(struct batch_exact *x, const struct btf_batch *whole, const uint32_t *w, const size_t *cuts,
		      uint32_t ncuts, struct btf_batch **made)
{
	const struct btf_header *h = (const struct btf_header *)w;
	size_t from = 0;
	int err = 0;

	*made = NULL;
	for (uint32_t k = 0; k <= ncuts && !err; k++) {
		size_t to = k < ncuts ? cuts[k] : h->type_len;
		struct btf_batch *b = chunk_of(whole, w, k, from, to, k == ncuts);

		err = batch_exact__run(x, b);
		if (k == ncuts && !err)
			*made = b;
		else
			btf_batch__free(b);
		from = to;
	}
	return err;
}

/* The batches of the tests above in chunks: the same image made. */
static void chunks(void)
{
	struct batch_exact x = { 0 };
	struct btf_batch *made;
	struct made one;
	struct cycles c;
	size_t cuts[10];

	make_batch(&one, true);
	map_image(&one);
	for (uint32_t i = 0; i < one.b.ncus; i++)
		cuts[i] = one.b.cus[i].off;	/* before each CU: the first chunk the index type's copy alone */
	cuts[2] = one.b.cus[1].off + one.b.cus[1].len;	/* ... and after B, the anchors alone */
	is_int(run_chunks(&x, &one.b, one.im.w, cuts, 3, &made), 0, "the batch in four chunks");
	ok(made && made->raw_heap && !made->more, "... made into an image of its own");
	is_int(batch_exact__run(&x, &one.b), 0, "... and in one piece");
	ok(made && made->size == one.b.size && !memcmp(made->raw, one.b.raw, one.b.size),
	   "... the same image made either way");
	ok(made && !made->cus && !made->orders, "... the last chunk's CUs freed");
	btf_batch__free(made);
	btf_batch__free_raw(&one.b);
	batch_exact__fini(&x);

	make_cycles(&c);
	for (uint32_t i = 0; i < c.ncus; i++)
		cuts[i] = c.cus[i].off + c.cus[i].len;	/* after each CU */
	x = (struct batch_exact){ 0 };
	is_int(run_chunks(&x, &c.b, c.im.w, cuts, c.ncus, &made), 0, "eight CUs with cycles, a chunk each");
	is_int((long)x.dropped, 21, "... 21 types left out, as in one piece");
	is_int((long)x.dropped_cyclic, 14, "... 14 of them on cycles");
	is_int(batch_exact__run(&x, &c.b), 0, "... and in one piece");
	ok(made && made->size == c.b.size && !memcmp(made->raw, c.b.raw, c.b.size), "... the same image made");
	btf_batch__free(made);
	btf_batch__free_raw(&c.b);

	make_cycles(&c);
	cuts[0] = c.cus[2].off;
	cuts[1] = c.cus[5].off;
	x.dropped = 0;
	is_int(run_chunks(&x, &c.b, c.im.w, cuts, 2, &made), 0, "the same in three chunks of several CUs");
	is_int((long)x.dropped, 21, "... 21 left out");
	btf_batch__free(made);
	made = chunk_of(&c.b, c.im.w, 1, cuts[0], cuts[1], false);
	is_int(batch_exact__run(&x, made), -EPROTO, "a chunk after the batch's last: -EPROTO");
	btf_batch__free(made);
	made = chunk_of(&c.b, c.im.w, 0, 0, cuts[0], false);
	is_int(batch_exact__run(&x, made), 0, "a batch's first chunk");
	btf_batch__free(made);
	made = chunk_of(&c.b, c.im.w, 2, cuts[1], ((const struct btf_header *)c.im.w)->type_len, true);
	is_int(batch_exact__run(&x, made), -EPROTO, "... then its third: -EPROTO");
	btf_batch__free(made);
	made = chunk_of(&c.b, c.im.w, 1, cuts[0], cuts[1], false);
	made->index = 7;
	is_int(batch_exact__run(&x, made), -EPROTO, "a chunk of another batch: -EPROTO");
	btf_batch__free(made);
	btf_batch__free_raw(&c.b);
	btf_batch__free_cus(&c.b);	/* (never run whole) */
	batch_exact__fini(&x);
}

int main(void)
{
	struct batch_exact x = { 0 };
	struct made sent, own;
	static const char *bad[] = { "a ref past its CU", "a CU's first id off by one", "a vlen past the CU",
				     "an order naming a type twice", "orders shorter than the CUs",
				     "an anchor referring past the last type", "the index type missing",
				     "a ref from a CU written whole into a later one" };

	make_batch(&sent, true);
	map_image(&sent);
	is_int(batch_exact__run(&x, &sent.b), 0, "the batch with the readers' orders");
	ok(sent.b.raw_heap && (uint32_t *)sent.b.raw != sent.im.w, "... made into a copy of its own");
	is_int((long)x.dropped, 4, "B's long, ptr, array and s left out");
	is_int((long)x.ordered, 0, "no order made here");
	check_made(&sent, "orders sent");
	make_batch(&own, false);
	map_image(&own);
	is_int(batch_exact__run(&x, &own.b), 0, "the batch without orders (one reader)");
	is_int((long)x.ordered, 2, "both CUs' orders made here");
	is_int((long)x.dropped, 8, "the same four left out again (the table reset per batch)");
	ok(sent.b.size == own.b.size && !memcmp(sent.b.raw, own.b.raw, sent.b.size), "the same image either way");
	btf_batch__free_raw(&sent.b);
	btf_batch__free_raw(&own.b);
	batch_exact__fini(&x);

	struct made none;

	make_batch(&none, true);
	map_image(&none);
	free(none.b.cus);
	free(none.b.orders);
	none.b.cus = NULL;
	size_t before = none.b.size;

	is_int(batch_exact__run(&x, &none.b), 0, "a batch with no listed CUs");
	is_int((long)none.b.size, (long)before, "... is left as it is");
	ok(!none.b.raw_heap, "... in the writer's image");
	btf_batch__free_raw(&none.b);
	batch_exact__fini(&x);
	for (int i = 0; i < 8; i++)
		expect_eproto(i, bad[i]);
	cycles();
	chunks();
	done_testing();
	return 0;
}
