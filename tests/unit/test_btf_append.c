/* tests/unit/test_btf_append.c: btf_append__types gives what btf__add_btf
 * gives (types, strings, ids), on a plain and on a split destination; and
 * btf_append__types_split, with the base's string index of
 * stages/dedup/base_strs.h, what btf_append__types gives. */
#include "stages/dedup/base_strs.h"
#include "stages/dedup/btf_append.h"
#include "stages/dedup/raw_btf.h"
#include "tests/tap.h"

#include <bpf/btf.h>
#include <errno.h>
#include <linux/btf.h>
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

/* A base from raw bytes whose string section holds "val" twice and names
 * the source uses ("int", "node", "next"), a suffix of one ("al" only
 * inside "val") and names it does not. */
static struct btf *make_raw_base(void)
{
	static const char strs[] = "\0char\0val\0node\0val\0int\0next\0zzz";
	struct btf_type t[2] = {
		{ .name_off = 1, .info = (__u32)BTF_KIND_INT << 24, .size = 1 },
		{ .name_off = 10, .info = (__u32)BTF_KIND_TYPEDEF << 24, .type = 1 },
	};
	__u32 enc[2] = { ((__u32)BTF_INT_CHAR << 24) | 8, 0 };
	char types[sizeof(t[0]) + 4 + sizeof(t[1])];

	memcpy(types, &t[0], sizeof(t[0]));
	memcpy(types + sizeof(t[0]), enc, 4);
	memcpy(types + sizeof(t[0]) + 4, &t[1], sizeof(t[1]));
	return raw_btf__new(types, sizeof(types), strs, sizeof(strs));
}

/* The index answers as libbpf's index of the base does. */
static void index_answers(struct btf *base, const struct base_strs *bs)
{
	static const char *const names[] = { "", "char", "val", "node", "int", "next", "zzz", "al", "none" };

	is_int((int)base_strs__len(bs), 32, "the base's string section is 32 bytes");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		is_int((int)base_strs__find(bs, names[i]), btf__find_str(base, names[i]),
		       "\"%s\": libbpf's offset (%d)", names[i], btf__find_str(base, names[i]));
	is_int((int)base_strs__find(bs, "val"), 6, "\"val\", held twice: its first place");
	is_int((int)base_strs__find(bs, "al"), -ENOENT, "a suffix only: not found");
}

/* Made from bytes with the index: btf_append__types's bytes, on an empty
 * split BTF; anything else goes the libbpf way and gives the same. */
static void split_from_bytes(struct btf *base, const struct base_strs *bs)
{
	struct btf *src = make_src(), *want = btf__new_empty_split(base), *got = btf__new_empty_split(base);
	struct btf *before = got, *busy = make_dst(base), *busy_want = make_dst(base);
	int start = -1, want_start = -1;

	is_int(btf_append__types(want, src, &want_start), 0, "libbpf way: appended");
	is_int(btf_append__types_split(&got, src, bs, &start), 0, "from bytes: appended");
	ok(got != before, "an empty split BTF is replaced");
	is_int(start, want_start, "the first new id is the same (%d)", want_start);
	is_int((int)btf__type_cnt(got), (int)btf__type_cnt(want), "as many types");
	ok(same_raw(want, got), "byte for byte btf_append__types's types and strings");
	is_int(btf_append__types(busy_want, src, &want_start), 0, "libbpf way onto types of its own");
	before = busy;
	is_int(btf_append__types_split(&busy, src, bs, &start), 0, "a split BTF with types: appended");
	ok(busy == before && same_raw(busy_want, busy), "... in place, the libbpf way");
	btf__free(src);
	btf__free(want);
	btf__free(got);
	btf__free(busy);
	btf__free(busy_want);
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

	base = make_raw_base();
	ok(base != NULL, "a base with a duplicated string");
	{
		struct base_strs *bs = base ? base_strs__new(base) : NULL;
		struct btf *split = base ? btf__new_empty_split(base) : NULL;

		ok(bs != NULL, "its string index");
		if (bs) {
			index_answers(base, bs);
			split_from_bytes(base, bs);
		}
		ok(split && !base_strs__new(split) && errno == EINVAL, "a split BTF is not indexed");
		src = make_src();
		dst = btf__new_empty();
		is_int(btf_append__types_split(&dst, src, bs, &start), 0, "a plain destination: appended");
		is_int(start, 1, "... the libbpf way, from id 1");
		btf__free(dst);
		btf__free(src);
		btf__free(split);
		base_strs__free(bs);
	}
	btf__free(base);
	done_testing();
	return exit_status();
}
