/* stages/common/mix64.h: one step of a 64-bit hash: h and v mixed (a
 * multiply-xorshift, as in splitmix64). For hashes that stay inside one
 * run (they never reach the output). Header only; any thread. */
#ifndef BTFSTREAM_MIX64_H
#define BTFSTREAM_MIX64_H

#include <stdint.h>

static inline uint64_t mix64(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 29);
}

#endif
