/* stages/read/die_plain.c: see die_plain.h. */
#include "stages/read/die_plain.h"

#include <dwarf.h>
#include <string.h>

#include "stages/read/die_attrs_impl.h"

enum { PLAIN_SKIP, PLAIN_NAME, PLAIN_TYPE, PLAIN_LOCATION, PLAIN_BIT_SIZE, PLAIN_DATA_BIT_OFFSET, PLAIN_CONST_VALUE,
       PLAIN_ROLES };
_Static_assert(PLAIN_ROLES == DIE_PLAIN_ROLES, "die_attrs.h sizes the layouts by the roles");

/* A form whose value dwarf_formudata gives as a plain constant. data4 and
 * data8 were also section offsets (loclistptr) before DWARF 4. */
static bool constant_form(const struct die_attrs *d, unsigned int form)
{
	switch (form) {
	case DW_FORM_data1: case DW_FORM_data2: case DW_FORM_udata: case DW_FORM_implicit_const:
		return true;
	case DW_FORM_data4: case DW_FORM_data8:
		return d->version >= 4;
	default:
		return false;
	}
}

static bool ref_form(unsigned int form)
{
	return form == DW_FORM_ref1 || form == DW_FORM_ref2 || form == DW_FORM_ref4 || form == DW_FORM_ref8 ||
	       form == DW_FORM_ref_udata;
}

/* The role of attribute name of form in a plain DIE of tag; false when the
 * DIE is not plain with it. */
static bool role_of(const struct die_attrs *d, unsigned int tag, unsigned int name, unsigned int form, uint8_t *role)
{
	*role = PLAIN_SKIP;
	switch (name) {
	case DW_AT_name:
		*role = PLAIN_NAME;
		return form == DW_FORM_string || form == DW_FORM_strp;
	case DW_AT_abstract_origin:	/* the name, the type would be the origin's */
	case DW_AT_specification:
		return false;
	case DW_AT_type:	/* an enumerator's is not read: stepped over */
		if (tag == DW_TAG_enumerator)
			return true;
		*role = PLAIN_TYPE;
		return ref_form(form);
	}
	if (tag == DW_TAG_enumerator && name == DW_AT_const_value) {
		*role = PLAIN_CONST_VALUE;
		return constant_form(d, form) || form == DW_FORM_sdata;
	}
	if (tag != DW_TAG_member)
		return true;
	switch (name) {
	case DW_AT_data_member_location:
		*role = PLAIN_LOCATION;
		return constant_form(d, form);
	case DW_AT_bit_size:
		*role = PLAIN_BIT_SIZE;
		return constant_form(d, form);
	case DW_AT_data_bit_offset:
		*role = PLAIN_DATA_BIT_OFFSET;
		return constant_form(d, form);
	case DW_AT_external:	/* a C++ static member when set */
	case DW_AT_declaration:
	case DW_AT_bit_offset:	/* DWARF 2/3 bitfields, which need the type's size */
	case DW_AT_byte_size:
		return false;
	default:
		return true;
	}
}

static bool plain_tag(unsigned int tag)
{
	switch (tag) {
	case DW_TAG_member: case DW_TAG_enumerator: case DW_TAG_formal_parameter:
	case DW_TAG_pointer_type: case DW_TAG_reference_type: case DW_TAG_rvalue_reference_type:
	case DW_TAG_const_type: case DW_TAG_volatile_type: case DW_TAG_restrict_type: case DW_TAG_typedef:
		return true;
	default:
		return false;
	}
}

/*
 * The layout of a plain plan whose attributes all have fixed lengths (GCC's
 * members, pointers, typedefs... in most CUs: strp, data1/2, ref4): each
 * role's offset and length, so that die_plain__read loads the values
 * without walking the attributes. Not for a name inline (DW_FORM_string), an
 * implicit constant or a value read as signed (sdata): those walk.
 */
