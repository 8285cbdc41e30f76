/* tests/unit/test_str_compact.c: str_compact gives, byte for byte, what
 * appending the BTF to an empty one with libbpf's btf__add_btf gives (its
 * types, and only the strings they use, in the order libbpf adds them):
 * for every kind that names something, for strings the types do not use,
 * and for enough distinct names that its table of offsets grows. */
#include "stages/dedup/str_compact.h"
#include "tests/tap.h"

#include <bpf/btf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdio.h>
#include <string.h>

/* Every kind, names shared between types, and strings nothing uses. */
static void add_kinds(struct btf *b)
{
	int i, p, s, proto, var;

	btf__add_str(b, "never used");
	i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	p = btf__add_ptr(b, 0);
	s = btf__add_struct(b, "node", 16);
	btf__add_field(b, "next", p, 0, 0);
	btf__add_field(b, "int", i, 64, 0);	/* a member named as a type */
	btf__add_typedef(b, "node_t", s);
	btf__add_array(b, i, i, 8);
	btf__add_enum(b, "color", 4);
	btf__add_enum_value(b, "RED", 0);
	btf__add_enum_value(b, "next", 1);
	btf__add_enum64(b, "big", 8, false);
	btf__add_enum64_value(b, "HUGE", 1ull << 40);
	btf__add_fwd(b, "later", BTF_FWD_UNION);
	proto = btf__add_func_proto(b, i);
	btf__add_func_param(b, "a", i);
	btf__add_func_param(b, "", p);
	btf__add_func(b, "walk", BTF_FUNC_GLOBAL, proto);
	btf__add_decl_tag(b, "tag", s, 1);
	btf__add_type_tag(b, "user", i);
	btf__add_float(b, "double", 8);
	btf__add_union(b, "", 8);		/* anonymous */
	btf__add_field(b, "x", i, 0, 0);
	var = btf__add_var(b, "counter", BTF_VAR_GLOBAL_ALLOCATED, i);
	btf__add_datasec(b, ".data", 4);
	btf__add_datasec_var_info(b, var, 0, 4);
	btf__add_str(b, "also never used");
}

/* n structs of one member each, names distinct, with strings between them
 * that nothing uses. */
static void add_many(struct btf *b, int n)
{
	char name[32];
	int i = btf__add_int(b, "long", 8, BTF_INT_SIGNED);

	for (int k = 0; k < n; k++) {
		snprintf(name, sizeof(name), "s%d", k);
		btf__add_struct(b, name, 8);
		snprintf(name, sizeof(name), "m%d", k);
		btf__add_field(b, name, i, 0, 0);
		snprintf(name, sizeof(name), "unused%d", k);
		btf__add_str(b, name);
	}
}

static int same_raw(const struct btf *a, const struct btf *b)
{
	__u32 na, nb;
	const void *ra = btf__raw_data(a, &na), *rb = btf__raw_data(b, &nb);

	return ra && rb && na == nb && !memcmp(ra, rb, na);
}

static void compare(struct btf *src, const char *what)
{
	struct btf *want = btf__new_empty(), *got = str_compact(src);
	__u32 nsrc, nwant;
	const struct btf_header *hs = btf__raw_data(src, &nsrc), *hw;

	ok(btf__add_btf(want, src) > 0, "%s: btf__add_btf, the reference", what);
	hw = btf__raw_data(want, &nwant);
	ok(got != NULL, "%s: compacted (%s)", what, got ? "ok" : strerror(errno));
	if (!got)
		return;
	is_int((int)btf__type_cnt(got), (int)btf__type_cnt(src), "%s: every type kept", what);
	ok(same_raw(want, got), "%s: byte for byte btf__add_btf's types and strings", what);
	ok(hs && hw && hw->str_len < hs->str_len, "%s: strings nothing uses are gone (%u -> %u bytes)", what,
	   hs ? hs->str_len : 0, hw ? hw->str_len : 0);
	btf__free(want);
	btf__free(got);
}

int main(void)
{
	struct btf *kinds = btf__new_empty(), *many = btf__new_empty();

	add_kinds(kinds);
	compare(kinds, "every kind");
	add_kinds(many);
	add_many(many, 40000);	/* 80K names: the table of offsets grows past 16K slots */
	compare(many, "80K distinct names");
	btf__free(kinds);
	btf__free(many);
	done_testing();
	return exit_status();
}
