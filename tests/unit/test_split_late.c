/* tests/unit/test_split_late.c: a module's split BTF made at the end
 * (split_late__make, libbpf's dedup, split_late__finish) gives the bytes of
 * libbpf's way (the module appended to a split BTF on the base with
 * btf__add_type, deduped, copied into a fresh split BTF), and never makes
 * the base modifiable (no index of its strings). Modules: names the base
 * has, names it has not, a name that is only the tail of a base string, a
 * FWD of a base struct, types equal to base types and not, no names at all. */
#include "stages/dedup/btf_append.h"
#include "stages/dedup/split_late.h"
#include "tests/tap.h"

#include <bpf/btf.h>
#include <string.h>

/* The base as the pipeline has it: parsed from raw bytes, not modifiable. */
static struct btf *make_base(void)
{
	struct btf *b = btf__new_empty(), *parsed;
	int i, l, lp;
	__u32 n;
	const void *raw;

	i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);		/* 1 */
	l = btf__add_struct(b, "list", 16);			/* 2 */
	lp = btf__add_ptr(b, l);				/* 3 */
	btf__add_field(b, "next", lp, 0, 0);
	btf__add_field(b, "prev", lp, 64, 0);
	btf__add_typedef(b, "u32", i);				/* 4 */
	btf__add_enum(b, "color", 4);				/* 5 */
	btf__add_enum_value(b, "RED", 0);
	btf__add_enum_value(b, "BLUE", 1);
	btf__add_struct(b, "my_list_head", 8);			/* 6: "list_head" is only its tail */
	btf__add_field(b, "first", lp, 0, 0);
	btf__add_str(b, "unused by any type");
	raw = btf__raw_data(b, &n);
	parsed = btf__new(raw, n);
	btf__free(b);
	return parsed;
}

/* Module variants (standalone: ids from 1, strings its own). */
static struct btf *make_module(int variant)
{
	struct btf *m = btf__new_empty();
	int i, l, lp, s, f, p;

	if (variant == 2) {	/* nothing named */
		i = btf__add_int(m, "int", 4, BTF_INT_SIGNED);
		btf__add_ptr(m, i);
		btf__add_array(m, i, i, 4);
		return m;
	}
	i = btf__add_int(m, "int", 4, BTF_INT_SIGNED);		/* the base's int */
	l = btf__add_struct(m, "list", 16);			/* the base's list */
	lp = btf__add_ptr(m, l);
	btf__add_field(m, "next", lp, 0, 0);
	btf__add_field(m, "prev", lp, 64, 0);
	f = btf__add_fwd(m, "list", BTF_FWD_STRUCT);		/* resolves to it */
	s = btf__add_struct(m, "mod_state", 24);		/* its own */
	btf__add_field(m, "head", l, 0, 0);
	btf__add_field(m, "count", i, 128, 0);
	btf__add_field(m, "list_head", btf__add_ptr(m, f), 160, 0);	/* a base string's tail */
	btf__add_typedef(m, "u32", i);				/* the base's u32 */
	btf__add_typedef(m, "mod_u32", i);
	btf__add_enum(m, "color", 4);				/* not the base's: a third value */
	btf__add_enum_value(m, "RED", 0);
	btf__add_enum_value(m, "BLUE", 1);
	btf__add_enum_value(m, "GREEN", 2);
	p = btf__add_func_proto(m, i);
	btf__add_func_param(m, "state", btf__add_ptr(m, s));
	btf__add_func_param(m, "", i);
	btf__add_func(m, "mod_init", BTF_FUNC_STATIC, p);
	btf__add_decl_tag(m, "user", s, 1);
	if (variant == 1) {	/* the same types again (as a second CU would bring) */
		int l2 = btf__add_struct(m, "list", 16), lp2 = btf__add_ptr(m, l2);

		btf__add_field(m, "next", lp2, 0, 0);
		btf__add_field(m, "prev", lp2, 64, 0);
		btf__add_struct(m, "mod_state", 24);
		btf__add_field(m, "head", l2, 0, 0);
		btf__add_field(m, "count", i, 128, 0);
		btf__add_field(m, "list_head", btf__add_ptr(m, btf__add_fwd(m, "list", BTF_FWD_STRUCT)), 160, 0);
	}
	return m;
}