static void plan_layout(struct die_attrs *d, const struct die_attrs_plan *pl, const uint8_t *role)
{
	struct die_plain_layout *lo = &d->plain_layout[pl - d->plans];
	unsigned int off = 0;

	lo->len = 0;
	memset(lo->off, DIE_ATTRS_VARIABLE, sizeof(lo->off));
	for (unsigned int i = 0; i < pl->n; i++) {
		unsigned int form = pl->attrs[i].form;

		if (pl->size[i] == DIE_ATTRS_VARIABLE || off + pl->size[i] >= DIE_ATTRS_VARIABLE ||
		    (role[i] != PLAIN_SKIP && (form == DW_FORM_implicit_const || form == DW_FORM_string)))
			return;
		if (role[i] != PLAIN_SKIP) {
			lo->off[role[i]] = (uint8_t)off;
			lo->size[role[i]] = pl->size[i];
		}
		off += pl->size[i];
	}
	lo->len = (uint8_t)off;
}

void die_plain__plan(struct die_attrs *d, struct die_attrs_plan *pl)
{
	uint8_t *role = d->plain_role[pl - d->plans];

	pl->plain = false;
	d->plain_layout[pl - d->plans].len = 0;
	if (!plain_tag(pl->tag) || pl->children || !pl->usable)
		return;
	for (unsigned int i = 0; i < pl->n; i++)
		if (!role_of(d, pl->tag, pl->attrs[i].name, pl->attrs[i].form, &role[i]))
			return;
	pl->plain = true;
	plan_layout(d, pl, role);
}

/* The value of role in the DIE whose attributes begin at p, by layout lo:
 * true and *v, or false when the plan has no such attribute. */
static inline bool layout_value(const struct die_attrs *d, const struct die_plain_layout *lo, unsigned int role,
				const unsigned char *p, uint64_t *v)
{
	if (lo->off[role] == DIE_ATTRS_VARIABLE)
		return false;
	*v = read_n(p + lo->off[role], lo->size[role], d->big_endian);
	return true;
}

/* die_plain__read by the layout: the values loaded where they lie. */
static int read_by_layout(struct die_attrs *d, const struct die_plain_layout *lo, const unsigned char *p,
			  Dwarf_Die *die, struct die_plain *out)
{
	if (lo->len > d->end - p)
		return 0;
	out->name = lo->off[PLAIN_NAME] != DIE_ATTRS_VARIABLE ? p + lo->off[PLAIN_NAME] : NULL;
	out->name_form = DW_FORM_strp;
	out->has_type = layout_value(d, lo, PLAIN_TYPE, p, &out->type);
	out->has_location = layout_value(d, lo, PLAIN_LOCATION, p, &out->location);
	out->has_bit_size = layout_value(d, lo, PLAIN_BIT_SIZE, p, &out->bit_size);
	out->has_data_bit_offset = layout_value(d, lo, PLAIN_DATA_BIT_OFFSET, p, &out->data_bit_offset);
	if ((out->has_const_value = layout_value(d, lo, PLAIN_CONST_VALUE, p, &out->const_value)))
		out->const_signed = false;
	out->die = die->addr;
	d->after_die = die->addr;
	d->after = p + lo->len;
	d->after_children = false;
	return 1;
}

/* The constant or reference at *pp, attribute i of pl, as libdw's
 * dwarf_formudata reads it (dwarf_formsdata for sdata; an implicit constant
 * from the plan); *pp moves past it. */
static inline bool read_value(const struct die_attrs *d, const struct die_attrs_plan *pl, unsigned int i,
			      const unsigned char **pp, uint64_t *v)
{
	const unsigned char *p = *pp;
	uint8_t size = pl->size[i];
	int64_t s;

	switch (pl->attrs[i].form) {
	case DW_FORM_udata:
	case DW_FORM_ref_udata:
		return read_uleb(pp, d->end, v);
	case DW_FORM_sdata:
		if (!read_sleb(pp, d->end, &s))
			return false;
		*v = (uint64_t)s;
		return true;
	case DW_FORM_implicit_const:
		p = pl->imp[i];
		if (!read_sleb(&p, pl->imp[i] + sizeof(pl->imp[i]), &s))
			return false;
		*v = (uint64_t)s;
		return true;
	default:	/* data1/2/4/8, ref1/2/4/8: fixed sizes */
		if (size > d->end - p)
			return false;
		*v = read_n(p, size, d->big_endian);
		*pp = p + size;
		return true;
	}
}

