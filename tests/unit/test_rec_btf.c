/* tests/unit/test_rec_btf.c: a record in BTF's layout, ids raw
 * (stages/record/rec_btf.h), and the reader's arena emptied for reuse. */
#include "stages/record/rec_btf.h"
#include "stages/record/arena.h"
#include "tests/tap.h"

#include <errno.h>
#include <linux/btf.h>
#include <string.h>

static unsigned char buf[4096];

/* r encoded: its size as rec_btf__size says, and the header's fields. */
static struct btf_type *encode(const struct type_rec *r, size_t want_size, const char *what)
{
	memset(buf, 0xa5, sizeof(buf));
	is_int(rec_btf__size(r), want_size, "%s: %zu bytes", what, want_size);
	is_int((int)rec_btf__encode(r, buf), (int)want_size, "%s: encoded, its size returned", what);
	ok(buf[want_size] == 0xa5, "%s: nothing written past them", what);
	return (struct btf_type *)buf;
}

static void scalar_kinds(void)
{
	struct type_rec in = { .kind = BTF_KIND_INT, .name = 7, .size_type = 4, .extra = BTF_INT_SIGNED << 24 | 32 };
	struct type_rec ptr = { .kind = BTF_KIND_PTR, .size_type = 3 };
	struct type_rec var = { .kind = BTF_KIND_VAR, .name = 9, .size_type = REF_INDEX_TYPE, .extra = 1,
				.elem = 64, .index = 8, .vlen = 5 };
	struct type_rec arr = { .kind = BTF_KIND_ARRAY, .elem = 2, .index = REF_INDEX_TYPE, .extra = 16 };
	struct type_rec fwd = { .kind = BTF_KIND_FWD, .kflag = 1, .name = 11 };
	struct type_rec tag = { .kind = BTF_KIND_DECL_TAG, .name = 12, .size_type = 4, .extra = (uint32_t)-1 };
	struct btf_type *t;
	uint32_t w;

	t = encode(&in, 16, "INT");
	memcpy(&w, t + 1, 4);
	ok(t->name_off == 7 && t->info == (uint32_t)BTF_KIND_INT << 24 && t->size == 4 && w == in.extra,
	   "INT: name id, kind, size, encoding word");
	t = encode(&ptr, 12, "PTR");
	ok(t->name_off == 0 && t->info == (uint32_t)BTF_KIND_PTR << 24 && t->type == 3, "PTR: the ref as is");
	t = encode(&var, 16, "VAR");
	memcpy(&w, t + 1, 4);
	ok(t->info == (uint32_t)BTF_KIND_VAR << 24 && t->type == REF_INDEX_TYPE && w == 1,
	   "VAR: vlen 0 (the slot travels beside it), the ref and linkage as is");
	t = encode(&arr, 24, "ARRAY");
	{
		const struct btf_array *a = (const void *)(t + 1);

		ok(a->type == 2 && a->index_type == REF_INDEX_TYPE && a->nelems == 16,
		   "ARRAY: element and index refs as is, nelems");
	}
	t = encode(&fwd, 12, "FWD");
	ok(t->info == (1u << 31 | (uint32_t)BTF_KIND_FWD << 24) && t->type == 0, "FWD: kflag (a union)");
	t = encode(&tag, 16, "DECL_TAG");
	memcpy(&w, t + 1, 4);
	ok(t->name_off == 12 && t->type == 4 && w == (uint32_t)-1, "DECL_TAG: value id, ref, component -1");
}

static void list_kinds(void)
{
	struct rec_member m[2] = { { 5, 1, 0 }, { 6, REF_VOID, 3u << 24 | 32 } };
	struct rec_enum_val e[2] = { { 8, (uint32_t)-1, 0 }, { 9, 2, 0x80000000u } };
	struct rec_param a[2] = { { 10, 4 }, { 0, REF_VOID } };
	struct type_rec st = { .kind = BTF_KIND_STRUCT, .kflag = 1, .vlen = 2, .name = 3, .size_type = 8, .payload = m };
	struct type_rec en = { .kind = BTF_KIND_ENUM, .vlen = 2, .size_type = 4, .payload = e };
	struct type_rec e64 = { .kind = BTF_KIND_ENUM64, .kflag = 1, .vlen = 2, .size_type = 8, .payload = e };
	struct type_rec fp = { .kind = BTF_KIND_FUNC_PROTO, .vlen = 2, .size_type = REF_VOID, .payload = a };
	struct type_rec bad = { .kind = BTF_KIND_PTR, .vlen = 1, .size_type = 1, .payload = a };
	struct btf_type *t;

	t = encode(&st, 12 + 2 * sizeof(struct btf_member), "STRUCT");
	{
		const struct btf_member *b = (const void *)(t + 1);

		ok(t->info == (1u << 31 | (uint32_t)BTF_KIND_STRUCT << 24 | 2) && t->size == 8 && b[0].name_off == 5 &&
		   b[0].type == 1 && b[0].offset == 0 && b[1].name_off == 6 && b[1].type == REF_VOID &&
		   b[1].offset == (3u << 24 | 32), "STRUCT: kflag, vlen, members' names, refs and bitfield offsets");
	}
	t = encode(&en, 12 + 2 * sizeof(struct btf_enum), "ENUM");
	{
		const struct btf_enum *b = (const void *)(t + 1);

		ok(b[0].name_off == 8 && b[0].val == -1 && b[1].name_off == 9 && b[1].val == 2, "ENUM: names, values");
	}
	t = encode(&e64, 12 + 2 * sizeof(struct btf_enum64), "ENUM64");
	{
		const struct btf_enum64 *b = (const void *)(t + 1);

		ok(b[1].name_off == 9 && b[1].val_lo32 == 2 && b[1].val_hi32 == 0x80000000u && b[0].val_lo32 == (uint32_t)-1,
		   "ENUM64: names, both halves");
	}
	t = encode(&fp, 12 + 2 * sizeof(struct btf_param), "FUNC_PROTO");
	{
		const struct btf_param *b = (const void *)(t + 1);

		ok(t->type == REF_VOID && b[0].name_off == 10 && b[0].type == 4 && b[1].name_off == 0 &&
		   b[1].type == REF_VOID, "FUNC_PROTO: return ref, parameters, the variadic end");
	}
	ok(rec_btf__encode(&bad, buf) == -EINVAL, "a PTR with entries is refused");
}

static void arena_reuse(void)
{
	struct arena a = { 0 };
	void *first, *again;
	int all = 1;

	for (int i = 0; i < 10; i++)
		all &= arena__alloc_raw(&a, 40000) != NULL;
	ok(all && a.total >= 400000, "ten allocations, several blocks");
	arena__reset(&a);
	ok(a.used == 0 && a.total >= 400000, "reset keeps the memory");
	first = arena__alloc(&a, 64);
	for (int i = 0; i < 9; i++)
		all &= arena__alloc_raw(&a, 40000) != NULL;
	ok(all && a.total >= 400000 && a.total < 800000, "the same ten again fit the block kept (no new one)");
	arena__reset(&a);
	again = arena__alloc(&a, 64);
	ok(again == first, "a reset block is handed out from its start again");
	arena__free(&a);
	ok(a.head == NULL && a.total == 0, "freed");
}

int main(void)
{
	scalar_kinds();
	list_kinds();
	arena_reuse();
	done_testing();
	return exit_status();
}
