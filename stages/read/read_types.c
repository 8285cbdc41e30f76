/* stages/read/read_types.c: the type DIEs but structs and unions
 * (read_struct.c): base types, pointers and qualifiers, arrays, enums,
 * function types; read_type dispatches on the tag. Reader thread only.
 */
#include <dwarf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>

#include "stages/read/read_internal.h"

static int read_complex(struct dwarf_reader *r, Dwarf_Die *die, const char *s, Dwarf_Word size)
{
	uint32_t part_name;
	long part, arr;

	if (!r->opts->gen_floats || size % 2)
		return map_die(r, die, DIE_MAP_ALIAS);
	if (s && !strncmp(s, "complex ", 8))
		s += 8;
	if (intern_name(r, s, &part_name) || (part = add_rec(r, BTF_KIND_FLOAT)) < 0 ||
	    (arr = add_rec(r, BTF_KIND_ARRAY)) < 0)
		return -ENOMEM;
	r->recs[part].name = part_name;
	r->recs[part].size_type = size / 2;
	r->recs[arr].extra = 2;
	r->recs[arr].elem = local_ref(part);
	r->recs[arr].index = REF_INDEX_TYPE;
	return map_die(r, die, arr + 1);
}

static int read_base_type(struct dwarf_reader *r, Dwarf_Die *die)
{
	Dwarf_Word enc = 0, size = 0;
	uint32_t name, btf_enc = 0;
	const char *s = die_name_str(r, die);
	long idx;

	die_udata(r, die, DW_AT_encoding, &enc);
	die_udata(r, die, DW_AT_byte_size, &size);
	if (intern_name(r, s, &name))
		return -ENOMEM;
	switch (enc) {
	case DW_ATE_float:
		if (!r->opts->gen_floats)
			return map_die(r, die, DIE_MAP_ALIAS);	/* as void */
		if ((idx = add_rec(r, BTF_KIND_FLOAT)) < 0)
			return -ENOMEM;
		r->recs[idx].name = name;
		r->recs[idx].size_type = size;
		return map_die(r, die, idx + 1);
	case DW_ATE_complex_float:
		return read_complex(r, die, s, size);
	case DW_ATE_imaginary_float:
	case DW_ATE_decimal_float:
		/* BTF cannot say what these are: references become void */
		r->stats.unsupported++;
		return map_die(r, die, DIE_MAP_ALIAS);
	case DW_ATE_signed:
	case DW_ATE_signed_char:
	case DW_ATE_signed_fixed:
		btf_enc = BTF_INT_SIGNED;
		break;
	case DW_ATE_boolean:
		btf_enc = BTF_INT_BOOL;
		break;
	}
	/* BTF has INTs of 1, 2, 4, 8 and 16 bytes. Any other size (clang's
	 * DW_ATE_unsigned_24 of 3 bytes, made for DW_OP_convert in location
	 * expressions; 0; more than 16) becomes pahole's 4-byte stand-in, so
	 * what refers to it stays valid and matches pahole's output. */
	if (size == 0 || size > 16 || (size & (size - 1))) {
		s = "__SANITIZED_FAKE_INT__";
		size = 4;
		if (intern_name(r, s, &name))
			return -ENOMEM;
	}
	if ((idx = add_rec(r, BTF_KIND_INT)) < 0)
		return -ENOMEM;
	r->recs[idx].name = name;
	r->recs[idx].size_type = size;
	r->recs[idx].extra = (btf_enc << 24) | (uint32_t)(size * 8);
	if (s && !strcmp(s, "int") && r->int_ref == REF_VOID)
		r->int_ref = idx + 1;
	return map_die(r, die, idx + 1);
}

/* DW_AT_type of die (of tag), and with name set its name, interned: from
 * the bytes when die is plain (stages/read/die_plain.h), else through the
 * attribute cache. */
