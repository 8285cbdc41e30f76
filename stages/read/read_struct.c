/* stages/read/read_struct.c: struct and union DIEs (and their FWDs): one
 * walk over the members, bit offsets from DWARF 2-5's three ways of saying
 * them, decl tags on the struct and its members, and the nested type
 * definitions (C++) left for the walk in r->nested_todo. Reader thread only.
 */
#include <dwarf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>

#include "stages/read/read_internal.h"

/* The attributes of a member, found in one pass over its attribute list
 * (each dwarf_attr call would walk the list again: members are the most
 * numerous DIEs). */
struct member_attrs {
	Dwarf_Attribute name, type, bit_size, data_bit_offset, location, bit_offset, byte_size;
	unsigned int have;	/* 1 << index of each found, in the order above */
	bool skip;		/* DW_AT_external or DW_AT_declaration: a C++ static member */
};

enum { MA_NAME, MA_TYPE, MA_BIT_SIZE, MA_DATA_BIT_OFFSET, MA_LOCATION, MA_BIT_OFFSET, MA_BYTE_SIZE };

static int member_attr(Dwarf_Attribute *at, void *arg)
{
	struct member_attrs *a = arg;
	bool flag;

	switch (dwarf_whatattr(at)) {
	case DW_AT_name: a->name = *at; a->have |= 1u << MA_NAME; break;
	case DW_AT_type: a->type = *at; a->have |= 1u << MA_TYPE; break;
	case DW_AT_bit_size: a->bit_size = *at; a->have |= 1u << MA_BIT_SIZE; break;
	case DW_AT_data_bit_offset: a->data_bit_offset = *at; a->have |= 1u << MA_DATA_BIT_OFFSET; break;
	case DW_AT_data_member_location: a->location = *at; a->have |= 1u << MA_LOCATION; break;
	case DW_AT_bit_offset: a->bit_offset = *at; a->have |= 1u << MA_BIT_OFFSET; break;
	case DW_AT_byte_size: a->byte_size = *at; a->have |= 1u << MA_BYTE_SIZE; break;
	case DW_AT_external:
	case DW_AT_declaration:
		if (dwarf_formflag(at, &flag) == 0 && flag)
			a->skip = true;
		break;
	}
	return DWARF_CB_OK;
}

static bool attr_udata(const struct member_attrs *a, int which, Dwarf_Attribute *at, Dwarf_Word *v)
{
	return (a->have & (1u << which)) && dwarf_formudata(at, v) == 0;
}

/* A DW_AT_data_member_location in bytes: a constant, or DW_OP_plus_uconst /
 * DW_OP_constu N as old compilers write it. */
static int member_location(struct dwarf_reader *r, Dwarf_Die *m, Dwarf_Attribute *at, uint64_t *bytes)
{
	Dwarf_Block blk;
	uint64_t v = 0;
	unsigned int shift = 0;

	if (dwarf_formudata(at, bytes) == 0)
		return 0;
	if (dwarf_formblock(at, &blk) || blk.length < 2 ||
	    (blk.data[0] != DW_OP_plus_uconst && blk.data[0] != DW_OP_constu))
		return reader_fail(r, m, -ENOTSUP, "unsupported DW_AT_data_member_location");
	for (size_t i = 1; i < blk.length && shift < 64; i++, shift += 7) {
		v |= (uint64_t)(blk.data[i] & 0x7f) << shift;
		if (!(blk.data[i] & 0x80))
			break;
	}
	*bytes = v;
	return 0;
}

/* Bit offset (and bitfield size) of a member within its struct. */
static int member_offset(struct dwarf_reader *r, Dwarf_Die *m, struct member_attrs *a, uint32_t *bit_off,
			 uint32_t *bit_size)
{
	Dwarf_Word bsize = 0, boff, storage;
	uint64_t bytes = 0, off = 0;
	int err;

	attr_udata(a, MA_BIT_SIZE, &a->bit_size, &bsize);
	*bit_size = (uint32_t)bsize;
	if (attr_udata(a, MA_DATA_BIT_OFFSET, &a->data_bit_offset, &boff)) {
		*bit_off = (uint32_t)boff;
		return 0;
	}
	if (a->have & (1u << MA_LOCATION)) {
		if ((err = member_location(r, m, &a->location, &bytes)))
			return err;
		off = bytes * 8;
	}
	if (bsize && attr_udata(a, MA_BIT_OFFSET, &a->bit_offset, &boff)) {	/* DWARF 2/3 bitfield */
		Dwarf_Die type;

		storage = 0;
		if (!attr_udata(a, MA_BYTE_SIZE, &a->byte_size, &storage) && (a->have & (1u << MA_TYPE)) &&
		    die_follow(r, &a->type, &type)) {
			die_attrs__asked_libdw(&r->attrs);
			dwarf_aggregate_size(&type, &storage);
		}
		off += r->opts->big_endian ? boff : storage * 8 - boff - bsize;
	}
	*bit_off = (uint32_t)off;
	return 0;
}

