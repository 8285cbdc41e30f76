/* tests/unit/test_base_prune.c: which base types base_prune__apply hides
 * from a split dedup, and that restore puts every byte back.
 *
 * A base with named types a split does and does not name, anonymous types
 * above each (chains, arrays, function prototypes, anonymous structs), and
 * an anonymous cycle (a struct with a pointer to itself and no name: C
 * cannot write it, BTF can), which must be kept whole. Then applies one
 * after the other, as a batch of modules makes them (each updating the
 * last verdict), on a generated base against a model of the rule written
 * the slow, obvious way.
 */
#include "stages/dedup/base_prune.h"
#include "tests/tap.h"
#include "tests/unit/xorshift.h"

#include <bpf/btf.h>
#include <stdint.h>
#include <string.h>

static bool hidden(const struct btf *base, int id)
{
	return btf_is_datasec(btf__type_by_id(base, id)) && btf_vlen(btf__type_by_id(base, id)) == 0 &&
	       btf__type_by_id(base, id)->size == 0;
}

/* A split struct whose members carry the names the base's anonymous struct
 * and prototype have ("z", "a", "b"): with it they are not dead by name. */
static void add_member_names(struct btf *split)
{
	int s = btf__add_struct(split, "names", 4);

	btf__add_field(split, "z", s, 0, 0);
	btf__add_field(split, "a", s, 0, 0);
	btf__add_field(split, "b", s, 0, 0);
}

/* ---- a generated base against a model ---- */

#define GEN_TYPES 3000
#define GEN_NAMES 60

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t next_rand(uint32_t n)
{
	return (uint32_t)(xorshift64(&rng) % n);
}

static const char *gen_name(uint32_t k)
{
	static char buf[GEN_NAMES][16];

	snprintf(buf[k], sizeof(buf[k]), "n%u", k);
	return buf[k];
}

/* Named types of several kinds over a pool of names (a name can be a
 * struct and a typedef), anonymous types over earlier ones, and a few
 * anonymous cycles with types over them. */
static struct btf *gen_base(void)
{
	struct btf *b = btf__new_empty();

	btf__add_int(b, gen_name(0), 4, 0);
	while (btf__type_cnt(b) <= GEN_TYPES) {
		uint32_t have = btf__type_cnt(b) - 1, r = next_rand(100);
		int s;

		if (r < 25) {
			const char *nm = gen_name(next_rand(GEN_NAMES));

			switch (next_rand(3)) {
			case 0: btf__add_int(b, nm, 4, 0); break;
			case 1: btf__add_typedef(b, nm, 1 + next_rand(have)); break;
			default:
				btf__add_struct(b, nm, 8);
				btf__add_field(b, "m", 1 + next_rand(have), 0, 0);
				btf__add_field(b, "k", next_rand(have + 1), 32, 0);
			}
		} else if (r < 50) {
			btf__add_ptr(b, next_rand(have + 1));
		} else if (r < 60) {
			btf__add_const(b, 1 + next_rand(have));
		} else if (r < 70) {
			btf__add_array(b, 1, 1 + next_rand(have), 2);
		} else if (r < 90) {
			uint32_t np = next_rand(4);

			btf__add_func_proto(b, next_rand(have + 1));
			for (uint32_t k = 0; k < np; k++)
				btf__add_func_param(b, "p", 1 + next_rand(have));
		} else if (r < 98) {
			btf__add_struct(b, NULL, 8);
			btf__add_field(b, "a", 1 + next_rand(have), 0, 0);
			btf__add_field(b, "b", 1 + next_rand(have), 32, 0);
		} else {	/* struct { <itself> *self; other; } */
			s = btf__add_struct(b, NULL, 16);
			btf__add_field(b, "self", s + 1, 0, 0);
			btf__add_field(b, "o", 1 + next_rand(have), 64, 0);
			btf__add_ptr(b, s);
		}
	}
	return b;
}

/* The rule, the slow way: refs of an anonymous type; an anonymous type on
 * or over a cycle of anonymous types is kept; a named one is dead when the
 * split lacks its name, an anonymous one when something it refers to is. */