static int type_and_name(struct dwarf_reader *r, Dwarf_Die *die, unsigned int tag, uint32_t *ref, uint32_t *name)
{
	struct die_plain dp;
	const char *s;
	int err;

	if (die_plain__read(&r->attrs, die, tag, &dp) == 1 && (!name || plain_name(r, &dp, &s))) {
		*ref = REF_VOID;
		if (dp.has_type && (err = die_ref_offset(r, die, dp.type, ref)))
			return err;
		return name ? intern_name(r, s, name) : 0;
	}
	if ((err = die_ref(r, die, DW_AT_type, ref)))
		return err;
	return name ? die_name(r, die, name) : 0;
}

/* PTR, CONST, VOLATILE, RESTRICT, TYPEDEF: one record pointing at DW_AT_type. */
static int read_simple_ref(struct dwarf_reader *r, Dwarf_Die *die, unsigned int tag, uint8_t kind)
{
	uint32_t name = 0, ref;
	long idx;
	int err;

	if ((err = type_and_name(r, die, tag, &ref, kind == BTF_KIND_TYPEDEF ? &name : NULL)))
		return err;
	if ((idx = add_rec(r, kind)) < 0)
		return -ENOMEM;
	r->recs[idx].name = name;
	r->recs[idx].size_type = ref;
	if ((err = map_die(r, die, idx + 1)))
		return err;
	return kind == BTF_KIND_TYPEDEF ? add_decl_tags(r, die, idx, -1) : 0;
}

/* PTR, followed by one TYPE_TAG per btf_type_tag annotation. As pahole does,
 * the chain runs in reverse DWARF order: for annotations t1, t2 (DWARF order)
 * it is PTR -> t2 -> t1 -> pointee. */
static int read_pointer(struct dwarf_reader *r, Dwarf_Die *die, unsigned int tag)
{
	uint32_t pointee, name;
	Dwarf_Die child;
	long ptr;
	int err;

	if ((err = type_and_name(r, die, tag, &pointee, NULL)))
		return err;
	if ((ptr = add_rec(r, BTF_KIND_PTR)) < 0)
		return -ENOMEM;
	r->recs[ptr].size_type = pointee;
	if ((err = map_die(r, die, ptr + 1)))
		return err;
	if (!r->opts->type_tag || first_child(r, die, &child) != 0)
		return 0;
	do {
		const char *v = annotation_value(r, &child, "btf_type_tag");
		long tag;

		if (!v)
			continue;
		if (intern_name(r, v, &name) || (tag = add_rec(r, BTF_KIND_TYPE_TAG)) < 0)
			return -ENOMEM;
		r->recs[tag].name = name;
		r->recs[tag].size_type = r->recs[ptr].size_type;
		r->recs[ptr].size_type = local_ref(tag);
	} while (next_sibling(r, &child) == 0);
	return 0;
}

static uint32_t subrange_count(struct dwarf_reader *r, Dwarf_Die *sub)
{
	Dwarf_Attribute at;
	Dwarf_Word u, lower = 0;
	int64_t ub;
	bool sform;

	if (die_attr(r, sub, DW_AT_count, &at))
		return dwarf_formudata(&at, &u) == 0 ? (uint32_t)u : 0;
	if (!die_sdata(r, sub, DW_AT_upper_bound, &ub, &sform))
		return 0;	/* flexible or variable length */
	die_udata(r, sub, DW_AT_lower_bound, &lower);
	return (uint32_t)(ub - (int64_t)lower + 1);
}

/* One ARRAY whose nelems is the product of all dimensions, as pahole does:
 * a[2][3] becomes ARRAY(6) of elem; a[][4] and a[0][4] become ARRAY(0). */
static int read_array(struct dwarf_reader *r, Dwarf_Die *die)
{
	uint32_t elem, nelems = 1;
	Dwarf_Die child;
	bool any = false;
	long idx;
	int err;

	if ((err = die_ref(r, die, DW_AT_type, &elem)))
		return err;
	if (first_child(r, die, &child) == 0) {
		do {
			int tag = die_tag(r, &child);

			if (tag == DW_TAG_subrange_type)
				nelems *= subrange_count(r, &child);
			else if (tag == DW_TAG_enumeration_type)
				nelems = 0;
			else
				continue;
			any = true;
		} while (next_sibling(r, &child) == 0);
	}
	if ((idx = add_rec(r, BTF_KIND_ARRAY)) < 0)
		return -ENOMEM;
	r->recs[idx].extra = any ? nelems : 0;
	r->recs[idx].index = REF_INDEX_TYPE;
	r->recs[idx].elem = elem;
	return map_die(r, die, idx + 1);
}

