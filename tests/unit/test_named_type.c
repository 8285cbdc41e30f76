/* tests/unit/test_named_type.c: types added under names their base holds,
 * by offset (stages/write/named_type.h). The same FUNC, DECL_TAGs and
 * DATASEC (with its entry) are added to two split BTFs on one base of
 * strings: with libbpf's named adds, and nameless then named by offset.
 * Their type sections must be the same bytes, and neither may hold a
 * string of its own. Then the refusals. */
#include "stages/write/named_type.h"
#include "tests/tap.h"

#include <bpf/btf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>

static const char strs[] = "\0int\0foo\0bar\0.data..percpu\0bpf_kfunc";

/* A BTF of no types holding strs. */
static struct btf *strings_base(void)
{
	static unsigned char raw[sizeof(struct btf_header) + sizeof(strs)];
	struct btf_header h = { .magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h),
				.str_len = sizeof(strs) };

	memcpy(raw, &h, sizeof(h));
	memcpy(raw + sizeof(h), strs, sizeof(strs));
	return btf__new(raw, sizeof(raw));
}

static uint32_t off_of(struct btf *base, const char *s)
{
	return (uint32_t)btf__find_str(base, s);
}

/* INT, FUNC_PROTO, VAR: what both BTFs share; the VAR is id 3. */
static int common(struct btf *b)
{
	int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED), p = btf__add_func_proto(b, i);

	return i > 0 && p > 0 && btf__add_func_param(b, NULL, i) == 0 && btf__add_var(b, "bar", BTF_VAR_GLOBAL_ALLOCATED, i) > 0
		       ? p
		       : -1;
}

static const void *types_of(struct btf *b, uint32_t *len)
{
	const struct btf_header *h;
	uint32_t size;
	const unsigned char *raw = btf__raw_data(b, &size);

	h = (const void *)raw;
	*len = h->type_len;
	return raw && h->str_len == 0 ? raw + h->hdr_len + h->type_off : NULL;
}

int main(void)
{
	struct btf *base = strings_base(), *a = NULL, *b = NULL;
	const void *ta, *tb;
	uint32_t la = 0, lb = 0;
	int pa, pb, fa, fb;

	ok(base != NULL, "a base of strings only");
	if (!base)
		goto out;
	a = btf__new_empty_split(base);
	b = btf__new_empty_split(base);
	pa = common(a);
	pb = common(b);
	ok(pa > 0 && pa == pb, "the shared types");
	fa = btf__add_func(a, "foo", BTF_FUNC_GLOBAL, pa);
	fb = named_type__func(b, off_of(base, "foo"), BTF_FUNC_GLOBAL, pb);
	ok(fa > 0 && fa == fb, "a FUNC");
	ok(btf__add_decl_tag(a, "bpf_kfunc", fa, -1) > 0 &&
	   named_type__decl_tag(b, off_of(base, "bpf_kfunc"), fb, -1) > 0, "a DECL_TAG on it");
	ok(btf__add_decl_tag(a, "bar", fa, 0) > 0 && named_type__decl_tag(b, off_of(base, "bar"), fb, 0) > 0,
	   "a DECL_TAG on its parameter");
	ok(btf__add_datasec(a, ".data..percpu", 8) > 0 && btf__add_datasec_var_info(a, 3, 4, 4) == 0 &&
	   named_type__datasec(b, off_of(base, ".data..percpu"), 8) > 0 && btf__add_datasec_var_info(b, 3, 4, 4) == 0,
	   "a DATASEC and its entry");
	ta = types_of(a, &la);
	tb = types_of(b, &lb);
	ok(ta && tb && la == lb && !memcmp(ta, tb, la), "the same type bytes, no strings of their own (%u bytes)", la);
	ok(!strcmp(btf__name_by_offset(b, btf__type_by_id(b, (uint32_t)fb)->name_off), "foo"), "the FUNC reads as foo");

	ok(named_type__func(b, off_of(base, "foo"), BTF_FUNC_GLOBAL, -1) == -EINVAL, "a FUNC of no prototype: -EINVAL");
	ok(named_type__func(b, off_of(base, "foo"), 0x10000, pb) == -EINVAL, "a linkage past 16 bits: -EINVAL");
	ok(named_type__decl_tag(b, off_of(base, "bar"), 0, -1) == -EINVAL, "a DECL_TAG on void: -EINVAL");
	ok(named_type__decl_tag(b, off_of(base, "bar"), fb, -2) == -EINVAL, "a component below -1: -EINVAL");
out:
	btf__free(a);
	btf__free(b);
	btf__free(base);
	done_testing();
	return exit_status();
}
