/* tests/unit/test_btf_append.c: btf_append__types gives what btf__add_btf
 * gives (types, strings, ids), on a plain and on a split destination. */
#include "stages/dedup/btf_append.h"
#include "tests/tap.h"

#include <bpf/btf.h>
#include <string.h>

/* Every kind whose ids move, and some that hold none; names shared with
 * the destination, so strings are found as well as added. */
static struct btf *make_src(void)
{
	struct btf *b = btf__new_empty();
	int i, p, s, proto, var;

	i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);			/* 1 */
	p = btf__add_ptr(b, 0);						/* 2: void * */
	s = btf__add_struct(b, "node", 16);				/* 3 */
	btf__add_field(b, "next", 4, 0, 0);
	btf__add_field(b, "val", i, 64, 0);
	btf__add_ptr(b, s);						/* 4 */
	btf__add_typedef(b, "node_t", s);				/* 5 */
	btf__add_array(b, i, i, 8);					/* 6 */
	btf__add_enum(b, "color", 4);					/* 7 */
	btf__add_enum_value(b, "RED", 0);
	btf__add_enum64(b, "big", 8, false);				/* 8 */
	btf__add_enum64_value(b, "HUGE", 1ull << 40);
	btf__add_fwd(b, "later", BTF_FWD_STRUCT);			/* 9 */
	btf__add_const(b, 9);						/* 10 */
	btf__add_volatile(b, 10);					/* 11 */
	proto = btf__add_func_proto(b, i);				/* 12 */
	btf__add_func_param(b, "a", 4);
	btf__add_func_param(b, "", p);
	btf__add_func(b, "walk", BTF_FUNC_GLOBAL, proto);		/* 13 */
	btf__add_decl_tag(b, "tag", 13, -1);				/* 14 */
	btf__add_type_tag(b, "user", i);				/* 15 */
	btf__add_float(b, "double", 8);					/* 16 */
	btf__add_union(b, "u", 8);					/* 17 */
	btf__add_field(b, "x", 16, 0, 0);
	var = btf__add_var(b, "counter", BTF_VAR_GLOBAL_ALLOCATED, i);	/* 18 */
	btf__add_datasec(b, ".data", 4);				/* 19 */
	btf__add_datasec_var_info(b, var, 0, 4);
	btf__add_restrict(b, 4);					/* 20 */
	return b;
}

static struct btf *make_dst(struct btf *base)
{
	struct btf *b = base ? btf__new_empty_split(base) : btf__new_empty();

	btf__add_int(b, "long", 8, BTF_INT_SIGNED);
	btf__add_struct(b, "node", 8);	/* a name the source uses too */
	btf__add_field(b, "val", btf__type_cnt(b) - 2, 0, 0);
	btf__add_str(b, "unused string");
	return b;
}

static int same_raw(const struct btf *a, const struct btf *b)
{
	__u32 na, nb;
	const void *ra = btf__raw_data(a, &na), *rb = btf__raw_data(b, &nb);

	return ra && rb && na == nb && !memcmp(ra, rb, na);
}

static void compare(struct btf *base, const char *what)
{
	struct btf *src = make_src(), *want = make_dst(base), *got = make_dst(base);
	int first = btf__add_btf(want, src), start = -1;

	is_int(btf_append__types(got, src, &start), 0, "%s: appended", what);
	is_int(start, first, "%s: the first new id is btf__add_btf's (%d)", what, first);
	is_int((int)btf__type_cnt(got), (int)btf__type_cnt(want), "%s: as many types", what);
	ok(same_raw(want, got), "%s: byte for byte btf__add_btf's types and strings", what);
	btf__free(src);
	btf__free(want);
	btf__free(got);
}

int main(void)
{
	struct btf *base = btf__new_empty(), *src = make_src(), *dst = btf__new_empty();
	int start = -1;

	btf__add_int(base, "char", 1, BTF_INT_CHAR);
	btf__add_ptr(base, 1);
	compare(NULL, "plain destination");
	compare(base, "split destination (ids after the base's)");
	is_int(btf_append__types(dst, src, &start), 0, "into an empty BTF");
	is_int(start, 1, "its first id is 1");
	btf__free(dst);
	btf__free(src);
	btf__free(base);
	done_testing();
	return exit_status();
}
