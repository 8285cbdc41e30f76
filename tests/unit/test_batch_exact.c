/* tests/unit/test_batch_exact.c: a batch's exact copies left out on the
 * merge thread (stages/dedup/batch_exact.h), on a batch made by hand: the
 * index type's copy, two listed CUs (the second the first's types again,
 * in another order, plus a type made of them and a cycle), a CU written
 * whole that refers forward, and anchors. Checked: which types are left
 * out and which stand for them, the ids and refs of the image made, the
 * anchors, the string section moved down, the same image whether the
 * orders came with the batch or were made here, and -EPROTO for each kind
 * of inconsistent batch. */
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
 * batch_exact__run gives back (unmapped here: no pool). After any change
 * to m->im. */
static void map_image(struct made *m)
{
	void *raw = mmap(NULL, m->b.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (raw == MAP_FAILED)
		abort();
	memcpy(raw, m->im.w, m->b.size);
	m->b.raw = raw;
	m->b.raw_cap = m->b.size;
}

/* Word k of type id (1-based) of the image made, or ~0 past its end. */
static uint32_t word(const struct made *m, uint32_t id, uint32_t k)
{
	const struct btf_header *h = (const struct btf_header *)m->b.raw;
	const unsigned char *p = (const unsigned char *)m->b.raw + h->hdr_len, *end = p + h->type_len;
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
	ok(!m.b.raw_heap && m.b.cus, "%s: the batch left for the caller", label);
	btf_batch__free_raw(&m.b);
	free(m.b.cus);
	free(m.b.orders);
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
	done_testing();
	return 0;
}
