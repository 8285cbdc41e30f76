/* stages/input/unit_header.h: a .debug_info unit header, parsed from its bytes.
 *
 * What the CU index needs of a unit (where it ends, where its DIE starts),
 * read the way libdw's dwarf_next_unit reads it, for the headers the index
 * reads with pread instead of through the mapping (cu_index.h). It declines
 * whatever it is not sure libdw reads the same way (a reserved length, a
 * version other than 2-5, a DWARF 5 unit type it does not know, fewer bytes
 * than the header): the caller then asks libdw, which says what is wrong.
 * Pure; any thread.
 */
#ifndef BTFSTREAM_UNIT_HEADER_H
#define BTFSTREAM_UNIT_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most bytes a header takes (DWARF 5, 64-bit, a type unit). */
#define UNIT_HEADER_MAX 40

struct unit_header {
	uint64_t next;		/* bytes from the header's start to the next unit's */
	uint64_t die;		/* ... to the unit DIE (the header's size) */
};

/* Parses the header at b (n bytes available, at most UNIT_HEADER_MAX are
 * read). true with *h filled, false: declined. */
bool unit_header__parse(const unsigned char *b, size_t n, bool big_endian, struct unit_header *h);

#endif
