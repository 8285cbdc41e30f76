/* stages/input/unit_header.c: see unit_header.h. */
#include "stages/input/unit_header.h"

#include <dwarf.h>

#ifndef DW_UT_compile
#define DW_UT_compile 0x01
#define DW_UT_type 0x02
#define DW_UT_partial 0x03
#define DW_UT_skeleton 0x04
#define DW_UT_split_compile 0x05
#define DW_UT_split_type 0x06
#endif

static uint64_t get(const unsigned char *p, unsigned int n, bool big_endian)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)p[big_endian ? n - 1 - i : i] << (8 * i);
	return v;
}

/* The bytes a DWARF 5 unit type adds after the abbreviation offset (the
 * unit id, or the type signature and type offset); -1: not a type known. */
static int v5_extra(unsigned int unit_type, unsigned int offset_size)
{
	switch (unit_type) {
	case DW_UT_compile:
	case DW_UT_partial:
		return 0;
	case DW_UT_skeleton:
	case DW_UT_split_compile:
		return 8;
	case DW_UT_type:
	case DW_UT_split_type:
		return 8 + (int)offset_size;
	default:
		return -1;
	}
}

bool unit_header__parse(const unsigned char *b, size_t n, bool big_endian, struct unit_header *h)
{
	unsigned int offset_size = 4, p = 4, version;
	uint64_t length;
	int extra = 0;

	if (n < 4)
		return false;
	length = get(b, 4, big_endian);
	if (length == 0xffffffffu) {	/* DWARF64: the length follows */
		if (n < 12)
			return false;
		length = get(b + 4, 8, big_endian);
		offset_size = 8;
		p = 12;
	} else if (length >= 0xfffffff0u) {	/* reserved */
		return false;
	}
	if (n < p + 2 || (version = (unsigned int)get(b + p, 2, big_endian)) < 2 || version > 5)
		return false;
	p += 2;
	if (version == 5) {	/* unit type, address size, abbreviation offset */
		if (n < p + 1 || (extra = v5_extra(b[p], offset_size)) < 0)
			return false;
		p += 2 + offset_size + (unsigned int)extra;
	} else {		/* abbreviation offset, address size */
		p += offset_size + 1;
	}
	if (n < p || length > UINT64_MAX - 12)
		return false;
	h->next = (offset_size == 8 ? 12 : 4) + length;
	h->die = p;
	return true;
}
