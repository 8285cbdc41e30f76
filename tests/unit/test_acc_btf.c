/* tests/unit/test_acc_btf.c: the accumulated BTF kept as bytes
 * (stages/dedup/acc_btf.h). Two batches whose names are ids are appended;
 * the result, taken as split BTF on a strings-only base and taken whole,
 * has the bytes libbpf's way gives (each batch made a BTF with strings of
 * its own, batch_names.h, and appended with btf__add_type,
 * btf_append.h): the same types, ids moved past the first batch, the same
 * strings in the same order. Then the refusals, and a run with no types. */
#include "stages/dedup/acc_btf.h"
#include "tests/tap.h"
#include "tests/unit/word_names.h"

#include <bpf/btf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>

#include "stages/dedup/batch_names.h"
#include "stages/dedup/btf_append.h"
#include "stages/dedup/raw_btf.h"

static const char *const words[] = { "", "int", "list", "next", "val", "e", "A", "B", "fn", "x", "placed" };
#define NWORDS (sizeof(words) / sizeof(words[0]))

static const struct word_list word_list = { words, NWORDS };
static const struct batch_names names = { word_names__str, &word_list };

/* [1] INT int, [2] STRUCT list { next: [3], val: [1] }, [3] PTR -> [2]. */
static uint32_t batch1(uint32_t *w0)
{
	uint32_t *w = w0;

	*w++ = 1; *w++ = BTF_KIND_INT << 24; *w++ = 4; *w++ = 32;
	*w++ = 2; *w++ = BTF_KIND_STRUCT << 24 | 2; *w++ = 16;
	*w++ = 3; *w++ = 3; *w++ = 0;
	*w++ = 4; *w++ = 1; *w++ = 64;
	*w++ = 0; *w++ = BTF_KIND_PTR << 24; *w++ = 2;
	return (uint32_t)((w - w0) * sizeof(*w));
}

/* [1] ENUM e { A, B }, [2] FUNC_PROTO [1] (x: [3]), [3] CONST -> [1],
 * [4] TYPEDEF int -> [3] ("int" again: placed once). */
static uint32_t batch2(uint32_t *w0)
{
	uint32_t *w = w0;

	*w++ = 5; *w++ = BTF_KIND_ENUM << 24 | 2; *w++ = 4;
	*w++ = 6; *w++ = 0;
	*w++ = 7; *w++ = 1;
	*w++ = 0; *w++ = BTF_KIND_FUNC_PROTO << 24 | 1; *w++ = 1;
	*w++ = 9; *w++ = 3;
	*w++ = 0; *w++ = BTF_KIND_CONST << 24; *w++ = 1;
	*w++ = 1; *w++ = BTF_KIND_TYPEDEF << 24; *w++ = 3;
	return (uint32_t)((w - w0) * sizeof(*w));
}

/* libbpf's way: each batch given strings of its own, appended type by type. */
static struct btf *libbpf_way(void)
{
	uint32_t b[64], len;
	struct btf *dst = btf__new_empty(), *src;
	int start;

	for (int i = 0; dst && i < 2; i++) {
		char *strs = NULL;
		uint32_t slen = 0;

		len = i ? batch2(b) : batch1(b);
		if (batch_names__strings(b, len, &names, &strs, &slen) || !(src = raw_btf__new(b, len, strs, slen)))
			return NULL;
		free(strs);
		if (btf_append__types(dst, src, &start))
			return NULL;
		btf__free(src);
	}
	return dst;
}

/* A BTF's type and string sections (strs: from the base when split). */
static void sections(const struct btf *btf, const char **types, uint32_t *tlen, const char **strs, uint32_t *slen)
{
	const struct btf *base = btf__base_btf(btf);
	const struct btf_header *h;
	__u32 size;
	const char *raw = btf__raw_data(btf, &size);

	h = (const struct btf_header *)raw;
	*types = raw + h->hdr_len + h->type_off;
	*tlen = h->type_len;
	if (base)
		raw = btf__raw_data(base, &size), h = (const struct btf_header *)raw;
	*strs = raw + h->hdr_len + h->str_off;
	*slen = h->str_len;
}

static void same_as_libbpf(const struct btf *got, const char *what)
{
	struct btf *want = libbpf_way();
	const char *gt, *gs, *wt, *ws;
	uint32_t gtl, gsl, wtl, wsl;

	if (!want) {
		ok(0, "%s: libbpf's way failed", what);
		return;
	}
	sections(got, &gt, &gtl, &gs, &gsl);
	sections(want, &wt, &wtl, &ws, &wsl);
	ok(btf__type_cnt(got) == btf__type_cnt(want) && gtl == wtl && !memcmp(gt, wt, gtl),
	   "%s: the types of libbpf's way, byte for byte (%u bytes)", what, gtl);
	ok(gsl == wsl && !memcmp(gs, ws, gsl), "%s: its strings, in its order (%u bytes)", what, gsl);
	btf__free(want);
}