/* libbpf's way, as the pipeline took it before: the raw bytes of the result. */
static void *through_libbpf(const struct btf *mod, __u32 *size)
{
	struct btf *base = make_base(), *split = btf__new_empty_split(base), *fresh = btf__new_empty_split(base);
	void *out = NULL;
	const void *raw;
	int start;

	if (btf_append__types(split, mod, &start) || btf__dedup(split, NULL))
		goto done;
	for (unsigned int id = btf__type_cnt(base); id < btf__type_cnt(split); id++)
		if (btf__add_type(fresh, split, btf__type_by_id(split, id)) < 0)
			goto done;
	if ((raw = btf__raw_data(fresh, size)) && (out = malloc(*size)))
		memcpy(out, raw, *size);
done:
	btf__free(fresh);
	btf__free(split);
	btf__free(base);
	return out;
}

static void check(int variant, const char *what)
{
	struct btf *mod = make_module(variant), *base = make_base(), *split = NULL, *out = NULL;
	struct split_late sl;
	__u32 want_size = 0, got_size = 0, n0, n1;
	void *want = through_libbpf(mod, &want_size);
	const void *raw0 = btf__raw_data(base, &n0), *got;

	ok(want != NULL, "%s: libbpf's way runs", what);
	ok(split_late__usable(base), "%s: the base can be extended", what);
	is_int(split_late__make(&sl, mod, base, &split), 0, "%s: made split BTF on the extended base", what);
	if (variant == 2)	/* its first type's name is the base's "int" */
		ok(split && !strcmp(btf__name_by_offset(split, btf__type_by_id(split, btf__type_cnt(base))->name_off),
				    "int"), "%s: a name the base has reads back", what);
	else
		ok(split && btf__find_by_name_kind(split, "mod_u32", BTF_KIND_TYPEDEF) >= (int)btf__type_cnt(base),
		   "%s: a name of its own reads back through the extended base", what);
	is_int(btf__dedup(split, NULL), 0, "%s: libbpf dedups it", what);
	is_int(split_late__finish(&sl, split, base, &out), 0, "%s: finished on the real base", what);
	got = out ? btf__raw_data(out, &got_size) : NULL;
	ok(got && want && got_size == want_size && !memcmp(got, want, got_size),
	   "%s: the same bytes as libbpf's way (%u and %u bytes)", what, got_size, want_size);
	ok(btf__raw_data(base, &n1) == raw0 && n1 == n0, "%s: the base was never made modifiable", what);
	diag("%s: %u module strings the base has, %u its own", what, sl.shared, sl.own);
	btf__free(out);
	btf__free(split);
	split_late__fini(&sl);
	btf__free(base);
	btf__free(mod);
	free(want);
}

int main(void)
{
	struct btf *empty = btf__new_empty(), *base = make_base(), *split = NULL;
	struct split_late sl;

	check(0, "a module");
	check(1, "a module with its types twice");
	check(2, "a module without names");
	ok(!split_late__usable(NULL), "no base: not usable");
	is_int(split_late__make(&sl, empty, base, &split), 0, "an empty module");
	ok(split && btf__type_cnt(split) == btf__type_cnt(base), "... gives no type");
	btf__free(split);
	split_late__fini(&sl);
	/* a base whose raw bytes are in the other byte order: libbpf's way */
	btf__set_endianness(base, btf__endianness(base) == BTF_LITTLE_ENDIAN ? BTF_BIG_ENDIAN : BTF_LITTLE_ENDIAN);
	ok(!split_late__usable(base), "a base in the other byte order: not usable");
	btf__free(base);
	btf__free(empty);
	done_testing();
	return exit_status();
}