static uint32_t model_refs(const struct btf *b, uint32_t id, uint32_t *out)
{
	const struct btf_type *t = btf__type_by_id(b, id);
	uint32_t n = 0;

	if (btf_is_ptr(t) || btf_is_const(t) || btf_is_typedef(t))
		out[n++] = t->type;
	else if (btf_is_array(t)) {
		out[n++] = btf_array(t)->type;
		out[n++] = btf_array(t)->index_type;
	} else if (btf_is_composite(t)) {
		for (uint16_t k = 0; k < btf_vlen(t); k++)
			out[n++] = btf_members(t)[k].type;
	} else if (btf_is_func_proto(t)) {
		for (uint16_t k = 0; k < btf_vlen(t); k++)
			out[n++] = btf_params(t)[k].type;
		out[n++] = t->type;
	}
	return n;
}

static bool anon(const struct btf *b, uint32_t id)
{
	return id && !btf__type_by_id(b, id)->name_off;
}

/* Does anonymous from reach target through anonymous types (one step at least)? */
static bool reaches(const struct btf *b, uint32_t from, uint32_t target, uint8_t *seen)
{
	uint32_t refs[8], n = model_refs(b, from, refs);

	for (uint32_t k = 0; k < n; k++) {
		if (!anon(b, refs[k]))
			continue;
		if (refs[k] == target)
			return true;
		if (!seen[refs[k]]) {
			seen[refs[k]] = 1;
			if (reaches(b, refs[k], target, seen))
				return true;
		}
	}
	return false;
}

static int8_t model_dead(const struct btf *b, uint32_t id, const bool *named, const bool *names_ok, const bool *kept,
			 int8_t *memo)
{
	uint32_t refs[8];
	int8_t d = 0;

	if (!id || kept[id])
		return 0;
	if (memo[id] >= 0)
		return memo[id];
	if (!anon(b, id))
		d = !named[id];
	else {
		d = !names_ok[id];
		for (uint32_t k = 0, n = model_refs(b, id, refs); k < n && !d; k++)
			d = model_dead(b, refs[k], named, names_ok, kept, memo);
	}
	return memo[id] = d;
}

/* Has a member or parameter of a type of split the name nm? */
static bool split_member_names(const struct btf *split, uint32_t first, const char *nm)
{
	for (uint32_t id = first; id < btf__type_cnt(split); id++) {
		const struct btf_type *t = btf__type_by_id(split, id);

		for (uint16_t k = 0; btf_is_composite(t) && k < btf_vlen(t); k++)
			if (!strcmp(btf__name_by_offset(split, btf_members(t)[k].name_off), nm))
				return true;
		for (uint16_t k = 0; btf_is_func_proto(t) && k < btf_vlen(t); k++)
			if (!strcmp(btf__name_by_offset(split, btf_params(t)[k].name_off), nm))
				return true;
	}
	return false;
}

/* Are all the member (parameter) names of b's struct, union (prototype) id
 * names of members or parameters in split? (Type names would count too, the
 * pool keeps them apart.) */
static bool member_names_ok(const struct btf *b, uint32_t id, const struct btf *split, uint32_t first)
{
	const struct btf_type *t = btf__type_by_id(b, id);

	for (uint16_t k = 0; btf_is_composite(t) && k < btf_vlen(t); k++)
		if (btf_members(t)[k].name_off &&
		    !split_member_names(split, first, btf__name_by_offset(b, btf_members(t)[k].name_off)))
			return false;
	for (uint16_t k = 0; btf_is_func_proto(t) && k < btf_vlen(t); k++)
		if (btf_params(t)[k].name_off &&
		    !split_member_names(split, first, btf__name_by_offset(b, btf_params(t)[k].name_off)))
			return false;
	return true;
}

/* Has a type of split (not of its base) the name nm? */
static bool split_names(const struct btf *split, uint32_t first, const char *nm)
{
	for (uint32_t id = first; id < btf__type_cnt(split); id++)
		if (!strcmp(btf__name_by_offset(split, btf__type_by_id(split, id)->name_off), nm))
			return true;
	return false;
}

