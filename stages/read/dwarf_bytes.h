/* stages/read/dwarf_bytes.h: numbers as DWARF writes them, read from bytes
 * in memory: fixed-size in the unit's byte order, ULEB128, SLEB128. Pure
 * functions of their arguments; any thread.
 */
#ifndef BTFSTREAM_DWARF_BYTES_H
#define BTFSTREAM_DWARF_BYTES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define DWARF_BYTES_HOST_BIG_ENDIAN (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)

/* The n-byte unsigned number at p, in the unit's byte order (4 and 8, the
 * sizes of references and .debug_str offsets, in one load). */
static inline uint64_t read_n(const unsigned char *p, unsigned int n, bool big_endian)
{
	uint64_t v = 0;

	if (n == 4) {
		uint32_t w;

		memcpy(&w, p, 4);
		return big_endian == DWARF_BYTES_HOST_BIG_ENDIAN ? w : __builtin_bswap32(w);
	}
	if (n == 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		return big_endian == DWARF_BYTES_HOST_BIG_ENDIAN ? w : __builtin_bswap64(w);
	}
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

#endif
