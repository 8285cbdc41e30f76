/* stages/read/die_plain.h: plain DIEs, decoded straight from their bytes.
 *
 * Struct members (5.7 M of them in a Debian vmlinux), enumerators, the
 * parameters of function types, pointers (1.1 M), qualifiers and typedefs
 * are the most numerous DIEs, and nearly all of them are plain: a name, a
 * type or a constant, no children. For those,
 * die_plain__read reads the values from the DIE's bytes under its
 * abbreviation's plan (stages/read/die_attrs.h), with no Dwarf_Attribute
 * array and none of libdw's form readers, and gives each value as libdw's
 * dwarf_attr + dwarf_formudata / dwarf_formsdata / dwarf_formref would.
 *
 * Plain means, by tag (the plan is classified once per abbreviation):
 * - DW_TAG_member: no DW_AT_external, DW_AT_declaration (C++ static members),
 *   DW_AT_bit_offset or DW_AT_byte_size (DWARF 2/3 bitfields);
 *   data_member_location, bit_size and data_bit_offset constants.
 * - DW_TAG_enumerator: DW_AT_const_value a constant (no block).
 * - DW_TAG_formal_parameter, DW_TAG_pointer_type, DW_TAG_reference_type,
 *   DW_TAG_rvalue_reference_type, DW_TAG_const_type, DW_TAG_volatile_type,
 *   DW_TAG_restrict_type, DW_TAG_typedef: a name and a type only matter.
 * For all of them: no children (annotations), no DW_AT_abstract_origin or
 * DW_AT_specification (the name would be the origin's), a name of form
 * string or strp, references of form ref1/2/4/8/ref_udata, constants of
 * form data1/2, udata, sdata (const_value), implicit_const, and data4/8 from
 * DWARF 4 on (before, they could be section offsets). Other attributes are
 * stepped over. When every attribute of a plain abbreviation has a fixed
 * length and no value is an inline name, an implicit constant or sdata,
 * each value's place is planned once (die_attrs.plain_layout) and loaded
 * from there; otherwise the attributes are walked.
 *
 * One reader thread, through its die_attrs; see die_attrs.h.
 */
#ifndef BTFSTREAM_DIE_PLAIN_H
#define BTFSTREAM_DIE_PLAIN_H

#include <elfutils/libdw.h>
#include <stdbool.h>
#include <stdint.h>

#include "stages/read/die_attrs.h"

struct die_plain {
	const unsigned char *die;	/* the DIE's first byte (die_plain__run) */
	const unsigned char *name;	/* DW_AT_name's value; NULL: none */
	unsigned int name_form;		/* DW_FORM_string (the bytes) or DW_FORM_strp (an offset) */
	bool has_type, has_location, has_bit_size, has_data_bit_offset, has_const_value;
	bool const_signed;		/* const_value's form is sdata or implicit_const */
	uint64_t type;			/* DW_AT_type: a CU-relative offset */
	uint64_t location;		/* DW_AT_data_member_location, in bytes */
	uint64_t bit_size;		/* DW_AT_bit_size */
	uint64_t data_bit_offset;	/* DW_AT_data_bit_offset */
	uint64_t const_value;		/* DW_AT_const_value (as int64_t when const_signed) */
};

/* Decodes die, a DIE of the CU being read whose tag is tag (one of those
 * above), if it is plain for that tag.
 * 1: *out filled, and the sibling step after it needs no walk; 0: not plain,
 * or a value runs past the CU (*out is not usable: read the DIE as any other). */
int die_plain__read(struct die_attrs *d, Dwarf_Die *die, unsigned int tag, struct die_plain *out);

/* The run of plain DIEs of tag that starts at *p, a DIE in a list of
 * siblings of the CU being read, decoded one after the other with no
 * Dwarf_Die steps between them: at most max, each into the struct
 * die_plain that begins each stride-byte record of out (the caller's own
 * fields may follow it). Returns how many; *p is then the entry after the
 * last one decoded: a DIE that is not one of them (read it as any other),
 * NULL when the list ended there (the null entry, which
 * die_attrs__children_done then knows of), or the unit's end or beyond
 * (a corrupt tree) when *p >= d->end. */
size_t die_plain__run(struct die_attrs *d, const unsigned char **p, unsigned int tag, void *out, size_t stride,
		      size_t max);

#endif