/* Value v, of form, into the field of *out that role says. */
static inline void store(struct die_plain *out, uint8_t role, unsigned int form, uint64_t v)
{
	switch (role) {
	case PLAIN_TYPE:
		out->type = v;
		out->has_type = true;
		break;
	case PLAIN_LOCATION:
		out->location = v;
		out->has_location = true;
		break;
	case PLAIN_BIT_SIZE:
		out->bit_size = v;
		out->has_bit_size = true;
		break;
	case PLAIN_DATA_BIT_OFFSET:
		out->data_bit_offset = v;
		out->has_data_bit_offset = true;
		break;
	default:
		out->const_value = v;
		out->has_const_value = true;
		out->const_signed = form == DW_FORM_sdata || form == DW_FORM_implicit_const;
		break;
	}
}

int die_plain__read(struct die_attrs *d, Dwarf_Die *die, unsigned int tag, struct die_plain *out)
{
	const struct die_attrs_plan *pl;
	const unsigned char *p, *end = d->end, *q;
	const uint8_t *role;
	uint64_t v;

	if (!(pl = die_attrs__plan_fast(d, die, &p)) || !pl->plain || pl->tag != tag)
		return 0;
	if (d->plain_layout[pl - d->plans].len)
		return read_by_layout(d, &d->plain_layout[pl - d->plans], p, die, out);
	role = d->plain_role[pl - d->plans];
	out->die = die->addr;
	out->name = NULL;
	out->has_type = out->has_location = out->has_bit_size = out->has_data_bit_offset = false;
	out->has_const_value = false;
	for (unsigned int i = 0; i < pl->n; i++) {
		switch (role[i]) {
		case PLAIN_NAME:
			out->name = p;
			out->name_form = pl->attrs[i].form;
			if (out->name_form == DW_FORM_string) {
				if (p >= end || !(q = memchr(p, 0, (size_t)(end - p))))
					return 0;
				p = q + 1;
			} else if (d->offset_size > end - p) {
				return 0;
			} else {
				p += d->offset_size;
			}
			break;
		case PLAIN_TYPE:
		case PLAIN_LOCATION:
		case PLAIN_BIT_SIZE:
		case PLAIN_DATA_BIT_OFFSET:
		case PLAIN_CONST_VALUE:
			/* one call site, so that it is inlined */
			if (!read_value(d, pl, i, &p, &v))
				return 0;
			store(out, role[i], pl->attrs[i].form, v);
			break;
		default:
			if (pl->size[i] != DIE_ATTRS_VARIABLE) {
				if (pl->size[i] > end - p)
					return 0;
				p += pl->size[i];
			} else if (!(p = die_attrs__skip_value(d, pl->attrs[i].form, p))) {
				return 0;
			}
			break;
		}
	}
	d->after_die = die->addr;
	d->after = p;
	d->after_children = false;
	return 1;
}

size_t die_plain__run(struct die_attrs *d, const unsigned char **pp, unsigned int tag, void *out, size_t stride,
		      size_t max)
{
	const unsigned char *p = *pp;
	size_t k = 0;

	d->list_end = NULL;
	while (k < max && p < d->end) {
		Dwarf_Die die = { .addr = (void *)p, .cu = d->cu };
		struct die_plain *dp = (struct die_plain *)((char *)out + k * stride);

		if (*p == 0) {	/* the null entry: the list ends */
			d->list_end = p + 1;
			*pp = NULL;
			return k;
		}
		if (die_plain__read(d, &die, tag, dp) != 1)
			break;
		dp->die = p;
		p = d->after;
		k++;
	}
	*pp = p;
	return k;
}