static int read_fwd(struct dwarf_reader *r, Dwarf_Die *die, bool is_union)
{
	uint32_t name;
	long idx;

	if (die_name(r, die, &name) || (idx = add_rec(r, BTF_KIND_FWD)) < 0)
		return -ENOMEM;
	r->recs[idx].name = name;
	r->recs[idx].kflag = is_union;
	return map_die(r, die, idx + 1);
}

/* Sets the kflag for a member at bit offset off of bsize bits (0: not a
 * bitfield) and returns the packed BTF offset; -E2BIG when BTF cannot say it. */
static int64_t member_packed(struct dwarf_reader *r, Dwarf_Die *child, uint32_t off, uint32_t bsize, bool *kflag)
{
	if (bsize > 255 || (bsize && off >= (1u << 24)))
		return reader_fail(r, child, -E2BIG, "bitfield too large for BTF");
	if (bsize || off % 8)
		*kflag = true;
	return (int64_t)(bsize << 24 | off);
}

/* Member pm->i from what take_plain decoded: what read_member's general
 * path makes of the same attributes. */
static int finish_plain_member(struct dwarf_reader *r, const struct pending_plain *pm, bool *kflag)
{
	Dwarf_Die child = { .addr = (void *)pm->dp.die, .cu = r->cu };
	const struct die_plain *dm = &pm->dp;
	struct rec_member *m;
	uint64_t off;
	int64_t packed;
	int err;

	if (!(m = scratch_at(r, pm->i, sizeof(*m))) || intern_name(r, pm->name, &m->name))
		return -ENOMEM;
	m->type = REF_VOID;
	if (dm->has_type && (err = die_ref_offset(r, &child, dm->type, &m->type)))
		return err;
	off = dm->has_data_bit_offset ? dm->data_bit_offset : dm->has_location ? dm->location * 8 : 0;
	if ((packed = member_packed(r, &child, (uint32_t)off, dm->has_bit_size ? (uint32_t)dm->bit_size : 0,
				    kflag)) < 0)
		return (int)packed;
	m->offset = (uint32_t)packed;
	return 0;
}

/* Member i (a DW_TAG_member) into the scratch array. Returns 0, 1 if it is
 * not a data member (a C++ static member), or -errno. */
static int read_member(struct dwarf_reader *r, Dwarf_Die *child, uint32_t i, bool *kflag)
{
	Dwarf_Attribute at[DIE_ATTRS_MAX];
	struct member_attrs a = { .have = 0 };
	struct rec_member *m;
	uint32_t off = 0, bsize = 0;
	int64_t packed;
	int nat, err;

	if ((nat = die_attrs__collect(&r->attrs, child, at)) >= 0) {
		for (int k = 0; k < nat; k++)
			member_attr(&at[k], &a);
	} else if (die_attrs__asked_libdw(&r->attrs), dwarf_getattrs(child, member_attr, &a, 0) != 1) {
		return reader_fail(r, child, -EINVAL, "cannot read the member's attributes");
	}
	if (a.skip)
		return 1;
	if (!(m = scratch_at(r, i, sizeof(*m))) ||
	    intern_name(r, (a.have & (1u << MA_NAME)) ? attr_string(r, &a.name) : NULL, &m->name))
		return -ENOMEM;
	m->type = REF_VOID;
	if (((a.have & (1u << MA_TYPE)) && (err = die_ref_at(r, child, &a.type, &m->type))) ||
	    (err = member_offset(r, child, &a, &off, &bsize)))
		return err;
	if ((packed = member_packed(r, child, off, bsize, kflag)) < 0)
		return (int)packed;
	m->offset = (uint32_t)packed;
	/* a member's annotations are its children: read after the walk */
	if (r->opts->decl_tag && die_attrs__haschildren(&r->attrs, child) &&
	    (push_u32(&r->tagged, &r->ntagged, &r->tagged_cap, i) ||
	     push_u32(&r->tagged, &r->ntagged, &r->tagged_cap, (uint32_t)dwarf_dieoffset(child))))
		return -ENOMEM;
	return 0;
}