static void test_generated(void)
{
	struct btf *base = gen_base(), *orig, *split;
	uint32_t nt = btf__type_cnt(base), bad_steps = 0, bad_counts = 0, nkept = 0;
	bool *cyclic = calloc(nt, sizeof(bool)), *kept = calloc(nt, sizeof(bool)), *named = calloc(nt, sizeof(bool));
	bool *names_ok = calloc(nt, sizeof(bool));
	uint8_t *seen = calloc(nt, 1);
	int8_t *memo = malloc(nt);
	struct base_prune *bp;
	const void *raw;
	void *copy;
	__u32 size, size_after;

	raw = btf__raw_data(base, &size);
	copy = malloc(size);
	memcpy(copy, raw, size);
	orig = btf__new(copy, size);	/* the model reads this one: base is changed under it */
	/* kept: anonymous and on a cycle, or reaching one through anonymous types */
	for (uint32_t id = 1; id < nt; id++) {
		memset(seen, 0, nt);
		cyclic[id] = anon(orig, id) && reaches(orig, id, id, seen);
	}
	for (uint32_t id = 1; id < nt; id++) {
		kept[id] = cyclic[id];
		for (uint32_t c = 1; c < nt && !kept[id] && anon(orig, id); c++)
			if (cyclic[c]) {
				memset(seen, 0, nt);
				kept[id] = reaches(orig, id, c, seen);
			}
	}
	if (!(bp = base_prune__new(base))) {
		ok(0, "base_prune__new on the generated base");
		return;
	}
	for (int step = 0; step < 40; step++) {
		uint32_t nn = step % 5 == 4 ? 0 : next_rand(GEN_NAMES), nhidden = 0, wrong = 0;
		size_t n;

		split = btf__new_empty_split(base);
		for (uint32_t k = 0; k < nn; k++)
			btf__add_int(split, gen_name(next_rand(GEN_NAMES)), 4, 0);
		if (nn % 3) {	/* members and parameters named as the base's are */
			static const char *const member[] = { "m", "k", "a", "b", "o" };

			btf__add_struct(split, NULL, 4);
			for (uint32_t k = 0; k < 5; k++)
				if (next_rand(4))
					btf__add_field(split, member[k], 1, 0, 0);
			if (next_rand(2)) {
				btf__add_func_proto(split, 0);
				btf__add_func_param(split, "p", 1);
			}
		}
		for (uint32_t id = 1; id < nt; id++) {
			const char *nm = btf__name_by_offset(orig, btf__type_by_id(orig, id)->name_off);

			named[id] = *nm && split_names(split, nt, nm);
			names_ok[id] = member_names_ok(orig, id, split, nt);
		}
		if (step % 7 == 6)
			base_prune__restore(bp);	/* the next apply decides from a whole base */
		n = base_prune__apply(bp, split);
		memset(memo, -1, nt);
		for (uint32_t id = 1; id < nt; id++) {
			bool want = model_dead(orig, id, named, names_ok, kept, memo);

			nhidden += hidden(base, id);
			wrong += hidden(base, id) != want;
		}
		bad_steps += wrong != 0;
		bad_counts += n != nhidden;
		btf__free(split);
	}
	for (uint32_t id = 1; id < nt; id++)
		nkept += kept[id];
	ok(bad_steps == 0, "40 splits one after the other on a generated base of %u types (%u on or over anonymous "
	   "cycles): each hides what the model says (%u steps differ)", nt - 1, nkept, bad_steps);
	ok(bad_counts == 0, "... and each apply returns how many it hid");
	base_prune__free(bp);
	raw = btf__raw_data(base, &size_after);
	ok(size_after == size && !memcmp(raw, copy, size), "free after the updates puts every byte back");
	btf__free(orig);
	free(copy);
	free(cyclic);
	free(kept);
	free(named);
	free(names_ok);
	free(seen);
	free(memo);
	btf__free(base);
}

/* A corrupt base (found by fuzzing): a member's type id with the top bit
 * set, which is no type, must not be read as a name. */