static int read_enum(struct dwarf_reader *r, Dwarf_Die *die)
{
	struct rec_enum_val *vals = NULL, *v;
	Dwarf_Word size = 4;
	Dwarf_Die child;
	bool is_signed = false;
	uint32_t name, n = 0;
	size_t npending = 0;
	long idx;
	int res, err;

	die_udata(r, die, DW_AT_byte_size, &size);
	if (die_name(r, die, &name))
		return -ENOMEM;
	if ((res = first_child(r, die, &child)) == 0) {
		for (;;) {
			int64_t val = 0;
			bool sform = false;

			/* plain enumerators straight from the bytes (valued
			 * and named after the walk), up to one that is not */
			if ((res = take_plain_run(r, &child, DW_TAG_enumerator, &n, &npending)) == -ENOMEM)
				return res;
			if (res)
				break;
			if (die_tag(r, &child) == DW_TAG_enumerator) {
				if (!(v = scratch_at(r, n, sizeof(*v))) || die_name(r, &child, &v->name))
					return -ENOMEM;
				die_sdata(r, &child, DW_AT_const_value, &val, &sform);
				is_signed |= sform && val < 0;
				v->val_lo = (uint32_t)val;
				v->val_hi = (uint32_t)((uint64_t)val >> 32);
				n++;
			}
			if ((res = next_sibling(r, &child)) != 0)
				break;
		}
	}
	if ((err = walk_done(r, die, res, n, "enumerators")))
		return err;
	for (size_t k = 0; k < npending; k++) {
		const struct pending_plain *pp = pending_at(r, k);
		const struct die_plain *dp = &pp->dp;
		int64_t val = dp->has_const_value ? (int64_t)dp->const_value : 0;

		is_signed |= dp->has_const_value && dp->const_signed && val < 0;
		if (!(v = scratch_at(r, pp->i, sizeof(*v))) || intern_name(r, pp->name, &v->name))
			return -ENOMEM;
		v->val_lo = (uint32_t)val;
		v->val_hi = (uint32_t)((uint64_t)val >> 32);
	}
	if (n && !(vals = scratch_to_arena(r, n, sizeof(*vals))))
		return -ENOMEM;
	if ((idx = add_rec(r, size > 4 && r->opts->enum64 ? BTF_KIND_ENUM64 : BTF_KIND_ENUM)) < 0)
		return -ENOMEM;
	r->recs[idx].name = name;
	r->recs[idx].size_type = (uint32_t)size;
	r->recs[idx].kflag = is_signed;
	r->recs[idx].vlen = (uint16_t)n;
	r->recs[idx].payload = vals;
	return map_die(r, die, idx + 1);
}

/* The plain parameters take_plain_run left in r->pending, named and typed
 * into the scratch array. */
static int finish_plain_params(struct dwarf_reader *r, size_t npending)
{
	struct rec_param *p;
	int err;

	for (size_t k = 0; k < npending; k++) {
		const struct pending_plain *pp = pending_at(r, k);
		Dwarf_Die param = { .addr = (void *)pp->dp.die, .cu = r->cu };

		if (!(p = scratch_at(r, pp->i, sizeof(*p))) || intern_name(r, pp->name, &p->name))
			return -ENOMEM;
		p->type = REF_VOID;
		if (pp->dp.has_type && (err = die_ref_offset(r, &param, pp->dp.type, &p->type)))
			return err;
	}
	return 0;
}

