/* stages/read/die_attrs_impl.h: what die_attrs.c shares with die_plain.c, its
 * decoder of plain DIEs. Not an API: the reader calls die_attrs.h and
 * die_plain.h. Same thread rules as die_attrs.h (one reader thread).
 */
#ifndef BTFSTREAM_DIE_ATTRS_IMPL_H
#define BTFSTREAM_DIE_ATTRS_IMPL_H

#include <dwarf.h>
#include <stdbool.h>
#include <stdint.h>

#include "stages/read/die_attrs.h"
#include "stages/read/dwarf_bytes.h"

#ifndef DW_FORM_implicit_const
#define DW_FORM_implicit_const 0x21
#endif

/* The byte after the value of form at p (p <= d->end), or NULL when unknown
 * or past the unit's end. */
const unsigned char *die_attrs__skip_value(const struct die_attrs *d, unsigned int form, const unsigned char *p);

/* The plan of die's abbreviation, NULL when there is none here (a DIE of
 * another CU, a bad code, a full table: the caller asks libdw); *after_code
 * receives the byte after the code. */
const struct die_attrs_plan *die_attrs__plan_of(struct die_attrs *d, Dwarf_Die *die, const unsigned char **after_code);

/* die_attrs__plan_of's common case in line: a DIE of the CU being read
 * whose abbreviation code is one byte, planned from .debug_abbrev. */
static inline const struct die_attrs_plan *die_attrs__plan_fast(struct die_attrs *d, Dwarf_Die *die,
								 const unsigned char **after_code)
{
	const unsigned char *p = die->addr;

	if (die->cu == d->cu && d->cu && p >= d->start && p < d->end && !(*p & 0x80) &&
	    d->bycode[*p].gen == d->gen && !d->bycode[*p].plan->abbrev) {
		*after_code = p + 1;
		return d->bycode[*p].plan;
	}
	return die_attrs__plan_of(d, die, after_code);
}

/* Sets pl->plain, and the role of each of its attributes, for a plan just
 * made (die_plain.c). */
void die_plain__plan(struct die_attrs *d, struct die_attrs_plan *pl);

#endif
