/* stages/common/str_hash.h: a 64-bit hash of the bytes s[0..n), eight at a
 * time through mix64 (the tail zero-padded), seeded with n. For hash tables
 * that stay inside one run (they never reach the output). Header only; any
 * thread. */
#ifndef BTFSTREAM_STR_HASH_H
#define BTFSTREAM_STR_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stages/common/mix64.h"

static inline uint64_t str_hash(const char *s, size_t n)
{
	uint64_t h = n, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		h = mix64(h, w);
	}
	if (i < n) {
		w = 0;
		memcpy(&w, s + i, n - i);
		h = mix64(h, w);
	}
	return h;
}

#endif