/* FUNC_PROTO for a function type: params in order, a variadic "..." last. */
static int read_subroutine(struct dwarf_reader *r, Dwarf_Die *die)
{
	struct rec_param *params = NULL, *p;
	uint32_t ret, n = 0;
	size_t npending = 0;
	bool variadic = false;
	Dwarf_Die child;
	long idx;
	int err, res;

	if ((err = die_ref(r, die, DW_AT_type, &ret)))
		return err;
	if ((res = first_child(r, die, &child)) == 0) {
		for (;;) {
			int tag;

			/* plain parameters straight from the bytes (named and
			 * typed after the walk), up to one that is not */
			if ((res = take_plain_run(r, &child, DW_TAG_formal_parameter, &n, &npending)) == -ENOMEM)
				return res;
			if (res)
				break;
			tag = die_tag(r, &child);
			variadic |= tag == DW_TAG_unspecified_parameters;
			if (tag == DW_TAG_formal_parameter) {
				if (!(p = scratch_at(r, n, sizeof(*p))) || die_name(r, &child, &p->name))
					return -ENOMEM;
				if ((err = die_ref(r, &child, DW_AT_type, &p->type)))
					return err;
				n++;
			}
			if ((res = next_sibling(r, &child)) != 0)
				break;
		}
	}
	if ((err = walk_done(r, die, res, 0, NULL)))
		return err;
	if ((err = finish_plain_params(r, npending)))
		return err;
	if (variadic) {	/* a variadic tail: {0, void} */
		if (!(p = scratch_at(r, n, sizeof(*p))))
			return -ENOMEM;
		*p = (struct rec_param){ 0, REF_VOID };
		n++;
	}
	if (n > 0xffff)
		return reader_fail(r, die, -E2BIG, "more than 65535 parameters");
	if (n && !(params = scratch_to_arena(r, n, sizeof(*params))))
		return -ENOMEM;
	if ((idx = add_rec(r, BTF_KIND_FUNC_PROTO)) < 0)
		return -ENOMEM;
	r->recs[idx].size_type = ret;
	r->recs[idx].vlen = (uint16_t)n;
	r->recs[idx].payload = params;
	return map_die(r, die, idx + 1);
}

/* The tags read_type reads: the cases of its switch below, which this list
 * has to follow (a function's body is scanned for them: read_cu.c). */
bool read_type__tag(unsigned int tag)
{
	switch (tag) {
	case DW_TAG_base_type:
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_typedef:
	case DW_TAG_array_type:
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
	case DW_TAG_union_type:
	case DW_TAG_enumeration_type:
	case DW_TAG_subroutine_type:
	case DW_TAG_atomic_type:
	case DW_TAG_immutable_type:
	case DW_TAG_unspecified_type:
		return true;
	default:
		return false;
	}
}

/* The records of a type DIE, by its tag (read_internal.h). */
int read_type(struct dwarf_reader *r, Dwarf_Die *die, int tag)
{
	uint32_t ref;
	int err;

	switch (tag) {
	case DW_TAG_base_type:
		return read_base_type(r, die);
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
		return read_pointer(r, die, (unsigned int)tag);
	case DW_TAG_const_type:
		return read_simple_ref(r, die, DW_TAG_const_type, BTF_KIND_CONST);
	case DW_TAG_volatile_type:
		return read_simple_ref(r, die, DW_TAG_volatile_type, BTF_KIND_VOLATILE);
	case DW_TAG_restrict_type:
		return read_simple_ref(r, die, DW_TAG_restrict_type, BTF_KIND_RESTRICT);
	case DW_TAG_typedef:
		return read_simple_ref(r, die, DW_TAG_typedef, BTF_KIND_TYPEDEF);
	case DW_TAG_array_type:
		return read_array(r, die);
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
		return read_struct(r, die, false);
	case DW_TAG_union_type:
		return read_struct(r, die, true);
	case DW_TAG_enumeration_type:
		return read_enum(r, die);
	case DW_TAG_subroutine_type:
		return read_subroutine(r, die);
	case DW_TAG_atomic_type:
	case DW_TAG_immutable_type:	/* transparent: BTF has no such qualifier */
		err = die_ref(r, die, DW_AT_type, &ref);
		return err ? err : map_die(r, die, DIE_MAP_ALIAS | ref);
	case DW_TAG_unspecified_type:
		return map_die(r, die, DIE_MAP_ALIAS);	/* void */
	default:
		return 1;
	}
}
