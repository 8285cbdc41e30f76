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

#ifndef DW_FORM_implicit_const
#define DW_FORM_implicit_const 0x21
#endif

/* The n-byte unsigned number at p, in the unit's byte order. */
static inline uint64_t read_n(const unsigned char *p, unsigned int n, bool big_endian)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v = v << 8 | p[big_endian ? i : n - 1 - i];
	return v;
}

/* ULEB128 / SLEB128 at *pp, before end: true and *pp past it; false when it
 * runs past end or beyond 64 bits. */
static inline bool read_uleb(const unsigned char **pp, const unsigned char *end, uint64_t *v)
{
	unsigned int shift = 0;

	*v = 0;
	for (const unsigned char *p = *pp; p < end && shift < 64; p++, shift += 7) {
		*v |= (uint64_t)(*p & 0x7f) << shift;
		if (!(*p & 0x80)) {
			*pp = p + 1;
			return true;
		}
	}
	return false;
}

static inline bool read_sleb(const unsigned char **pp, const unsigned char *end, int64_t *v)
{
	uint64_t u = 0;
	unsigned int shift = 0;

	for (const unsigned char *p = *pp; p < end && shift < 64; p++) {
		u |= (uint64_t)(*p & 0x7f) << shift;
		shift += 7;
		if (!(*p & 0x80)) {
			if (shift < 64 && (*p & 0x40))
				u |= ~(uint64_t)0 << shift;
			*v = (int64_t)u;
			*pp = p + 1;
			return true;
		}
	}
	return false;
}

/* The byte after the value of form at p (p <= d->end), or NULL when unknown
 * or past the unit's end. */
const unsigned char *die_attrs__skip_value(const struct die_attrs *d, unsigned int form, const unsigned char *p);

/* The plan of die's abbreviation, NULL when there is none here (a DIE of
 * another CU, a bad code, a full table: the caller asks libdw); *after_code
 * receives the byte after the code. */
const struct die_attrs_plan *die_attrs__plan_of(struct die_attrs *d, Dwarf_Die *die, const unsigned char **after_code);

/* Sets pl->plain, and the role of each of its attributes, for a plan just
 * made (die_plain.c). */
void die_plain__plan(struct die_attrs *d, struct die_attrs_plan *pl);

#endif
