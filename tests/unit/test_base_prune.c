/* tests/unit/test_base_prune.c: which base types base_prune__apply hides
 * from a split dedup, and that restore puts every byte back.
 *
 * A base with named types a split does and does not name, anonymous types
 * above each (chains, arrays, function prototypes, anonymous structs), and
 * an anonymous cycle (a struct with a pointer to itself and no name: C
 * cannot write it, BTF can), which must be kept whole.
 */
#include "stages/dedup/base_prune.h"
#include "tests/tap.h"

#include <bpf/btf.h>
#include <string.h>

static bool hidden(const struct btf *base, int id)
{
	return btf_is_datasec(btf__type_by_id(base, id)) && btf_vlen(btf__type_by_id(base, id)) == 0 &&
	       btf__type_by_id(base, id)->size == 0;
}

int main(void)
{
	struct btf *base = btf__new_empty(), *split;
	struct base_prune *bp;
	const void *before, *after;
	__u32 size_before, size_after;
	void *copy;
	int i, used, unused, p_used, p_unused, pp_unused, arr, proto, anon, cyc, cyc_ptr, cyc_user, sec;
	size_t n;

	i = btf__add_int(base, "int", 4, BTF_INT_SIGNED);
	used = btf__add_struct(base, "used", 4);
	btf__add_field(base, "x", i, 0, 0);
	unused = btf__add_struct(base, "unused", 4);
	btf__add_field(base, "y", i, 0, 0);
	p_used = btf__add_ptr(base, used);
	p_unused = btf__add_ptr(base, unused);
	pp_unused = btf__add_ptr(base, p_unused);	/* dead two levels up */
	arr = btf__add_array(base, i, unused, 4);	/* an element that is dead */
	proto = btf__add_func_proto(base, i);		/* a parameter that is dead */
	btf__add_func_param(base, "a", p_used);
	btf__add_func_param(base, "b", pp_unused);
	anon = btf__add_struct(base, NULL, 8);		/* alive: all it names is alive */
	btf__add_field(base, "z", p_used, 0, 0);
	/* an anonymous cycle: struct { struct <itself> *self; } */
	cyc = btf__add_struct(base, NULL, 8);
	cyc_ptr = btf__add_ptr(base, cyc);
	btf__add_field(base, "self", cyc_ptr, 0, 0);
	cyc_user = btf__add_const(base, cyc_ptr);	/* behind the cycle */
	sec = btf__add_datasec(base, ".data", 8);	/* size 8: hidden would be 0 */
	ok(i > 0 && sec > 0, "the base is built (%d types)", btf__type_cnt(base) - 1);

	/* the split names "int" and "used": its own types, as a module has */
	split = btf__new_empty_split(base);
	btf__add_int(split, "int", 4, BTF_INT_SIGNED);
	btf__add_struct(split, "used", 4);
	ok(btf__add_field(split, "x", btf__type_cnt(split) - 2, 0, 0) == 0, "the split is built");

	if (!(bp = base_prune__new(base)))
		return ok(0, "base_prune__new"), exit_status();
	before = btf__raw_data(base, &size_before);
	copy = malloc(size_before);
	memcpy(copy, before, size_before);

	n = base_prune__apply(bp, split);
	ok(!hidden(base, i) && !hidden(base, used) && !hidden(base, p_used) && !hidden(base, anon),
	   "named types the split names, and anonymous types over them only, stay");
	ok(hidden(base, unused) && hidden(base, p_unused) && hidden(base, pp_unused), "a name the split lacks is hidden, and the pointers above it");
	ok(hidden(base, arr) && hidden(base, proto), "an array of it and a prototype taking it are hidden");
	ok(!hidden(base, cyc) && !hidden(base, cyc_ptr) && !hidden(base, cyc_user),
	   "an anonymous cycle, and what refers to it, stay");
	ok(!hidden(base, sec), "a DATASEC stays");
	is_int((int)n, 5, "five types hidden");

	base_prune__restore(bp);
	after = btf__raw_data(base, &size_after);
	ok(size_after == size_before && !memcmp(after, copy, size_before), "restore puts every byte back");

	/* again, with a split that names nothing: everything named goes */
	btf__free(split);
	split = btf__new_empty_split(base);
	btf__add_ptr(split, 0);
	n = base_prune__apply(bp, split);
	ok(hidden(base, i) && hidden(base, used) && hidden(base, anon) && !hidden(base, cyc),
	   "a split naming nothing: every named type and what is over it, not the cycle (%zu hidden)", n);
	base_prune__free(bp);	/* restores */
	after = btf__raw_data(base, &size_after);
	ok(size_after == size_before && !memcmp(after, copy, size_before), "free restores too");

	free(copy);
	btf__free(split);
	btf__free(base);
	done_testing();
	return exit_status();
}
