/* tests/unit/test_acc_exact.c: copies of accumulated types left out as
 * batches are appended (stages/dedup/acc_exact.h). Three batches share an
 * int, a pointer to it and a typedef of that; each has a struct list that
 * points at itself (a cycle: kept every time) and a VAR (kept every time);
 * the second and third add a const of the typedef, the third repeats it,
 * and a typedef whose name no earlier type has. What is left out, what
 * stands for it, the refs of what is kept, and that libbpf's dedup of the
 * whole gives the same bytes as with nothing left out. */
#include "stages/dedup/acc_btf.h"
#include "tests/tap.h"
#include "tests/unit/word_names.h"

#include <bpf/btf.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>

static const char *const words[] = { "", "int", "list", "next", "val", "x", "B", "v" };
#define NWORDS (sizeof(words) / sizeof(words[0]))

static const struct word_list word_list = { words, NWORDS };
static const struct batch_names names = { word_names__str, &word_list };

/* [1] INT int, [2] PTR -> [1], [3] TYPEDEF x -> [2], [4] STRUCT list
 * { next: [5], val: [1] }, [5] PTR -> [4], [6] VAR v -> [1]. With more,
 * two types first, so that every id of the batch differs from the first
 * batch's: [1] CONST -> [5], [2] TYPEDEF B -> [3], then the six above as
 * [3] to [8]. */
static uint32_t batch(uint32_t *w0, bool more)
{
	uint32_t *w = w0, o = more ? 2 : 0;

	if (more) {
		*w++ = 0; *w++ = BTF_KIND_CONST << 24; *w++ = 5;
		*w++ = 6; *w++ = BTF_KIND_TYPEDEF << 24; *w++ = 3;
	}
	*w++ = 1; *w++ = BTF_KIND_INT << 24; *w++ = 4; *w++ = 32;
	*w++ = 0; *w++ = BTF_KIND_PTR << 24; *w++ = 1 + o;
	*w++ = 5; *w++ = BTF_KIND_TYPEDEF << 24; *w++ = 2 + o;
	*w++ = 2; *w++ = BTF_KIND_STRUCT << 24 | 2; *w++ = 16;
	*w++ = 3; *w++ = 5 + o; *w++ = 0;
	*w++ = 4; *w++ = 1 + o; *w++ = 64;
	*w++ = 0; *w++ = BTF_KIND_PTR << 24; *w++ = 4 + o;
	*w++ = 7; *w++ = BTF_KIND_VAR << 24; *w++ = 1 + o; *w++ = BTF_VAR_GLOBAL_ALLOCATED;
	return (uint32_t)((w - w0) * sizeof(*w));
}

/* The three batches appended with exact on or off; the maps of the last
 * two into second and third (9 entries each). */
static bool append_all(struct acc_btf *a, bool exact, uint32_t *second, uint32_t *third)
{
	uint32_t b[64], len, n;
	const uint32_t *map;

	acc_btf__init(a, names);
	a->exact.on = exact;
	len = batch(b, false);
	if (acc_btf__append(a, b, len, &map, &n) || n != 6)
		return false;
	len = batch(b, true);
	if (acc_btf__append(a, b, len, &map, &n) || n != 8)
		return false;
	memcpy(second, map, 9 * sizeof(*map));
	len = batch(b, true);
	if (acc_btf__append(a, b, len, &map, &n) || n != 8)
		return false;
	memcpy(third, map, 9 * sizeof(*map));
	return true;
}

/* The whole taken and deduped by libbpf: its raw bytes (malloc'd), or NULL. */
static void *deduped(struct acc_btf *a, uint32_t *size)
{
	struct btf *btf = acc_btf__take_whole(a);
	const void *raw;
	void *copy = NULL;

	if (btf && !btf__dedup(btf, NULL) && (raw = btf__raw_data(btf, size)) && (copy = malloc(*size)))
		memcpy(copy, raw, *size);
	btf__free(btf);
	return copy;
}

int main(void)
{
	uint32_t second[9], third[9], all2[9], all3[9], n1, n2;
	struct acc_btf a, b;
	const struct btf_type *t;
	void *r1, *r2;

	ok(append_all(&a, true, second, third), "three batches appended, copies left out");
	ok(second[3] == 1 && second[4] == 2 && second[5] == 3,
	   "the second batch's int, pointer and typedef: the first's stand for them");
	ok(second[6] == 9 && second[7] == 10, "its struct list and the pointer to it, a cycle: kept (9, 10)");
	ok(second[8] == 11, "its VAR: kept (11)");
	ok(second[1] == 7 && second[2] == 8, "its const of the typedef and its typedef of a new name: kept (7, 8)");
	ok(third[3] == 1 && third[4] == 2 && third[5] == 3 && third[1] == 7 && third[2] == 8,
	   "the third's copies of both batches' types: left out, the types standing for them");
	ok(third[6] == 12 && third[7] == 13 && third[8] == 14 && a.ntypes == 14 && a.exact.dropped == 8,
	   "the third's cycle and VAR kept: 14 types, 8 left out");
	t = (const struct btf_type *)(a.types + sizeof(struct btf_header) + 104);	/* id 7 */
	ok(btf_is_const(t) && t->type == 3, "the second batch's const: its ref to the typedef standing for its own (3)");
	t = (const struct btf_type *)(a.types + sizeof(struct btf_header) + 128);	/* id 9 */
	ok(btf_is_struct(t) && btf_members(t)[0].type == 10 && btf_members(t)[1].type == 1,
	   "the second batch's struct: refs to its own pointer (10) and the int standing for its own (1)");
	ok(append_all(&b, false, all2, all3) && b.ntypes == 22 && all3[8] == 22 && b.exact.dropped == 0,
	   "off: every type appended (22)");
	r1 = deduped(&a, &n1);
	r2 = deduped(&b, &n2);
	ok(r1 && r2 && n1 == n2 && !memcmp(r1, r2, n1), "libbpf's dedup of each: the same bytes (%u)", n1);
	free(r1);
	free(r2);
	done_testing();
	return exit_status();
}