/* One walk over a struct's children: data members into the scratch array (static
 * members skipped), the kflag and vlen of record idx, and the offsets of
 * nested type definitions (C++) into r->nested for the caller to visit. */
static int read_members(struct dwarf_reader *r, Dwarf_Die *die, long idx, uint32_t *nmem)
{
	Dwarf_Die child;
	uint32_t i = 0;
	size_t npending = 0;
	bool kflag = false;
	int err, res;

	r->nnested = 0;
	r->ntagged = 0;
	r->struct_tagged = false;
	if ((res = first_child(r, die, &child)) != 0)
		return res < 0 ? reader_fail(r, die, -EINVAL, "corrupt DIE tree") : 0;
	for (;;) {
		int tag;

		/* plain members straight from the bytes, up to one that is not */
		if ((res = take_plain_run(r, &child, DW_TAG_member, &i, &npending)) == -ENOMEM)
			return res;
		if (res)
			break;
		if ((tag = die_tag(r, &child)) == DW_TAG_member) {
			if ((err = read_member(r, &child, i, &kflag)) < 0)
				return err;
			i += err == 0;
		} else {
			r->struct_tagged |= is_annotation(tag);
			if (!is_annotation(tag) && tag != DW_TAG_inheritance &&
			    push_u32(&r->nested, &r->nnested, &r->nested_cap, (uint32_t)dwarf_dieoffset(&child)))
				return -ENOMEM;
		}
		if ((res = next_sibling(r, &child)) != 0)
			break;
	}
	if ((err = walk_done(r, die, res, i, "members")))
		return err;
	for (size_t k = 0; k < npending; k++)
		if ((err = finish_plain_member(r, pending_at(r, k), &kflag)))
			return err;
	r->recs[idx].kflag = kflag;
	r->recs[idx].vlen = (uint16_t)i;
	*nmem = i;
	return 0;
}

/* DECL_TAGs of a struct, then of its members in member order, from what
 * read_members saw: most structs have no annotation at all, and their
 * children are not walked a second time. */
static int add_struct_decl_tags(struct dwarf_reader *r, Dwarf_Die *die, long idx)
{
	int err;

	if (r->struct_tagged && (err = add_decl_tags(r, die, idx, -1)))
		return err;
	for (size_t k = 0; k + 1 < r->ntagged; k += 2) {
		Dwarf_Die member;

		if (!dwarf_offdie(r->dw, r->tagged[k + 1], &member))
			return reader_fail(r, die, -EINVAL, "corrupt DIE tree");
		if ((err = add_decl_tags(r, &member, idx, (int)r->tagged[k])))
			return err;
	}
	return 0;
}

int read_struct(struct dwarf_reader *r, Dwarf_Die *die, bool is_union)
{
	Dwarf_Word size = 0;
	struct rec_member *mem = NULL;
	uint32_t name, n = 0, *nested = NULL, nnested;
	long idx;
	int err;

	if (die_flag(r, die, DW_AT_declaration))
		return read_fwd(r, die, is_union);
	die_udata(r, die, DW_AT_byte_size, &size);
	if (die_name(r, die, &name) || (idx = add_rec(r, is_union ? BTF_KIND_UNION : BTF_KIND_STRUCT)) < 0)
		return -ENOMEM;
	r->recs[idx].name = name;
	r->recs[idx].size_type = (uint32_t)size;
	if ((err = map_die(r, die, idx + 1)) || (err = read_members(r, die, idx, &n)) ||
	    (err = add_struct_decl_tags(r, die, idx)))
		return err;
	if (n && !(mem = scratch_to_arena(r, n, sizeof(*mem))))
		return -ENOMEM;
	r->recs[idx].payload = n ? mem : NULL;
	/* nested type definitions (C++), which the walk visits next: the list
	 * is copied because visiting them reuses r->nested */
	if (!(nnested = (uint32_t)r->nnested))
		return 0;
	if (!(nested = arena__alloc(r->arena, nnested * sizeof(*nested))))
		return -ENOMEM;
	memcpy(nested, r->nested, nnested * sizeof(*nested));
	r->nested_todo = nested;
	r->nnested_todo = nnested;
	return 0;
}