static void appended(struct acc_btf *a)
{
	uint32_t b[64], len, n;
	const uint32_t *map;

	acc_btf__init(a, names);
	len = batch1(b);
	ok(acc_btf__append(a, b, len, &map, &n) == 0 && n == 3 && map[0] == 0 && map[1] == 1 && map[3] == 3,
	   "the first batch appended, from id 1");
	len = batch2(b);
	ok(acc_btf__append(a, b, len, &map, &n) == 0 && n == 4 && map[1] == 4 && map[4] == 7 && a->ntypes == 7,
	   "the second from id 4 (7 types)");
}

static void refusals(void)
{
	uint32_t b[64], len, n;
	const uint32_t *map;
	struct acc_btf a;

	acc_btf__init(&a, names);
	len = batch1(b);
	b[4] = NWORDS;
	ok(acc_btf__append(&a, b, len, &map, &n) == -EPROTO && a.ntypes == 0, "an id with no string: -EPROTO");
	len = batch1(b);
	b[0] = BATCH_NAME_ANCHOR + 1;
	ok(acc_btf__append(&a, b, len, &map, &n) == -EPROTO, "an anchor's name: -EPROTO");
	len = batch1(b);
	ok(acc_btf__append(&a, b, len - 4, &map, &n) == -EPROTO && a.tlen == 0, "a type running past the end: -EPROTO");
	len = batch1(b);
	b[15] = 4;	/* the PTR's ref past the batch's 3 types */
	ok(acc_btf__append(&a, b, len, &map, &n) == -EPROTO && a.tlen == 0, "a ref past the batch: -EPROTO");
	acc_btf__fini(&a);
}

/* got: libbpf's way's types and strings, then "placed" after them. */
static void placed_after(const struct btf *got)
{
	struct btf *want = libbpf_way();
	const char *gt, *gs, *wt, *ws;
	uint32_t gtl, gsl, wtl, wsl;

	if (!want) {
		ok(0, "placed: libbpf's way failed");
		return;
	}
	sections(got, &gt, &gtl, &gs, &gsl);
	sections(want, &wt, &wtl, &ws, &wsl);
	ok(gtl == wtl && !memcmp(gt, wt, gtl), "placed: the same types (%u bytes)", gtl);
	ok(gsl == wsl + sizeof("placed") && !memcmp(gs, ws, wsl) && !memcmp(gs + wsl, "placed", sizeof("placed")),
	   "placed: the same strings, then the name placed after them");
	btf__free(want);
}

/* Names placed after the batches (acc_btf__place) for types appended once
 * taken, and where take hands them over. */
static void places(void)
{
	const uint32_t ids[] = { 10, 1, 0, 10 }, bad[] = { 99 };
	struct name_places pl = { 0 };
	struct placed_names pn;
	struct btf *btf = NULL, *strs = NULL;
	struct acc_btf a;
	uint32_t o1 = 0, o10 = 0, o;

	appended(&a);
	ok(acc_btf__place(&a, ids, 4) == 0, "names placed after the types' own");
	ok(acc_btf__take(&a, &btf, &strs, &pl) == 0 && btf && strs && pl.off && !pl.order, "taken, the offsets handed over");
	pn = (struct placed_names){ pl.off, pl.ncap };
	ok(strs && placed_names__get(&pn, 10, &o10) && !strcmp(btf__str_by_offset(strs, o10), "placed"),
	   "a name no type uses: in the strings, found by its id");
	ok(strs && placed_names__get(&pn, 1, &o1) && !strcmp(btf__str_by_offset(strs, o1), "int") && o1 < o10,
	   "a name the types use: where they placed it, before");
	ok(!placed_names__get(&pn, 0, &o) && !placed_names__get(&pn, 9999, &o), "0 and an id past the map: not placed");
	if (btf)
		placed_after(btf);
	btf__free(btf);
	btf__free(strs);
	name_places__fini(&pl);
	appended(&a);
	ok(acc_btf__place(&a, bad, 1) == -EPROTO, "an id with no string: -EPROTO");
	acc_btf__fini(&a);
}

int main(void)
{
	struct btf *btf, *strs, *whole;
	struct acc_btf a;
	const struct btf_type *t;

	appended(&a);
	ok(acc_btf__take(&a, &btf, &strs, NULL) == 0 && btf && strs, "taken as split BTF");
	if (!btf) {
		done_testing();
		return 1;
	}
	ok(btf__base_btf(btf) == strs && btf__type_cnt(strs) == 1, "on a base of no types");
	t = btf__type_by_id(btf, 7);
	ok(t && btf_is_typedef(t) && t->type == 6 && !strcmp(btf__name_by_offset(btf, t->name_off), "int"),
	   "the second batch's ids moved past the first's, its names strings");
	same_as_libbpf(btf, "split");
	btf__free(btf);
	btf__free(strs);

	appended(&a);
	whole = acc_btf__take_whole(&a);
	ok(whole && !btf__base_btf(whole), "taken whole");
	if (whole)
		same_as_libbpf(whole, "whole");
	btf__free(whole);

	places();
	refusals();
	acc_btf__init(&a, names);
	ok(acc_btf__take(&a, &btf, &strs, NULL) == 0 && btf__type_cnt(btf) == 1 && !strcmp(btf__str_by_offset(btf, 0), ""),
	   "no types: an empty BTF");
	btf__free(btf);
	btf__free(strs);
	done_testing();
	return exit_status();
}
