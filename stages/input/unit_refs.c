/* stages/input/unit_refs.c: see unit_refs.h. */
#include "stages/input/unit_refs.h"

#include <dwarf.h>
#include <stdint.h>

#ifndef DW_FORM_GNU_ref_alt
#define DW_FORM_GNU_ref_alt 0x1f20
#endif

/* An unsigned or signed LEB128 at *p (its value is not needed, only its
 * end); false if it runs past end. */
static bool skip_leb(const unsigned char **p, const unsigned char *end)
{
	while (*p < end)
		if (!(*(*p)++ & 0x80))
			return true;
	return false;
}

static bool read_uleb(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	unsigned int shift = 0;

	*v = 0;
	while (*p < end) {
		unsigned char b = *(*p)++;

		if (shift < 64)
			*v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

static bool form_across(uint64_t form)
{
	switch (form) {
	case DW_FORM_ref_addr:
	case DW_FORM_ref_sig8:
	case DW_FORM_indirect:
	case DW_FORM_ref_sup4:
	case DW_FORM_ref_sup8:
	case DW_FORM_GNU_ref_alt:
		return true;
	default:
		return false;
	}
}

bool unit_refs__across(const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n;

	while (p < end) {
		uint64_t code, attr, form;

		if (!read_uleb(&p, end, &code))
			return true;
		if (!code)	/* the end of one unit's table; the next may follow */
			continue;
		if (!skip_leb(&p, end) || p >= end)	/* the tag, then DW_CHILDREN_* */
			return true;
		p++;
		for (;;) {
			if (!read_uleb(&p, end, &attr) || !read_uleb(&p, end, &form))
				return true;
			if (!attr && !form)
				break;
			if (form_across(form))
				return true;
			if (form == DW_FORM_implicit_const && !skip_leb(&p, end))
				return true;
		}
	}
	return false;
}