static void test_wild_id(void)
{
	struct btf *b = btf__new_empty(), *wild, *split;
	struct base_prune *bp;
	const void *raw;
	uint8_t *copy;
	__u32 size;
	int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED), s = btf__add_struct(b, NULL, 8);
	size_t n;

	btf__add_field(b, "m", i, 0, 0);
	btf__add_field(b, "w", i, 32, 0);
	raw = btf__raw_data(b, &size);
	copy = malloc(size);
	memcpy(copy, raw, size);
	/* the second member's type: header, the int (12 + 4), the struct (12),
	 * then members of 12 bytes: name, type, offset */
	*(uint32_t *)(copy + sizeof(struct btf_header) + 16 + 12 + 12 + 4) = 0x80000000u;
	wild = btf__new(copy, size);
	if (!wild || !(bp = base_prune__new(wild))) {
		ok(1, "# SKIP libbpf refuses a type id of 0x80000000 (%s)", wild ? "base_prune__new" : "btf__new");
		btf__free(wild);
		free(copy);
		btf__free(b);
		return;
	}
	split = btf__new_empty_split(wild);
	btf__add_int(split, "int", 4, BTF_INT_SIGNED);
	base_prune__apply(bp, split);
	btf__add_struct(split, "t", 4);
	btf__add_field(split, "m", s, 0, 0);
	btf__add_field(split, "w", s, 0, 0);
	n = base_prune__apply(bp, split);	/* the update index: a name node per name */
	ok(n == 0 && !hidden(wild, s), "a member typed 0x80000000 is no name: the struct over int, \"m\" and \"w\" is up");
	base_prune__free(bp);
	btf__free(split);
	btf__free(wild);
	free(copy);
	btf__free(b);
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
	add_member_names(split);

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

	/* the same names but no member "z": the anonymous struct is dead by its member's name */
	btf__free(split);
	split = btf__new_empty_split(base);
	btf__add_int(split, "int", 4, BTF_INT_SIGNED);
	btf__add_struct(split, "used", 4);
	btf__add_field(split, "x", btf__type_cnt(split) - 2, 0, 0);
	n = base_prune__apply(bp, split);
	ok(hidden(base, anon) && !hidden(base, p_used) && !hidden(base, used),
	   "a member name no split type has: the anonymous struct with it is hidden (%zu hidden)", n);
	base_prune__restore(bp);

	/* again, with a split that names nothing: everything named goes */
	btf__free(split);
	split = btf__new_empty_split(base);
	btf__add_ptr(split, 0);
	n = base_prune__apply(bp, split);
	ok(hidden(base, i) && hidden(base, used) && hidden(base, anon) && !hidden(base, cyc),
	   "a split naming nothing: every named type and what is over it, not the cycle (%zu hidden)", n);

	/* without a restore, a split naming "unused" only: the last verdict updated */
	btf__free(split);
	split = btf__new_empty_split(base);
	btf__add_struct(split, "unused", 4);
	n = base_prune__apply(bp, split);
	ok(!hidden(base, unused) && !hidden(base, p_unused) && !hidden(base, pp_unused) && hidden(base, i) &&
	   hidden(base, used) && hidden(base, p_used) && hidden(base, arr) && hidden(base, proto) && hidden(base, anon),
	   "an update: \"unused\" and its pointers rise, \"int\" and \"used\" stay down (%zu hidden)", n);
	btf__free(split);
	split = btf__new_empty_split(base);
	btf__add_int(split, "int", 4, BTF_INT_SIGNED);
	btf__add_struct(split, "used", 4);
	btf__add_struct(split, "unused", 4);
	add_member_names(split);
	n = base_prune__apply(bp, split);
	ok(n == 0 && !hidden(base, arr) && !hidden(base, proto) && !hidden(base, anon),
	   "an update naming all three: nothing hidden, the prototype over all of them up");
	btf__free(split);
	split = btf__new_empty_split(base);
	btf__add_struct(split, "used", 4);
	add_member_names(split);
	n = base_prune__apply(bp, split);
	ok(!hidden(base, used) && !hidden(base, p_used) && !hidden(base, anon) && hidden(base, i) && hidden(base, arr) &&
	   hidden(base, proto) && hidden(base, unused) && hidden(base, pp_unused) && !hidden(base, cyc_user),
	   "an update dropping two names: what stood on them falls (%zu hidden)", n);
	base_prune__free(bp);	/* restores */
	after = btf__raw_data(base, &size_after);
	ok(size_after == size_before && !memcmp(after, copy, size_before), "free restores too");

	free(copy);
	btf__free(split);
	btf__free(base);
	test_generated();
	test_wild_id();
	done_testing();
	return exit_status();
}
